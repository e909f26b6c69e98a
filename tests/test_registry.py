"""The trusted issuer registry: TUF's attacks (security.md §1, §6.D) and the verifier's queries.

A :class:`RepositorySimulator` (after python-tuf's ``tests/repository_simulator.py``) holds
the regulators' keys and the registry's content, publishes signed documents and offers ways
to tamper with them. Every attack row asserts the specific error code.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from did_registry import (
    NATIONAL,
    IssuerCategory,
    IssuerEntry,
    IssuerStatus,
    Registry,
    RegistryError,
    RegistryLimits,
    SnapshotState,
)
from did_registry.build import (
    Draft,
    assemble,
    encode,
    issuer_key,
    make_delegation,
    make_root,
    rotate_root,
    sign_root,
)
from did_registry.model import Delegation, Part, RecognitionRule, Root, ScopeEntry, StatusEntry
from did_registry.signing import Role, count_valid, digest, sign
from vcskill.errors import Code, Error
from vcskill.issuing.request import IssueRequest, issue_one
from vcskill.keys.keyfile import write_key_file
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
from vcskill.model.skills import uscc_check_character
from vcskill.verifying.trust import RegistryInfo, Standing, TrustRegistry
from vcskill.verifying.verifier import Verifier


def d(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ISSUED = d("2026-01-01T00:00:00")
NOW = d("2026-06-01T00:00:00")
EXPIRES = d("2026-12-31T00:00:00")

A = "did:web:a.example.cn"  # Shandong (37), suspended then removed
B = "did:web:b.example.cn"  # national (CN)
X = "did:web:x.example.cn"  # 1+X (MOE-1X)


def uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


@dataclass
class RepositorySimulator:
    """Regulators' keys and registry content; publishes documents and helps tamper."""

    root_keys: list[PrivateKey] = field(default_factory=lambda: [
        PrivateKey.generate(KeyAlgorithm.ED25519), PrivateKey.generate(KeyAlgorithm.P256)])
    delegate_keys: dict[str, list[PrivateKey]] = field(default_factory=lambda: {
        "37": [PrivateKey.generate()], "MOE-1X": [PrivateKey.generate()],
        "44": [PrivateKey.generate()]})
    issuer_keys: dict[str, list[PrivateKey]] = field(default_factory=lambda: {
        A: [PrivateKey.generate(), PrivateKey.generate(KeyAlgorithm.P256)],
        B: [PrivateKey.generate()], X: [PrivateKey.generate()]})
    version: int = 1
    issued: datetime = ISSUED
    expires: datetime = EXPIRES
    roots: list[dict[str, Any]] = field(default_factory=list)
    current_root_keys: list[PrivateKey] = field(default_factory=list)
    issuers: dict[str, list[IssuerEntry]] = field(default_factory=dict)
    recognition: list[RecognitionRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.trusted_root = make_root("中华人民共和国人力资源和社会保障部", self.root_keys, 2)
        self.roots = [sign_root(self.trusted_root, self.root_keys)]
        self.current_root_keys = list(self.root_keys)
        self.delegations = {
            "37": make_delegation("37", "山东省人力资源和社会保障厅", self.delegate_keys["37"], 1),
            "MOE-1X": make_delegation("MOE-1X", "教育部职业技术教育中心研究所",
                                      self.delegate_keys["MOE-1X"], 1),
            "44": make_delegation("44", "广东省人力资源和社会保障厅", self.delegate_keys["44"], 1),
        }
        ka, ka2 = self.issuer_keys[A]
        self.issuers = {
            "37": [IssuerEntry(
                did=A, name="山东某职业技能评价中心", names=("Shandong Skills Centre",),
                uscc=uscc("91370100MA3C00001"),
                category=IssuerCategory.SOCIAL_TRAINING_EVALUATION_ORGANISATION,
                jurisdiction="37",
                keys=(issuer_key(ka, d("2025-01-01T00:00:00"), d("2026-03-01T00:00:00")),
                      issuer_key(ka2, d("2026-03-01T00:00:00"))),
                status=(
                    StatusEntry(IssuerStatus.APPROVED, d("2025-01-01T00:00:00"),
                                d("2026-02-01T00:00:00"), "filed"),
                    StatusEntry(IssuerStatus.SUSPENDED, d("2026-02-01T00:00:00"),
                                d("2026-03-01T00:00:00"), "over-issuance audit"),
                    StatusEntry(IssuerStatus.APPROVED, d("2026-03-01T00:00:00"),
                                d("2026-05-01T00:00:00")),
                    StatusEntry(IssuerStatus.REMOVED, d("2026-05-01T00:00:00"), None,
                                "left the catalogue"),
                ),
                scope=(
                    ScopeEntry("6-31-01-03", "L5-L3", d("2025-01-01T00:00:00")),
                    ScopeEntry("6-30-99-00@2015", "L4", d("2025-01-01T00:00:00"),
                               d("2026-01-01T00:00:00")),
                    ScopeEntry("4-01-02-07", "L2", d("2026-03-01T00:00:00")),
                ),
            )],
            NATIONAL: [IssuerEntry(
                did=B, name="某技师学院", category=IssuerCategory.TECHNICAL_COLLEGE,
                jurisdiction=NATIONAL,
                keys=(issuer_key(self.issuer_keys[B][0], d("2025-06-01T00:00:00")),),
                status=(StatusEntry(IssuerStatus.APPROVED, d("2025-06-01T00:00:00")),),
                scope=(ScopeEntry("6-18-02-04", "L5-L1", d("2025-06-01T00:00:00")),),
            )],
            "MOE-1X": [IssuerEntry(
                did=X, name="某1+X培训评价组织",
                category=IssuerCategory.ONE_PLUS_X_ORGANISATION, jurisdiction="MOE-1X",
                keys=(issuer_key(self.issuer_keys[X][0], d("2025-01-01T00:00:00")),),
                status=(StatusEntry(IssuerStatus.APPROVED, d("2025-01-01T00:00:00")),),
                scope=(ScopeEntry("4-01-02-07", "X-JUNIOR-X-SENIOR",
                                  d("2025-01-01T00:00:00")),),
            )],
        }
        self.recognition = [RecognitionRule(
            id="electrician-low-voltage", description="低压电工作业证 (MEM)",
            deemed_level="L5", occupation="6-31-01-03",
            source="四部门通知, 2026-01 (domain research §4.6)")]

    # publishing

    def parts(self) -> list[Part]:
        parts = []
        for jurisdiction, entries in self.issuers.items():
            rules = tuple(self.recognition) if jurisdiction == NATIONAL else ()
            parts.append(Part(jurisdiction, tuple(entries), rules))
        return parts

    def document(self) -> dict[str, Any]:
        return assemble(roots=self.roots, root_keys=self.current_root_keys,
                        version=self.version, issued=self.issued, expires=self.expires,
                        delegations=[self.delegations[j] for j in self.issuers
                                     if j != NATIONAL],
                        parts=self.parts(), delegate_keys=self.delegate_keys)

    def publish(self) -> bytes:
        return encode(self.document())

    def load(self, data: bytes | dict[str, Any] | None = None, **kwargs: Any) -> Registry:
        if data is None:
            data = self.publish()
        if isinstance(data, dict):
            data = encode(data)
        kwargs.setdefault("trusted_root", self.trusted_root)
        kwargs.setdefault("now", NOW)
        return Registry.load(data, **kwargs)

    # the regulator's actions

    def rotate(self, new_keys: list[PrivateKey], threshold: int, *,
               old_signers: list[PrivateKey] | None = None,
               new_signers: list[PrivateKey] | None = None, version: int | None = None
               ) -> None:
        old_doc = self.roots[-1]
        old_version = old_doc["signed"]["version"]
        new_root = make_root("中华人民共和国人力资源和社会保障部", new_keys, threshold,
                             version=version or old_version + 1)
        old = self.current_root_keys if old_signers is None else old_signers
        new = new_keys if new_signers is None else new_signers
        if version is None:
            self.roots.append(rotate_root(old_doc, new_root, old, new))
        else:  # an illegal jump: sign it by hand, as an attacker holding the keys would
            self.roots.append(sign_root(new_root, [*old, *new]))
        self.current_root_keys = new_keys

    # tampering

    def resign_snapshot(self, doc: dict[str, Any], keys: list[PrivateKey] | None = None
                        ) -> None:
        signed = doc["snapshot"]["signed"]
        doc["snapshot"]["signatures"] = sign(signed, Role.SNAPSHOT,
                                             keys or self.current_root_keys)

    def part(self, doc: dict[str, Any], jurisdiction: str) -> dict[str, Any]:
        return next(p for p in doc["parts"] if p["signed"]["jurisdiction"] == jurisdiction)

    def replace_part(self, doc: dict[str, Any], jurisdiction: str, signed: dict[str, Any],
                     keys: list[PrivateKey], *, role: Role = Role.PART,
                     update_snapshot: bool = True) -> None:
        """Put a new ``signed`` part in, signed by ``keys`` for ``role``; by default the
        snapshot is updated and re-signed by the root, as a careless regulator would."""
        part = self.part(doc, jurisdiction)
        part["signed"] = signed
        part["signatures"] = sign(signed, role, keys)
        if update_snapshot:
            doc["snapshot"]["signed"]["parts"][jurisdiction] = digest(signed)
            self.resign_snapshot(doc)


@pytest.fixture(scope="module")
def sim() -> RepositorySimulator:
    return RepositorySimulator()


@pytest.fixture
def fresh() -> RepositorySimulator:
    return RepositorySimulator()


def raises(code: Code, call: Callable[[], object]) -> Error:
    with pytest.raises(Error) as info:
        call()
    assert info.value.code is code, f"{info.value.code}: {info.value}"
    return info.value


# -- a good registry ---------------------------------------------------------------------

def test_a_good_registry_loads(sim: RepositorySimulator) -> None:
    registry: TrustRegistry = sim.load(source="registry.json")
    assert isinstance(registry, Registry)
    info = registry.info
    assert isinstance(info, RegistryInfo)
    assert (info.version, info.root_version, info.expired, info.source) == (
        1, 1, False, "registry.json")
    assert info.root_name == "中华人民共和国人力资源和社会保障部"
    assert info.issued == ISSUED and info.expires == EXPIRES
    assert {e.did for e in registry.issuers} == {A, B, X}
    assert [r.id for r in registry.recognition] == ["electrician-low-voltage"]
    assert registry.state.version == 1 and len(registry.state.digest) == 64
    assert SnapshotState.from_json(json.loads(json.dumps(registry.state.to_json()))) == \
        registry.state


def test_the_same_snapshot_again_is_fine(sim: RepositorySimulator) -> None:
    data = sim.publish()
    first = sim.load(data)
    again = sim.load(data, previous=first.state)
    assert again.state == first.state


def test_a_newer_snapshot_after_an_older_one_is_fine(fresh: RepositorySimulator) -> None:
    first = fresh.load()
    fresh.version = 2
    assert fresh.load(previous=first.state).info.version == 2


def test_fast_forward_recovery_after_the_root_retires_a_key(
        fresh: RepositorySimulator) -> None:
    # a holder of a root key pushed the saved version far ahead (TUF §5.3.11)
    fresh.version = 1_000_000
    inflated = fresh.load().state
    assert inflated.root_version == 1
    # the regulator rotates the compromised key out and publishes honestly again
    fresh.version = 2
    fresh.rotate([fresh.root_keys[1], PrivateKey.generate()], 2)
    recovered = fresh.load(previous=inflated)
    assert recovered.state.version == 2 and recovered.state.root_version == 2
    # from then on rollback protection is back
    fresh.version = 1
    raises(Code.REGISTRY_ROLLBACK, lambda: fresh.load(previous=recovered.state))


@pytest.mark.parametrize("new_keys", ["same", "added"])
def test_a_rotation_that_retires_no_key_keeps_rollback_protection(
        fresh: RepositorySimulator, new_keys: str) -> None:
    fresh.version = 5
    saved = fresh.load().state
    keys = list(fresh.root_keys) + ([PrivateKey.generate()] if new_keys == "added" else [])
    fresh.rotate(keys, 2)
    fresh.version = 4
    raises(Code.REGISTRY_ROLLBACK, lambda: fresh.load(previous=saved))
    legacy = SnapshotState(saved.version, saved.digest)  # saved without a root version
    raises(Code.REGISTRY_ROLLBACK, lambda: fresh.load(previous=legacy))


@pytest.mark.parametrize("value", [
    None, [], {"version": 1}, {"version": "1", "digest": "x"},
    {"version": 1, "digest": "x", "root_version": -1}, {"version": True, "digest": "x"},
])
def test_a_damaged_saved_state_is_refused(value: Any) -> None:
    raises(Code.REGISTRY_MALFORMED, lambda: SnapshotState.from_json(value))


def test_unknown_members_are_kept_and_never_interpreted(fresh: RepositorySimulator) -> None:
    entry = fresh.issuers[NATIONAL][0]
    fresh.issuers[NATIONAL] = [replace(entry, extra={"x-note": {"granted": "everything"}})]
    registry = fresh.load()
    loaded = registry.entry(B)
    assert loaded is not None and loaded.extra == {"x-note": {"granted": "everything"}}
    assert IssuerEntry.from_json(loaded.to_json()) == loaded
    assert loaded.to_json()["x-note"] == {"granted": "everything"}


# -- the attacks (each row: how the document is made, the code it must fail with) ---------

Attack = Callable[[RepositorySimulator], tuple[bytes, dict[str, Any]]]


def _doc(sim: RepositorySimulator, change: Callable[[dict[str, Any]], None]
         ) -> tuple[bytes, dict[str, Any]]:
    doc = sim.document()
    change(doc)
    return encode(doc), {}


def rollback(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    sim.version = 2
    newer = sim.load()
    sim.version = 1
    return sim.publish(), {"previous": newer.state}


def equivocation(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    first = sim.load()
    sim.recognition = []  # other content, same version number
    return sim.publish(), {"previous": first.state}


def freeze(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    return sim.publish(), {"now": EXPIRES + timedelta(seconds=1)}


def mix_and_match(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    old_part = copy.deepcopy(sim.part(sim.document(), "37"))
    sim.version = 2
    entry = sim.issuers["37"][0]
    sim.issuers["37"] = [replace(entry, names=())]
    doc = sim.document()
    doc["parts"] = [old_part if p["signed"]["jurisdiction"] == "37" else p
                    for p in doc["parts"]]
    return encode(doc), {}


def part_not_listed(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        del doc["snapshot"]["signed"]["parts"]["MOE-1X"]
        sim.resign_snapshot(doc)
    return _doc(sim, change)


def part_missing(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        doc["parts"] = [p for p in doc["parts"] if p["signed"]["jurisdiction"] != "MOE-1X"]
    return _doc(sim, change)


def threshold_not_met(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        doc["snapshot"]["signatures"] = doc["snapshot"]["signatures"][:1]
    return _doc(sim, change)


def same_signature_twice(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        first = doc["snapshot"]["signatures"][0]
        doc["snapshot"]["signatures"] = [first, dict(first)]
    return _doc(sim, change)


def issuer_key_signs_snapshot(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        sim.resign_snapshot(doc, [sim.root_keys[0], sim.issuer_keys[B][0]])
    return _doc(sim, change)


def delegate_key_signs_snapshot(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        sim.resign_snapshot(doc, [sim.root_keys[0], sim.delegate_keys["37"][0]])
    return _doc(sim, change)


def unsigned_snapshot(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        doc["snapshot"]["signatures"] = []
    return _doc(sim, change)


def snapshot_edited_after_signing(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        doc["snapshot"]["signed"]["expires"] = "2099-01-01T00:00:00Z"
    return _doc(sim, change)


def delegate_approves_other_jurisdiction(sim: RepositorySimulator
                                         ) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        signed = copy.deepcopy(sim.part(doc, "37")["signed"])
        stranger = copy.deepcopy(signed["issuers"][0])
        stranger.update(did="did:web:guangdong.example.cn", jurisdiction="44", keys=[])
        signed["issuers"].append(stranger)
        sim.replace_part(doc, "37", signed, sim.delegate_keys["37"])
    return _doc(sim, change)


def delegate_signs_national_part(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        signed = sim.part(doc, NATIONAL)["signed"]
        sim.replace_part(doc, NATIONAL, signed, sim.delegate_keys["37"])
    return _doc(sim, change)


def other_delegate_signs_part(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        signed = sim.part(doc, "37")["signed"]
        sim.replace_part(doc, "37", signed, sim.delegate_keys["44"])
    return _doc(sim, change)


def part_for_undelegated_jurisdiction(sim: RepositorySimulator
                                      ) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        signed = {"jurisdiction": "44", "issuers": [], "recognition": []}
        doc["parts"].append({"signed": signed,
                             "signatures": sign(signed, Role.PART, sim.delegate_keys["44"])})
        doc["snapshot"]["signed"]["parts"]["44"] = digest(signed)
        sim.resign_snapshot(doc)
    return _doc(sim, change)


def snapshot_signature_replayed_on_part(sim: RepositorySimulator
                                        ) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        signed = sim.part(doc, NATIONAL)["signed"]
        sim.replace_part(doc, NATIONAL, signed, sim.root_keys, role=Role.SNAPSHOT,
                         update_snapshot=False)
    return _doc(sim, change)


def part_signature_replayed_on_snapshot(sim: RepositorySimulator
                                        ) -> tuple[bytes, dict[str, Any]]:
    def change(doc: dict[str, Any]) -> None:
        doc["snapshot"]["signatures"] = sign(doc["snapshot"]["signed"], Role.PART,
                                             sim.root_keys)
    return _doc(sim, change)


def rotation_without_old_threshold(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    new_keys = [PrivateKey.generate(), PrivateKey.generate()]
    sim.rotate(new_keys, 2, old_signers=sim.root_keys[:1])
    return sim.publish(), {}


def rotation_without_new_threshold(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    new_keys = [PrivateKey.generate(), PrivateKey.generate()]
    sim.rotate(new_keys, 2, new_signers=new_keys[:1])
    return sim.publish(), {}


def rotation_skipping_a_version(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    sim.rotate([PrivateKey.generate()], 1, version=3)
    return sim.publish(), {}


def snapshot_signed_by_the_retired_root(sim: RepositorySimulator
                                        ) -> tuple[bytes, dict[str, Any]]:
    old_keys = sim.current_root_keys
    sim.rotate([PrivateKey.generate(), PrivateKey.generate()], 2)
    doc = sim.document()
    sim.resign_snapshot(doc, old_keys)
    return encode(doc), {}


def snapshot_under_an_older_root(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    sim.rotate([PrivateKey.generate(), PrivateKey.generate()], 2)

    def change(doc: dict[str, Any]) -> None:
        doc["snapshot"]["signed"]["root_version"] = 1
        sim.resign_snapshot(doc)
    return _doc(sim, change)


def other_trusted_root(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    impostor = [PrivateKey.generate(), PrivateKey.generate()]
    sim.roots = [sign_root(make_root(sim.trusted_root.name, impostor, 2), impostor)]
    sim.current_root_keys = impostor
    return sim.publish(), {}


def document_older_than_trusted_root(sim: RepositorySimulator
                                     ) -> tuple[bytes, dict[str, Any]]:
    data = sim.publish()
    sim.rotate([PrivateKey.generate()], 1)
    return data, {"trusted_root": Root.from_json(sim.roots[-1]["signed"])}


def too_many_rotations(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    for _ in range(3):
        sim.rotate([PrivateKey.generate()], 1)
    return sim.publish(), {"limits": RegistryLimits(max_root_rotations=2)}


def too_large(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    return sim.publish(), {"limits": RegistryLimits(max_bytes=1000)}


def duplicate_member(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    return b'{"type": "vcskill-registry", "type": "vcskill-registry"}', {}


def wrong_format(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    return _doc(sim, lambda doc: doc.update(format=2))


def duplicate_keyid_on_a_root(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    sim.rotate([PrivateKey.generate(), PrivateKey.generate()], 2)

    def change(doc: dict[str, Any]) -> None:
        sigs = doc["roots"][1]["signatures"]
        sigs.append(dict(sigs[0]))
    return _doc(sim, change)


def issuer_listed_twice(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    entry = sim.issuers[NATIONAL][0]
    sim.issuers["37"].append(replace(entry, jurisdiction="37", keys=()))
    return sim.publish(), {}


def key_of_two_issuers(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    stolen = sim.issuers["37"][0].keys[0]
    entry = sim.issuers[NATIONAL][0]
    sim.issuers[NATIONAL] = [replace(entry, keys=(*entry.keys, stolen))]
    return sim.publish(), {}


def issuer_holds_a_root_key(sim: RepositorySimulator) -> tuple[bytes, dict[str, Any]]:
    entry = sim.issuers[NATIONAL][0]
    sim.issuers[NATIONAL] = [replace(entry, keys=(
        issuer_key(sim.root_keys[0], d("2025-01-01T00:00:00")),))]
    return sim.publish(), {}


ATTACKS: list[tuple[str, Attack, Code]] = [
    ("rollback", rollback, Code.REGISTRY_ROLLBACK),
    ("equivocation", equivocation, Code.REGISTRY_EQUIVOCATION),
    ("freeze", freeze, Code.REGISTRY_EXPIRED),
    ("mix-and-match", mix_and_match, Code.REGISTRY_MIX_AND_MATCH),
    ("part-not-listed", part_not_listed, Code.REGISTRY_MIX_AND_MATCH),
    ("part-missing", part_missing, Code.REGISTRY_MIX_AND_MATCH),
    ("threshold-1-of-2", threshold_not_met, Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("same-signature-twice", same_signature_twice, Code.REGISTRY_MALFORMED),
    ("issuer-key-signs-snapshot", issuer_key_signs_snapshot,
     Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("delegate-key-signs-snapshot", delegate_key_signs_snapshot,
     Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("unsigned-snapshot", unsigned_snapshot, Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("snapshot-edited", snapshot_edited_after_signing, Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("delegate-approves-other-jurisdiction", delegate_approves_other_jurisdiction,
     Code.REGISTRY_DELEGATION_VIOLATION),
    ("delegate-signs-national-part", delegate_signs_national_part,
     Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("other-delegate-signs-part", other_delegate_signs_part,
     Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("part-for-undelegated-jurisdiction", part_for_undelegated_jurisdiction,
     Code.REGISTRY_DELEGATION_VIOLATION),
    ("snapshot-signature-replayed-on-part", snapshot_signature_replayed_on_part,
     Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("part-signature-replayed-on-snapshot", part_signature_replayed_on_snapshot,
     Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("rotation-without-old-threshold", rotation_without_old_threshold,
     Code.REGISTRY_ROOT_ROTATION),
    ("rotation-without-new-threshold", rotation_without_new_threshold,
     Code.REGISTRY_ROOT_ROTATION),
    ("rotation-skipping-a-version", rotation_skipping_a_version, Code.REGISTRY_ROOT_ROTATION),
    ("snapshot-signed-by-retired-root", snapshot_signed_by_the_retired_root,
     Code.REGISTRY_SIGNATURE_THRESHOLD),
    ("snapshot-under-older-root", snapshot_under_an_older_root, Code.REGISTRY_ROLLBACK),
    ("other-trusted-root", other_trusted_root, Code.REGISTRY_ROOT_ROTATION),
    ("document-older-than-trusted-root", document_older_than_trusted_root,
     Code.REGISTRY_ROLLBACK),
    ("too-many-rotations", too_many_rotations, Code.REGISTRY_ROOT_ROTATION),
    ("too-large", too_large, Code.REGISTRY_MALFORMED),
    ("duplicate-json-member", duplicate_member, Code.REGISTRY_MALFORMED),
    ("unknown-format", wrong_format, Code.REGISTRY_MALFORMED),
    ("duplicate-keyid-on-a-root", duplicate_keyid_on_a_root, Code.REGISTRY_MALFORMED),
    ("issuer-listed-twice", issuer_listed_twice, Code.REGISTRY_MALFORMED),
    ("key-of-two-issuers", key_of_two_issuers, Code.REGISTRY_MALFORMED),
    ("issuer-holds-a-root-key", issuer_holds_a_root_key, Code.REGISTRY_MALFORMED),
]


@pytest.mark.parametrize(("attack", "code"), [(a, c) for _, a, c in ATTACKS],
                         ids=[name for name, _, _ in ATTACKS])
def test_attacks_are_refused_with_their_code(fresh: RepositorySimulator, attack: Attack,
                                             code: Code) -> None:
    data, kwargs = attack(fresh)
    error = raises(code, lambda: fresh.load(data, **kwargs))
    assert isinstance(error, RegistryError)
    assert str(error)  # one sentence for a person


def test_an_expired_snapshot_is_accepted_only_when_asked_and_then_flagged(
        sim: RepositorySimulator) -> None:
    late = EXPIRES + timedelta(days=1)
    registry = sim.load(now=late, allow_expired=True)
    assert registry.info.expired is True
    assert registry.info.to_json()["expired"] is True
    assert sim.load(now=EXPIRES).info.expired is False  # expires is the last good instant


def test_a_good_root_rotation_loads(fresh: RepositorySimulator) -> None:
    v1 = fresh.trusted_root
    new_keys = [PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(),
                PrivateKey.generate()]
    fresh.rotate(new_keys, 2)
    registry = fresh.load()
    assert (registry.info.root_version, registry.root.threshold) == (2, 2)
    assert registry.root.keys == tuple(k.public_key.multibase() for k in new_keys)
    # a client that already trusts v2 may start its walk there
    v2 = Root.from_json(fresh.roots[1]["signed"])
    assert fresh.load(trusted_root=v2).info.root_version == 2
    fresh.roots = fresh.roots[1:]
    assert fresh.load(trusted_root=v2).info.root_version == 2
    raises(Code.REGISTRY_ROOT_ROTATION, lambda: fresh.load(trusted_root=v1))


def test_a_rotation_may_keep_some_keys(fresh: RepositorySimulator) -> None:
    kept = fresh.root_keys[0]
    fresh.rotate([kept, PrivateKey.generate()], 2)
    fresh.rotate([kept, PrivateKey.generate()], 2)
    assert fresh.load().info.root_version == 3


# -- counting signatures -----------------------------------------------------------------

def test_count_valid_counts_distinct_allowed_keys_once() -> None:
    k1, k2, stranger = PrivateKey.generate(), PrivateKey.generate(KeyAlgorithm.P256), \
        PrivateKey.generate()
    signed = {"a": 1}
    sigs = sign(signed, Role.SNAPSHOT, [k1, k2, stranger])
    allowed = [k1.public_key, k2.public_key]
    assert count_valid(signed, Role.SNAPSHOT, sigs, allowed) == 2
    # the same key named twice in the role counts once
    assert count_valid(signed, Role.SNAPSHOT, sigs[:1],
                       [k1.public_key, k1.public_key.multibase()]) == 1
    assert count_valid(signed, Role.PART, sigs, allowed) == 0  # domain separation
    assert count_valid({"a": 2}, Role.SNAPSHOT, sigs, allowed) == 0
    garbled = [{"keyid": sigs[0]["keyid"], "sig": "AAAA"}, {"keyid": "zNope", "sig": "x"}]
    assert count_valid(signed, Role.SNAPSHOT, garbled, allowed) == 0


@pytest.mark.parametrize("signatures", [
    "not a list",
    [{"keyid": "z"}],
    [{"keyid": "z", "sig": "x", "extra": 1}],
    [{"keyid": 1, "sig": "x"}],
    [{"keyid": "z1", "sig": "x"}, {"keyid": "z1", "sig": "y"}],
    [{"keyid": f"z{i}", "sig": "x"} for i in range(65)],
])
def test_count_valid_rejects_malformed_signature_lists(signatures: Any) -> None:
    raises(Code.REGISTRY_MALFORMED,
           lambda: count_valid({}, Role.ROOT, signatures, [PrivateKey.generate().public_key]))


# -- queries: keys -----------------------------------------------------------------------

def vm(did: str, key: PrivateKey) -> str:
    return f"{did}#{key.public_key.multibase()}"


def test_resolve_key_checks_the_validity_window(sim: RepositorySimulator) -> None:
    registry = sim.load()
    old, new = sim.issuer_keys[A]
    resolved = registry.resolve_key(vm(A, old), at=d("2025-06-01T00:00:00"))
    assert (resolved.controller, resolved.public_key, resolved.source) == (
        A, old.public_key, "registry")
    error = raises(Code.UNKNOWN_KEY,
                   lambda: registry.resolve_key(vm(A, old), at=d("2026-03-01T00:00:00")))
    assert "2025-01-01T00:00:00Z, 2026-03-01T00:00:00Z" in str(error)
    raises(Code.UNKNOWN_KEY,
           lambda: registry.resolve_key(vm(A, old), at=d("2024-12-31T23:59:59")))
    assert registry.resolve_key(vm(A, new), at=d("2026-03-01T00:00:00")).public_key == \
        new.public_key
    raises(Code.UNKNOWN_KEY,
           lambda: registry.resolve_key(vm(A, new), at=d("2026-02-28T23:59:59")))


def test_resolve_key_accepts_a_did_key_method_of_a_registered_key(
        sim: RepositorySimulator) -> None:
    registry = sim.load()
    old = sim.issuer_keys[A][0]
    resolved = registry.resolve_key(old.public_key.verification_method_id(),
                                    at=d("2025-06-01T00:00:00"))
    assert resolved.controller == A and resolved.public_key == old.public_key
    raises(Code.UNKNOWN_KEY, lambda: registry.resolve_key(
        old.public_key.verification_method_id(), at=NOW))


@pytest.mark.parametrize(("method", "code"), [
    ("did:web:nobody.example.cn#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
     Code.ISSUER_UNKNOWN),
    (PrivateKey.generate().public_key.verification_method_id(), Code.ISSUER_UNKNOWN),
    (f"{B}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", Code.UNKNOWN_KEY),
    (f"{B}#key-1", Code.UNKNOWN_KEY),
    ("not a DID URL", Code.INVALID_VERIFICATION_METHOD_URL),
])
def test_resolve_key_refuses(sim: RepositorySimulator, method: str, code: Code) -> None:
    registry = sim.load()
    raises(code, lambda: registry.resolve_key(method, at=NOW))


def test_another_issuers_key_is_not_this_issuers(sim: RepositorySimulator) -> None:
    registry = sim.load()
    raises(Code.UNKNOWN_KEY, lambda: registry.resolve_key(vm(B, sim.issuer_keys[X][0]),
                                                          at=NOW))


# -- queries: standing -------------------------------------------------------------------

@pytest.mark.parametrize(("issued", "now", "at_issue", "at_now", "reason"), [
    ("2024-06-01", "2025-06-01", Standing.NOT_YET_APPROVED, Standing.APPROVED, None),
    ("2025-06-01", "2026-01-15", Standing.APPROVED, Standing.APPROVED, "filed"),
    ("2026-02-01", "2026-06-01", Standing.SUSPENDED, Standing.REMOVED, "over-issuance audit"),
    ("2026-02-15", "2026-04-01", Standing.SUSPENDED, Standing.APPROVED, "over-issuance audit"),
    ("2026-04-30", "2026-06-01", Standing.APPROVED, Standing.REMOVED, None),
    ("2026-05-01", "2026-06-01", Standing.REMOVED, Standing.REMOVED, "left the catalogue"),
])
def test_standing_at_issue_and_now(sim: RepositorySimulator, issued: str, now: str,
                                   at_issue: Standing, at_now: Standing,
                                   reason: str | None) -> None:
    facts = sim.load().issuer(A, issued=d(issued + "T00:00:00"), now=d(now + "T00:00:00"))
    assert facts is not None
    assert (facts.standing_at_issue, facts.standing_now, facts.reason_at_issue) == (
        at_issue, at_now, reason)
    assert facts.regulator == "山东省人力资源和社会保障厅"
    assert facts.name == "山东某职业技能评价中心" and facts.jurisdiction == "37"
    assert facts.category == "social-training-evaluation-organisation"
    assert facts.uscc == uscc("91370100MA3C00001")


def test_the_national_root_supervises_cn_issuers(sim: RepositorySimulator) -> None:
    facts = sim.load().issuer(B, issued=NOW, now=NOW)
    assert facts is not None and facts.regulator == "中华人民共和国人力资源和社会保障部"
    assert facts.uscc is None and facts.standing_now is Standing.APPROVED


def test_an_unknown_issuer_is_none(sim: RepositorySimulator) -> None:
    registry = sim.load()
    assert registry.issuer("did:web:nobody.example.cn", issued=NOW, now=NOW) is None
    verdict = registry.authorization("did:web:nobody.example.cn", occupation="6-31-01-03",
                                     edition="2022", level="L5", at=NOW)
    assert not verdict.authorized and "not in the trusted issuer registry" in verdict.detail


def test_a_gap_after_approval_counts_as_not_approved(fresh: RepositorySimulator) -> None:
    entry = fresh.issuers[NATIONAL][0]
    fresh.issuers[NATIONAL] = [replace(entry, status=(
        StatusEntry(IssuerStatus.APPROVED, d("2025-06-01T00:00:00"), d("2025-12-01T00:00:00")),
    ))]
    facts = fresh.load().issuer(B, issued=d("2025-07-01T00:00:00"), now=NOW)
    assert facts is not None
    assert (facts.standing_at_issue, facts.standing_now) == (Standing.APPROVED,
                                                             Standing.REMOVED)


# -- queries: authorisation --------------------------------------------------------------

@pytest.mark.parametrize(("did", "occupation", "edition", "level", "at", "authorized"), [
    # in scope while approved
    (A, "6-31-01-03", "2022", "L4", "2025-06-01", True),
    (A, "6-31-01-03", "2022", "L5", "2026-01-31", True),
    (A, "6-31-01-03", "2022", "L3", "2026-04-01", True),
    # level outside the range
    (A, "6-31-01-03", "2022", "L2", "2025-06-01", False),
    # the same code in another classification edition is another occupation
    (A, "6-31-01-03", "2015", "L4", "2025-06-01", False),
    # a scope with an explicit edition, and its end
    (A, "6-30-99-00", "2015", "L4", "2025-12-31", True),
    (A, "6-30-99-00", "2015", "L4", "2026-01-01", False),
    (A, "6-30-99-00", "2022", "L4", "2025-12-31", False),
    # a scope that begins later
    (A, "4-01-02-07", "2022", "L2", "2026-02-28", False),
    (A, "4-01-02-07", "2022", "L2", "2026-03-01", True),
    # suspended, removed, not yet approved: never authorised, whatever the scope
    (A, "6-31-01-03", "2022", "L4", "2026-02-15", False),
    (A, "6-31-01-03", "2022", "L4", "2026-05-01", False),
    (A, "6-31-01-03", "2022", "L4", "2024-12-31", False),
    # 1+X ladder, level aliases
    (X, "4-01-02-07", "2022", "X-INTERMEDIATE", "2025-06-01", True),
    (X, "4-01-02-07", "2022", "中级", "2025-06-01", True),
    (X, "4-01-02-07", "2022", "L4", "2025-06-01", False),
    (X, "4-01-02-07", "2022", "no such level", "2025-06-01", False),
    (B, "6-18-02-04", "2022", "L1", "2026-06-01", True),
])
def test_authorization(sim: RepositorySimulator, did: str, occupation: str, edition: str,
                       level: str, at: str, authorized: bool) -> None:
    verdict = sim.load().authorization(did, occupation=occupation, edition=edition,
                                       level=level, at=d(at + "T00:00:00"))
    assert verdict.authorized is authorized, verdict.detail
    assert verdict.detail


def test_authorization_details_say_why(sim: RepositorySimulator) -> None:
    registry = sim.load()
    ok = registry.authorization(A, occupation="6-31-01-03", edition="2022", level="L4",
                                at=d("2025-06-01T00:00:00"))
    assert ok.detail == "in scope 6-31-01-03@2022 L5-L3 since 2025-01-01T00:00:00Z"
    suspended = registry.authorization(A, occupation="6-31-01-03", edition="2022", level="L4",
                                       at=d("2026-02-15T00:00:00"))
    assert "suspended (over-issuance audit)" in suspended.detail
    outside = registry.authorization(A, occupation="6-31-01-03", edition="2022", level="L1",
                                     at=d("2025-06-01T00:00:00"))
    assert "6-31-01-03@2022 L1 is outside the scope" in outside.detail


def test_queries_need_aware_datetimes(sim: RepositorySimulator) -> None:
    registry = sim.load()
    naive = datetime(2026, 1, 1)
    raises(Code.USAGE_ERROR, lambda: registry.issuer(A, issued=naive, now=NOW))
    raises(Code.USAGE_ERROR, lambda: sim.load(now=naive))


# -- the model ---------------------------------------------------------------------------

GOOD_KEY = PrivateKey.generate().public_key.multibase()


def issuer_json(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "did": "did:web:c.example.cn", "name": "某企业", "category": "employer",
        "jurisdiction": "37",
        "keys": [{"publicKeyMultibase": GOOD_KEY, "validFrom": "2025-01-01T00:00:00Z",
                  "validUntil": None}],
        "status": [{"status": "approved", "from": "2025-01-01T00:00:00+08:00",
                    "until": None}],
        "scope": [{"occupation": "6-31-01-03@2022", "levels": "L5-L3",
                   "from": "2025-01-01T00:00:00Z", "until": None}],
    }
    value.update(changes)
    return value


def test_an_issuer_round_trips() -> None:
    entry = IssuerEntry.from_json(issuer_json(uscc=uscc("91370100MA3C00001"),
                                              names=["别名"]))
    assert entry.status[0].start == d("2024-12-31T16:00:00")
    assert entry.scope[0].level_codes == ("L5", "L4", "L3")
    assert IssuerEntry.from_json(entry.to_json()) == entry


@pytest.mark.parametrize("changes", [
    {"did": "https://c.example.cn"},
    {"name": ""},
    {"category": "university"},
    {"jurisdiction": "shandong"},
    {"uscc": "91370100MA3C000010"},
    {"names": "not a list"},
    {"keys": [{"publicKeyMultibase": "zNotAKey", "validFrom": "2025-01-01T00:00:00Z"}]},
    {"keys": [{"publicKeyMultibase": GOOD_KEY, "validFrom": "2025-01-01T00:00:00"}]},
    {"keys": [{"publicKeyMultibase": GOOD_KEY, "validFrom": "2025-01-01T00:00:00Z"}] * 2},
    {"keys": [{"publicKeyMultibase": GOOD_KEY, "validFrom": "2025-01-01T00:00:00Z",
               "validUntil": "2024-01-01T00:00:00Z"}]},
    {"status": []},
    {"status": [{"status": "pending", "from": "2025-01-01T00:00:00Z"}]},
    {"status": [{"status": "approved", "from": "2025-01-01T00:00:00Z"},
                {"status": "suspended", "from": "2025-06-01T00:00:00Z"}]},
    {"scope": [{"occupation": "6-31-01", "levels": "L5", "from": "2025-01-01T00:00:00Z"}]},
    {"scope": [{"occupation": "6-31-01-03", "levels": "L9", "from": "2025-01-01T00:00:00Z"}]},
    {"scope": [{"occupation": "6-31-01-03@2020", "levels": "L5",
                "from": "2025-01-01T00:00:00Z"}]},
])
def test_bad_issuer_entries_are_malformed(changes: dict[str, Any]) -> None:
    raises(Code.REGISTRY_MALFORMED, lambda: IssuerEntry.from_json(issuer_json(**changes)))


def root_json(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"version": 1, "name": "MoHRSS", "keys": [GOOD_KEY],
                             "threshold": 1}
    value.update(changes)
    return value


@pytest.mark.parametrize("changes", [
    {"version": 0},
    {"version": True},
    {"threshold": 0},
    {"threshold": 2},
    {"keys": []},
    {"keys": [GOOD_KEY, GOOD_KEY], "threshold": 1},
    {"keys": [PrivateKey.generate(KeyAlgorithm.P384).public_key.multibase()]},
    {"name": 7},
])
def test_bad_roots_are_malformed(changes: dict[str, Any]) -> None:
    raises(Code.REGISTRY_MALFORMED, lambda: Root.from_json(root_json(**changes)))


def test_roots_and_delegations_round_trip_with_extra_members() -> None:
    root = Root.from_json(root_json(expires_hint="yearly"))
    assert root.extra == {"expires_hint": "yearly"} and Root.from_json(root.to_json()) == root
    delegation = Delegation.from_json({"jurisdiction": "MOE-1X", "name": "MoE",
                                       "keys": [GOOD_KEY], "threshold": 1})
    assert Delegation.from_json(delegation.to_json()) == delegation
    raises(Code.REGISTRY_MALFORMED, lambda: Delegation.from_json(
        {"jurisdiction": "CN", "name": "x", "keys": [GOOD_KEY], "threshold": 1}))


def test_recognition_rules_are_data() -> None:
    rule = RecognitionRule.from_json({"id": "r1", "description": "高压电工作业证",
                                      "deemed_level": "四级", "occupation": "6-31-01-03",
                                      "source": "reportify summary"})
    assert rule.deemed_level == "L4"
    assert RecognitionRule.from_json(rule.to_json()) == rule
    raises(Code.REGISTRY_MALFORMED, lambda: RecognitionRule.from_json(
        {**rule.to_json(), "deemed_level": "L9"}))


def test_rotate_root_refuses_a_version_jump(sim: RepositorySimulator) -> None:
    jump = make_root("x", [PrivateKey.generate()], 1, version=3)
    raises(Code.REGISTRY_ROOT_ROTATION,
           lambda: rotate_root(sim.roots[0], jump, sim.root_keys, []))


# -- hostile structure: every value replaced by every wrong type -------------------------

def _paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def test_any_wrong_value_anywhere_is_a_registry_error_never_a_crash() -> None:
    sim = RepositorySimulator()
    document = sim.document()
    replacements: list[Any] = [None, True, -1, 2**60, 1.5, "", "x", [], {}, [{}]]
    outcomes: set[str] = set()
    loaded: set[tuple[str | int, ...]] = set()
    for path in _paths(document):
        for replacement in replacements:
            doc = copy.deepcopy(document)
            target: Any = doc
            for step in path[:-1]:
                target = target[step]
            if target[path[-1]] == replacement:
                continue
            target[path[-1]] = replacement
            try:
                sim.load(doc)
                loaded.add(path[:4])
            except Error as exc:
                outcomes.add(exc.code.value)
    # Every edit is refused, except a well-formed change to the trusted root's own
    # signatures: the caller trusts that root already, so they are never counted.
    assert loaded <= {("roots", 0, "signatures"), ("roots", 0, "signatures", 0),
                      ("roots", 0, "signatures", 1)}
    assert outcomes <= {c.value for c in Code if c.value.startswith("REGISTRY_")}


# -- end to end: the verifier asks a loaded registry -------------------------------------

@pytest.mark.parametrize(("status", "level", "outcome", "code"), [
    ((StatusEntry(IssuerStatus.APPROVED, d("2025-01-01T00:00:00")),), "L3", "verified", None),
    ((StatusEntry(IssuerStatus.APPROVED, d("2025-01-01T00:00:00")),), "L2", "invalid",
     Code.ISSUER_NOT_AUTHORIZED),
    ((StatusEntry(IssuerStatus.APPROVED, d("2025-01-01T00:00:00"), d("2026-06-01T00:00:00")),
      StatusEntry(IssuerStatus.SUSPENDED, d("2026-06-01T00:00:00"), None, "audit")),
     "L3", "invalid", Code.ISSUER_NOT_AUTHORIZED),
    # removed after issuing: the credential stands
    ((StatusEntry(IssuerStatus.APPROVED, d("2025-01-01T00:00:00"), d("2026-07-01T00:00:00")),
      StatusEntry(IssuerStatus.REMOVED, d("2026-07-01T00:00:00"))),
     "L3", "verified", None),
])
def test_the_verifier_judges_a_credential_by_the_registry(
        tmp_path: Path, status: tuple[StatusEntry, ...], level: str, outcome: str,
        code: Code | None) -> None:
    signing_key = PrivateKey.generate()
    key_file = write_key_file(tmp_path / "issuer.key", signing_key, passphrase=None,
                              issuer_name="示范市职业技能鉴定指导中心",
                              uscc="12110000400000003A")
    issued = d("2026-06-30T01:00:00")
    credential = issue_one(key_file, IssueRequest(
        holder_name="张三", occupation="6-31-01-03", level=level,
        id_number="370102199001011234", certificate_number=f"S00001100000126{level[1]}000001",
        valid_from=issued, assessment_id="2026-0630", proof_format="eddsa-rdfc-2022",
    )).signed
    root_keys = [PrivateKey.generate()]
    root = make_root("中华人民共和国人力资源和社会保障部", root_keys, 1)
    entry = IssuerEntry(
        did=signing_key.public_key.did_key(), name="示范市职业技能鉴定指导中心",
        uscc="12110000400000003A", category=IssuerCategory.EMPLOYER, jurisdiction=NATIONAL,
        keys=(issuer_key(signing_key, d("2025-01-01T00:00:00")),), status=status,
        scope=(ScopeEntry("6-31-01-03", "L5-L3", d("2025-01-01T00:00:00")),))
    data = encode(assemble(roots=[sign_root(root, root_keys)], root_keys=root_keys, version=1,
                           issued=ISSUED, expires=EXPIRES, parts=[Part(NATIONAL, (entry,))]))
    registry = Registry.load(data, trusted_root=root, now=NOW)
    report = Verifier(registry=registry).check(credential, at=d("2026-08-01T00:00:00"))
    assert report.outcome.value == outcome, report.to_json()
    first = report.first_failure
    assert (first.code if first is not None else None) is code
    assert report.to_json()["registry"]["version"] == 1


@pytest.mark.parametrize(("levels", "codes"), [
    ("L5-L3", ("L5", "L4", "L3")),
    ("L3-L5", ("L5", "L4", "L3")),
    ("L2", ("L2",)),
    ("X-JUNIOR-X-SENIOR", ("X-JUNIOR", "X-INTERMEDIATE", "X-SENIOR")),
    ("初级-中级", ("X-JUNIOR", "X-INTERMEDIATE")),
    ("X-SENIOR", ("X-SENIOR",)),
])
def test_scope_levels(levels: str, codes: tuple[str, ...]) -> None:
    assert ScopeEntry("6-31-01-03", levels, NOW).level_codes == codes


def test_a_draft_gathers_content_and_publishes(sim: RepositorySimulator) -> None:
    draft = Draft(roots=list(sim.roots))
    entry = sim.issuers["37"][0]
    with pytest.raises(RegistryError) as info:
        draft.add_issuer(entry)
    assert info.value.code is Code.REGISTRY_DELEGATION_VIOLATION
    draft.add_delegation(sim.delegations["37"])
    draft.add_issuer(entry)
    draft.add_issuer(replace(entry, name="山东某职业技能评价中心（更名）"))  # replaces by DID
    draft.add_issuer(sim.issuers[NATIONAL][0])
    draft.add_recognition(sim.recognition[0])
    data = draft.publish(root_keys=sim.root_keys, version=7, issued=ISSUED, expires=EXPIRES,
                         delegate_keys=sim.delegate_keys)
    registry = sim.load(data)
    assert registry.info.version == 7
    assert [e.name for e in registry.issuers if e.did == A] == ["山东某职业技能评价中心（更名）"]
    assert {e.did for e in registry.issuers} == {A, B}
    assert len(registry.recognition) == 1
