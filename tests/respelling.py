"""Re-spellings of a signed JSON-LD document: other JSON for the same RDF (ADR 0007).

A :class:`Respeller` reads a document with pyld, recording for every key and type value the
IRI and term definition the active context gives it there, and offers *edits*, each of
which writes one part of the document another way that JSON-LD expands to the same RDF:

* ``iri-key``: a term key written as its full IRI; the term's type coercion (a date, an
  ``@id``) moved into the value, so that the value still means the same;
* ``compact-iri-key``: the same with a compact IRI, where a prefix term is defined;
* ``iri-type``: a type written as its full IRI (one without a type-scoped context);
* ``keyword``: ``id``/``type`` written ``@id``/``@type``;
* ``value-object``: a string written as a value object (typed as its term coerces it);
* ``node-reference``: an ``@id``-coerced string written as ``{"id": ...}``;
* ``array``: a single value wrapped in an array, or an array of one unwrapped;
* ``reorder``: the keys of an object in reverse order;
* ``graph``: the whole document nested in a top-level ``@graph``.

``tests/test_respelling.py`` checks that the edits really keep what is signed
(:func:`signed_rdf`: plain pyld, no safe mode, the view of a verifier that checks only the
signature) and that vcskill's verdict on any combination
is the original's, with the same facts, or a refusal with a named code.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyld.jsonld import JsonLdProcessor

from vcskill.linkeddata.contexts import ContextStore
from vcskill.linkeddata.jsonld import RDF_DIRECTION, _SafeProcessor

Path = tuple[str | int, ...]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
KINDS = ("iri-key", "compact-iri-key", "iri-type", "keyword", "value-object",
         "node-reference", "array", "reorder", "graph")


@dataclass(frozen=True)
class Edit:
    kind: str
    path: Path  # the object (or, for "array" and "value-object", the value) edited
    key: str | None = None  # the key edited, where one is
    index: int | None = None  # for "iri-type": which type value


@dataclass(frozen=True)
class _Term:
    iri: str
    coercion: str | None  # the term's @type: a datatype IRI, "@id", "@vocab", or None
    container: tuple[str, ...]
    language: bool  # the term sets @language or @direction


class _Recorder(_SafeProcessor):  # type: ignore[misc]  # pyld is untyped
    """Expansion that notes, per JSON object (by identity), what each key and type means."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: dict[int, dict[str, _Term]] = {}
        self.types: dict[int, list[tuple[str, bool]]] = {}  # (IRI, has a scoped context)
        self.prefixes: dict[int, dict[str, str]] = {}

    def _expand_object(self, active_ctx: Any, active_property: Any,
                       expanded_active_property: Any, element: Any, expanded_parent: Any,
                       options: Any, inside_list: bool = False, type_key: Any = None,
                       type_scoped_ctx: Any = None) -> Any:
        terms: dict[str, _Term] = {}
        for key in element:
            if key.startswith("@"):
                continue
            iri = self._expand_iri(active_ctx, key, vocab=True)
            definition = active_ctx["mappings"].get(key) or {}
            container = definition.get("@container") or []
            terms[key] = _Term(
                iri=iri, coercion=definition.get("@type"),
                container=tuple(container if isinstance(container, list) else [container]),
                language="@language" in definition or "@direction" in definition)
        self.terms[id(element)] = terms
        if type_key is not None and type_key in element:
            values = element[type_key]
            values = values if isinstance(values, list) else [values]
            scope = type_scoped_ctx or active_ctx
            self.types[id(element)] = [
                (self._expand_iri(scope, v, vocab=True),
                 "@context" in (scope["mappings"].get(v) or {})) for v in values]
        self.prefixes[id(element)] = {
            term: d["@id"] for term, d in active_ctx["mappings"].items()
            if d and d.get("_prefix") and isinstance(d.get("@id"), str) and ":" not in term}
        return super()._expand_object(active_ctx, active_property, expanded_active_property,
                                      element, expanded_parent, options, inside_list,
                                      type_key, type_scoped_ctx)


