"""Safe-mode JSON-LD: the official vectors reproduce, and nothing is dropped silently."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld as pyld_jsonld

from tests.conftest import VECTORS, load_json
from vcskill.errors import CanonicalizationError, Code, ContextError, Error
from vcskill.limits import Limits
from vcskill.linkeddata.contexts import ContextStore
from vcskill.linkeddata.jsonld import expand, to_nquads

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VCDM = VECTORS / "test-suite-fixtures/vc-data-model-2.0-test-suite/tests/input"

TESTING = ContextStore.bundled(allow_test_contexts=True)
PRODUCTION = ContextStore.bundled()

CREDENTIAL: dict[str, Any] = {
    "@context": [V2],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "credentialSubject": {"id": "did:example:subject"},
}


def credential(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(CREDENTIAL)
    doc.update(copy.deepcopy(changes))
    return doc


def rejected(doc: Any, store: ContextStore = TESTING, limits: Limits | None = None) -> Error:
    kwargs: dict[str, Any] = {} if limits is None else {"limits": limits}
    with pytest.raises(Error) as caught:
        to_nquads(doc, contexts=store, **kwargs)
    return caught.value


def canonical_lines(nquads: str, algorithm: Any) -> list[str]:
    """RDFC-1.0 with pyoxigraph: a cross-check only, vcskill does not use it."""
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    dataset.canonicalize(algorithm)
    return sorted(f"{quad} ." for quad in dataset)


# --- the official vectors ---------------------------------------------------------------------

SHA256 = pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0
SHA384 = pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0_SHA_384
EDDSA = "vc-di-eddsa/eddsa-rdfc-2022"
P256 = "vc-di-ecdsa/ecdsa-rdfc-2019-p256"
P384 = "vc-di-ecdsa/ecdsa-rdfc-2019-p384"
VECTOR_CASES = [
    ("vc-di-eddsa/unsigned.json", f"{EDDSA}/canonDocDataInt.txt", SHA256),
    (f"{EDDSA}/proofConfigDataInt.json", f"{EDDSA}/proofCanonDataInt.txt", SHA256),
    ("vc-di-eddsa/employmentAuth.json", f"{EDDSA}/employ/canonDocDataInt.txt", SHA256),
    (f"{EDDSA}/employ/proofConfigDataInt.json", f"{EDDSA}/employ/proofCanonDataInt.txt", SHA256),
    ("vc-di-ecdsa/unsigned.json", f"{P256}/canonDocECDSAP256.txt", SHA256),
    (f"{P256}/proofConfigECDSAP256.json", f"{P256}/proofCanonECDSAP256.txt", SHA256),
    ("vc-di-ecdsa/employmentAuth.json", f"{P256}/employ/canonDocECDSAP256.txt", SHA256),
    ("vc-di-ecdsa/unsigned.json", f"{P384}/canonDocECDSAP384.txt", SHA384),
    ("vc-di-ecdsa/employmentAuth.json", f"{P384}/employ/canonDocECDSAP384.txt", SHA384),
    (f"{P384}/employ/proofConfigECDSAP384.json", f"{P384}/employ/proofCanonECDSAP384.txt", SHA384),
]


@pytest.mark.parametrize(("document", "canonical", "algorithm"), VECTOR_CASES)
def test_official_vectors_canonicalise_to_the_published_form(
    document: str, canonical: str, algorithm: Any
) -> None:
    nquads = to_nquads(load_json(VECTORS / document), contexts=TESTING)
    expected = (VECTORS / canonical).read_text(encoding="utf-8").splitlines()
    assert canonical_lines(nquads, algorithm) == sorted(line for line in expected if line)


def test_expand_gives_the_expanded_document() -> None:
    expanded = expand(load_json(VECTORS / "vc-di-eddsa/unsigned.json"), contexts=TESTING)
    assert expanded[0]["@type"] == [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://www.w3.org/ns/credentials/examples#AlumniCredential",
    ]
    assert expanded[0]["@id"] == "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33"


def _accepted_documents() -> list[Path]:
    """Every JSON document among the vectors that has an @context and passes safe mode
    (the official ones: not our bad-input corpus, tests/vectors/bad/, which is malformed
    on purpose)."""
    found = []
    for path in sorted(VECTORS.rglob("*.json")):
        if {"contexts", "rdf-canon", "bad"} & set(path.relative_to(VECTORS).parts):
            continue
        doc = load_json(path)
        if not isinstance(doc, dict) or "@context" not in doc:
            continue
        try:
            to_nquads(doc, contexts=TESTING)
        except Error:
            continue
        found.append(path)
    return found


def _plain_pyld(doc: dict[str, Any]) -> str:
    documents = {url: TESTING.get(url) for url in TESTING.urls()}

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(documents[url]),
        }

    options = {
        "documentLoader": loader,
        "base": None,
        "rdfDirection": "i18n-datatype",
        "format": "application/n-quads",
    }
    result: str = pyld_jsonld.to_rdf(doc, options)
    return result


def test_safe_mode_does_not_change_the_rdf_of_valid_documents() -> None:
    """Same N-Quads as plain pyld for every accepted vector, cold and warm, in both orders.

    This is what guards the caching shortcuts in vcskill.linkeddata.jsonld and
    vcskill.linkeddata.contexts.
    """
    paths = _accepted_documents()
    assert len(paths) > 150
    expected = {path: _plain_pyld(load_json(path)) for path in paths}
    for ordering in (paths, paths[::-1], paths):
        for path in ordering:
            assert to_nquads(load_json(path), contexts=TESTING) == expected[path], path


_E = "https://example.org/"
_SCOPED = {
    "A": {"@id": _E + "A", "@context": {"p": _E + "pA", "q": {"@id": _E + "qA"}}},
    "B": {"@id": _E + "B", "@context": {"@propagate": True, "p": _E + "pB"}},
    "C": {
        "@id": _E + "C",
        "@context": {"p": _E + "pC", "child": {"@id": _E + "child", "@context": {"p": _E + "pK"}}},
    },
    "p": _E + "p",
    "q": _E + "q",
    "child": _E + "child0",
}
_SUBJECTS = [
    {"type": "A", "p": "1", "q": "2", "child": {"p": "3", "q": "4"}},
    {"type": "B", "p": "1", "child": {"p": "3"}},
    {"type": ["A", "C"], "p": "1", "child": {"p": "3", "type": "A"}},
    [{"type": "A", "p": "1"}, {"p": "2"}, {"type": "C", "child": {"p": "x", "child": {"p": "y"}}}],
    {"type": "A", "@context": {"p": _E + "local"}, "p": "1", "child": {"p": "2"}},
]


@pytest.mark.parametrize("subject", _SUBJECTS)
def test_scoped_contexts_give_what_plain_pyld_gives(subject: Any) -> None:
    """Type-scoped (non-propagating), propagating and property-scoped contexts, cold and warm."""
    doc = credential(**{"@context": [V2, _SCOPED]}, credentialSubject=subject)
    expected = _plain_pyld(doc)
    for _ in range(3):
        assert to_nquads(doc, contexts=TESTING) == expected


def test_concurrent_calls_agree() -> None:
    docs = [load_json(VECTORS / d) for d, _, _ in VECTOR_CASES[:4]]
    expected = [to_nquads(d, contexts=TESTING) for d in docs]
    failures: list[str] = []

    def work() -> None:
        for _ in range(20):
            for doc, want in zip(docs, expected, strict=True):
                if to_nquads(doc, contexts=TESTING) != want:
                    failures.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# --- data loss (DI 1.0 "Securing Data Losslessly") ---------------------------------------------


def test_undefined_property_is_data_loss() -> None:
    """DI test suite: credentialSubject.undefinedTerm = 'IfDroppedWillVerify'."""
    doc = credential(credentialSubject={"id": "did:example:s", "undefinedTerm": "IfDropped"})
    error = rejected(doc)
    assert error.code is Code.DATA_LOSS_DETECTION_ERROR
    assert "'undefinedTerm'" in str(error)
    with pytest.raises(ContextError) as caught:
        expand(doc, contexts=TESTING)
    assert caught.value.code is Code.DATA_LOSS_DETECTION_ERROR


def test_undefined_type_is_data_loss() -> None:
    """pyld keeps "UndefinedType" as a relative IRI in expansion, then drops it in to_rdf."""
    doc = credential(type=["VerifiableCredential", "UndefinedType"])
    error = rejected(doc)
    assert error.code is Code.DATA_LOSS_DETECTION_ERROR
    assert "'UndefinedType'" in str(error)
    with pytest.raises(ContextError):
        expand(doc, contexts=TESTING)


def test_undefined_type_on_the_subject_is_data_loss() -> None:
    doc = credential(credentialSubject={"id": "did:example:s", "type": "Person"})
    assert rejected(doc).code is Code.DATA_LOSS_DETECTION_ERROR


def test_base_url_trick_is_rejected() -> None:
    """DI suite ``invalidBaseUrl``: with an @base, a relative type would become absolute."""
    doc = credential(
        **{"@context": [V2, {"@base": "https://invalid.example.com/"}]},
        type=["VerifiableCredential", "UndefinedCredential"],
    )
    error = rejected(doc)
    assert error.code is Code.DATA_LOSS_DETECTION_ERROR
    assert "'UndefinedCredential'" in str(error)
    # ... and once the @base context is removed after signing, as the suite does
    del doc["@context"][1]
    assert rejected(doc).code is Code.DATA_LOSS_DETECTION_ERROR


def test_relative_ids_are_rejected_even_with_a_base() -> None:
    doc = credential(**{"@context": [V2, {"@base": "https://example.org/"}]}, id="credentials/1")
    error = rejected(doc)
    assert error.code is Code.DATA_LOSS_DETECTION_ERROR
    assert "'credentials/1'" in str(error)


def test_relative_vocab_gives_relative_properties() -> None:
    doc = credential(**{"@context": [V2, {"@vocab": "terms/"}]}, foo="bar")
    assert rejected(doc).code is Code.DATA_LOSS_DETECTION_ERROR


def test_term_mapped_to_a_relative_iri_is_rejected() -> None:
    doc = credential(**{"@context": [V2, {"foo": {"@id": "relative/foo"}}]}, foo="bar")
    assert rejected(doc).code in (Code.DATA_LOSS_DETECTION_ERROR, Code.JSONLD_ERROR)


def test_term_mapped_to_a_blank_node_is_data_loss() -> None:
    """A blank-node predicate is dropped unless generalized RDF is produced."""
    doc = credential(**{"@context": [V2, {"foo": {"@id": "_:foo"}}]}, foo="bar")
    error = rejected(doc)
    assert error.code is Code.DATA_LOSS_DETECTION_ERROR
    assert "'_:foo'" in str(error)


def test_term_mapped_to_null_is_data_loss() -> None:
    doc = credential(**{"@context": [V2, {"foo": None}]}, foo="bar")
    assert rejected(doc).code is Code.DATA_LOSS_DETECTION_ERROR


def test_keyword_lookalike_key_is_data_loss() -> None:
    assert rejected(credential(**{"@foo": "bar"})).code is Code.DATA_LOSS_DETECTION_ERROR


def test_relative_datatype_is_data_loss() -> None:
    doc = credential(name={"@value": "x", "@type": "relativeDatatype"})
    assert rejected(doc).code in (Code.DATA_LOSS_DETECTION_ERROR, Code.JSONLD_ERROR)


def test_free_floating_values_are_data_loss() -> None:
    error = rejected(credential(**{"@graph": ["free-floating"]}))
    assert error.code is Code.DATA_LOSS_DETECTION_ERROR
    assert "free-floating" in str(error)
    node_ref_only = credential(**{"@graph": [{"@id": "did:example:only-an-id"}]})
    assert rejected(node_ref_only).code is Code.DATA_LOSS_DETECTION_ERROR


def test_index_maps_are_data_loss() -> None:
    """@index keys are not part of RDF, so they could be changed after signing."""
    context = {"scores": {"@id": "https://example.org/scores", "@container": "@index"}}
    doc = credential(**{"@context": [V2, context]}, scores={"maths": "A"})
    error = rejected(doc)
    assert error.code is Code.DATA_LOSS_DETECTION_ERROR
    assert "@index" in str(error)


def test_value_where_a_node_belongs_is_data_loss() -> None:
    """VCDM presentation-vc-as-string-fail: pyld puts the string in a @graph, then drops it."""
    vp = {"@context": [V2], "type": ["VerifiablePresentation"], "verifiableCredential": ["x"]}
    assert rejected(vp).code is Code.DATA_LOSS_DETECTION_ERROR


def test_null_values_mean_no_value() -> None:
    """JSON-LD null is "no value" (not data loss); the data-model layer judges it."""
    assert to_nquads(credential(name=None), contexts=TESTING) == to_nquads(
        credential(), contexts=TESTING
    )


# --- IRIs and literals that N-Quads cannot carry ----------------------------------------------


@pytest.mark.parametrize(
    "iri",
    ["did:example:a>b", "https://example.org/a b", "urn:x:{y}", "did:example:%zz", 'urn:x:"'],
)
def test_invalid_iris_are_rejected(iri: str) -> None:
    error = rejected(credential(id=iri))
    assert error.code is Code.JSONLD_ERROR
    assert "not a valid IRI" in str(error)


@pytest.mark.parametrize("tag", ["en_US", "not a tag", "toolongtag-x", ""])
def test_invalid_language_tags_are_rejected(tag: str) -> None:
    error = rejected(credential(name={"@value": "x", "@language": tag}))
    assert error.code in (Code.JSONLD_ERROR, Code.DATA_LOSS_DETECTION_ERROR)


def test_language_values_and_maps_are_kept() -> None:
    context = {"label": {"@id": "https://example.org/label", "@container": "@language"}}
    doc = credential(
        **{"@context": [V2, context]},
        name=[{"@value": "高级工", "@language": "zh"}, {"@value": "Senior", "@language": "en"}],
        label={"zh": "电工", "en": "Electrician"},
    )
    nquads = to_nquads(doc, contexts=TESTING)
    assert '"高级工"@zh' in nquads
    assert '"Senior"@en' in nquads
    assert '<https://example.org/label> "电工"@zh' in nquads
    assert '<https://example.org/label> "Electrician"@en' in nquads


def test_base_direction_is_kept() -> None:
    """rdfDirection i18n-datatype: the direction is signed, not silently dropped."""
    doc = credential(name={"@value": "مرحبا", "@language": "ar", "@direction": "rtl"})
    assert '"مرحبا"^^<https://www.w3.org/ns/i18n#ar_rtl>' in to_nquads(doc, contexts=TESTING)


def test_json_literals_are_kept_canonically() -> None:
    context = {"data": {"@id": "https://example.org/data", "@type": "@json"}}
    doc = credential(**{"@context": [V2, context]}, data={"b": [1, 2.5, None], "a": "x"})
    nquads = to_nquads(doc, contexts=TESTING)
    json_literal = '"{\\"a\\":\\"x\\",\\"b\\":[1,2.5,null]}"'
    assert f"{json_literal}^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>" in nquads


def test_control_characters_reach_the_nquads_escaped_or_raw() -> None:
    """pyld escapes only \\t \\n \\r \" \\\\; the canonicaliser re-escapes (RDFC-1.0)."""
    nquads = to_nquads(credential(name="a\tb\nc\x08d\x7f"), contexts=TESTING)
    assert '"a\\tb\\nc\x08d\x7f"' in nquads
    canonical_lines(nquads, SHA256)  # parses


