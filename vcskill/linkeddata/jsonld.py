"""Hardened JSON-LD processing for Data Integrity proofs: expansion and RDF in "safe mode".

VC Data Integrity 1.0, "Securing Data Losslessly": when JSON-LD is turned into RDF, "undefined
terms and relative URLs can be dropped silently", and whatever is dropped is not protected by
the proof. Implementations MUST raise an error instead (``DATA_LOSS_DETECTION_ERROR``) and MUST
deserialise with a null base URL. pyld 3.3.0 has no safe mode, so this module adds one:

1. only the bundled contexts of a :class:`~vcskill.linkeddata.contexts.ContextStore` are used,
   matched by exact URL, and nothing is ever fetched;
2. ``base`` is ``None``, so a relative IRI stays relative and is caught below (pyld's default
   base would silently make it ``http://example.org/base/...``); with a null base pyld does not
   apply a document's ``@base`` either (DI test suite ``invalidBaseUrl``);
3. a property pyld drops during expansion raises (``on_property_dropped``), and so does a
   free-floating value pyld drops (JSON-LD 1.1 API, "Expansion Algorithm");
4. the expanded document is walked before RDF conversion: every node ``@id``, ``@type``,
   property and datatype IRI must be an absolute IRI (``_:`` blank nodes only where RDF allows
   them), because pyld's ``to_rdf`` drops relative ones without a word (JSON-LD 1.1 API,
   "Deserialize JSON-LD to RDF Algorithm"); IRIs and language tags must be ones N-Quads can
   carry; ``@index`` (not part of RDF) is refused;
5. ``@direction`` is kept with ``rdfDirection: "i18n-datatype"`` (JSON-LD 1.1 API, "Object to
   RDF Conversion"), as Digital Bazaar's cryptosuites do, instead of being lost.

Every exception from pyld, including its crashes (``{"@vocab": null}`` raises ``KeyError`` in
pyld 3.3.0), leaves this module as a :class:`vcskill.errors.Error`.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Final

from cachetools import LRUCache
from pyld.identifier_issuer import IdentifierIssuer
from pyld.jsonld import JsonLdError, JsonLdProcessor

from vcskill.errors import CanonicalizationError, Code, ContextError, Error, InternalError
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.contexts import ContextStore

__all__ = ["ExpandedDocument", "expand", "expand_document", "to_nquads"]

# How a value's base direction reaches RDF (JSON-LD 1.1 API, "Object to RDF Conversion"). With
# the default (null) it is silently lost; "i18n-datatype" is what the eddsa/ecdsa cryptosuite
# libraries use (digitalbazaar/jsonld-signatures#187).
RDF_DIRECTION: Final = "i18n-datatype"

# pyld keeps module-level caches (and our per-store caches are plain LRUs); processing is pure
# Python under the GIL anyway, so one lock costs no throughput and keeps the caches consistent.
_LOCK = threading.RLock()

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# RDF 1.1 N-Quads IRIREF excludes these code points (and RFC 3987 lone surrogates); a '%' must
# start a percent-encoded octet (RFC 3986 §2.1).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\ud800-\udfff]|%(?![0-9A-Fa-f]{2})')
# BCP 47 well-formedness, as far as RDF needs it: alphanumeric subtags of 1 to 8 characters,
# the first one alphabetic (RFC 5646 §2.1; N-Quads LANGTAG).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_NODE_KEYWORDS: Final = frozenset({"@id", "@type", "@graph", "@included", "@reverse"})
_VALUE_KEYWORDS: Final = frozenset({"@value", "@type", "@language", "@direction"})
_MAX_SHOWN: Final = 120
# IRI compactions that take no value, by (active context _uuid, IRI, vocab, reverse).
_COMPACT_IRI_MEMO: LRUCache[tuple[str, str, bool, bool], Any] = LRUCache(maxsize=8192)


def expand(
    document: Mapping[str, Any],
    *,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Any]:
    """Expand ``document`` (JSON-LD 1.1 expansion) in safe mode, using only ``contexts``.

    Raises :class:`~vcskill.errors.ContextError` (``UNKNOWN_CONTEXT``,
    ``DATA_LOSS_DETECTION_ERROR``, ``JSONLD_ERROR``) or
    :class:`~vcskill.errors.CanonicalizationError` when the document is over ``limits``.
    """
    return expand_document(document, contexts=contexts, limits=limits).nodes


def to_nquads(
    document: Mapping[str, Any],
    *,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """The RDF dataset of ``document`` as N-Quads (not canonicalised), in safe mode.

    Same checks and errors as :func:`expand`; blank node labels are ``_:b0, _:b1, ...``.
    """
    return expand_document(document, contexts=contexts, limits=limits).nquads()


def expand_document(
    document: Mapping[str, Any],
    *,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
) -> ExpandedDocument:
    """``document`` expanded in safe mode and checked (see the module docstring), kept for
    RDF conversion and compaction, so that each is done from one expansion."""
    with _LOCK:
        nodes, options = _safe_expand(document, contexts, limits)
    return ExpandedDocument(nodes, options, document, contexts)


class ExpandedDocument:
    """A document after safe-mode expansion: its node objects, and what can be made of them.

    Treat ``nodes`` as read-only: :meth:`nquads` and :meth:`compact` work from them.
    """

    __slots__ = ("_contexts", "_document", "_options", "nodes")

    def __init__(self, nodes: list[Any], options: dict[str, Any],
                 document: Mapping[str, Any], contexts: ContextStore) -> None:
        self.nodes = nodes
        self._options = options
        self._document = document
        self._contexts = contexts

    def top_types(self) -> frozenset[str]:
        """The expanded ``@type`` IRIs of the top-level node objects."""
        return frozenset(t for node in self.nodes if isinstance(node, dict)
                         for t in node.get("@type", ()) if isinstance(t, str))

    def nquads(self, *, leave_out: frozenset[str] = frozenset()) -> str:
        """The RDF dataset as N-Quads, leaving out the top-level properties (expanded IRIs)
        in ``leave_out``. A property's expansion depends on nothing else of its node, so a
        proof's N-Quads without its ``proofValue`` are those of its configuration (VC-DI
        §4.3 "Verify Proof" step 4)."""
        nodes = self.nodes
        if leave_out:
            nodes = [{k: v for k, v in node.items() if k not in leave_out}
                     if isinstance(node, dict) else node for node in nodes]
        with _LOCK:
            try:
                rdf = _expanded_to_nquads(nodes, self._options)
            except Exception as exc:
                raise _wrap(exc, self._document, self._contexts) from exc
        try:
            rdf.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ContextError(
                "the document contains a lone UTF-16 surrogate, which RDF cannot carry",
                code=Code.JSONLD_ERROR,
            ) from exc
        return rdf

    def compact(self, context: Any) -> Any:
        """JSON-LD 1.1 compaction of the nodes with ``context`` (the value of an ``@context``
        member), arrays of one compacted to their value, as the compact form reads.

        Node identifiers are never abbreviated to compact IRIs: the form vcskill reads spells
        every ``id`` in full, so that the string read is the IRI that was signed.
        """
        options = {**self._options, "compactArrays": True, "graph": False,
                   "skipExpansion": True, "compactToRelative": False}
        with _LOCK:
            try:
                # a copy: the nodes are still needed for nquads() afterwards
                return _SafeProcessor().compact(_copy_json(self.nodes),
                                                {"@context": context}, options)
            except Exception as exc:
                raise _wrap(exc, self._document, self._contexts) from exc


# -- pyld, tightened --------------------------------------------------------------------------


def _dropped(expanded_property: str | None) -> None:
    if expanded_property is None:
        what = "a property mapped to null, or a key that looks like an unknown JSON-LD keyword,"
    else:
        what = f"the property {_show(expanded_property)}, which is not defined by any @context,"
    raise ContextError(
        f"{what} would be dropped from the signed data", code=Code.DATA_LOSS_DETECTION_ERROR
    )


class _SafeProcessor(JsonLdProcessor):  # type: ignore[misc]  # pyld is untyped
    """A JsonLdProcessor that raises when expansion drops data (jsonld.js calls this safe mode)."""

    def __init__(self) -> None:
        # jsonld.to_rdf()/normalize() build a JsonLdProcessor() with the no-op handler, so the
        # processor is built here.
        super().__init__(on_property_dropped=_dropped)

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        result = super()._expand(active_ctx, active_property, element, options, *args, **kwargs)
        inside_list = kwargs.get("inside_list", args[0] if args else False)
        if result is None and not inside_list and _carries_data(element):
            # pyld drops free-floating values (top level or directly in @graph) and objects
            # holding only @id or @language there (JSON-LD 1.1 API "Expansion Algorithm").
            raise ContextError(
                f"the free-floating value {_show(element)} would be dropped from the signed data",
                code=Code.DATA_LOSS_DETECTION_ERROR,
            )
        return result

    def _compact_iri(
        self,
        active_ctx: Any,
        iri: Any,
        value: Any = None,
        vocab: bool = False,
        base: Any = None,
        reverse: bool = False,
    ) -> Any:
        # Node identifiers (vocab=False) stay as written in full. pyld would try every term
        # of the active context as a prefix of each one (hundreds with Open Badges, most of
        # the cost of a compaction), and a compact IRI is not what vcskill reads.
        if not vocab and isinstance(iri, str) and not iri.startswith("@"):
            return iri
        uuid = active_ctx.get("_uuid") if value is None else None
        if uuid is None:
            return super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
        # Without a value the answer depends on the active context and the IRI alone; pyld
        # itself keys its inverse contexts by the context's _uuid. Most calls are these
        # (types, and pyld's "does this id compact to a term" probe in term selection).
        key = (uuid, iri, vocab, reverse)
        found = _COMPACT_IRI_MEMO.get(key)
        if found is None:
            found = super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
            _COMPACT_IRI_MEMO[key] = found
        return found

    def _process_context(
        self, active_ctx: Any, local_ctx: Any, options: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # Speed. A type-scoped context does not propagate (JSON-LD 1.1, "Scoped Contexts"), so
        # pyld clones the active context to remember the previous one, and the clone gets a
        # fresh _uuid. That _uuid keys pyld's cache of processed contexts, so the type-scoped
        # context of every credential (VerifiableCredential's, say) was processed anew on every
        # call. Making the same clone here, with an _uuid derived from the parent's, makes it
        # cacheable: two such clones of one parent are equal. Only done for a single inline
        # context that does not set @propagate itself (which changes what pyld does).
        if (
            kwargs.get("propagate", True) is False
            and isinstance(local_ctx, Mapping)
            and "@propagate" not in local_ctx
            and "@context" not in local_ctx
            and "_uuid" in active_ctx
            and not active_ctx.get("previousContext")
        ):
            child = self._clone_active_context(active_ctx)
            child["previousContext"] = active_ctx
            child["_uuid"] = f"{active_ctx['_uuid']}~scoped"
            active_ctx = child
        return super()._process_context(active_ctx, local_ctx, options, *args, **kwargs)


def _expanded_to_nquads(expanded: list[Any], options: dict[str, Any]) -> str:
    """JSON-LD 1.1 API "Deserialize JSON-LD to RDF Algorithm" on an already expanded document.

    pyld's ``to_rdf`` would expand the (expanded) input once more, a third of the cost of the
    whole call, and its node map is quadratic in the values of one property (each value is
    compared with every value before it), so a credential of a few thousand short strings
    took seconds. The node map is therefore built here (:class:`_NodeMap`), and pyld's own
    object-to-RDF conversion turns it into triples.
    """
    processor = _SafeProcessor()
    issuer = IdentifierIssuer("_:b")
    node_map = _NodeMap(issuer)
    node_map.add(expanded, "@default")
    dataset: dict[str, Any] = {}
    for graph_name, graph in sorted(node_map.graphs.items()):
        # every graph name was checked to be an absolute IRI or a blank node
        dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
    nquads: str = JsonLdProcessor.to_nquads(dataset)
    return nquads


class _NodeMap:
    """JSON-LD 1.1 API §7.2 "Node Map Generation" for a document ``_check_expanded`` passed
    (so no ``@index``, no blank node properties), in linear time.

    Nodes, graphs and blank node labels come out as pyld builds them (the same traversal, in
    sorted key order, with ``@type`` labels issued first), so the N-Quads are pyld's. A value
    is added to a node's property unless an equal one is there already, "equal" as pyld and
    jsonld.js compare values (the same ``@value``, ``@type``, ``@language`` and ``@index``;
    the same ``@id``); the comparison uses a set per property instead of a scan.
    """

    __slots__ = ("_issuer", "_seen", "graphs")

    def __init__(self, issuer: IdentifierIssuer) -> None:
        self._issuer = issuer
        self.graphs: dict[str, dict[str, dict[str, Any]]] = {"@default": {}}
        # (graph, subject, property) -> keys of the values it holds; values with no
        # hashable key (JSON literals) are compared one by one
        self._seen: dict[tuple[str, str, str], set[tuple[Any, ...]]] = {}

    def add(self, element: Any, graph: str, subject: str | dict[str, str] | None = None,
            prop: str | None = None, items: list[Any] | None = None) -> None:
        if isinstance(element, list):
            for item in element:
                self.add(item, graph, subject, prop, items)
            return
        issuer = self._issuer
        subjects = self.graphs.setdefault(graph, {})
        for type_ in element.get("@type", ()) if "@value" not in element else ():
            if type_.startswith("_:"):
                issuer.get_id(type_)  # the spec labels @type blank nodes first
        if "@value" in element:
            if items is not None:
                items.append(element)
            elif isinstance(subject, str):
                self._add_unique(graph, subjects[subject], subject, prop, element)
            return
        if "@list" in element:
            entry: dict[str, Any] = {"@list": []}
            self.add(element["@list"], graph, subject, prop, entry["@list"])
            if items is not None:
                items.append(entry)
            elif isinstance(subject, str) and prop is not None:
                subjects[subject].setdefault(prop, []).append(entry)  # lists are never merged
            return
        node_id = element.get("@id")
        if node_id is None or node_id.startswith("_:"):
            node_id = issuer.get_id(node_id)
        node = subjects.setdefault(node_id, {"@id": node_id})
        reference = {"@id": node_id}
        if isinstance(subject, dict):  # the value of a reverse property: it points at subject
            self._add_unique(graph, node, node_id, prop, dict(subject))
        elif prop is not None:
            if items is not None:
                items.append(reference)
            elif subject is not None:
                self._add_unique(graph, subjects[subject], subject, prop, reference)
        for key, values in sorted(element.items()):
            if key == "@id":
                continue
            if key == "@reverse":
                for reverse_prop, reverse_items in values.items():
                    for item in reverse_items:
                        self.add(item, graph, {"@id": node_id}, reverse_prop)
                continue
            if key == "@graph":
                self.graphs.setdefault(node_id, {})
                self.add(values, node_id)
                continue
            if key == "@included":
                self.add(values, graph)
                continue
            if key == "@type":
                for type_ in values:
                    label = issuer.get_id(type_) if type_.startswith("_:") else type_
                    self._add_unique(graph, node, node_id, "@type", label)
                continue
            if key.startswith("@"):  # pragma: no cover - _check_expanded refused the rest
                node[key] = values
                continue
            if not values:
                node.setdefault(key, [])
                continue
            for value in values:
                self.add(value, graph, node_id, key)

    def _add_unique(self, graph: str, node: dict[str, Any], node_id: str, prop: str | None,
                    value: Any) -> None:
        if prop is None:  # expansion gives every value a property
            raise InternalError(f"a value of node {node_id} has no property")
        held = node.setdefault(prop, [])
        key = _value_key(value)
        if key is None:
            if not any(JsonLdProcessor.compare_values(value, other) for other in held):
                held.append(value)
            return
        seen = self._seen.setdefault((graph, node_id, prop), set())
        if key not in seen:
            seen.add(key)
            held.append(value)


def _value_key(value: Any) -> tuple[Any, ...] | None:
    """A hashable stand-in for pyld's ``compare_values``: equal keys for equal values."""
    if isinstance(value, str):
        return ("iri", value)  # an @type value
    if "@value" in value:
        literal = value["@value"]
        if isinstance(literal, bool):
            literal_key: Any = ("bool", literal)
        elif isinstance(literal, (str, int, float)):
            literal_key = ("scalar", literal)  # 1 and 1.0 are equal to pyld, as here
        else:
            return None  # a JSON literal (@json): compared one by one
        return ("value", value.get("@type"), value.get("@language"), value.get("@index"),
                literal_key)
    node_id = value.get("@id")
    return ("id", node_id) if node_id is not None else None


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), several times faster than deepcopy."""
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


def _carries_data(element: Any) -> bool:
    if element is None:
        return False  # null means "no value" in JSON-LD
    if isinstance(element, dict):
        keys = element.keys() - {"@context"}
        return bool(keys) and not ("@value" in element and element["@value"] is None)
    return True


def _safe_expand(
    document: Mapping[str, Any], contexts: ContextStore, limits: Limits
) -> tuple[list[Any], dict[str, Any]]:
    if not isinstance(document, Mapping):
        raise ContextError(
            f"a JSON-LD document must be a JSON object, not {type(document).__name__}",
            code=Code.JSONLD_ERROR,
        )
    if not isinstance(contexts, ContextStore):
        raise TypeError("contexts must be a vcskill.linkeddata.contexts.ContextStore")
    options: dict[str, Any] = {
        "base": None,  # DI 1.0 "Securing Data Losslessly": MUST be null
        "documentLoader": contexts._tagged_loader,
        "contextResolver": contexts._new_resolver(),
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
        "rdfDirection": RDF_DIRECTION,
        "extractAllScripts": False,
    }
    try:
        expanded: list[Any] = _SafeProcessor().expand(dict(document), options)
    except Exception as exc:
        raise _wrap(exc, document, contexts) from exc
    _check_expanded(expanded, limits)
    return expanded, options


# -- the walk over the expanded document -------------------------------------------------------


def _check_expanded(expanded: list[Any], limits: Limits) -> None:
    """Refuse whatever pyld's to_rdf would drop silently, and enforce the RDF size limits.

    Counts: one triple per type and per property value, two more per list item (rdf:first,
    rdf:rest), before de-duplication; one blank node per node without ``@id``, per distinct
    ``_:`` label and per list item.
    """
    triples = 0
    labels: set[str] = set()
    anonymous = 0
    # (element, kind) with kind "node" (a node object) or "item" (a property value)
    stack: list[tuple[Any, str]] = [(node, "node") for node in expanded]
    while stack:
        element, kind = stack.pop()
        if not isinstance(element, dict):
            raise _data_loss(f"the value {_show(element)} is not a JSON-LD object after expansion")
        if kind == "item" and "@value" in element:
            _check_value(element)
            continue
        if kind == "item" and "@list" in element:
            if "@index" in element:
                raise _index_loss(element)
            items = element["@list"]
            triples += 2 * len(items)
            anonymous += len(items)
            stack.extend((item, "item") for item in items)
            continue
        # a node object
        if "@value" in element or "@list" in element:
            # pyld puts a plain value under a @graph container, then drops it in to_rdf
            raise _data_loss(f"the value {_show(element)} stands where a node object belongs")
        if "@index" in element:
            raise _index_loss(element)
        node_id = element.get("@id")
        if node_id is None:
            anonymous += 1
        elif isinstance(node_id, str) and node_id.startswith("_:"):
            labels.add(node_id)
        else:
            _check_iri(node_id, "node @id")
        for type_ in element.get("@type", ()):
            triples += 1
            if isinstance(type_, str) and type_.startswith("_:"):
                labels.add(type_)
            else:
                _check_iri(type_, "@type")
        for key in ("@graph", "@included"):
            stack.extend((node, "node") for node in element.get(key, ()))
        for prop, values in element.get("@reverse", {}).items():
            _check_iri(prop, "@reverse property", blank_ok=False)
            triples += len(values)
            stack.extend((node, "node") for node in values)
        for key, values in element.items():
            if key.startswith("@"):
                if key not in _NODE_KEYWORDS:
                    # e.g. "@language" or "@direction" on a node object (jsonld.js#541)
                    raise _data_loss(f"the keyword {key} on a node object is not part of RDF")
                continue
            _check_iri(key, "property", blank_ok=False)
            triples += len(values)
            stack.extend((value, "item") for value in values)

    blank_nodes = len(labels) + anonymous
    if triples > limits.max_quads:
        raise CanonicalizationError(
            f"the document yields about {triples} RDF statements, more than the limit of "
            f"{limits.max_quads}",
            code=Code.CANONICALIZATION_LIMIT,
        )
    if blank_nodes > limits.max_blank_nodes:
        raise CanonicalizationError(
            f"the document yields {blank_nodes} blank nodes, more than the limit of "
            f"{limits.max_blank_nodes}",
            code=Code.CANONICALIZATION_LIMIT,
        )


def _check_value(value: dict[str, Any]) -> None:
    for key in value:
        if key not in _VALUE_KEYWORDS:
            if key == "@index":
                raise _index_loss(value)
            raise _data_loss(f"the key {key} in a value object is not part of RDF")
    datatype = value.get("@type")
    if datatype is not None and datatype != "@json":
        _check_iri(datatype, "datatype", blank_ok=False)
    language = value.get("@language")
    if language is not None and not _valid_language(language):
        raise ContextError(
            f"{_show(language)} is not a well-formed BCP 47 language tag", code=Code.JSONLD_ERROR
        )
    literal = value["@value"]
    if isinstance(literal, float) and not math.isfinite(literal):
        raise ContextError(f"the number {literal} has no JSON form", code=Code.JSONLD_ERROR)


def _check_iri(iri: object, role: str, *, blank_ok: bool = True) -> None:
    problem = _iri_problem(iri, blank_ok) if isinstance(iri, str) else "not a string"
    if problem is None:
        return
    if problem == "relative":
        raise _data_loss(
            f"the {role} {_show(iri)} is not an absolute IRI (an undefined term, or a relative "
            "reference resolved against no base)"
        )
    if problem == "blank":
        raise _data_loss(f"the {role} {_show(iri)} is a blank node, which RDF does not allow here")
    raise ContextError(
        f"the {role} {_show(iri)} is not a valid IRI (RFC 3987)", code=Code.JSONLD_ERROR
    )


@functools.lru_cache(maxsize=4096)
def _iri_problem(iri: str, blank_ok: bool) -> str | None:
    if iri.startswith("_:"):
        return None if blank_ok else "blank"
    if not _SCHEME.match(iri):
        return "relative"
    if _BAD_IRI.search(iri):
        # pyld would write it into N-Quads as is: '>' or a space would end the IRIREF early
        return "invalid"
    return None


def _valid_language(tag: object) -> bool:
    return isinstance(tag, str) and _LANGUAGE_TAG.fullmatch(tag) is not None


def _data_loss(message: str) -> ContextError:
    return ContextError(
        f"{message}; it would be dropped from the signed data",
        code=Code.DATA_LOSS_DETECTION_ERROR,
    )


def _index_loss(element: Mapping[str, Any]) -> ContextError:
    return _data_loss(f"@index {_show(element.get('@index'))} is not part of RDF")


# -- error translation -------------------------------------------------------------------------


def _wrap(exc: BaseException, document: Mapping[str, Any], contexts: ContextStore) -> Error:
    """Turn whatever pyld raised into one of ours; our own errors arrive wrapped by pyld."""
    chain = list(_causes(exc))
    for cause in chain:
        if isinstance(cause, Error):
            return cause
    jsonld_errors = [c for c in chain if isinstance(c, JsonLdError)]
    for err in jsonld_errors:
        if err.code == "protected term redefinition":
            local = err.details.get("context") if isinstance(err.details, dict) else None
            terms = _redefined_terms(local, document, contexts)
            which = ", ".join(_show(t) for t in terms) if terms else "a term"
            return ContextError(
                f"the @context redefines protected term {which}", code=Code.JSONLD_ERROR
            )
        if err.code == "invalid context nullification":
            return ContextError(
                "the @context is reset to null after protected terms were defined",
                code=Code.JSONLD_ERROR,
            )
    if jsonld_errors:
        deepest = jsonld_errors[-1]
        text = str(deepest.args[0]) if deepest.args else "JSON-LD error"
        code = f" ({deepest.code})" if deepest.code else ""
        return ContextError(
            f"JSON-LD processing failed{code}: {_clip(text)}", code=Code.JSONLD_ERROR
        )
    root = chain[-1]
    return ContextError(
        f"JSON-LD processing failed: pyld raised {type(root).__name__}: {_clip(str(root))}",
        code=Code.JSONLD_ERROR,
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _redefined_terms(
    local: object, document: Mapping[str, Any], contexts: ContextStore
) -> list[str]:
    """Best effort: the terms of ``local`` that an earlier context of the document defines."""
    if not isinstance(local, Mapping):
        return []
    own = [k for k in local if isinstance(k, str) and not k.startswith("@")]
    earlier: set[str] = set()
    entries = document.get("@context")
    for entry in entries if isinstance(entries, list) else [entries]:
        if entry == local:
            break
        if isinstance(entry, str) and contexts.is_known(entry):
            body = contexts.get(entry).get("@context")
            entry = body if isinstance(body, Mapping) else {}
        if isinstance(entry, Mapping):
            earlier.update(k for k in entry if isinstance(k, str))
    return [k for k in own if k in earlier] or own


def _show(value: object) -> str:
    return _clip(repr(value))


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."
