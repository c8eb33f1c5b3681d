"""CycloneDX 1.6 ML-BOM: a derivative's provenance for license auditors and their tools.

Built with cyclonedx-python-lib and checked with its strict JSON validator before a byte is
written: an invalid BOM is an ExportError, never a file. Two shapes:

- subject (`tracker export --format cyclonedx --node NODE`): `metadata.component` is the
  repository, its whole ancestry nested in `pedigree.ancestors` up to the root(s); an edge
  below `min_confidence` goes to `pedigree.variants` (related, not proven). A merge has one
  ancestor per parent.
- family (`--root NAME`, or no subject): every member is a top-level component, the
  `dependencies` graph holds the lineage (a child `dependsOn` its parents), and each
  member's pedigree names its direct parents with the edge's facts.

A component is the repository at a revision: `name` = repo id, `version` = commit sha, purl
`pkg:huggingface/...` or `pkg:github/...`, the hub URL as an external reference, every file
with a SHA-256 as a `file` sub-component carrying the hash, the export schema's fields
(formats, parameters, status, ...) as `tracker:` properties. An ancestor or variant also
carries its edge: `tracker:child`, `tracker:relation`, `tracker:source`,
`tracker:confidence`, `tracker:evidence`; an inferred edge has `evidence.identity` naming
the technique that found it, with the edge's confidence: `hash-comparison` (shared weight or
tokenizer files), `manifest-analysis` (a card, config, GGUF header or README naming the
parent), `other` (the Grok architecture at the parent's scale).

Licenses: the hub's declaration (`acknowledgement: declared`) and the tracker's conclusion,
the license of every root whose terms bind the node along its chain (`concluded`); each
license issue of the audit is an annotation on the component. The library has no
`modelCard` or `annotations` yet: both are added to its JSON, which is then validated.

A repository met twice (a merge of two branches of one family) is described in full once;
later entries are short, with the bom-ref `PARENT -> CHILD`. Strings pass through the export
schema's `sanitize()`, as in every format.

What the schema does not hold comes in `ExportGraph.notes` (graph/provenance.py writes them;
without them the BOM is a family BOM of the graph alone): `subject` (a node key, "" for a
family), `facts` (node key -> `sha`, `architectures`, `model_type`, `files` as
[path, size, sha256], `license_raw`), `root_licenses` (root -> license id),
`min_confidence`, and the notes every format gets: `at`, `issues`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, BinaryIO
from urllib.parse import quote

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.component_evidence import (
    AnalysisTechnique,
    ComponentEvidence,
    Identity,
    IdentityField,
    Method,
)
from cyclonedx.model.license import DisjunctiveLicense, LicenseAcknowledgement
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.spdx import fixup_id
from packageurl import PackageURL

from graph.export.common import (
    EDGE_FIELDS,
    NODE_FIELDS,
    ExportError,
    ExportGraph,
    SingleFile,
    _tracker_version,
    sanitize,
    sanitize_key,
)
from graph.licenses import license_components

# Below this confidence an edge is a relationship not proven (a CycloneDX `variant`): the
# resolver gives 0.7 to a card-text mention without the Grok architecture, 0.8 and more to
# file hashes, declarations and architecture at the parent's scale.
MIN_CONFIDENCE = 0.75


TOOL = "grok-lineage-tracker"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAX_URL = 2000
_PURL_TYPE = {"huggingface": "huggingface", "github": "github"}  # ModelScope has none
_HASHED = re.compile(r"shares \d+/\d+ (weight|tokenizer) files|identical weight files")
_SCALE = re.compile(r"architecture .* parameters, the scale of ")
# export-schema fields carried as properties when not empty, in the schema's order
_NODE_PROPERTIES = [f for f in NODE_FIELDS if f not in ("repo_id", "url", "license")]
_DECLARED, _CONCLUDED = LicenseAcknowledgement.DECLARED, LicenseAcknowledgement.CONCLUDED


def _prop(name: str, value: object) -> Property:
    return Property(name=f"tracker:{name}", value=str(value))


def _uri(url: str) -> str:
    """`url` as a URI reference: whatever a URI cannot hold raw (spaces, controls, quotes,
    non-ASCII) percent-encoded; what is already encoded stays so."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _linkable(url: str) -> bool:
    """An http(s) URL of sane length: one the schema's IRI check (a slow parser, superlinear
    in the length) can take, and worth linking. Others stay in the `tracker:url` property."""
    return len(url) <= _MAX_URL and url.lower().startswith(("https://", "http://"))