class Respeller:
    """The edits one document allows (computed once; apply any combination)."""

    def __init__(self, document: Mapping[str, Any], contexts: ContextStore) -> None:
        self.document = copy.deepcopy(dict(document))
        recorder = _Recorder()
        options = {"base": None, "documentLoader": contexts._tagged_loader,
                   "contextResolver": contexts._new_resolver(), "processingMode": "json-ld-1.1",
                   "rdfDirection": RDF_DIRECTION, "isFrame": False,
                   "keepFreeFloatingNodes": False, "extractAllScripts": False}
        recorder._expand(recorder._get_initial_context(options), None, self.document, options)
        self.edits: list[Edit] = []
        self._terms: dict[Path, dict[str, _Term]] = {}
        self._types: dict[Path, list[tuple[str, bool]]] = {}
        self._prefixes: dict[Path, dict[str, str]] = {}
        self._walk(self.document, (), recorder)
        self.edits.append(Edit("graph", ()))

    def _walk(self, node: Any, path: Path, recorder: _Recorder) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                self._walk(item, (*path, index), recorder)
            return
        if not isinstance(node, dict) or "@value" in node:
            return
        terms = recorder.terms.get(id(node), {})
        self._terms[path] = terms
        self._types[path] = recorder.types.get(id(node), [])
        self._prefixes[path] = recorder.prefixes.get(id(node), {})
        if len(node) > 1:
            self.edits.append(Edit("reorder", path))
        for key, value in node.items():
            if key == "@context":
                continue
            term = terms.get(key)
            if key in ("id", "type"):
                self.edits.append(Edit("keyword", path, key))
            if key == "type":
                for index, (_iri, scoped) in enumerate(self._types[path]):
                    # a type with a type-scoped context means more than its IRI: written
                    # as the IRI, that context no longer applies (another document)
                    if not scoped:
                        self.edits.append(Edit("iri-type", path, key, index))
            if term is not None and _plain(term) and key not in ("id", "type"):
                self.edits.append(Edit("iri-key", path, key))
                if self._prefix_for(path, term.iri) is not None:
                    self.edits.append(Edit("compact-iri-key", path, key))
            if term is not None and key not in ("id", "type") and "@list" not in term.container:
                if not isinstance(value, list) or len(value) == 1:
                    self.edits.append(Edit("array", (*path, key)))
                if isinstance(value, str) and not term.language and term.coercion not in (
                        "@vocab", "@json"):
                    if term.coercion == "@id":
                        self.edits.append(Edit("node-reference", (*path, key)))
                    else:
                        self.edits.append(Edit("value-object", (*path, key)))
            self._walk(value, (*path, key), recorder)

    def _prefix_for(self, path: Path, iri: str) -> str | None:
        for term, prefix in sorted(self._prefixes.get(path, {}).items()):
            if iri.startswith(prefix) and len(iri) > len(prefix):
                return f"{term}:{iri[len(prefix):]}"
        return None

    def apply(self, edits: list[Edit]) -> dict[str, Any]:
        """The document with ``edits`` made. Value edits first, then keys (deepest first,
        so that paths stay valid), then the @graph wrapping."""
        doc = copy.deepcopy(self.document)
        order = {"value-object": 0, "node-reference": 0, "array": 1, "iri-type": 2,
                 "reorder": 3, "keyword": 4, "iri-key": 4, "compact-iri-key": 4, "graph": 9}
        chosen = sorted(set(edits), key=lambda e: (order[e.kind], -len(e.path)))
        done_keys: set[tuple[Path, str]] = set()
        for edit in chosen:
            if edit.kind == "graph":
                context = doc.pop("@context")
                doc = {"@context": context, "@graph": [doc]}
                continue
            if edit.key is not None and (edit.path, edit.key) in done_keys:
                continue  # one spelling per key
            parent = _get(doc, edit.path[:-1]) if edit.kind in ("value-object", "node-reference",
                                                                 "array") else None
            if edit.kind in ("value-object", "node-reference", "array"):
                key = edit.path[-1]
                if parent is None or key not in parent:
                    continue
                value = parent[key]
                if edit.kind == "array":
                    parent[key] = value[0] if isinstance(value, list) and len(value) == 1 \
                        else [value] if not isinstance(value, list) else value
                elif isinstance(value, str):
                    term = self._terms.get(edit.path[:-1], {}).get(str(key))
                    if edit.kind == "node-reference":
                        parent[key] = {"id": value}
                    elif term is not None and term.coercion not in (None, "@id"):
                        parent[key] = {"@value": value, "@type": term.coercion}
                    else:
                        parent[key] = {"@value": value}
                continue
            node = _get(doc, edit.path)
            if not isinstance(node, dict):
                continue
            if edit.kind == "reorder":
                items = list(node.items())
                node.clear()
                node.update(reversed(items))
                continue
            if edit.kind == "iri-type":
                assert edit.index is not None
                types = node.get("type")
                iris = [iri for iri, _scoped in self._types.get(edit.path, [])]
                if isinstance(types, list) and edit.index < min(len(types), len(iris)):
                    types[edit.index] = iris[edit.index]
                elif isinstance(types, str) and iris:
                    node["type"] = iris[0]
                continue
            assert edit.key is not None
            if edit.key not in node:
                continue
            done_keys.add((edit.path, edit.key))
            if edit.kind == "keyword":
                _rename(node, edit.key, "@" + edit.key)
                continue
            term = self._terms[edit.path][edit.key]
            name = term.iri if edit.kind == "iri-key" else self._prefix_for(edit.path, term.iri)
            if name is None:
                continue
            value = node[edit.key]
            if term.coercion is not None and term.coercion not in ("@vocab", "@json"):
                # the coercion goes with the term: the value must now carry it itself
                value = _coerced(value, term.coercion)
            _rename(node, edit.key, name, value)
        return doc


