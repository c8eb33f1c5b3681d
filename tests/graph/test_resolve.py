"""The resolver on evidence alone: no cycle, every member reaches a root, the same graph in any
order, the closest parent wins, declared cycles and self-references are set aside visibly.

Kinds of cases (issue 10), not names: a tiny test model sharing a conversion's tokenizer; a
declared base that is not stored; a repo declaring itself; declared 2- and 3-cycles; a repo of
two roots; a derivative whose closest parent is listed after it; a merge.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.resolve import Repo, Signal, resolve

T0 = datetime(2024, 3, 18, tzinfo=UTC)
ROOT = "huggingface:xai-org/grok-1"
ROOT2 = "huggingface:xai-org/grok-2"
ROOTS = {"grok-1": [ROOT], "grok-2": [ROOT2]}


def repo(key: str, day: int = 1, role: str = "full") -> Repo:
    return Repo(key, T0 + timedelta(days=day), role)  # type: ignore[arg-type]


def sig(parent, child, kind="card_text", strength=0.85, relation="finetune", source=None):
    source = source or ("declared" if kind in ("card_base_model", "hub_tag") else "inferred")
    return Signal(parent, child, kind, source, strength, relation, f"{kind} {parent}")


def parents(res) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in res.edges:
        out.setdefault(e.child, set()).add(e.parent)
    return out


def resolved_in_both_orders(repos, signals, roots):
    """The resolve of `signals` as listed and reversed, which must agree; one of them."""
    first, second = resolve(repos, signals, roots), resolve(repos, signals[::-1], roots)
    assert parents(first) == parents(second) and first.members == second.members
    return first


def assert_rooted_acyclic(res, repos) -> None:
    par = parents(res)
    for child in par:
        seen, todo = {child}, list(par[child])
        while todo:
            p = todo.pop()
            assert p != child, f"cycle through {child}"
            if p not in seen:
                seen.add(p)
                todo.extend(par.get(p, ()))
    members = set().union(*res.members.values())
    for e in res.edges:
        if e.tree:
            assert e.child in members


def test_a_test_model_sharing_a_conversions_tokenizer_does_not_swallow_it():
    conv, tiny = "huggingface:hpcai-tech/grok-1", "huggingface:hpcai-tech/grok-1-tiny-random"
    repos = {ROOT: repo(ROOT, 0), conv: repo(conv, 2), tiny: repo(tiny, 3, "test")}
    signals = [
        sig(ROOT, conv, "card_text", 0.85, "conversion"),
        sig(ROOT, tiny, "card_text", 0.85, "other"),
        # shared tokenizer files say "related" in both directions
        sig(tiny, conv, "tokenizer", 0.9, "finetune"),
        sig(conv, tiny, "tokenizer", 0.9, "other"),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert parents(res)[conv] == {ROOT}
    assert res.members["grok-1"] == {ROOT, conv, tiny}
    assert_rooted_acyclic(res, repos)


def test_a_tokenizer_repo_hangs_under_the_member_its_card_names_not_the_tokenizers_origin():
    # every member of a family ships the release's tokenizer unchanged, so identical tokenizer
    # files name the family's origin, not the model a tokenizer repo was made for; its card
    # does ("The tokenizer of lonestar/grok-2-code"). Before, the shared files (0.90, 0.77
    # weighed) outweighed the card naming a fine-tune that ships no tokenizer (0.70 + 0.04)
    code, tok = "huggingface:lonestar/grok-2-code", "huggingface:ptlab/grok-2-tokenizer"
    repos = {ROOT2: repo(ROOT2, 0), code: repo(code, 5), tok: repo(tok, 9, "tokenizer")}
    signals = [
        sig(ROOT2, code, "architecture", 0.8, "finetune"),
        sig(ROOT2, tok, "tokenizer", 0.9, "other"),
        sig(code, tok, "card_text", 0.7, "other"),
    ]
    res = resolved_in_both_orders(repos, signals, {"grok-2": [ROOT2]})
    assert parents(res)[tok] == {code}
    assert res.members["grok-2"] == {ROOT2, code, tok}


def test_a_declared_two_cycle_keeps_what_the_evidence_supports_and_says_why():
    a, b = "huggingface:u/grok-1-a", "huggingface:u/grok-1-b"
    repos = {ROOT: repo(ROOT, 0), a: repo(a, 2), b: repo(b, 3)}
    signals = [
        sig(b, a, "card_base_model", 0.95),  # a declares b
        sig(a, b, "card_base_model", 0.95),  # b declares a
        sig(ROOT, a, "card_text", 0.85, "conversion"),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert parents(res) == {a: {ROOT}, b: {a}}
    lost = [why for s, why in res.set_aside[a] if s.parent == b]
    assert lost and "cycle" in lost[0]


def test_a_declared_three_cycle_with_one_way_in_reaches_the_root():
    a, b, c = (f"huggingface:u/grok-1-{n}" for n in "abc")
    repos = {ROOT: repo(ROOT, 0), a: repo(a, 2), b: repo(b, 3), c: repo(c, 4)}
    signals = [
        sig(c, a, "card_base_model", 0.95),
        sig(a, b, "card_base_model", 0.95),
        sig(b, c, "card_base_model", 0.95),
        sig(ROOT, b, "weights", 0.9, "fork"),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert res.members["grok-1"] == {ROOT, a, b, c}
    assert_rooted_acyclic(res, repos)
    assert parents(res)[b] == {ROOT}


def test_a_declared_three_cycle_sets_aside_the_declaration_the_dates_contradict():
    # the oldest repo declares the youngest as its base; each has the release's architecture,
    # the youngest the release's tokenizer too: a way in at any of the three
    a, b, c = (f"huggingface:u/grok-1-{n}" for n in "abc")
    repos = {ROOT: repo(ROOT, 0), a: repo(a, 2), b: repo(b, 3), c: repo(c, 4)}
    signals = [
        sig(c, a, "card_base_model", 1.0),  # a (day 2) declares c (day 4): impossible
        sig(a, b, "card_base_model", 1.0),
        sig(b, c, "card_base_model", 1.0),
        *(sig(ROOT, x, "architecture", 0.8) for x in (a, b, c)),
        sig(ROOT, c, "tokenizer", 0.75),
    ]
    for order in (signals, signals[::-1]):
        res = resolve(repos, order, {"grok-1": [ROOT]})
        assert parents(res) == {a: {ROOT}, b: {a}, c: {b}}
        lost = [why for s, why in res.set_aside[a] if s.parent == c]
        assert lost and "cycle" in lost[0]
    # a younger declared base still beats weaker evidence when nothing contradicts it
    late = {ROOT: repo(ROOT, 0), a: repo(a, 2), c: repo(c, 4)}
    res = resolve(late, [sig(ROOT, c, "architecture", 0.8), sig(ROOT, a, "architecture", 0.8),
                         sig(ROOT, a, "tokenizer", 0.75), sig(c, a, "card_base_model", 1.0)],
                  {"grok-1": [ROOT]})
    assert parents(res)[a] == {c}


def test_the_resolvers_own_reading_of_a_kind_supersedes_a_crawlers_partial_one():
    # the crawler saw the stock tokenizer only on the root when it judged the tokenizer repo;
    # the resolver, over every stored repo, knows it is copied widely: the card's link wins
    tok, chat = "huggingface:u/grok-1-tokenizer", "huggingface:u/grok-1-chat"
    repos = {ROOT: repo(ROOT, 0), chat: repo(chat, 2), tok: repo(tok, 3, "tokenizer")}
    signals = [
        sig(ROOT, chat, "card_text", 0.85),
        Signal(ROOT, tok, "tokenizer", "inferred", 0.9, "tokenizer", "shares 1/1", origin="crawl"),
        Signal(ROOT, tok, "tokenizer", "inferred", 0.75, "", "shares 1/1, copied widely"),
        sig(chat, tok, "card_text", 0.7),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert parents(res)[tok] == {chat}
    assert any(s.origin == "crawl" and "read again" in why for s, why in res.set_aside[tok])


def test_a_repo_declaring_itself_and_a_missing_base_are_set_aside_not_lost():
    me = "huggingface:u/grok-1-ft"
    repos = {ROOT: repo(ROOT, 0), me: repo(me, 2)}
    signals = [
        sig(me, me, "card_base_model", 0.95),
        sig("huggingface:u/grok-1-typo", me, "card_base_model", 0.95),
        sig(ROOT, me, "weights", 0.9, "finetune"),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert parents(res) == {me: {ROOT}}
    reasons = {s.parent: why for s, why in res.set_aside[me]}
    assert reasons[me] == "names itself"
    assert "not a known repository" in reasons["huggingface:u/grok-1-typo"]


def test_a_repo_deriving_from_both_roots_belongs_to_both():
    tool = "github:someone/grok1-to-grok2"
    repos = {ROOT: repo(ROOT, 0), ROOT2: repo(ROOT2, 300), tool: repo(tool, 400, "code")}
    signals = [sig(ROOT, tool, relation="other"), sig(ROOT2, tool, relation="other")]
    res = resolve(repos, signals, ROOTS)
    assert tool in res.members["grok-1"] and tool in res.members["grok-2"]
    assert parents(res)[tool] == {ROOT, ROOT2}


def test_the_closest_parent_wins_whatever_was_listed_first():
    conv, quant = "huggingface:k/grok-1-hf", "huggingface:q/grok-1-hf-Q4-GGUF"
    repos = {ROOT: repo(ROOT, 0), conv: repo(conv, 2), quant: repo(quant, 5, "quantized")}
    signals = [
        sig(ROOT, conv, "card_text", 0.85, "conversion"),
        sig(ROOT, quant, "card_text", 0.85, "quantization"),
        sig(conv, quant, "card_text", 0.85, "quantization"),
    ]
    res = resolved_in_both_orders(repos, signals, {"grok-1": [ROOT]})
    assert parents(res)[quant] == {conv}


def test_a_merge_keeps_every_declared_parent_as_a_merge_edge():
    a, b, m = "huggingface:u/grok-1-a", "huggingface:u/grok-1-b", "huggingface:u/grok-1-ab"
    repos = {ROOT: repo(ROOT, 0), a: repo(a, 2), b: repo(b, 3), m: repo(m, 4)}
    signals = [
        sig(ROOT, a, "card_base_model", 0.95),
        sig(ROOT, b, "card_base_model", 0.95),
        sig(a, m, "mergekit", 0.95, "merge", "declared"),
        sig(b, m, "mergekit", 0.95, "merge", "declared"),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert parents(res)[m] == {a, b}
    assert {e.relation for e in res.edges if e.child == m} == {"merge"}


def test_symmetric_evidence_points_from_the_older_repo():
    old, new = "huggingface:a/grok-1-copy", "modelscope:a/grok-1-copy"
    repos = {ROOT: repo(ROOT, 0), old: repo(old, 2), new: repo(new, 9)}
    signals = [
        sig(ROOT, old, "card_text", 0.85, "conversion"),
        sig(old, new, "weights", 0.99, "fork"),
        sig(new, old, "weights", 0.99, "fork"),
        sig(ROOT, new, "card_text", 0.85, "conversion"),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert parents(res) == {old: {ROOT}, new: {old}}


# --- the property: random families, random signals, random order ----------------------------


@st.composite
def worlds(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    keys = [f"huggingface:u/m{i}" for i in range(n)]
    roles = ["full", "quantized", "adapter", "tokenizer", "test", "code", "unknown"]
    repos = {ROOT: repo(ROOT, 0), ROOT2: repo(ROOT2, 0)}
    for k in keys:
        repos[k] = repo(k, draw(st.integers(0, 50)), draw(st.sampled_from(roles)))
    pool = [ROOT, ROOT2, *keys, "huggingface:u/missing"]
    kinds = ["weights", "tokenizer", "card_base_model", "card_text", "architecture", "mergekit"]
    signals = []
    for _ in range(draw(st.integers(0, 4 * n))):
        p, c = draw(st.sampled_from(pool)), draw(st.sampled_from(keys))
        kind = draw(st.sampled_from(kinds))
        strength = draw(st.sampled_from([0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99]))
        signals.append(sig(p, c, kind, strength))
    return repos, signals, draw(st.randoms(use_true_random=False))


def _shape(res):
    return (
        [(e.parent, e.child, e.relation, e.kind) for e in res.edges],
        {k: sorted(v) for k, v in res.members.items()},
    )


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_any_world_resolves_acyclic_rooted_and_order_free(world):
    repos, signals, rnd = world
    res = resolve(repos, signals, ROOTS)
    assert_rooted_acyclic(res, repos)
    members = set().union(*res.members.values())
    for e in res.edges:
        assert e.parent in repos and e.child in members
    # any permutation of the input gives the same graph
    shuffled = list(signals)
    rnd.shuffle(shuffled)
    keys = list(repos)
    rnd.shuffle(keys)
    assert _shape(resolve({k: repos[k] for k in keys}, shuffled, ROOTS)) == _shape(res)
    # repos whose only signal is a name (none the resolver weighs) change nothing
    extra = {f"huggingface:lookalike/grok-{i}": repo(f"huggingface:lookalike/grok-{i}")
             for i in range(3)}
    assert _shape(resolve({**repos, **extra}, signals, ROOTS)) == _shape(res)


def test_ten_thousand_members_resolve_quickly():
    rng = random.Random(7)
    keys = [f"huggingface:u/m{i}" for i in range(10_000)]
    repos = {ROOT: repo(ROOT, 0), **{k: repo(k, 1 + i // 100) for i, k in enumerate(keys)}}
    signals = []
    for i, k in enumerate(keys):
        parent = ROOT if i < 50 else keys[rng.randrange(0, i)]
        signals.append(sig(parent, k, "card_base_model", 0.95))
        signals.append(sig(ROOT, k, "architecture", 0.8))
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert len(res.members["grok-1"]) == 10_001


def test_without_dates_a_mirror_on_another_hub_hangs_under_the_hugging_face_copy():
    hf, ms = "huggingface:lab/grok-1-hf", "modelscope:lab/grok-1-hf"
    repos = {ROOT: repo(ROOT, 0), hf: Repo(hf), ms: Repo(ms)}
    signals = [  # the mirror copied the card too: both name the release
        sig(ROOT, hf, "card_text", 0.85, "conversion"),
        sig(ROOT, ms, "card_text", 0.85, "conversion"),
        sig(hf, ms, "weights", 0.99, "fork"),
        sig(ms, hf, "weights", 0.99, "fork"),
    ]
    res = resolve(repos, signals, {"grok-1": [ROOT]})
    assert parents(res) == {hf: {ROOT}, ms: {hf}}


def test_identical_copies_hang_under_the_files_origin_not_under_each_other():
    """Seeds 7, 302, 475: two re-uploads of the same files (the release's, or a fine-tune's)
    hold nothing nearer than the original does; the later one hung under the earlier one,
    which the closer-parent rule took for nearer. A quantization of a copy still hangs under
    that copy (different files: the closer parent)."""
    first, second = "huggingface:a/grok-1-backup", "huggingface:b/grok-1-reupload"
    gguf = "huggingface:c/grok-1-reupload-GGUF"
    repos = {ROOT: repo(ROOT, 0), first: repo(first, 5), second: repo(second, 9),
             gguf: repo(gguf, 12, "quantized")}
    full = {"kind": "weights", "strength": 0.99, "relation": "fork"}
    signals = [
        sig(ROOT, first, **full), sig(ROOT, second, **full), sig(first, second, **full),
        sig(second, first, **full),  # symmetric evidence is seen from both copies
        sig(ROOT, gguf, "architecture", 0.8, "quantization"),
        sig(second, gguf, "card_text", 0.85, "quantization"),
    ]
    for order in (signals, list(reversed(signals))):
        res = resolve(repos, order, {"grok-1": [ROOT]})
        par = parents(res)
        assert par[first] == {ROOT} and par[second] == {ROOT}
        assert par[gguf] == {second}
        assert_rooted_acyclic(res, repos)


def test_a_link_too_weak_to_count_never_makes_a_parent_closer_whatever_the_order():
    # b -> a is below the weight that ties a repo to a family, and earns the closer-parent
    # bonus itself (y, another parent of a, descends from the root like b). Whether b "leads
    # to" a for c's choice between a and b must not depend on which pair was weighed first:
    # it once did, so c's parent changed with the order of the evidence.
    y, a, b, c = (f"huggingface:lab/m-{n}" for n in "yabc")
    repos = {ROOT: repo(ROOT, 0), y: repo(y, 1), b: repo(b, 2), a: repo(a, 3), c: repo(c, 4)}
    signals = [sig(ROOT, y, strength=0.9), sig(ROOT, b, strength=0.9),
               sig(ROOT, a, strength=0.9), sig(y, a, strength=0.9),
               sig(b, a, strength=0.43), sig(a, c, strength=0.8), sig(b, c, strength=0.8)]
    first = resolve(repos, signals, {"grok-1": [ROOT]})
    for order in (signals[::-1], signals[4:] + signals[:4], signals[5:] + signals[:5]):
        again = resolve(repos, order, {"grok-1": [ROOT]})
        assert again.edges == first.edges and again.weights == first.weights
    assert parents(first)[c] == {b}  # a tie between a and b, broken on the keys


def test_a_copy_of_a_quantization_hangs_under_it_whatever_its_card_declares():
    """Blind seeds 306, 308: a re-upload of a GGUF (every weight file the same) declares the
    model the GGUF was made from; the bytes say where they came from. The original, older,
    keeps its own declaration."""
    model, gguf = "huggingface:a/aurora-314b", "huggingface:b/aurora-314b-GGUF"
    copy = "huggingface:c/aurora-314b-GGUF"
    repos = {ROOT: repo(ROOT, 0), model: repo(model, 3), gguf: repo(gguf, 5, "quantized"),
             copy: repo(copy, 9, "quantized")}
    full = {"kind": "weights", "strength": 0.99, "relation": "fork"}
    signals = [
        sig(ROOT, model, "card_base_model", 1.0),
        sig(model, gguf, "card_base_model", 1.0, "quantization"),
        sig(model, copy, "card_base_model", 1.0, "quantization"),
        sig(gguf, copy, **full), sig(copy, gguf, **full),
        sig(ROOT, copy, "architecture", 0.8, "quantization"),
        sig(ROOT, gguf, "architecture", 0.8, "quantization"),
    ]
    res = resolved_in_both_orders(repos, signals, {"grok-1": [ROOT]})
    par = parents(res)
    assert par[copy] == {gguf} and par[gguf] == {model}
    assert_rooted_acyclic(res, repos)
