"""License audit: judge every derivative against the terms of each root it descends from.

The terms are data: `graph/license_rules.toml` ships with the package, and the config key
`licenses.rules` may point to a replacement (`load_rules`). For each root license a rule says
which licenses a derivative may carry, whether it must declare one, and what its card must
display. `audit` walks the family graph from each root's nodes and reports three codes
(SPEC.md): `missing`, `incompatible`, `attribution`.

Decisions an auditor should know:
- Terms bind along the whole chain, through every relation: a quantization of a fine-tune of
  grok-2 is judged by grok-2, whatever its parent declares. Binding follows the edges of the
  graph handed in (a node's `roots` attribute is not consulted); the path reported is a
  shortest one from a node of the root, the same on every run.
- A node descending from two roots is judged against both; each issue names its root.
- Roots are not judged (their license is the config's).
- Attribution unknown (`attribution` None: the card was not read) is not a violation: an
  auditor must be able to act on every reported issue. With `include_unverified=True` such
  nodes come back as `attribution` issues with `verified=False`, so a report can list them as
  "could not check" apart from the confirmed ones; `issues_by_node` ignores them.
- A node offering several licenses (`apache-2.0 OR grok-2`) must be allowed every one: a user
  may take it under any of them.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from graph.licenses import (
    OTHER,
    UNKNOWN,
    display_name,
    license_components,
    normalize_license_id,
)

if TYPE_CHECKING:
    import networkx as nx

IssueCode = Literal["missing", "incompatible", "attribution"]
ISSUE_CODES: tuple[IssueCode, ...] = ("missing", "incompatible", "attribution")
RULES_KEY = "licenses.rules"  # the config key, named in every RulesError
_RULE_KEYS = {"name", "allow", "require_license", "attribution"}
_ANY = "*"
_Finding = tuple[IssueCode, str, bool]  # code, explanation, verified


class RulesError(ValueError):
    """A license rules file that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class LicenseRule:
    """The terms one root license sets for its derivatives. `allow is None` = any license."""

    license: str
    name: str
    allow: frozenset[str] | None = None
    require_license: bool = True
    attribution: str = ""

    def disallowed(self, license_id: str) -> tuple[str, ...]:
        """The ids of `license_id` these terms do not allow (empty: compliant or undeclared)."""
        if self.allow is None:
            return ()
        return tuple(c for c in license_components(license_id) if c not in self.allow)

    def allowed_text(self) -> str:
        return "any license" if self.allow is None else " or ".join(sorted(self.allow)) or "none"


@dataclass(frozen=True)
class LicenseRules:
    """All rules, by root license id; `default` covers a root license without a rule."""

    licenses: Mapping[str, LicenseRule]
    default: LicenseRule | None = None
    source: str = "shipped"

    def rule_for(self, root_license: str) -> LicenseRule | None:
        return self.licenses.get(normalize_license_id(root_license), self.default)


@dataclass(frozen=True)
class RootTerms:
    """A root as the audit needs it: its license and its nodes (tracker's RootConfig fits)."""

    license: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class LicenseIssue:
    """One finding: `node` under `license` breaks `root`'s terms in the way `code` says.

    `path` runs from the root's node that binds it down to `node`. `verified=False` only for an
    `attribution` that could not be checked (card not read; see the module docstring).
    """

    node: str
    root: str
    license: str
    code: IssueCode
    explanation: str
    path: tuple[str, ...]
    verified: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "node": self.node,
            "root": self.root,
            "license": self.license,
            "code": self.code,
            "explanation": self.explanation,
            "path": list(self.path),
            "verified": self.verified,
        }


# --- rules -----------------------------------------------------------------------------------


