"""One model as the ModelScope OpenAPI answers it, for tests of the ModelScope crawler."""

from __future__ import annotations


def item(rid: str, **kw) -> dict:
    body = {
        "id": rid,
        "display_name": rid.split("/")[1],
        "downloads": 120,
        "likes": 4,
        "license": "Apache License 2.0",
        "created_at": "2024-03-20T08:00:00Z",
        "last_modified": "2024-03-21T09:00:00Z",
        "tags": ["grok", "text-generation"],
        "tasks": ["text-generation"],
    }
    body.update(kw)
    return body