def test_lone_surrogates_are_rejected() -> None:
    assert rejected(credential(name="a\ud800b")).code is Code.JSONLD_ERROR


# --- contexts ---------------------------------------------------------------------------------


def test_test_only_contexts_are_refused_in_production() -> None:
    error = rejected(load_json(VECTORS / "vc-di-eddsa/unsigned.json"), store=PRODUCTION)
    assert error.code is Code.UNKNOWN_CONTEXT
    assert EXAMPLES in str(error)


def test_vocab_null_is_a_clean_error() -> None:
    """pyld 3.3.0 raises KeyError('@vocab') here (VCDM credential-type-unmapped-fail)."""
    error = rejected(credential(**{"@context": [V2, {"@vocab": None}]}))
    assert isinstance(error, ContextError)
    assert error.code is Code.JSONLD_ERROR


def test_protected_term_redefinition_is_named() -> None:
    error = rejected(load_json(VCDM / "credential-redef-type-fail.json"))
    assert error.code is Code.JSONLD_ERROR
    assert "redefines protected term 'VerifiableCredential'" in str(error)
    error = rejected(load_json(VCDM / "credential-redef-type2-fail.json"))
    assert "redefines protected term 'ExampleVerifiableCredential'" in str(error)


def test_nullifying_a_protected_context_is_rejected() -> None:
    error = rejected(credential(**{"@context": [V2, None]}))
    assert error.code is Code.JSONLD_ERROR


