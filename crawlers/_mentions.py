"""Which family members a README names, for the GitHub and ModelScope crawlers (pure).

A thin layer over `crawlers.references`: the same reading of card text (hub URLs, a member's
exact `owner/name`, front-matter `base_model`; table rows and comparisons do not count), with
a resolver that knows which hub a bare `owner/name` most likely means for the reader (a
GitHub port naming `xai-org/grok-1` means the code first; a ModelScope mirror means the
Hugging Face weights first). A URL names exactly the hub it points at.

One case `references` leaves out on purpose is kept here: a repo whose id equals a member's
id on another hub (a ModelScope mirror published under the same `owner/name`) and whose card
links that member's page. The link is explicit, so it is not a self-reference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crawlers.base import RepoRecord
from crawlers.evidence import Family
from crawlers.references import references

_HOSTS = {
    "huggingface.co": "huggingface",
    "hf.co": "huggingface",
    "github.com": "github",
    "modelscope.cn/models": "modelscope",
}


@dataclass(frozen=True)
class Mention:
    """A member named by a repo's README or card metadata."""

    key: str  # node key of the member
    said: str  # where, in words a person can check: "README links https://..."
    linked: bool  # a URL or declared metadata (stronger) rather than a bare `owner/name`


def member_mentions(
    record: RepoRecord, family: Family, prefer: Sequence[str], doc: str = "README"
) -> list[Mention]:
    """Members `record.card_text` names, strongest first, one mention per member."""
    if not record.card_text:
        return []

    def resolve(repo_id: str, hub: str | None, _own: str | None) -> str | None:
        if hub:  # a URL: that hub, nothing else
            key = family.resolve(repo_id, hub, hub)
            return key if key and key.startswith(hub + ":") else None
        for want in prefer:
            key = family.resolve(repo_id, want, want)
            if key and key.startswith(want + ":"):
                return key
        return family.resolve(repo_id)

    found: list[Mention] = []
    for ref in references(record, resolve, family.known_ids):
        if not ref.key or ref.key == record.key:
            continue
        if ref.where.startswith("card text links "):
            url = ref.where.removeprefix("card text links ").rstrip(".")
            said, linked = f"{doc} links {url}", True
        elif ref.where.startswith("card text names "):
            said, linked = f"{doc} names {ref.key}", False
        else:
            said, linked = f"{doc} {ref.where.removeprefix('card ')}: {ref.repo_id}", True
        found.append(Mention(ref.key, said[:300], linked))
    found.extend(_same_id_links(record, family))
    unique: dict[str, Mention] = {}
    for m in sorted(found, key=lambda m: not m.linked):
        unique.setdefault(m.key, m)
    return list(unique.values())


def _same_id_links(record: RepoRecord, family: Family) -> list[Mention]:
    """Links to the same `owner/name` on another hub, when that is a member."""
    own = re.escape(record.repo_id)
    hosts = "|".join(re.escape(h) for h in _HOSTS)
    pattern = re.compile(
        rf"(?:https?://)?(?:www\.)?({hosts})/{own}(?![A-Za-z0-9._-])", re.IGNORECASE
    )
    out = []
    for m in pattern.finditer(record.card_text or ""):
        hub = _HOSTS[m.group(1).lower()]
        if hub == record.hub:
            continue
        key = family.resolve(record.repo_id, hub, hub)
        if key and key.startswith(hub + ":"):
            out.append(Mention(key, f"README links {m.group(0)}"[:300], True))
    return out
