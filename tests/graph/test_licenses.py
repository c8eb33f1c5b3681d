"""License normalization and the attribution check (issue 4); the audit is in
test_license_audit.py.

What an auditor relies on: one id per license whatever its spelling, every xAI community
license variant seen as grok-2, and no license recorded as empty, never guessed.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.licenses import (
    MAX_ID_LENGTH,
    normalize_license,
    normalize_license_id,
    shows_attribution,
)


def lic(**raw: object) -> str:
    return normalize_license(raw).id


# --- normalization ---------------------------------------------------------------------------

HUB_IDS = [
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd", "bsd-2-clause",
    "bsd-3-clause", "bsd-3-clause-clear", "cc", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0",
    "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "cdla-permissive-2.0", "wtfpl",
    "ecl-2.0", "epl-2.0", "eupl-1.2", "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0", "lgpl",
    "lgpl-2.1", "lgpl-3.0", "isc", "lppl-1.3c", "ms-pl", "mpl-2.0", "osl-3.0", "postgresql",
    "ofl-1.1", "ncsa", "unlicense", "zlib", "deepfloyd-if-license", "llama2", "llama3",
    "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "apple-ascl", "openrail++",
    "grok-2", "other", "unknown",
]  # fmt: skip


@pytest.mark.parametrize("hub_id", HUB_IDS)
def test_hub_ids_are_canonical_whatever_the_spelling(hub_id):
    assert lic(license=hub_id) == hub_id
    assert lic(license=f"  {hub_id.upper()}\n") == hub_id
    assert lic(tag=f"license:{hub_id}") == hub_id


@pytest.mark.parametrize(
    ("hub_id", "spdx"),
    [("odbl", "odbl-1.0"), ("odc-by", "odc-by-1.0"), ("pddl", "pddl-1.0"), ("c-uda", "c-uda-1.0")],
)
def test_hub_ids_that_differ_from_spdx_map_to_the_spdx_id(hub_id, spdx):
    assert lic(license=hub_id) == spdx


@pytest.mark.parametrize(
    ("spdx_id", "expected"),
    [
        ("Apache-2.0", "apache-2.0"),
        ("MIT", "mit"),
        ("GPL-3.0", "gpl-3.0"),
        ("GPL-3.0-only", "gpl-3.0"),
        ("BSD-3-Clause", "bsd-3-clause"),
        ("NOASSERTION", "other"),  # GitHub found a license file it cannot identify
        (None, ""),
    ],
)
def test_github_spdx_ids_share_the_hub_form(spdx_id, expected):
    assert lic(spdx_id=spdx_id) == expected


def test_display_keeps_the_spdx_spelling():
    assert normalize_license({"license": "apache-2.0"}).display == "Apache-2.0"
    assert normalize_license({"license": ["mit", "Apache-2.0"]}).display == "Apache-2.0 OR MIT"
    assert normalize_license({"license": "grok-2"}).display == "grok-2"


@pytest.mark.parametrize(
    "raw",
    [
        {"license": "other", "license_name": "grok-2"},  # what xai-org/grok-2 declares
        {"license": "other", "license_name": "Grok 2 Community License"},
        {"license": "other", "license_name": "xAI Community License Agreement"},
        {"license": "xai-community-license"},
        {"license": "XAI Community License"},
        {"license": "grok-2-community-license"},
        {
            "license": "other",
            "license_link": "https://huggingface.co/xai-org/grok-2/blob/main/LICENSE",
        },
        {"license_name": "grok-2"},  # a name without `license: other` still declares it
        {"tag": "license:grok-2"},
    ],
)
def test_xai_community_license_variants_are_grok_2(raw):
    assert lic(**raw) == "grok-2"


@pytest.mark.parametrize(
    "name", ["grok-1 license", "xAI Grok-1 license", "grok-3 terms", "groq license"]
)
def test_other_grok_names_are_not_taken_for_the_grok_2_license(name):
    assert lic(license=name) != "grok-2"


def test_other_without_a_name_stays_other_and_names_are_kept_as_slugs():
    assert lic(license="other") == "other"
    assert lic(license="other", license_name="other") == "other"
    assert lic(license="other", license_name="My Custom_License v2") == "my-custom-license-v2"
    assert lic(license="other", license_name="llama3") == "llama3"
    # A link that does not identify a license text adds nothing.
    assert lic(license="other", license_link="LICENSE") == "other"


def test_unknown_ids_are_kept_lowercased_not_guessed():
    assert lic(license="Foo-1.0") == "foo-1.0"
    assert lic(license="grok-1") == "grok-1"  # grok-1 is Apache-2.0, but nobody declared that


def test_lists_and_expressions_become_one_sorted_id():
    assert lic(license=["MIT"]) == "mit"
    assert lic(license=["mit", "Apache-2.0", "mit"]) == "apache-2.0 OR mit"
    assert lic(license=["Apache-2.0", "mit"]) == lic(license=["mit", "apache-2.0"])
    assert lic(license="MIT OR Apache-2.0") == "apache-2.0 OR mit"
    assert lic(license="MIT/Apache-2.0") == "apache-2.0 OR mit"
    assert lic(license="GPL-3.0 AND MIT") == "gpl-3.0 AND mit"
    assert lic(license=["other", "mit"], license_name="grok-2") == "grok-2 OR mit"
    # A comma inside a license's name does not split it.
    assert lic(license="Apache License, Version 2.0") == "apache-2.0"


@pytest.mark.parametrize(
    "raw",
    [{}, {"license": None}, {"license": ""}, {"license": "   "}, {"license": []},
     {"license": [None, ""]}, {"license": False}, {"license": True}, {"license": {"id": "mit"}},
     {"license": math.nan}, {"unrelated": "mit"}],
)  # fmt: skip
def test_nothing_declared_is_empty(raw):
    result = normalize_license(raw)
    assert result.id == "" and result.raw == {} and not result.declared


def test_none_instead_of_a_mapping_is_empty():
    assert normalize_license(None).id == ""


def test_numbers_are_kept_as_written():
    assert lic(license=2.0) == "2.0"
    assert lic(license=3) == "3"


def test_raw_keeps_the_declaration_without_junk():
    result = normalize_license(
        {
            "license": [" MIT ", None, "", {"x": 1}],
            "license_name": "My\x00 License",
            "license_link": "",
            "tag": None,
            "spdx_id": "MIT",
            "crawler_internal": object(),
        }
    )
    assert result.raw == {"license": ["MIT"], "license_name": "My License", "spdx_id": "MIT"}


def test_card_license_wins_over_tag_and_github():
    assert lic(license="mit", tag="license:apache-2.0", spdx_id="GPL-3.0") == "mit"
    assert lic(tag="license:apache-2.0", spdx_id="GPL-3.0") == "apache-2.0"
    assert lic(license="   ", spdx_id="GPL-3.0") == "gpl-3.0"


def test_a_long_declaration_fits_the_column():
    many = [f"custom-license-number-{i}" for i in range(20)]
    assert len(lic(license=many)) <= MAX_ID_LENGTH
    assert len(lic(license_name="x" * 1000)) <= MAX_ID_LENGTH


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40),
    st.sampled_from(HUB_IDS + ["OR", "and", "/", "NOASSERTION", "license:mit", "xAI license"]),
)  # fmt: skip


@given(
    st.dictionaries(
        st.sampled_from(["license", "license_name", "license_link", "tag", "spdx_id", "x"]),
        st.one_of(scalars, st.lists(scalars, max_size=4), st.dictionaries(st.text(), scalars)),
    )
)
def test_any_input_gives_a_stable_id(raw):
    result = normalize_license(raw)
    assert result.id == result.id.strip() and len(result.id) <= MAX_ID_LENGTH
    assert "\n" not in result.id
    assert normalize_license_id(result.id) == result.id  # stored ids survive renormalizing
    assert normalize_license(result.raw).id == result.id  # raw alone reproduces the id


# --- attribution -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("Powered by xAI", True),
        ("# Model\n\n**Powered by xAI**\n", True),
        ("<p align='center'><b>Powered by xAI</b></p>", True),
        ("Powered by [xAI](https://x.ai).", True),
        ("_powered   BY\nxai_", True),
        ("Powered&nbsp;by xAI", True),
        ("A fine-tune of Grok 2. See LICENSE.", False),
        ("<!-- Powered by xAI -->", False),  # a comment is not displayed
        ("---\nlicense: other\nnote: Powered by xAI\n---\nA model card", False),
        ("Empowered by xAIs", False),
        ("", False),
        (None, None),  # card not read: unknown, not absent
    ],
)
def test_shows_attribution(card, expected):
    assert shows_attribution(card) is expected
