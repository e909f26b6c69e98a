"""RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation 2024-05-21), bounded.

Data Integrity proofs (eddsa-rdfc-2022, ecdsa-rdfc-2019) hash the serialized canonical form
this module produces. It is a complete RDFC-1.0 implementation written from the spec, with
the abort on problematic inputs that §7.1 "Dataset Poisoning" asks for by default:

* at most ``limits.max_quads`` quads and ``limits.max_blank_nodes`` blank nodes;
* at most ``limits.max_ndegree_calls_per_blank_node`` calls of Hash N-Degree Quads (§4.8),
  the only super-linear part of the algorithm, per blank node that needs it (one whose
  first-degree hash is shared), and ``limits.max_ndegree_calls`` in all;
* a monotonic deadline of ``limits.max_canonicalization_seconds``, checked inside the
  recursion and the permutation loop.

When every blank node has a unique first-degree hash (§4.6) - the normal case for
credentials - the labelling is settled after one linear pass and Hash N-Degree Quads never
runs. Input is N-Quads text, for example pyld's ``to_rdf(format='application/n-quads')``;
literals may hold raw control characters, which come out escaped as canonical N-Quads
(Appendix A) requires. Neither pyld 3.3 nor pyoxigraph 0.5 is used: pyld mis-escapes control
characters and never stops on poison graphs; pyoxigraph cannot be bounded, lower-cases
language tags (RDFC-1.0 §1 keeps them as given) and, for credential-sized input, would not
be faster once the first-degree pass needed to decide whether it is safe to call has run.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import permutations
from types import MappingProxyType

from vcskill.errors import CanonicalizationError, Code, UsageError
from vcskill.limits import DEFAULT_LIMITS, Limits

__all__ = ["CanonicalDataset", "canonicalize", "canonicalize_dataset"]

# A quad is four terms in canonical N-Quads form: "<iri>", "_:label" (input label) or a
# literal; the graph name is "" for the default graph.
_Quad = tuple[str, str, str, str]

_HASHES: Mapping[str, Callable[[bytes], hashlib._Hash]] = MappingProxyType(
    {"sha256": hashlib.sha256, "sha384": hashlib.sha384}
)

_XSD_STRING = "<http://www.w3.org/2001/XMLSchema#string>"

# ---------------------------------------------------------------------------------------
# N-Quads parsing (RDF 1.1 N-Quads grammar) into canonical terms
# ---------------------------------------------------------------------------------------

_IRI_CHAR = r'[^\x00-\x20<>"{}|^`\\\ud800-\udfff]'
_UCHAR = r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"
_IRI = rf"<({_IRI_CHAR}*+(?:{_UCHAR}{_IRI_CHAR}*+)*+)>"
_PN_CHARS_U = (
    "A-Za-z_:\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f\u2040"
# Possessive quantifiers (*+) everywhere: longest match, as a tokenizer does, and no
# quadratic backtracking on hostile lines such as "_:a_:a_:a_:..." (a label may not end in
# ".", hence the "\.*+" before each label character).
_BNODE = rf"_:([{_PN_CHARS_U}0-9](?:\.*+[{_PN_CHARS}])*+)"
_STRING = r'"([^"\\\r\n]*+(?:(?:\\[tbnrf"\'\\]|' + _UCHAR + r')[^"\\\r\n]*+)*+)"'
_LANGTAG = r"@([a-zA-Z]++(?:-[a-zA-Z0-9]++)*+)"
_WS = r"[ \t]*+"
_STATEMENT = re.compile(
    rf"{_WS}(?:{_IRI}|{_BNODE}){_WS}{_IRI}{_WS}"
    rf"(?:{_IRI}|{_BNODE}|{_STRING}(?:{_WS}(?:{_LANGTAG}|\^\^{_WS}{_IRI}))?){_WS}"
    rf"(?:(?:{_IRI}|{_BNODE}){_WS})?\.{_WS}(?:#.*)?"
)
_BLANK_LINE = re.compile(rf"{_WS}(?:#.*)?")
_EOL = re.compile(r"\r\n?|\n")  # not str.splitlines(): raw FF, VT, FS... may sit in literals
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BAD_IRI_CHAR = re.compile(_IRI_CHAR.replace("[^", "[", 1))

# Canonical N-Quads (Appendix A): ECHAR for BS HT LF FF CR " \ ; UCHAR with upper-case HEX
# for the other C0 controls, DEL and code points outside the XML 1.1 Char production.
_LITERAL_ESCAPES: dict[int, str] = {
    c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F, *range(0xD800, 0xE000), 0xFFFE, 0xFFFF)
}
_LITERAL_ESCAPES.update(
    {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
)
_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\\x7f\ud800-\udfff\ufffe\uffff]')


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        hex4, hex8, echar = match.groups()
        if echar is not None:
            return _ECHAR[echar]
        code = int(hex4 or hex8, 16)
        if code > 0x10FFFF:
            raise ValueError(f"\\U{hex8} is beyond U+10FFFF")
        return chr(code)

    return _ESCAPE.sub(one, text) if "\\" in text else text


def _iri(text: str) -> str:
    value = _unescape(text)
    if "\\" in text and _BAD_IRI_CHAR.search(value):
        raise ValueError(f"IRI <{text}> escapes a character IRIs may not contain")
    if not _SCHEME.match(value):
        raise ValueError(f"IRI <{text}> is not absolute")
    return f"<{value}>"


def _literal(text: str, language: str | None, datatype: str | None) -> str:
    """A literal in canonical form; ``datatype`` is already a canonical "<iri>"."""
    value = _unescape(text)
    if _NEEDS_ESCAPE.search(value):
        value = value.translate(_LITERAL_ESCAPES)
    if language is not None:
        return f'"{value}"@{language}'  # RDFC-1.0 §1: case kept as given
    if datatype is not None and datatype != _XSD_STRING:
        return f'"{value}"^^{datatype}'  # Appendix A: xsd:string is left implicit
    return f'"{value}"'


class _Iris(dict[str, str]):
    """Raw IRIREF text to canonical "<iri>"; IRIs repeat a lot, so each is converted once."""

    def __missing__(self, text: str) -> str:
        iri = self[text] = _iri(text)
        return iri


def _parse(nquads: str, limits: Limits) -> list[_Quad]:
    """Parse N-Quads into a duplicate-free list of quads (a dataset is a set)."""
    quads: dict[_Quad, None] = {}
    iris = _Iris()
    lines = _EOL.split(nquads) if "\r" in nquads else nquads.split("\n")
    for number, line in enumerate(lines, start=1):
        match = _STATEMENT.fullmatch(line)
        if match is None:
            if _BLANK_LINE.fullmatch(line):
                continue
            raise CanonicalizationError(
                f"Invalid N-Quads on line {number}: not a statement: {line[:80]!r}",
                code=Code.PROOF_TRANSFORMATION_ERROR,
            )
        s_iri, s_bnode, p_iri, o_iri, o_bnode, o_str, lang, dtype, g_iri, g_bnode = match.groups()
        try:
            quad = (
                iris[s_iri] if s_bnode is None else f"_:{s_bnode}",
                iris[p_iri],
                iris[o_iri]
                if o_iri is not None
                else f"_:{o_bnode}"
                if o_bnode is not None
                else _literal(o_str, lang, None if dtype is None else iris[dtype]),
                iris[g_iri] if g_iri is not None else f"_:{g_bnode}" if g_bnode is not None else "",
            )
        except ValueError as exc:
            raise CanonicalizationError(
                f"Invalid N-Quads on line {number}: {exc}", code=Code.PROOF_TRANSFORMATION_ERROR
            ) from None
        quads[quad] = None
        if len(quads) > limits.max_quads:
            raise CanonicalizationError(
                f"The dataset has more than {limits.max_quads} quads; refusing to canonicalize it"
            )
    return list(quads)


def _nquad(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def _is_bnode(term: str) -> bool:
    return term[:1] == "_"  # IRIs start with "<", literals with '"'; "" is the default graph


# ---------------------------------------------------------------------------------------
# RDFC-1.0 §4 (blank nodes are keyed by their "_:label" term throughout)
# ---------------------------------------------------------------------------------------


class _IdentifierIssuer:
    """§4.5 Issue Identifier; ``issued`` keeps insertion (issuance) order."""

    __slots__ = ("issued", "prefix")

    def __init__(self, prefix: str, issued: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = {} if issued is None else issued

    def issue(self, existing: str) -> str:
        identifier = self.issued.get(existing)
        if identifier is None:
            identifier = self.issued[existing] = f"{self.prefix}{len(self.issued)}"
        return identifier

    def copy(self) -> _IdentifierIssuer:
        return _IdentifierIssuer(self.prefix, dict(self.issued))


class _Canonicalizer:
    """The canonicalization state of §4.2 plus the work budget of §7.1."""

    def __init__(self, quads: list[_Quad], hash_name: str, limits: Limits, deadline: float) -> None:
        self.deadline = deadline
        self.limits = limits
        self.hash = _HASHES[hash_name]
        self.canonical_issuer = _IdentifierIssuer("c14n")
        # §4.4.3 step 2: blank node to quads map; a quad is listed once per blank node
        self.bnode_to_quads: dict[str, list[_Quad]] = {}
        for quad in quads:
            for term in (quad[0], quad[2], quad[3]):
                if _is_bnode(term):
                    mentions = self.bnode_to_quads.setdefault(term, [])
                    if not mentions or mentions[-1] is not quad:
                        mentions.append(quad)
        if len(self.bnode_to_quads) > limits.max_blank_nodes:
            raise CanonicalizationError(
                f"The dataset has {len(self.bnode_to_quads)} blank nodes, more than the limit "
                f"of {limits.max_blank_nodes}; refusing to canonicalize it"
            )
        self.calls_left = 0  # set by run() once it knows which blank nodes need the calls
        self.first_degree: dict[str, str] = {}

    def _digest(self, data: str) -> str:
        return self.hash(data.encode("utf-8")).hexdigest()

    def _check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise CanonicalizationError(
                f"Canonicalization took longer than {self.limits.max_canonicalization_seconds} s; "
                "the dataset looks like a poison graph (RDFC-1.0 §7.1)"
            )

    def hash_first_degree(self, reference: str) -> str:
        """§4.6.3: the mention set with ``_:a`` for ``reference``, ``_:z`` for others."""
        lines = []
        for s, p, o, g in self.bnode_to_quads[reference]:
            if _is_bnode(s):
                s = "_:a" if s == reference else "_:z"
            if _is_bnode(o):
                o = "_:a" if o == reference else "_:z"
            if _is_bnode(g):
                g = "_:a" if g == reference else "_:z"
            lines.append(_nquad(s, p, o, g))
        lines.sort()
        return self._digest("".join(lines))

    def hash_related(self, related: str, quad: _Quad, issuer: _IdentifierIssuer, pos: str) -> str:
        """§4.7.3 Hash Related Blank Node."""
        identifier = self.canonical_issuer.issued.get(related) or issuer.issued.get(related)
        data = pos if pos == "g" else pos + quad[1]  # quad[1] is already "<predicate>"
        data += f"_:{identifier}" if identifier is not None else self.first_degree[related]
        return self._digest(data)

    def hash_n_degree(
        self, identifier: str, issuer: _IdentifierIssuer
    ) -> tuple[str, _IdentifierIssuer]:
        """§4.8.3 Hash N-Degree Quads; returns the hash and the chosen issuer."""
        self.calls_left -= 1
        if self.calls_left < 0:
            raise CanonicalizationError(
                "Canonicalization needs more than "
                f"{self.limits.max_ndegree_calls_per_blank_node} Hash N-Degree Quads calls per "
                f"blank node, or {self.limits.max_ndegree_calls} in all; the dataset looks like "
                "a poison graph (RDFC-1.0 §7.1)"
            )
        self._check_deadline()
        related_hashes: dict[str, list[str]] = {}  # step 1: Hn
        for quad in self.bnode_to_quads[identifier]:
            for related, pos in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if _is_bnode(related) and related != identifier:
                    key = self.hash_related(related, quad, issuer, pos)
                    related_hashes.setdefault(key, []).append(related)
        data_to_hash = []
        for related_hash in sorted(related_hashes):  # step 5, code point order
            data_to_hash.append(related_hash)
            chosen_path = ""
            chosen_issuer = issuer
            for permutation in permutations(related_hashes[related_hash]):
                self._check_deadline()
                issuer_copy = issuer.copy()
                path = ""
                recursion_list = []
                for related in permutation:
                    canonical = self.canonical_issuer.issued.get(related)
                    if canonical is not None:
                        path += f"_:{canonical}"
                    else:
                        if related not in issuer_copy.issued:
                            recursion_list.append(related)
                        path += f"_:{issuer_copy.issue(related)}"
                    # step 5.4.4.3: this path can no longer be the shortest
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        break
                else:
                    for related in recursion_list:
                        result_hash, issuer_copy = self.hash_n_degree(related, issuer_copy)
                        path += f"_:{issuer_copy.issue(related)}<{result_hash}>"
                        if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                            break  # step 5.4.5.5
                    else:
                        if not chosen_path or path < chosen_path:
                            chosen_path, chosen_issuer = path, issuer_copy
            data_to_hash.append(chosen_path)
            issuer = chosen_issuer  # step 5.6: replace issuer by reference
        return self._digest("".join(data_to_hash)), issuer

    def run(self) -> dict[str, str]:
        """§4.4.3 steps 3-5; returns the canonical issuer's issued identifiers map."""
        hash_to_bnodes: dict[str, list[str]] = {}
        for bnode in self.bnode_to_quads:
            first = self.first_degree[bnode] = self.hash_first_degree(bnode)
            hash_to_bnodes.setdefault(first, []).append(bnode)
        shared = []
        for first in sorted(hash_to_bnodes):  # step 4: unique hashes, code point order
            bnodes = hash_to_bnodes[first]
            if len(bnodes) == 1:
                self.canonical_issuer.issue(bnodes[0])
            else:
                shared.append(bnodes)
        # §7.1 work budget, in proportion to the blank nodes that share a first-degree hash
        # (padding a poison graph with cheap, uniquely hashed blank nodes buys nothing)
        self.calls_left = min(
            self.limits.max_ndegree_calls_per_blank_node * sum(map(len, shared)),
            self.limits.max_ndegree_calls)
        for bnodes in shared:  # step 5; empty for typical credentials
            hash_path_list = []
            for bnode in bnodes:
                if bnode in self.canonical_issuer.issued:
                    continue
                temporary_issuer = _IdentifierIssuer("b")
                temporary_issuer.issue(bnode)
                hash_path_list.append(self.hash_n_degree(bnode, temporary_issuer))
            hash_path_list.sort(key=lambda result: result[0])
            for _, result_issuer in hash_path_list:
                for existing in result_issuer.issued:
                    self.canonical_issuer.issue(existing)
        return self.canonical_issuer.issued


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CanonicalDataset:
    """The result of RDFC-1.0 (§4.4.3 steps 6 and 7).

    ``nquads`` is the serialized canonical form (§5): one canonical N-Quads line per quad,
    each ending in LF, sorted in code point order. ``issued_identifiers`` maps each input
    blank node label (without ``_:``) to its canonical label (``c14nN``).
    """

    nquads: str
    issued_identifiers: Mapping[str, str]