def test_context_urls_match_exactly() -> None:
    """pyld would normalise the dot segments away and load credentials/v2."""
    doc = credential(**{"@context": ["https://www.w3.org/ns/credentials/x/../v2"]})
    assert rejected(doc).code is Code.UNKNOWN_CONTEXT


def test_a_string_context_is_never_an_inline_context() -> None:
    """pyld looks a string context up in its cache first, where inline ones are keyed by JCS."""
    inline = {"foo": "https://example.org/foo"}
    to_nquads(credential(**{"@context": [V2, inline]}, foo="x"), contexts=TESTING)
    doc = credential(**{"@context": [V2, json.dumps(inline, separators=(",", ":"))]}, foo="x")
    assert rejected(doc).code is Code.UNKNOWN_CONTEXT


def test_import_is_refused_and_cannot_poison_later_documents() -> None:
    """pyld 3.3.0 merges an importing context into the cached imported one."""
    honest = {
        "@context": [OB3],
        "type": ["AchievementSubject"],
        "id": "did:example:subject",
    }
    before = to_nquads(honest, contexts=TESTING)
    evil = credential(
        **{"@context": [V2, {"@import": OB3, "AchievementSubject": "https://evil.example/#X"}]}
    )
    error = rejected(evil)
    assert error.code is Code.JSONLD_ERROR
    assert "@import" in str(error)
    scoped = credential(
        **{"@context": [V2, {"x": {"@id": "https://example.org/x", "@context": {"@import": OB3}}}]},
        x={"id": "did:example:x"},
    )
    assert rejected(scoped).code is Code.JSONLD_ERROR
    assert to_nquads(honest, contexts=TESTING) == before


