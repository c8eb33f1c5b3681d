"""The one table of hubs: each hub's name, crawler, endpoint and token settings, web URL form.

Everything that names hubs reads this table: the config's `hubs.<name>.*` settings and the
`crawl.hubs` default, the CLI's `--hub` choices, the crawler lookup (`crawlers.crawler_class`)
and the pipeline's crawl order, which is the table's order. A new hub is one sub-package with
its crawler plus one row here (README, "Extending"). This module imports nothing of the
project, so any layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

# The names again, for the type checker: a test keeps them equal to the table's.
Hub = Literal["huggingface", "modelscope", "github"]


@dataclass(frozen=True)
class HubInfo:
    name: Hub
    title: str  # as people write it
    crawler: str  # "module:Class", imported only when a crawl needs it (fast CLI start-up)
    endpoint: str  # the API base a crawl uses unless told otherwise
    endpoint_env: str  # the environment variable that overrides it
    endpoint_help: str
    token_env: str  # the variable that holds the token, unless hubs.<name>.token_env says
    web_url: str  # a repository's page, from its id: web_url.format(repo_id)
    etags: bool = False  # the crawler keeps ETags between runs (conditional requests)


# In crawl order: Hugging Face first, since its members' file hashes let ModelScope mirrors
# and GitHub ports match.
HUB_TABLE: tuple[HubInfo, ...] = (
    HubInfo(
        name="huggingface",
        title="Hugging Face",
        crawler="crawlers.huggingface.crawler:HuggingFaceCrawler",
        endpoint="https://huggingface.co",
        endpoint_env="HF_ENDPOINT",
        endpoint_help="Hub API base",
        token_env="HF_TOKEN",
        web_url="https://huggingface.co/{}",
    ),
    HubInfo(
        name="modelscope",
        title="ModelScope",
        crawler="crawlers.modelscope.crawler:ModelScopeCrawler",
        endpoint="https://modelscope.cn",
        endpoint_env="MODELSCOPE_ENDPOINT",
        endpoint_help="ModelScope base URL",
        token_env="MODELSCOPE_API_TOKEN",
        web_url="https://modelscope.cn/models/{}",
        etags=True,
    ),
    HubInfo(
        name="github",
        title="GitHub",
        crawler="crawlers.github.crawler:GitHubCrawler",
        endpoint="https://api.github.com",
        endpoint_env="GITHUB_API_URL",
        endpoint_help="GitHub API",
        token_env="GITHUB_TOKEN",
        web_url="https://github.com/{}",
        etags=True,
    ),
)

HUBS: tuple[Hub, ...] = tuple(info.name for info in HUB_TABLE)
_BY_NAME: dict[str, HubInfo] = {info.name: info for info in HUB_TABLE}


def hub_info(name: str) -> HubInfo:
    """The row of hub `name`; KeyError for a hub the table does not hold."""
    return _BY_NAME[name]


def web_url(hub: str, repo_id: str) -> str:
    """A repository's page on its hub (the bare id for a hub the table does not hold)."""
    info = _BY_NAME.get(hub)
    return info.web_url.format(repo_id) if info else repo_id


def repo_from_url(url: str, endpoints: dict[str, str] | None = None) -> tuple[str | None, str]:
    """(hub, repo id) of a pasted repository URL: a hub's web page (`https://huggingface.co/
    owner/name/tree/main`, `https://modelscope.cn/models/owner/name`, `https://github.com/
    owner/name.git`) or an address under a configured endpoint (a mirror). The hub is None
    for a host no hub has (the id may be on any); ("", "") for what is not a URL."""
    if not url.lower().startswith(("http://", "https://")):
        return "", ""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = [p for p in parts.path.split("/") if p]
    hub: str | None = None
    for info in HUB_TABLE:
        bases = [info.web_url.format(""), (endpoints or {}).get(info.name, "")]
        for base in filter(None, bases):
            base_parts = urlsplit(base)
            prefix = [p for p in base_parts.path.split("/") if p]
            if base_parts.netloc.lower().removeprefix("www.") == host and (
                path[: len(prefix)] == prefix
            ):
                hub, path = info.name, path[len(prefix):]
                break
        if hub:
            break
    while hub != "github" and path[:1] in (["api"], ["models"]):  # API addresses, mirrors
        path = path[1:]
    if len(path) < 2:
        return "", ""
    name = path[1].removesuffix(".git")
    return hub, f"{path[0]}/{name}"
