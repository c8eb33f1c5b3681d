"""Helpers shared by test modules that are not fakes of a hub: clocks, snapshots of a stored
graph, child processes. Test modules import from here and from tests/fakes, never from one
another."""