@pytest.mark.parametrize(
    "context",
    [
        {"@foo": "https://example.org/foo"},
        {"foo": "@bar"},
        {"foo": {"@id": "@bar"}},
        {"foo": {"@reverse": "@bar"}},
        {"x": {"@id": "https://example.org/x", "@context": {"@foo": "https://example.org/f"}}},
    ],
)
def test_reserved_keyword_forms_are_refused(context: dict[str, Any]) -> None:
    """pyld only warns and ignores them; jsonld.js's safe mode refuses them."""
    error = rejected(credential(**{"@context": [V2, context]}))
    assert error.code is Code.JSONLD_ERROR
    assert "reserved" in str(error)


def test_non_objects_are_rejected() -> None:
    for doc in ([CREDENTIAL], "https://example.org/doc.jsonld", 42, None):
        error = rejected(doc)
        assert isinstance(error, ContextError)
        assert error.code is Code.JSONLD_ERROR


# --- limits -----------------------------------------------------------------------------------


def test_too_many_statements() -> None:
    doc = load_json(VECTORS / "vc-di-eddsa/employmentAuth.json")
    error = rejected(doc, limits=Limits(max_quads=10))
    assert isinstance(error, CanonicalizationError)
    assert error.code is Code.CANONICALIZATION_LIMIT