def canonicalize_dataset(
    nquads: str, *, hash_name: str = "sha256", limits: Limits = DEFAULT_LIMITS
) -> CanonicalDataset:
    """Canonicalize N-Quads with RDFC-1.0 and also return the issued identifiers map.

    ``hash_name`` is the hash used inside the algorithm: "sha256" (the default) or "sha384"
    (ecdsa-rdfc-2019 with P-384). Raises :class:`CanonicalizationError` with code
    ``PROOF_TRANSFORMATION_ERROR`` for invalid N-Quads and ``CANONICALIZATION_LIMIT`` when a
    limit is exceeded.
    """
    if hash_name not in _HASHES:
        raise UsageError(f"Unsupported RDFC-1.0 hash {hash_name!r}; use one of {list(_HASHES)}")
    deadline = time.monotonic() + limits.max_canonicalization_seconds
    quads = _parse(nquads, limits)
    try:
        issued = _Canonicalizer(quads, hash_name, limits, deadline).run()
    except RecursionError:  # Hash N-Degree Quads recurses once per chained blank node
        raise CanonicalizationError(
            "Canonicalization recursed too deeply through chained blank nodes; "
            "the dataset looks like a poison graph (RDFC-1.0 §7.1)"
        ) from None
    labels = {bnode: f"_:{label}" for bnode, label in issued.items()}
    lines = [
        _nquad(
            labels[s] if _is_bnode(s) else s,
            p,
            labels[o] if _is_bnode(o) else o,
            labels[g] if _is_bnode(g) else g,
        )
        for s, p, o, g in quads
    ]
    lines.sort()  # §5: code point order
    return CanonicalDataset(
        "".join(lines), MappingProxyType({bnode[2:]: label for bnode, label in issued.items()})
    )


def canonicalize(nquads: str, *, hash_name: str = "sha256", limits: Limits = DEFAULT_LIMITS) -> str:
    """Return the RDFC-1.0 serialized canonical form of an N-Quads document.

    See :func:`canonicalize_dataset` for the parameters and errors.
    """
    return canonicalize_dataset(nquads, hash_name=hash_name, limits=limits).nquads
