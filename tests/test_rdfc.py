"""RDFC-1.0 canonicalisation: the W3C rdf-canon suite, limits, escaping and invariance."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from tests.conftest import VECTORS, load_json
from vcskill.errors import CanonicalizationError, Code, UsageError
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.rdfc import canonicalize, canonicalize_dataset

SUITE = VECTORS / "rdf-canon"
ENTRIES: list[dict[str, Any]] = load_json(SUITE / "manifest.jsonld")["entries"]
# Generous limits for random graphs: a 5-node clique needs ~100 calls per blank node.
UNBOUNDED = Limits(max_ndegree_calls_per_blank_node=10**6, max_canonicalization_seconds=60.0)


def _entries(kind: str) -> list[Any]:
    return [
        pytest.param(entry, id=entry["id"].lstrip("#"))
        for entry in ENTRIES
        if entry["type"] == f"rdfc:{kind}"
    ]


def _hash_name(entry: dict[str, Any]) -> str:
    return {"SHA256": "sha256", "SHA384": "sha384"}[entry.get("hashAlgorithm", "SHA256")]


def _read(name: str) -> str:
    return (SUITE / name).read_text(encoding="utf-8")


def _oxigraph(nquads: str, hash_name: str) -> str:
    """pyoxigraph's RDFC-1.0: an independent implementation to compare against."""
    algorithm = {
        "sha256": ox.CanonicalizationAlgorithm.RDFC_1_0,
        "sha384": ox.CanonicalizationAlgorithm.RDFC_1_0_SHA_384,
    }[hash_name]
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(algorithm)
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert data is not None
    text = data.decode("utf-8")
    # not splitlines(): NEL, LS, PS... are written raw inside literals
    return "".join(sorted(f"{line}\n" for line in text.split("\n") if line))


def test_manifest_has_the_expected_tests() -> None:
    kinds = [entry["type"] for entry in ENTRIES]
    assert kinds.count("rdfc:RDFC10EvalTest") == 64
    assert kinds.count("rdfc:RDFC10MapTest") == 21
    assert kinds.count("rdfc:RDFC10NegativeEvalTest") == 1


@pytest.mark.parametrize("entry", _entries("RDFC10EvalTest"))
def test_w3c_eval(entry: dict[str, Any]) -> None:
    nquads, expected = _read(entry["action"]), _read(entry["result"])
    hash_name = _hash_name(entry)
    assert canonicalize(nquads, hash_name=hash_name) == expected
    assert _oxigraph(nquads, hash_name) == expected  # the reference agrees with the suite


@pytest.mark.parametrize("entry", _entries("RDFC10MapTest"))
def test_w3c_map(entry: dict[str, Any]) -> None:
    result = canonicalize_dataset(_read(entry["action"]), hash_name=_hash_name(entry))
    assert dict(result.issued_identifiers) == json.loads(_read(entry["result"]))


@pytest.mark.parametrize("entry", _entries("RDFC10NegativeEvalTest"))
def test_w3c_negative_poison_graph_is_refused(entry: dict[str, Any]) -> None:
    with pytest.raises(CanonicalizationError, match="poison graph") as info:
        canonicalize(_read(entry["action"]), hash_name=_hash_name(entry))
    assert info.value.code is Code.CANONICALIZATION_LIMIT


def test_poison_graph_is_refused_by_the_deadline_too() -> None:
    # A call budget that never runs out, and a deadline that has already passed.
    limits = Limits(max_ndegree_calls_per_blank_node=10**9, max_canonicalization_seconds=-1.0)
    with pytest.raises(CanonicalizationError, match="took longer") as info:
        canonicalize(_read("rdfc10/test074-in.nq"), limits=limits)
    assert info.value.code is Code.CANONICALIZATION_LIMIT


def test_evil_graphs_need_a_larger_budget_than_39_calls_per_blank_node() -> None:
    nquads = _read("rdfc10/test044-in.nq")
    assert DEFAULT_LIMITS.max_ndegree_calls_per_blank_node >= 39
    assert canonicalize(nquads, limits=Limits(max_ndegree_calls_per_blank_node=39))
    with pytest.raises(CanonicalizationError) as info:
        canonicalize(nquads, limits=Limits(max_ndegree_calls_per_blank_node=38))
    assert info.value.code is Code.CANONICALIZATION_LIMIT


def test_uniquely_hashed_blank_nodes_do_not_count_towards_the_budget() -> None:
    padding = "".join(f'_:u{i} <http://ex/p> "{i}" .\n' for i in range(200))
    with pytest.raises(CanonicalizationError, match="poison graph"):
        canonicalize(_read("rdfc10/test074-in.nq") + padding)