def test_too_many_blank_nodes() -> None:
    doc = load_json(VECTORS / "vc-di-eddsa/employmentAuth.json")
    error = rejected(doc, limits=Limits(max_blank_nodes=1))
    assert error.code is Code.CANONICALIZATION_LIMIT
    with pytest.raises(CanonicalizationError):
        expand(doc, contexts=TESTING, limits=Limits(max_blank_nodes=1))


def test_limits_count_blank_nodes_exactly() -> None:
    doc = load_json(VECTORS / "vc-di-eddsa/employmentAuth.json")
    labels = {
        term
        for line in to_nquads(doc, contexts=TESTING).splitlines()
        for term in line.split()
        if term.startswith("_:")
    }
    to_nquads(doc, contexts=TESTING, limits=Limits(max_blank_nodes=len(labels)))
    with pytest.raises(CanonicalizationError):
        to_nquads(doc, contexts=TESTING, limits=Limits(max_blank_nodes=len(labels) - 1))


# --- nothing raw escapes ----------------------------------------------------------------------

_KEY_NAMES = (
    "@context @id @type @value @language @direction @list @set @graph @index @reverse @included "
    "@nest @json @vocab @base @protected @container @import @foo id type name description "
    "credentialSubject issuer validFrom proof foo _:b0 ex:x"
)
_STRINGS = "https://example.org/x did:example:1 _:b1 rel @id @json @list @language en ltr VC"
_KEYS = st.sampled_from(_KEY_NAMES.split())
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([V2, EXAMPLES, "VerifiableCredential", "bad tag", "", *_STRINGS.split()]),
    st.text(max_size=8),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.dictionaries(_KEYS, _JSON, max_size=6), extra=st.lists(_JSON, max_size=2))