def technique(evidence: str) -> AnalysisTechnique:
    """How an inferred edge was found, from the first clause of its evidence (the resolver
    writes the deciding signal first: crawlers/evidence.py)."""
    head = evidence.split(";", 1)[0]
    if _HASHED.match(head):
        return AnalysisTechnique.HASH_COMPARISON
    if _SCALE.search(head):
        return AnalysisTechnique.OTHER
    return AnalysisTechnique.MANIFEST_ANALYSIS


def _licenses(
    ids: Iterable[str], acknowledgement: LicenseAcknowledgement
) -> list[DisjunctiveLicense]:
    """A DisjunctiveLicense per id of each (possibly `a OR b`) license: the SPDX id where one
    exists, else the hub's id as the name (`grok-2`)."""
    out = []
    for license_id in ids:
        for part in license_components(license_id):
            spdx = fixup_id(part)
            if spdx:
                out.append(DisjunctiveLicense(id=spdx, acknowledgement=acknowledgement))
            else:
                name = sanitize(part)
                out.append(DisjunctiveLicense(name=name, acknowledgement=acknowledgement))
    return out


_NO_FACTS: dict[str, Any] = {
    "sha": "", "architectures": [], "model_type": "", "files": [], "license_raw": {},
}  # fmt: skip


class _Builder:
    """One BOM from an ExportGraph and its notes. `model_cards` (by bom-ref) are added to
    the serialized JSON."""

    def __init__(self, graph: ExportGraph) -> None:
        notes = graph.notes
        facts = notes.get("facts", {})
        self.facts = {sanitize_key(k): {**_NO_FACTS, **v} for k, v in facts.items()}
        self.root_licenses: dict[str, str] = notes.get("root_licenses", {})
        self.min_confidence = float(notes.get("min_confidence", MIN_CONFIDENCE))
        self.at: str = notes.get("at", "")
        self.issues: dict[str, list[dict[str, str]]] = notes.get("issues", {})
        self.rows = {key: dict(zip(NODE_FIELDS, row, strict=True)) for key, row in graph.nodes}
        self.parents: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for parent, child, row in graph.edges:
            self.parents[child].append((parent, dict(zip(EDGE_FIELDS, row, strict=True))))
        for edges in self.parents.values():
            edges.sort(key=lambda e: (-e[1]["confidence"], e[0]))
        self.full: set[str] = set()  # keys described in full somewhere in the BOM
        self.model_cards: dict[str, dict[str, Any]] = {}

    def component(self, key: str, edge: tuple[str, dict[str, Any]] | None = None) -> Component:
        """`key` in full the first time, short (`PARENT -> CHILD`) after; with `edge`
        (child key, edge row) as an ancestor or variant of that child."""
        row, facts = self.rows[key], self.facts.get(key, _NO_FACTS)
        full = key not in self.full
        sha = facts["sha"]
        purl = None
        if row["hub"] in _PURL_TYPE and "/" in row["repo_id"]:
            namespace, _, name = row["repo_id"].rpartition("/")
            purl = PackageURL(_PURL_TYPE[row["hub"]], namespace, name, sha or None)
        github = row["hub"] == "github"
        link = ExternalReferenceType.VCS if github else ExternalReferenceType.DISTRIBUTION
        kind = ComponentType.APPLICATION if github else ComponentType.MACHINE_LEARNING_MODEL
        properties = [_prop("node", key)]
        evidence = None
        if edge is not None:
            child, data = edge
            properties += [_prop(f, data[f]) for f in ("relation", "source", "confidence")]
            properties += [_prop("child", child)]
            properties += [_prop("evidence", data["evidence"])] if data["evidence"] else []
            if data["source"] != "declared":
                evidence = self.evidence(key, data)
        extra: dict[str, Any] = {}
        if full:
            self.full.add(key)
            properties += self.node_properties(key)
            if row["url"] and not _linkable(row["url"]):
                properties.append(_prop("url", row["url"]))
            extra = {"licenses": self.licenses(key), "components": self.files(key)}
            if kind is ComponentType.MACHINE_LEARNING_MODEL:
                self.model_card(key)
        return Component(
            type=kind,
            name=row["repo_id"] or key,
            bom_ref=key if full else f"{key} -> {edge[0] if edge else ''}",
            version=sha or None,
            purl=purl,
            external_references=[ExternalReference(type=link, url=XsUri(_uri(row["url"])))]
            if full and _linkable(row["url"])
            else [],
            properties=properties,
            evidence=evidence,
            **extra,
        )

    def node_properties(self, key: str) -> list[Property]:
        row, facts = self.rows[key], self.facts.get(key, _NO_FACTS)
        out = []
        for name in _NODE_PROPERTIES:
            value = row[name]
            if name == "formats":
                out += [_prop("format", f) for f in value.split(",") if f]
            elif value not in ("", 0, False):
                out.append(_prop(name, "true" if value is True else value))
        out += [_prop("architecture", a) for a in facts["architectures"]]
        if facts["model_type"]:
            out.append(_prop("model_type", facts["model_type"]))
        if facts["license_raw"]:  # what the hub said, e.g. license: other + license_name
            raw = json.dumps(facts["license_raw"], ensure_ascii=False, sort_keys=True)
            out.append(_prop("license_declaration", raw))
        return out

    def licenses(self, key: str) -> list[DisjunctiveLicense]:
        row = self.rows[key]
        binding = {self.root_licenses.get(r, "") for r in row["roots"].split(",") if r}
        declared = _licenses([row["license"]] if row["license"] else [], _DECLARED)
        return declared + _licenses(sorted(binding - {""}), _CONCLUDED)

    def files(self, key: str) -> list[Component]:
        out = []
        for path, size, digest in self.facts.get(key, _NO_FACTS)["files"]:
            digest = str(digest).lower()
            if not _SHA256.fullmatch(digest):
                continue  # not a SHA-256 whatever the hub called it: no hash to vouch for
            out.append(
                Component(
                    type=ComponentType.FILE,
                    name=path,
                    bom_ref=f"{key}#{path}",
                    hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest)],
                    properties=[_prop("size", size)],
                )
            )
        return out

    def evidence(self, key: str, data: dict[str, Any]) -> ComponentEvidence:
        confidence = Decimal(repr(min(max(data["confidence"], 0.0), 1.0)))
        found = technique(data["evidence"])
        methods = [Method(technique=found, confidence=confidence, value=data["evidence"])]
        head = data["evidence"].split(";", 1)[0]
        if found is AnalysisTechnique.MANIFEST_ANALYSIS and "architecture" in head:
            # "card text links X, config architecture Grok1...": the architecture agrees too
            methods.append(Method(technique=AnalysisTechnique.OTHER, confidence=confidence))
        hashed = found is AnalysisTechnique.HASH_COMPARISON
        return ComponentEvidence(
            identity=Identity(
                field=IdentityField.HASH if hashed else IdentityField.NAME,
                confidence=confidence,
                concluded_value=key,
                methods=methods,
            )
        )

    def model_card(self, key: str) -> None:
        row, facts = self.rows[key], self.facts.get(key, _NO_FACTS)
        card: dict[str, Any] = {}
        architecture = ", ".join(facts["architectures"]) or facts["model_type"]
        if architecture:
            card["modelParameters"] = {"modelArchitecture": architecture}
        properties = [{"name": "tracker:format", "value": f} for f in row["formats"].split(",")]
        if row["parameters"]:
            properties.append({"name": "tracker:parameters", "value": str(row["parameters"])})
        properties = [p for p in properties if p["value"]]
        if properties:
            card["properties"] = properties
        if card:
            self.model_cards[key] = card

    def pedigree(self, key: str, *, nested: bool) -> Pedigree | None:
        """Ancestors and variants of `key`; `nested`: each in full with its own pedigree the
        first time it appears, else short entries for the direct parents only."""
        ancestors: list[Component] = []
        variants: list[Component] = []
        for parent, data in self.parents.get(key, []):
            if parent not in self.rows:
                continue
            entry = self.component(parent, (key, data))
            if nested and entry.bom_ref.value == parent:
                entry.pedigree = self.pedigree(parent, nested=True)
            proven = data["confidence"] >= self.min_confidence
            (ancestors if proven else variants).append(entry)
        return Pedigree(ancestors=ancestors, variants=variants) if ancestors or variants else None

    def subject_bom(self, subject: str) -> Bom:
        top = self.component(subject)
        top.pedigree = self.pedigree(subject, nested=True)
        return Bom(metadata=self.metadata(top))

    def family_bom(self) -> Bom:
        members = {key: self.component(key) for key in sorted(self.rows)}
        for key, member in members.items():
            member.pedigree = self.pedigree(key, nested=False)
        bom = Bom(components=members.values(), metadata=self.metadata(None))
        for key, member in members.items():
            bom.register_dependency(member, [members[p] for p, _ in self.parents.get(key, [])])
        return bom

    def metadata(self, subject: Component | None) -> BomMetaData:
        props = [_prop("min_confidence", self.min_confidence)]
        if self.at:
            props.append(_prop("as_of", self.at))
        meta = BomMetaData(component=subject, properties=props)
        meta.tools.components.add(
            Component(type=ComponentType.APPLICATION, name=TOOL, version=_tracker_version())
        )
        return meta

    def annotations(self, now: str) -> list[dict[str, Any]]:
        """One per license issue of a node described in the BOM: the audit's explanation
        (the `issues` note), else the codes of the export schema."""
        found = [
            (sanitize_key(key), f"{i['code']} under {i['root']}: {i['explanation']}")
            for key, issues in self.issues.items()
            for i in issues
        ] or [
            (key, code)
            for key, row in self.rows.items()
            for code in row["license_issues"].split(",")
            if code
        ]
        tool = {"type": "application", "name": TOOL}
        return [
            {"subjects": [key], "annotator": {"component": tool}, "timestamp": now,
             "text": f"license issue {text}"}
            for key, text in sorted(found)
            if key in self.full
        ]  # fmt: skip


