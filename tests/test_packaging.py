"""What `pip install` puts into site-packages: the four top-level packages and nothing else.

The packages keep their generic names (`db`, `graph`, `crawlers`, `tracker`; README,
"Packaging"), so the risk is a clash with another distribution that ships a package of the
same name: whichever was installed last would overwrite the other's files. These tests check
the distribution's own declaration, what setuptools collects from the tree, and that in this
environment no other installed distribution claims one of the four names.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import tomllib
from pathlib import Path

from setuptools import find_packages

REPO = Path(__file__).resolve().parents[1]
DIST = "grok-lineage-tracker"
PACKAGES = {"crawlers", "db", "graph", "tracker"}


def test_the_installed_distribution_declares_exactly_the_four_packages():
    dist = metadata.distribution(DIST)
    assert set(dist.read_text("top_level.txt").split()) == PACKAGES


def test_no_other_installed_distribution_ships_one_of_the_four_names():
    owners = metadata.packages_distributions()
    # a set: run from the checkout, its egg-info is found beside the installed dist-info
    assert {name: set(owners.get(name, ())) for name in PACKAGES} == {
        name: {DIST} for name in PACKAGES}


def test_each_package_imports_from_this_project():
    dist = metadata.distribution(DIST)
    for name in PACKAGES:
        origin = Path(importlib.util.find_spec(name).origin).resolve()
        installed = Path(dist.locate_file(name)).resolve()
        assert origin.is_relative_to(REPO / name) or origin.is_relative_to(installed), name


def test_setuptools_collects_every_subpackage_of_the_four_and_nothing_else():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(find_packages(str(REPO), include=include))
    assert {name.partition(".")[0] for name in found} == PACKAGES
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in PACKAGES
        for init in (REPO / top).rglob("__init__.py")
    }
    assert found == on_disk  # no sub-package left out, no tests, bench or scripts let in


def test_ci_builds_a_fresh_venv_every_time():
    """.ci/run removes what an earlier run left before it creates the venv and installs."""
    script = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    removal = next(i for i, line in enumerate(script) if line.startswith("rm -rf .venv"))
    creation = script.index("python3 -m venv .venv")
    install = next(i for i, line in enumerate(script) if "pip install" in line and "-e" in line)
    assert removal < creation < install
    assert "--no-cache-dir" in script[install]