def load_rules(path: str | Path | None = None) -> LicenseRules:
    """Read the rules: the shipped file when `path` is None or "", else that file alone.

    Raises RulesError naming `licenses.rules` and the file when it is missing or malformed.
    """
    if not path:
        text = resources.files("graph").joinpath("license_rules.toml").read_text("utf-8")
        return parse_rules(text, "shipped")
    where = f"{RULES_KEY} = {str(path)!r}"
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise RulesError(f"{where}: no such file; fix the path or unset {RULES_KEY}") from None
    except UnicodeDecodeError:
        raise RulesError(f"{where}: not UTF-8 text") from None
    except OSError as exc:
        raise RulesError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "shipped") -> LicenseRules:
    """Parse and check rules TOML; `source` names the file in errors."""
    where = "shipped license rules" if source == "shipped" else f"{RULES_KEY} = {source!r}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{where}: not valid TOML ({exc})") from None
    unknown = set(data) - {"version", "default", "licenses"}
    if unknown:
        raise RulesError(
            f"{where}: unknown key {sorted(unknown)[0]!r}; expected version, [default] and "
            '[licenses."<id>"] tables'
        )
    if data.get("version", 1) != 1:
        raise RulesError(f"{where}: version = {data['version']!r} is not supported; use 1")
    tables = data.get("licenses", {})
    if not isinstance(tables, dict):
        raise RulesError(f'{where}: licenses must hold [licenses."<id>"] tables')
    rules: dict[str, LicenseRule] = {}
    for raw_id, body in tables.items():
        license_id = normalize_license_id(raw_id)
        if not license_id:
            raise RulesError(f"{where}: [licenses.{raw_id!r}] does not name a license")
        if license_id in rules:
            raise RulesError(f"{where}: two tables for license {license_id!r}")
        rules[license_id] = _parse_rule(body, license_id, f'{where}: licenses."{raw_id}"')
    default = None
    if "default" in data:
        default = _parse_rule(data["default"], "", f"{where}: default")
    if not rules and default is None:
        raise RulesError(f'{where}: no [licenses."<id>"] table and no [default]; nothing to check')
    return LicenseRules(rules, default, source)


def _parse_rule(body: object, license_id: str, where: str) -> LicenseRule:
    if not isinstance(body, dict):
        raise RulesError(f"{where} must be a table")
    unknown = set(body) - _RULE_KEYS
    if unknown:
        raise RulesError(
            f"{where}: unknown key {sorted(unknown)[0]!r}; expected one of "
            f"{', '.join(sorted(_RULE_KEYS))}"
        )
    allow_raw = body.get("allow", [_ANY])
    if not isinstance(allow_raw, list) or not all(isinstance(a, str) for a in allow_raw):
        raise RulesError(f'{where}: allow must be a list of license ids, like ["grok-2"] or ["*"]')
    allow: frozenset[str] | None
    if _ANY in (a.strip() for a in allow_raw):
        allow = None
    else:
        allow = frozenset(c for a in allow_raw for c in license_components(normalize_license_id(a)))
    require = body.get("require_license", True)
    if not isinstance(require, bool):
        raise RulesError(f"{where}: require_license must be true or false")
    attribution = body.get("attribution", "")
    if not isinstance(attribution, str):
        raise RulesError(f'{where}: attribution must be a string, like "Powered by xAI"')
    name = body.get("name", display_name(license_id) or "the root's license")
    if not isinstance(name, str) or not name.strip():
        raise RulesError(f"{where}: name must be a non-empty string")
    return LicenseRule(license_id, name.strip(), allow, require, attribution.strip())


# --- audit -----------------------------------------------------------------------------------


def _root_parts(spec: object) -> tuple[str, tuple[str, ...]]:
    """(license, node keys) from a RootTerms, tracker's RootConfig, a mapping or a pair."""
    if isinstance(spec, Mapping):
        license_id, nodes = spec.get("license", ""), spec.get("nodes", ())
    elif isinstance(spec, tuple) and len(spec) == 2:
        license_id, nodes = spec
    else:
        license_id, nodes = getattr(spec, "license", ""), getattr(spec, "nodes", ())
    if isinstance(nodes, str):
        nodes = (nodes,)
    return normalize_license_id(license_id or ""), tuple(str(n) for n in nodes or ())


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _shortest_paths(graph: nx.DiGraph, sources: Iterable[str]) -> dict[str, str | None]:
    """BFS parents from several sources at once; visits each node once, so cycles end."""
    parent: dict[str, str | None] = {}
    queue: deque[str] = deque()
    for source in sorted(s for s in set(sources) if s in graph):
        parent[source] = None
        queue.append(source)
    while queue:
        node = queue.popleft()
        for child in sorted(graph.successors(node), key=str):
            if child not in parent:
                parent[child] = node
                queue.append(child)
    return parent


def _path(parent: Mapping[str, str | None], node: str) -> tuple[str, ...]:
    path = [node]
    while (up := parent[path[-1]]) is not None:
        path.append(up)
    return tuple(reversed(path))


def _attribution_shown(value: object, phrase: str) -> bool | None:
    """Node attr `attribution`: a bool/None for the default phrase, or {phrase: bool | None}."""
    if isinstance(value, Mapping):
        folded = {str(k).casefold(): v for k, v in value.items()}
        value = folded.get(phrase.casefold())
    if value is None or value == "":
        return None
    return _truthy(value)