def _identical_list(length: int) -> str:
    """An RDF list of identical members: its blank nodes share first-degree hashes."""
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    items = [f"_:l{i}" for i in range(length)] + [f"<{rdf}nil>"]
    return "<http://ex/s> <http://ex/list> _:l0 .\n" + "".join(
        f'{items[i]} <{rdf}first> "1" .\n{items[i]} <{rdf}rest> {items[i + 1]} .\n'
        for i in range(length)
    )


def test_long_list_of_identical_members() -> None:
    # Needs about one call per list node per list node: 10 fit in the default budget ...
    assert canonicalize(_identical_list(10)).count("_:c14n") == 30
    with pytest.raises(CanonicalizationError, match="poison graph") as info:
        canonicalize(_identical_list(100))
    assert info.value.code is Code.CANONICALIZATION_LIMIT
    # ... and a budget large enough for 3000 nodes still ends in a CanonicalizationError.
    limits = Limits(max_quads=10_000, max_blank_nodes=5_000, max_ndegree_calls_per_blank_node=10**9)
    with pytest.raises(CanonicalizationError, match="too deeply") as info:
        canonicalize(_identical_list(3000), limits=limits)
    assert info.value.code is Code.CANONICALIZATION_LIMIT


def test_hostile_blank_node_label_is_rejected_in_linear_time() -> None:
    # A backtracking label pattern took tens of seconds here; the possessive one a millisecond.
    with pytest.raises(CanonicalizationError, match="Invalid N-Quads"):
        canonicalize("_:a <http://ex/p> _:" + "a_:" * 20_000 + " x\n")


def test_too_many_quads() -> None:
    nquads = "".join(f'<http://ex/s> <http://ex/p> "{i}" .\n' for i in range(11))
    assert canonicalize(nquads, limits=Limits(max_quads=11))
    with pytest.raises(CanonicalizationError, match="more than 10 quads") as info:
        canonicalize(nquads, limits=Limits(max_quads=10))
    assert info.value.code is Code.CANONICALIZATION_LIMIT


def test_too_many_blank_nodes() -> None:
    nquads = "".join(f"_:b{i} <http://ex/p> _:b{i + 1} .\n" for i in range(10))
    assert canonicalize(nquads, limits=Limits(max_blank_nodes=11))
    with pytest.raises(CanonicalizationError, match="11 blank nodes") as info:
        canonicalize(nquads, limits=Limits(max_blank_nodes=10))
    assert info.value.code is Code.CANONICALIZATION_LIMIT


@pytest.mark.parametrize(
    "nquads",
    [
        "<http://ex/s> <http://ex/p> <http://ex/o>\n",  # no final "."
        "<http://ex/s> <http://ex/p> .\n",
        '"s" <http://ex/p> <http://ex/o> .\n',  # literal subject
        "<http://ex/s> _:p <http://ex/o> .\n",  # blank node predicate
        "<s> <http://ex/p> <http://ex/o> .\n",  # relative IRI
        "<http://ex/a b> <http://ex/p> <http://ex/o> .\n",  # raw space in IRI
        "<http://ex/a\\u0020b> <http://ex/p> <http://ex/o> .\n",  # escaped space in IRI
        '<http://ex/s> <http://ex/p> "unterminated .\n',
        '<http://ex/s> <http://ex/p> "bad \\q escape" .\n',
        '<http://ex/s> <http://ex/p> "\\U00110000" .\n',  # beyond U+10FFFF
        '<http://ex/s> <http://ex/p> "x"@ .\n',
        '<http://ex/s> <http://ex/p> "x" "g" .\n',  # literal graph name
        "<http://ex/s> <http://ex/p> <<( <http://ex/a> <http://ex/b> <http://ex/c> )>> .\n",
        "_:b. <http://ex/p> <http://ex/o> .\n",  # a label cannot end in "."
    ],
)
def test_invalid_nquads(nquads: str) -> None:
    with pytest.raises(CanonicalizationError, match="Invalid N-Quads on line 1") as info:
        canonicalize(nquads)
    assert info.value.code is Code.PROOF_TRANSFORMATION_ERROR


def test_invalid_line_number_is_reported() -> None:
    nquads = "<http://ex/s> <http://ex/p> <http://ex/o> .\n\n# comment\nnonsense\n"
    with pytest.raises(CanonicalizationError, match="line 4"):
        canonicalize(nquads)


def test_unsupported_hash() -> None:
    with pytest.raises(UsageError):
        canonicalize("", hash_name="md5")


def test_raw_control_characters_in_literals_are_escaped() -> None:
    raw = "a\tb\bc\x01d\x7fe\x0cf\x0bg\x1fh\x00i\u2028j\x85k\ufffel"
    nquads = jsonld.to_rdf(
        {"@id": "http://ex/s", "http://ex/p": raw}, {"format": "application/n-quads"}
    )
    assert "\b" in nquads and "\x7f" in nquads  # pyld writes them raw
    assert canonicalize(nquads) == (
        '<http://ex/s> <http://ex/p> "a\\tb\\bc\\u0001d\\u007Fe\\ff\\u000Bg\\u001Fh'
        '\\u0000i\u2028j\x85k\\uFFFEl" .\n'
    )


