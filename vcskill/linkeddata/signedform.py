"""What the verifier judges is what was signed: one JSON form, proven (ADR 0007).

A Data Integrity ``*-rdfc-*`` proof signs the RDF dataset of a credential, not its JSON
text, and JSON-LD writes one dataset in many JSON shapes: a property under its full IRI, a
compact IRI or an alias; a type as an IRI; a date as a typed value object; a node inside a
``@graph``. Everything after the proof (issuer, dates, occupation, level, status entries,
the page, the report) reads the credential by key name. A reader and a signature that look
at two different things are a forgery waiting to happen (sigstore's CVE-2022-36056 was of
this class), so before anything is read the document must be **exactly the compact form
its own contexts define**, and the verifier says what kind of document it is from the
expanded, signed graph, never from a bare type string:

1. *Keys.* Outside value objects no key is a JSON-LD keyword or contains a colon: every key
   is a term. Only the top-level ``@context`` (and the same ``@context`` copied into a
   proof by the jcs suites) is allowed; value objects hold only ``@value``, ``@language``,
   ``@direction`` and ``@type``.
2. *Fixed point.* Compacting the expanded document with its own ``@context`` gives the
   document back: the same keys (so each property is spelled by the term compaction
   chooses, never by another term for it), the same values (no value object where the
   term's type coercion applies, no IRI where a term exists), node ids in full. Two
   spellings compaction leaves to the writer are read as equal: an array of one value and
   the value itself, and a node reference ``{"id": X}`` and the string ``X``; ``null`` and
   an empty array are no value, written or left out. Every reader in vcskill accepts both spellings
   with the same meaning, or refuses one of them.
3. *Kind.* The expanded ``@type`` IRIs of the top node say what the document is: a skill
   credential (``https://w3id.org/vcskill/vocab#SkillLevelCredential``), a status list
   credential, another verifiable credential, a presentation, or something else.

The same rules apply to every JSON-LD document the verifier reads: credentials (without
their proofs), each Data Integrity proof (as its own document, with the credential's
``@context``, in the proof step), the payload of a vc+jwt, and status list credentials. Registry
documents are not JSON-LD: they are signed over their JCS bytes, so what is read is the
signed JSON itself (ADR 0007).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import rfc8785

from vcskill.errors import Code, ContextError
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.contexts import ContextStore
from vcskill.linkeddata.jsonld import ExpandedDocument, expand_document

__all__ = [
    "DocumentKind",
    "SignedForm",
    "check_context_list",
    "content_digest",
    "describe_json",
    "read_signed_form",
]

VC_TYPE: Final = "https://www.w3.org/2018/credentials#VerifiableCredential"
VP_TYPE: Final = "https://www.w3.org/2018/credentials#VerifiablePresentation"
SKILL_CREDENTIAL_IRI: Final = "https://w3id.org/vcskill/vocab#SkillLevelCredential"
STATUS_LIST_CREDENTIAL_IRI: Final = (
    "https://www.w3.org/ns/credentials/status#BitstringStatusListCredential"
)

_VALUE_OBJECT_KEYS: Final = frozenset({"@value", "@language", "@direction", "@type"})
_SHOWN: Final = 80
# The files vcskill itself writes that are JSON but not credentials, by their "type".
_VCSKILL_FILES: Final = {
    "vcskill-registry": "a vcskill trusted issuer registry file, not a credential (give it "
                        "to verify with --registry)",
    "vcskill-registry-draft": "a regulator's registry draft, not a credential",
    "vcskill-key-metadata": "a vcskill key's metadata file, not a credential",
    "vcskill-status-index": "a vcskill status list index, not a credential",
}


class DocumentKind(StrEnum):
    """What a document is, judged from its expanded types (or, without ``@context``, its
    shape, only to name it in a refusal)."""

    SKILL_CREDENTIAL = "skill-credential"
    STATUS_LIST_CREDENTIAL = "status-list-credential"
    CREDENTIAL = "credential"  # any other verifiable credential
    PRESENTATION = "presentation"
    OTHER = "other"  # JSON-LD, or plain JSON, that is not a credential

    @property
    def is_credential(self) -> bool:
        return self in (DocumentKind.SKILL_CREDENTIAL, DocumentKind.STATUS_LIST_CREDENTIAL,
                        DocumentKind.CREDENTIAL)

    def describe(self) -> str:
        return _KIND_NAMES[self]


_KIND_NAMES: Final = {
    DocumentKind.SKILL_CREDENTIAL: "a vocational skill level credential",
    DocumentKind.STATUS_LIST_CREDENTIAL: "a status list credential (an issuer's list of "
                                         "revoked or suspended credentials), not a certificate",
    DocumentKind.CREDENTIAL: "a verifiable credential that is not a skill level certificate",
    DocumentKind.PRESENTATION: "a verifiable presentation, not a credential",
    DocumentKind.OTHER: "a JSON-LD document that is not a verifiable credential",
}


@dataclass(frozen=True, slots=True)
class SignedForm:
    """A document proven to be in its compact form, with what the expanded graph says."""

    kind: DocumentKind
    types: frozenset[str]  # the expanded @type IRIs of the top node
    expanded: ExpandedDocument  # its N-Quads, for the proof step: expanded.nquads()


def check_context_list(document: Mapping[str, Any], contexts: ContextStore) -> None:
    """The document's ``@context`` is a non-empty array of context URLs the store bundles,
    and no ``@context`` appears below the top level (VC Data Integrity §4.6 "Context
    Validation": a nested context would change what a term means, unseen), except the copy
    of the document's own that the jcs suites keep in each proof.

    Raises:
        ContextError: ``CONTEXT_VALIDATION_ERROR`` or ``UNKNOWN_CONTEXT`` (never fetched).
    """
    entries = document.get("@context")
    if not isinstance(entries, list) or not entries:
        raise ContextError("@context must be a non-empty array",
                           code=Code.CONTEXT_VALIDATION_ERROR)
    for entry in entries:
        if not isinstance(entry, str):
            raise ContextError(
                "inline @context objects are not accepted: only bundled, hash-pinned context "
                "URLs are (VC Data Integrity §4.6 'Context Validation')",
                code=Code.CONTEXT_VALIDATION_ERROR)
        if not contexts.is_known(entry):
            raise ContextError(f"context {entry} is not bundled; it is never fetched",
                               code=Code.UNKNOWN_CONTEXT)
    nested = _nested_context_path(document)
    if nested is not None:
        raise ContextError(f"a nested @context at {nested} is not accepted",
                           code=Code.CONTEXT_VALIDATION_ERROR)


def _nested_context_path(doc: Mapping[str, Any]) -> str | None:
    """Where a ``@context`` appears below the top level, else None. The proof's own
    ``@context`` (kept by the jcs suites) must equal the document's."""
    stack: list[tuple[str, Any]] = [
        (key, value) for key, value in doc.items() if key != "@context"
    ]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping):
            for key, child in value.items():
                if key == "@context":
                    is_proof = path == "proof" or path.startswith("proof[")
                    if not (is_proof and child == doc.get("@context")):
                        return f"{path}.@context"
                    continue
                stack.append((f"{path}.{key}", child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(value))
    return None


def read_signed_form(
    document: Mapping[str, Any],
    *,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
    name: str = "document",
) -> SignedForm:
    """Prove ``document`` is exactly the compact form its ``@context`` defines and classify it.

    The ``@context`` itself (bundled URLs only, no nested contexts) is the caller's to check
    first (:func:`check_context_list`); an unknown context still fails here, in expansion,
    and is never fetched. ``name`` names the document in error messages
    (``credential.credentialSubject...``).

    Raises:
        ContextError: ``JSONLD_NOT_COMPACT`` naming the first key or value that is not in
            compact form; the expansion's own errors (``UNKNOWN_CONTEXT``,
            ``DATA_LOSS_DETECTION_ERROR``, ``JSONLD_ERROR``, ``CANONICALIZATION_LIMIT``).
    """
    _check_keys(document, name)
    expanded = expand_document(document, contexts=contexts, limits=limits)
    compacted = expanded.compact(document.get("@context"))
    written = _without_proof_contexts(document)
    difference = _first_difference(written, compacted, name)
    if difference is None:
        difference = _first_repeated_value(expanded.nodes, name)
    if difference is not None:
        raise _not_compact(difference)
    types = expanded.top_types()
    return SignedForm(kind=_kind(types), types=types, expanded=expanded)


def _kind(types: frozenset[str]) -> DocumentKind:
    if VC_TYPE in types:
        if SKILL_CREDENTIAL_IRI in types:
            return DocumentKind.SKILL_CREDENTIAL
        if STATUS_LIST_CREDENTIAL_IRI in types:
            return DocumentKind.STATUS_LIST_CREDENTIAL
        return DocumentKind.CREDENTIAL
    if VP_TYPE in types:
        return DocumentKind.PRESENTATION
    return DocumentKind.OTHER


def describe_json(document: Mapping[str, Any]) -> str:
    """Name a JSON object that has no ``@context`` (so is not a credential), for a refusal.

    Only the shape is looked at: this never decides that anything *is* acceptable.
    """
    file_type = document.get("type")
    if isinstance(file_type, str) and file_type in _VCSKILL_FILES:
        return _VCSKILL_FILES[file_type]
    if isinstance(document.get("signed"), Mapping) and "signatures" in document:
        return "a signed vcskill registry root, not a credential"
    if isinstance(document.get("id"), str) and document["id"].startswith("did:") and (
            "verificationMethod" in document or "assertionMethod" in document):
        return "a DID document, not a credential"
    return "JSON without an @context, so not a verifiable credential (VC Data Model 2.0 §4.3)"


# -- 1. keys ----------------------------------------------------------------------------------


def _check_keys(document: Mapping[str, Any], path: str) -> None:
    """Every key is a term: no keyword (but the allowed ones) and no IRI or compact IRI."""
    stack: list[tuple[str, Any, bool]] = [(path, document, True)]
    while stack:
        where, value, top = stack.pop()
        if isinstance(value, list):
            stack.extend((f"{where}[{i}]", item, False) for i, item in enumerate(value))
            continue
        if not isinstance(value, Mapping):
            continue
        if "@value" in value:
            extra = sorted(set(value) - _VALUE_OBJECT_KEYS)
            if extra:
                raise _not_compact(f"{where} is a value object with the key {extra[0]!r}")
            continue
        for key, child in value.items():
            if key == "@context" and (top or _is_proof_path(where, path)):
                continue  # the caller checks contexts (bundled, not nested)
            if key.startswith("@"):
                raise _not_compact(
                    f"{where} uses the JSON-LD keyword {key!r} as a key; the compact form "
                    "writes terms only (id and type for @id and @type)")
            if ":" in key:
                raise _not_compact(
                    f"{where} has the key {_show(key)}, an IRI; the compact form writes "
                    "every property as a term its @context defines")
            stack.append((f"{where}.{key}", child, False))


def _is_proof_path(where: str, root: str) -> bool:
    return where == f"{root}.proof" or where.startswith(f"{root}.proof[")


def _not_compact(message: str) -> ContextError:
    return ContextError(
        f"{message}; vcskill reads only the compact form the document's @context defines, so "
        "that what it judges is what was signed (ADR 0007)",
        code=Code.JSONLD_NOT_COMPACT,
    )


# -- 2. the fixed point -----------------------------------------------------------------------


def _without_proof_contexts(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document without the ``@context`` the jcs suites copy into each proof (which the
    caller has checked to equal the document's): compaction does not write it there."""
    written = dict(document)
    proof = written.get("proof")
    if isinstance(proof, Mapping) and "@context" in proof:
        written["proof"] = {k: v for k, v in proof.items() if k != "@context"}
    elif isinstance(proof, list):
        written["proof"] = [
            {k: v for k, v in p.items() if k != "@context"} if isinstance(p, Mapping) else p
            for p in proof
        ]
    return written


def _unwrap(value: Any) -> Any:
    """The two spellings compaction leaves open, reduced to one."""
    while True:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        elif isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("id"), str):
            value = value["id"]  # a node reference
        else:
            return value


def content_digest(secured_document: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of what a credential says and how it was signed, without the
    signature bytes: JCS (RFC 8785) of the document in its normal form (the spellings
    :func:`read_signed_form` accepts as one reduced to one) with every ``proofValue`` left
    out.

    The same for every accepted spelling and every valid signature over the same content:
    an ECDSA signature's ``s`` can be replaced by ``n - s`` and still verify (ADR 0008). A
    credential is counted, looked up or logged by this digest, never by its bytes.
    """
    proof = secured_document.get("proof")
    document = dict(secured_document)
    if proof is not None:
        proofs = proof if isinstance(proof, list) else [proof]
        document["proof"] = [{k: v for k, v in p.items() if k not in ("proofValue", "@context")}
                             if isinstance(p, Mapping) else p for p in proofs]
    normal = _normal_form(document)
    try:
        canonical = bytes(rfc8785.dumps(normal))
    except Exception:  # not I-JSON (an integer beyond 2**53): still one text per content
        canonical = json.dumps(normal, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":")).encode("utf-8")
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def _normal_form(value: Any) -> Any:
    value = _unwrap(value)
    if isinstance(value, Mapping):
        return {k: _normal_form(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [_normal_form(item) for item in value]
    return value


def _first_difference(written: Any, compact: Any, where: str) -> str | None:
    """Where ``written`` departs from ``compact``, in words; None when they agree."""
    written, compact = _unwrap(written), _unwrap(compact)
    if isinstance(written, Mapping) and isinstance(compact, Mapping):
        # null and an empty array are no value at all (JSON-LD 1.1 §4.2.2 and §4.3.1),
        # whether compaction writes them or leaves them out
        extra = [k for k in written if k not in compact and written[k] not in ([], None)]
        missing = [k for k in compact if k not in written and compact[k] != []]
        if extra:
            key = extra[0]
            if len(extra) == 1 and len(missing) == 1:
                return (f"{where}.{key} is not the compact form of its property: the @context "
                        f"writes it {missing[0]!r}")
            return f"{where} has the key {_show(key)}, which its compact form does not have"
        if missing:
            return (f"{where} lacks the key {missing[0]!r} of its compact form (a property "
                    "written under another name, or nested where it does not belong)")
        for key, value in written.items():
            if key not in compact:
                continue  # no value (above)
            found = _first_difference(value, compact[key], f"{where}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(written, list) and isinstance(compact, list):
        if len(written) != len(compact):
            return (f"{where} has {len(written)} values, but its compact form has "
                    f"{len(compact)}")
        for index, (a, b) in enumerate(zip(written, compact, strict=True)):
            found = _first_difference(a, b, f"{where}[{index}]")
            if found is not None:
                return found
        return None
    if _same_scalar(written, compact):
        return None
    return f"{where} is written {_describe(written)}, but its compact form is {_describe(compact)}"


def _first_repeated_value(nodes: list[Any], where: str) -> str | None:
    """A property that holds one value twice, in words; None when there is none.

    RDF is a set of triples: ``"type": ["A", "A"]`` or the same value object written twice
    is one triple, so the JSON says more than was signed, and a reader that counts values
    would judge something no signature covers. Compaction keeps such repeats, so the fixed
    point above cannot see them. Two node objects without ``@id`` are two blank nodes (two
    things that were signed), and a ``@list`` is ordered and may repeat: both are left be.
    """
    stack: list[Any] = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict) or "@value" in node:
            continue
        if "@list" in node:
            stack.extend(item for item in node["@list"] if isinstance(item, (dict, list)))
            continue
        for key, values in node.items():
            if not isinstance(values, list):
                continue
            seen: set[str] = set()
            for value in values:
                stack.append(value)
                if isinstance(value, dict) and ("@list" in value or (
                        "@value" not in value and "@id" not in value)):
                    continue  # a list, or a blank node: never the same triple twice
                spelled = json.dumps(value, sort_keys=True, ensure_ascii=False)
                if spelled in seen:
                    what = "@type" if key == "@type" else f"<{key}>"
                    return (f"{where}: {what} holds {_show(value)} twice; RDF keeps it once, so "
                            "the JSON is not what was signed")
                seen.add(spelled)
    return None


def _same_scalar(a: Any, b: Any) -> bool:
    if isinstance(a, (Mapping, list)) or isinstance(b, (Mapping, list)):
        return False
    # strict: true is not 1, and 1 is not 1.0 (different RDF literals, different readers)
    return type(a) is type(b) and a == b


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        if "@value" in value:
            return f"as a value object {_show(dict(value))}"
        return "as an object"
    if isinstance(value, list):
        return f"as an array of {len(value)}"
    return f"as {_show(value)}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