def _plain(term: _Term) -> bool:
    """A term whose meaning survives being written as its IRI (no container or language
    rules to carry along; type coercions are moved into the value)."""
    return not term.container and not term.language and term.coercion not in ("@vocab",
                                                                              "@json")


def _coerced(value: Any, coercion: str) -> Any:
    if isinstance(value, list):
        return [_coerced(item, coercion) for item in value]
    if isinstance(value, str):
        return {"@id": value} if coercion == "@id" else {"@value": value, "@type": coercion}
    if isinstance(value, (bool, int, float)) and coercion != "@id":
        # a native value takes the term's datatype too (OB 3.0 types "hashed" with an
        # https:// XML Schema IRI, so a plain true would be another literal)
        return {"@value": value, "@type": coercion}
    if isinstance(value, dict) and coercion == "@id" and "@value" not in value:
        return value  # a node object stays a node object
    return value


def _rename(node: dict[str, Any], old: str, new: str, value: Any = None) -> None:
    items = [(new if k == old else k, (value if value is not None else v) if k == old else v)
             for k, v in node.items()]
    node.clear()
    node.update(items)


def _get(doc: Any, path: Path) -> Any:
    node = doc
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


_PROOF_VALUE_KEYS = ("proofValue", "https://w3id.org/security#proofValue", "sec:proofValue")


def signed_rdf(document: Mapping[str, Any], contexts: ContextStore) -> tuple[str, ...]:
    """What an rdfc proof signs, as plain pyld sees it (no safe mode, no compact-form proof):
    the canonical N-Quads of the document without its proofs, then of each proof's
    configuration. Two documents with equal ``signed_rdf`` carry the same signatures."""
    nodes = document.get("@graph") if "@graph" in document else [document]
    context = document["@context"]
    signed: list[str] = []
    for node in nodes if isinstance(nodes, list) else [nodes]:
        proof_key = next((k for k in node if k in ("proof", "https://w3id.org/security#proof")),
                         None)
        body = {k: v for k, v in node.items() if k not in ("proof", "@context")}
        signed.append(_canonical({"@context": context, **body}, contexts))
        proofs = node.get(proof_key) if proof_key else []
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            config = {k: v for k, v in proof.items()
                      if k not in _PROOF_VALUE_KEYS and k != "@context"}
            signed.append(_canonical({"@context": context, **config}, contexts))
    return tuple(signed)


def _canonical(document: Mapping[str, Any], contexts: ContextStore) -> str:
    from vcskill.linkeddata.rdfc import canonicalize

    options = {"base": None, "documentLoader": contexts.document_loader(),
               "format": "application/n-quads", "rdfDirection": RDF_DIRECTION}
    nquads = JsonLdProcessor().to_rdf(copy.deepcopy(dict(document)), options)
    return str(canonicalize(nquads))