def test_canonical_form_details() -> None:
    nquads = (
        "# comment\r\n"
        '<http://ex/s>\t<http://ex/p>   "x"^^<http://www.w3.org/2001/XMLSchema#string> .\r\n'
        '<http://ex/s> <http://ex/p> "x" . # duplicate of the quad above\r\n'
        '<http://ex/s><http://ex/p>"y"@en-US<http://ex/g>.\r\n'
        "<http://ex/\\u0073> <http://ex/p> _:b0.\r\n"
        "\r\n"
    )
    assert canonicalize(nquads) == (
        '<http://ex/s> <http://ex/p> "x" .\n'
        '<http://ex/s> <http://ex/p> "y"@en-US <http://ex/g> .\n'  # language tag case kept
        "<http://ex/s> <http://ex/p> _:c14n0 .\n"
    )
    assert canonicalize("") == ""


@pytest.mark.parametrize(
    ("folder", "hash_name"),
    [
        ("vc-di-eddsa/eddsa-rdfc-2022", "sha256"),
        ("vc-di-ecdsa/ecdsa-rdfc-2019-p256/employ", "sha256"),
        ("vc-di-ecdsa/ecdsa-rdfc-2019-p384/employ", "sha384"),  # SHA-384 inside RDFC-1.0
    ],
)
def test_data_integrity_vectors_relabelled_and_shuffled(folder: str, hash_name: str) -> None:
    (path,) = Path(VECTORS, folder).glob("canonDoc*.txt")
    expected = path.read_text(encoding="utf-8")
    lines = expected.replace("_:c14n", "_:x").splitlines(keepends=True)
    random.Random(7).shuffle(lines)
    assert canonicalize("".join(lines), hash_name=hash_name) == expected


def test_sha384_changes_the_labelling_when_it_matters() -> None:
    nquads = _read("rdfc10/test075-in.nq")
    assert canonicalize(nquads, hash_name="sha384") != canonicalize(nquads)


# -- Hypothesis: invariance under relabelling and reordering -------------------------------

_IRIS = [f"<http://ex/{name}>" for name in ("a", "b", "p", "q")]
_LITERALS = ['"1"', '"x"@en', '"\\u0001\\b"', '"2"^^<http://ex/dt>', '"tab\\tx"']


@st.composite
def _datasets(draw: st.DrawFn) -> list[tuple[str, str, str, str]]:
    """A small random graph, often repeated as isomorphic copies (optionally linked in a
    ring) so that blank nodes share first-degree hashes and Hash N-Degree Quads runs."""
    size = draw(st.integers(1, 3))
    bnodes = [f"_:n{i}" for i in range(size)]
    node = st.sampled_from(bnodes + _IRIS[:2])
    quad = st.tuples(
        node,
        st.sampled_from(_IRIS[2:]),
        st.one_of(node, st.sampled_from(_LITERALS)),
        st.sampled_from(["", "<http://ex/g>", *bnodes[:2]]),
    )
    base = draw(st.lists(quad, min_size=1, max_size=6))
    copies = draw(st.integers(1, 6 // size))
    linked = draw(st.booleans())
    quads = []
    for copy in range(copies):
        rename = {b: f"_:c{copy}n{i}" for i, b in enumerate(bnodes)}
        quads += [(rename.get(s, s), p, rename.get(o, o), rename.get(g, g)) for s, p, o, g in base]
        if linked and copies > 1:
            quads.append((f"_:c{copy}n0", _IRIS[2], f"_:c{(copy + 1) % copies}n0", ""))
    return quads


def _serialize(quads: list[tuple[str, str, str, str]]) -> str:
    return "".join(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads)


@settings(max_examples=300, deadline=None)
@given(_datasets(), st.randoms(use_true_random=False))
def test_output_is_invariant_under_relabelling_and_reordering(
    quads: list[tuple[str, str, str, str]], rng: random.Random
) -> None:
    labels = sorted({t for quad in quads for t in quad if t.startswith("_:")})
    fresh = [f"_:r{i}x" for i in range(len(labels))]
    rng.shuffle(fresh)
    rename = dict(zip(labels, fresh, strict=True))
    moved = [(rename.get(s, s), p, rename.get(o, o), rename.get(g, g)) for s, p, o, g in quads]
    rng.shuffle(moved)
    expected = canonicalize(_serialize(quads), limits=UNBOUNDED)
    assert canonicalize(_serialize(moved), limits=UNBOUNDED) == expected
    assert _oxigraph(_serialize(quads), "sha256") == expected