def test_only_vcskill_errors_escape(body: dict[str, Any], extra: list[Any]) -> None:
    """Whatever the input, a vcskill Error or the same N-Quads as plain pyld."""
    doc = {**body, "@context": [V2, EXAMPLES, *extra]} if extra else {"@context": V2, **body}
    try:
        expand(doc, contexts=TESTING)
    except Error as error:
        assert isinstance(error.code, Code)
    try:
        nquads = to_nquads(doc, contexts=TESTING)
    except Error as error:
        assert isinstance(error.code, Code)
    else:
        assert nquads == _plain_pyld(doc)


# --- the VCDM 2.0 test-suite fixtures ---------------------------------------------------------

# The -fail fixtures this layer rejects by itself, with the code. Every other -fail fixture
# breaks a data-model rule only (missing type on status/evidence/terms of use/refresh/schema,
# empty subjects, missing or null issuer, date formats, validUntil < validFrom, a missing
# VerifiableCredential/VerifiablePresentation type, base context missing or not first);
# vcskill.model.datamodel rejects those.
DLD, JLD, UNK = Code.DATA_LOSS_DETECTION_ERROR, Code.JSONLD_ERROR, Code.UNKNOWN_CONTEXT
CAUGHT_HERE: dict[str, Code] = {
    "credential-context-combo3-fail.json": UNK,  # "https ://not-a-url/..." is no bundled URL
    "credential-context-combo4-fail.json": JLD,  # a number as a context
    "credential-id-multi-fail.json": JLD,  # "@id" must be a string
    "credential-id-nonidentifier-fail.json": JLD,
    "credential-id-not-url-fail.json": DLD,  # relative IRI
    "credential-id-subject-multi-fail.json": JLD,
    "credential-issuer-no-url-fail.json": DLD,
    "credential-issuer-object-id-no-url-fail.json": DLD,
    "credential-issuer-object-id-null-fail.json": JLD,
    "credential-no-context-fail-or-inject.json": DLD,  # every term undefined
    "credential-no-type-fail.json": DLD,  # no VerifiableCredential: its scoped terms undefined
    "credential-proof-missing-type-fail.json": UNK,  # uses ed25519-2020/v1, not bundled
    "credential-redef-type-fail.json": JLD,  # protected term
    "credential-redef-type2-fail.json": JLD,
    "credential-schema-non-url-id-fail.json": DLD,
    "credential-status-multiple-id-fail.json": JLD,
    "credential-status-nonurl-id-fail.json": DLD,
    "credential-status-type-nonurl-fail.json": JLD,  # "@type" must be a string
    "credential-type-mapped-nonurl-fail.json": JLD,  # term mapped to "https ://..."
    "credential-type-unmapped-fail.json": JLD,  # {"@vocab": null}: pyld KeyError, wrapped
    "names-and-descriptions/credential-description-extra-prop-en-fail.json": DLD,
    "names-and-descriptions/credential-name-extra-prop-en-fail.json": DLD,
    "names-and-descriptions/issuer-description-extra-prop-en-fail.json": DLD,
    "names-and-descriptions/issuer-name-extra-prop-en-fail.json": DLD,
    "presentation-holder-fail.json": DLD,  # holder is a bare multibase string
    "presentation-holder-object-fail.json": DLD,
    "presentation-no-context-fail-or-inject.json": DLD,
    "presentation-vc-as-string-fail.json": DLD,
    "presentation-vc-missing-required-type-fail.json": DLD,
}
# -ok fixtures that do not pass this layer as they stand, and why.
OK_EXCLUSIONS = {
    # The proof is an Ed25519Signature2020 with only credentials/v2: created, proofPurpose and
    # proofValue are defined there only for DataIntegrityProof. Data Integrity canonicalises the
    # document without its proof, and that passes (checked below).
    "credential-proof-ok.json",
}


