"""Refresh the JavaScript that `tracker export --format html` inlines, from the npm registry.

Fetches each package in `PACKAGES` with `npm pack` (npm checks the tarball's integrity), copies
its minified browser build and its license text into graph/export/vendor/, and records name,
version, license, tarball integrity and file sha256 in graph/export/vendor/vendor.json, which
the page's "third-party licenses" section and the tests read. Run from the repository root:

    python scripts/vendor_js.py             # the pinned versions below
    python scripts/vendor_js.py --latest    # the newest of each (then update the pins)

cytoscape-dagre's browser build bundles dagre (MIT), so dagre's license text is recorded too,
taken from the `@dagrejs/dagre` package of the version range cytoscape-dagre builds against.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "graph" / "export" / "vendor"

# name -> (pinned version, file in the tarball, file written, license file in the tarball)
PACKAGES = {
    "cytoscape": ("3.35.0", "dist/cytoscape.min.js", "cytoscape.min.js", "LICENSE"),
    "cytoscape-dagre": (
        "4.0.1",
        "dist/cytoscape-dagre.min.js",
        "cytoscape-dagre.min.js",
        "LICENSE",
    ),
    # bundled inside cytoscape-dagre.min.js: only its license is kept
    "@dagrejs/dagre": ("3.1.3", None, None, "LICENSE"),
}


def npm(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["npm", *args], check=True, capture_output=True, text=True, cwd=cwd
    ).stdout


def fetch(name: str, version: str, workdir: Path) -> tuple[Path, dict]:
    """`npm pack name@version` into workdir; returns the tarball and npm's record of it."""
    record = json.loads(npm("pack", f"{name}@{version}", "--json", cwd=workdir))[0]
    return workdir / record["filename"], record


def member(tarball: Path, path: str) -> bytes:
    with tarfile.open(tarball, "r:gz") as archive:
        stream = archive.extractfile(f"package/{path}")
        if stream is None:
            raise SystemExit(f"{tarball.name}: package/{path} is not a file")
        return stream.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latest", action="store_true", help="newest versions, not the pins")
    args = parser.parse_args(argv)
    VENDOR.mkdir(parents=True, exist_ok=True)
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (pin, source, target, license_file) in PACKAGES.items():
            version = npm("view", name, "version").strip() if args.latest else pin
            tarball, info = fetch(name, version, Path(tmp))
            meta = json.loads(member(tarball, "package.json"))
            entry = {
                "name": name,
                "version": meta["version"],
                "license": meta.get("license", ""),
                "homepage": meta.get("homepage", ""),
                "integrity": info["integrity"],
                "file": target,
                "sha256": "",
                "license_file": f"{name.replace('@', '').replace('/', '-')}.LICENSE.txt",
                "bundled_in": None if target else "cytoscape-dagre.min.js",
            }
            if target:
                data = member(tarball, source)
                (VENDOR / target).write_bytes(data)
                entry["sha256"] = hashlib.sha256(data).hexdigest()
            (VENDOR / entry["license_file"]).write_bytes(member(tarball, license_file))
            records.append(entry)
            print(f"{name} {entry['version']} ({entry['license']})", file=sys.stderr)
    (VENDOR / "vendor.json").write_text(json.dumps(records, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
