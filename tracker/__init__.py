"""The Grok lineage tracker: crawl hubs for Grok derivatives, keep the record, answer queries."""

__version__ = "0.1.0"