def _judge(license_id: str, shown: object, root: str, rule: LicenseRule) -> list[_Finding]:
    """What `rule` finds wrong with one derivative of `root`: (code, explanation, verified)."""
    found: list[_Finding] = []
    terms = f"{root} ({rule.name})"
    if not license_id:
        if rule.require_license:
            must = "one" if rule.allow is None else rule.allowed_text()
            found.append(
                (
                    "missing",
                    f"declares no license; as a derivative of {terms} it must carry {must}",
                    True,
                )
            )
    elif bad := rule.disallowed(license_id):
        if set(bad) <= {OTHER, UNKNOWN}:
            said = f"declares {license_id!r} without naming the license"
        elif len(license_components(license_id)) > 1:
            said = f"declares {license_id} ({', '.join(bad)} not allowed)"
        else:
            said = f"declares {license_id}"
        only = f"{terms} allows derivatives only under {rule.allowed_text()}"
        found.append(("incompatible", f"{said}; {only}", True))
    if rule.attribution:
        phrase = f'"{rule.attribution}"'
        seen = _attribution_shown(shown, rule.attribution)
        if seen is False:
            found.append(
                ("attribution", f"card does not display {phrase}, which {terms} requires", True)
            )
        elif seen is None:
            unread = f"card not read: could not check that it displays {phrase} ({terms})"
            found.append(("attribution", unread, False))
    return found


def audit(
    graph: nx.DiGraph,
    roots: Mapping[str, object],
    rules: LicenseRules | None = None,
    *,
    include_unverified: bool = False,
) -> list[LicenseIssue]:
    """Every license issue of the family, sorted by root, node and code.

    `graph`: node ids are node keys, edges parent -> child; node attrs `license` (normalized,
    "" = none), `attribution` (True / False / None = card not read), `is_root`. `roots`: root
    name -> its license and node keys (RootTerms, tracker's RootConfig, {"license", "nodes"}
    or a (license, nodes) pair). `rules`: None reads the shipped file.
    """
    rules = load_rules() if rules is None else rules
    parts = {name: _root_parts(spec) for name, spec in roots.items()}
    root_nodes = {key for _license, nodes in parts.values() for key in nodes}
    root_nodes |= {n for n, attrs in graph.nodes(data=True) if _truthy(attrs.get("is_root"))}
    issues: list[LicenseIssue] = []
    for root in sorted(parts):
        root_license, nodes = parts[root]
        rule = rules.rule_for(root_license)
        if rule is None:
            continue  # no terms known for this license and no [default]: nothing to hold it to
        parent = _shortest_paths(graph, nodes)
        for node in sorted(parent, key=str):
            if node in root_nodes:
                continue
            attrs = graph.nodes[node]
            license_id = normalize_license_id(attrs.get("license") or "")
            for code, explanation, verified in _judge(
                license_id, attrs.get("attribution"), root, rule
            ):
                if verified or include_unverified:
                    issues.append(
                        LicenseIssue(
                            node, root, license_id, code, explanation, _path(parent, node), verified
                        )
                    )
    return issues


def issues_by_node(issues: Iterable[LicenseIssue]) -> dict[str, list[str]]:
    """Node key -> its distinct confirmed codes in SPEC order, for exports' `license_issues`."""
    codes: dict[str, set[str]] = {}
    for issue in issues:
        if issue.verified:
            codes.setdefault(issue.node, set()).add(issue.code)
    return {node: [c for c in ISSUE_CODES if c in found] for node, found in sorted(codes.items())}


def count_by_code(issues: Iterable[LicenseIssue]) -> dict[str, int]:
    """Confirmed issues per code (every code present, 0 included), for summaries."""
    counts: dict[str, int] = dict.fromkeys(ISSUE_CODES, 0)
    for issue in issues:
        if issue.verified:
            counts[issue.code] += 1
    return counts


def audit_inputs_digest(roots: Mapping[str, object], rules_path: str | Path | None = None) -> str:
    """A fingerprint of all the audit reads besides the graph: the roots as configured, the
    rules file, and the code that judges and builds the audited graph (an upgrade audits
    again). Empty when one of them cannot be read, which never matches a stored one."""
    digest = hashlib.sha256(repr(sorted((name, repr(r)) for name, r in roots.items())).encode())
    here = Path(__file__).parent
    try:
        rules = Path(rules_path) if rules_path else here / "license_rules.toml"
        for path in (rules, here / "license_audit.py", here / "licenses.py", here / "build.py"):
            digest.update(path.read_bytes())
    except OSError:
        return ""
    return digest.hexdigest()