def _fixtures(pattern: str) -> list[str]:
    return sorted(str(p.relative_to(VCDM)) for p in VCDM.rglob(pattern))


@pytest.mark.parametrize("name", _fixtures("*-fail*.json"))
def test_vcdm_fail_fixtures(name: str) -> None:
    doc = load_json(VCDM / name)
    if name in CAUGHT_HERE:
        error = rejected(doc)
        assert isinstance(error, ContextError)
        assert error.code is CAUGHT_HERE[name]
    else:
        to_nquads(doc, contexts=TESTING)  # the data-model layer's job


def test_vcdm_fixture_table_is_current() -> None:
    assert set(CAUGHT_HERE) <= set(_fixtures("*-fail*.json"))
    assert set(_fixtures("*-ok.json")) >= OK_EXCLUSIONS


@pytest.mark.parametrize("name", _fixtures("*-ok.json"))
def test_vcdm_ok_fixtures_pass(name: str) -> None:
    doc = load_json(VCDM / name)
    if name in OK_EXCLUSIONS:
        rejected(doc)
        doc.pop("proof")
    to_nquads(doc, contexts=TESTING)


# -- the node map: pyld's result, in linear time ----------------------------------------------


def _pyld_node_map_nquads(document: dict[str, Any]) -> str:
    """N-Quads from the same safe expansion, through pyld's own (quadratic) node map."""
    from pyld.identifier_issuer import IdentifierIssuer
    from pyld.jsonld import JsonLdProcessor

    from vcskill.linkeddata import jsonld

    with jsonld._LOCK:
        expanded, options = jsonld._safe_expand(document, TESTING, Limits())
        processor = jsonld._SafeProcessor()
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        processor._create_node_map(copy.deepcopy(expanded), node_map, "@default", issuer)
        dataset = {name: processor._graph_to_rdf(graph, issuer, options)
                   for name, graph in sorted(node_map.items())}
        result: str = JsonLdProcessor.to_nquads(dataset)
        return result


def _with_duplicates(doc: dict[str, Any]) -> dict[str, Any]:
    """A subject whose values repeat, in every way pyld's node map merges: equal strings,
    equal language strings, 1 and 1.0, true and 1, the same node twice by id."""
    copied = copy.deepcopy(doc)
    copied["credentialSubject"] = {
        "id": "did:example:repeat",
        "name": ["甲", "甲", {"@value": "甲", "@language": "zh"},
                 {"@value": "甲", "@language": "zh"}, "乙"],
        "description": ["1", "1"],
    }
    return copied


@pytest.mark.parametrize("path", _accepted_documents(), ids=lambda p: str(p.relative_to(VECTORS)))
def test_the_linear_node_map_gives_pyld_s_nquads(path: Path) -> None:
    doc = load_json(path)
    for variant in (doc, _with_duplicates(doc) if "credentialSubject" in doc else doc):
        try:
            ours = to_nquads(variant, contexts=TESTING)
        except Error:
            continue
        assert ours == _pyld_node_map_nquads(variant)