def _components(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Every component object of a serialized BOM, nested ones included."""
    stack = [data["metadata"]["component"]] if "component" in data["metadata"] else []
    stack += data.get("components", [])
    while stack:
        component = stack.pop()
        yield component
        stack += component.get("components", [])
        for part in ("ancestors", "variants"):
            stack += component.get("pedigree", {}).get(part, [])


def build(graph: ExportGraph, *, now: datetime | None = None) -> dict[str, Any]:
    """The BOM of `graph` and its notes as a JSON object, completed (model cards,
    annotations) and validated against the CycloneDX 1.6 schema; ExportError if the
    subject is not in `graph` or the BOM would not validate."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    builder = _Builder(graph)
    subject = sanitize_key(graph.notes.get("subject") or "")
    if subject and subject not in builder.rows:
        raise ExportError(f"{subject} is not in the exported graph")
    bom = builder.subject_bom(subject) if subject else builder.family_bom()
    bom.metadata.timestamp = now
    data = json.loads(JsonV1Dot6(bom).output_as_string())
    for component in _components(data):
        card = builder.model_cards.get(component.get("bom-ref", ""))
        if card:
            component["modelCard"] = card
    annotations = builder.annotations(now.isoformat())
    if annotations:
        data["annotations"] = annotations
    # the same graph at the same second is the same BOM: a serial number from its content,
    # so a file and a stream written together are byte for byte equal
    data.pop("serialNumber", None)
    digest = json.dumps(data, sort_keys=True)
    data["serialNumber"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'cdx:' + digest)}"
    head = ("$schema", "bomFormat", "specVersion", "serialNumber", "version", "metadata")
    data = {**{k: data[k] for k in head if k in data}, **data}
    # imported here, not at the top: jsonschema compiles its IRI grammar on import (seconds),
    # which every `tracker` command would pay for through the export registry
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(data))
    if error is not None:
        raise ExportError(f"the CycloneDX BOM does not validate: {str(error).splitlines()[0]}")
    return data


class CycloneDXExporter(SingleFile):
    """CycloneDX 1.6 JSON; the notes of graph/provenance.py add revisions, file hashes and
    the subject (`tracker export` passes them)."""

    name, suffix, suffixes = "cyclonedx", ".cdx.json", (".cdx.json",)

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        generated = graph.attrs.get("generated_at", "")
        now = datetime.fromisoformat(generated) if generated else None
        data = build(graph, now=now)
        stream.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
