"""Every resource limit of the verify path, in one frozen object.

Hostile input must end in bounded time and memory with a specific error. The defaults suit
skill credentials (a few kilobytes) with plenty of headroom; integrators can pass their own
``Limits`` to the verifier.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    # Raw input
    max_credential_bytes: int = 256 * 1024
    max_json_depth: int = 64
    max_string_length: int = 64 * 1024
    max_integer_digits: int = 18  # below 2**63; I-JSON wants |n| <= 2**53 for exact numbers
    # JSON values (objects, arrays, strings, numbers, booleans, nulls) in one credential: the
    # JSON-LD and RDF work grows with them, about 20 µs each, so this keeps any credential
    # within the byte limit to a few tens of milliseconds. A skill credential has about 90.
    max_json_values: int = 1_000
    # Proofs in one proof set or chain, and status entries of one credential: each costs a
    # canonicalisation and a signature (a status list's, once per list).
    max_proofs: int = 8
    max_status_entries: int = 16
    # JSON-LD / RDF
    max_quads: int = 5_000
    max_blank_nodes: int = 500
    # RDFC-1.0 "Hash N-Degree Quads" calls allowed per blank node that needs them (the
    # spec asks implementations to abort poison datasets: RDFC-1.0 §4.8 / §7 "Dataset
    # Poisoning"). Honest credentials never need a deep call at all; 50 lets the W3C suite's
    # "evil" graphs through (test044c-046c need 39) and stops the 10-clique (test074c) at once.
    max_ndegree_calls_per_blank_node: int = 50
    # ... and in all, whatever the number of such blank nodes: about 16 µs a call, so a ring
    # of a hundred look-alike blank nodes ends in milliseconds, not a tenth of a second. The
    # W3C "evil" graphs need 468.
    max_ndegree_calls: int = 1_000
    max_canonicalization_seconds: float = 1.0
    # Status lists (Bitstring Status List 1.0 §3.2 sets no cap: a gzip bomb vector)
    max_status_list_bytes: int = 16 * 1024 * 1024
    # QR payloads
    max_qr_payload_bytes: int = 4_296
    max_qr_inflated_bytes: int = 64 * 1024
    # Clock skew tolerated on validFrom / proof.created (seconds)
    clock_skew_seconds: int = 300


DEFAULT_LIMITS = Limits()
