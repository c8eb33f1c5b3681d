"""Intent-level reads and writes of the lineage store; the rest of the code never sees the ORM.

One module per subject (runs, nodes, files, edges, roots, cache, detail), used as one
namespace: `from db import repository as repo; repo.upsert_nodes(...)`.

Writes are bulk: one SELECT to find what exists, one INSERT for what is new, one UPDATE for
what changed, per batch. A node or edge whose content is unchanged is not rewritten; only its
`last_seen` stamp moves (one statement per batch). Every change of a tracked field is appended
to `node_history`, never overwritten.
"""

from db.repository.cache import load_cache, save_cache
from db.repository.common import (
    CHUNK,
    CONTENT_FIELDS,
    HISTORY_FIELDS,
    STAT_FIELDS,
    fingerprint,
)
from db.repository.detail import node_detail
from db.repository.edges import (
    EdgeChanges,
    apply_edges,
    graph_edge_rows,
    parse_relation_text,
    relation_text,
    upsert_edges,
)
from db.repository.families import (
    family_counts,
    keys_starting,
    node_count,
    relation_counts,
    search_nodes,
)
from db.repository.files import files_of, replace_files
from db.repository.health import database_health
from db.repository.nodes import (
    NodeWrite,
    aliases_of_nodes,
    find_nodes_by_repo_id,
    graph_node_rows,
    known_shas,
    node_ids,
    node_names,
    nodes_by_id,
    record_observations,
    resolve_key,
    set_status,
    store_license_issues,
    upsert_nodes,
)
from db.repository.roots import family_ids, root_licenses, root_members, set_root_members
from db.repository.runs import (
    abandon_runs,
    add_warnings,
    count_runs,
    finish_run,
    get_run,
    last_crawls,
    latest_run,
    list_runs,
    run_warnings,
    start_run,
    sweep_runs,
)

__all__ = [
    "CHUNK",
    "EdgeChanges",
    "apply_edges",
    "CONTENT_FIELDS",
    "HISTORY_FIELDS",
    "STAT_FIELDS",
    "NodeWrite",
    "abandon_runs",
    "add_warnings",
    "aliases_of_nodes",
    "count_runs",
    "database_health",
    "family_counts",
    "keys_starting",
    "last_crawls",
    "list_runs",
    "node_count",
    "relation_counts",
    "search_nodes",
    "sweep_runs",
    "graph_edge_rows",
    "graph_node_rows",
    "family_ids",
    "files_of",
    "find_nodes_by_repo_id",
    "fingerprint",
    "finish_run",
    "get_run",
    "known_shas",
    "latest_run",
    "load_cache",
    "node_detail",
    "node_ids",
    "node_names",
    "nodes_by_id",
    "parse_relation_text",
    "record_observations",
    "relation_text",
    "replace_files",
    "resolve_key",
    "root_licenses",
    "root_members",
    "run_warnings",
    "save_cache",
    "set_root_members",
    "set_status",
    "start_run",
    "store_license_issues",
    "upsert_edges",
    "upsert_nodes",
]
