"""The lineage graph: queries over the store, NetworkX graphs, exports for researchers."""
