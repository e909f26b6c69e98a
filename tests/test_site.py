"""write_site: the static site a regulator uploads (registry, root history, did:web documents).

:class:`Publisher` is a small regulator (root keys, issuers, versions) that tests/test_sync.py
reuses to serve sites over a loopback HTTP server.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from did_registry import NATIONAL, IssuerCategory, IssuerEntry, IssuerStatus
from did_registry.build import issuer_key, make_root, publish, rotate_root, sign_root
from did_registry.errors import RegistryError
from did_registry.model import Part, Root, StatusEntry
from did_registry.signing import digest
from did_registry.site import MANIFEST, did_web_site_path, write_site
from tests.test_registry import EXPIRES, ISSUED, NOW, d
from vcskill.errors import Code
from vcskill.keys.did import parse_did_web
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
from vcskill.keys.resolver import OfflineResolver

ROOT_NAME = "中华人民共和国人力资源和社会保障部"


@dataclass
class Publisher:
    """A national regulator with a 2-of-2 root and issuers in the ``CN`` part."""

    root_keys: list[PrivateKey] = field(default_factory=lambda: [
        PrivateKey.generate(KeyAlgorithm.ED25519), PrivateKey.generate(KeyAlgorithm.ED25519)])
    version: int = 1
    issued: datetime = ISSUED
    expires: datetime = EXPIRES
    issuers: dict[str, IssuerEntry] = field(default_factory=dict)
    issuer_keys: dict[str, list[PrivateKey]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.trusted_root = make_root(ROOT_NAME, self.root_keys, 2)
        self.roots: list[dict[str, Any]] = [sign_root(self.trusted_root, self.root_keys)]
        self.current_root_keys = list(self.root_keys)

    def add_issuer(self, did: str, *, keys: int = 1, ended: int = 0) -> list[PrivateKey]:
        """An approved issuer with ``keys`` current keys and ``ended`` expired ones."""
        current = [PrivateKey.generate() for _ in range(keys)]
        old = [PrivateKey.generate() for _ in range(ended)]
        entry_keys = [issuer_key(k, d("2025-01-01T00:00:00"), d("2026-01-01T00:00:00"))
                      for k in old] + [issuer_key(k, d("2026-01-01T00:00:00")) for k in current]
        self.issuers[did] = IssuerEntry(
            did=did, name=f"issuer {len(self.issuers) + 1}",
            category=IssuerCategory.TECHNICAL_COLLEGE, jurisdiction=NATIONAL,
            keys=tuple(entry_keys),
            status=(StatusEntry(IssuerStatus.APPROVED, d("2025-01-01T00:00:00")),),
        )
        self.issuer_keys[did] = old + current
        return current

    def publish(self, **changes: Any) -> bytes:
        return publish(roots=self.roots, root_keys=self.current_root_keys,
                       version=changes.get("version", self.version),
                       issued=changes.get("issued", self.issued),
                       expires=changes.get("expires", self.expires),
                       parts=[Part(NATIONAL, tuple(self.issuers.values()))])

    def rotate(self, new_keys: list[PrivateKey], threshold: int, *,
               old_signers: list[PrivateKey] | None = None) -> Root:
        old_doc = self.roots[-1]
        new_root = make_root(ROOT_NAME, new_keys, threshold,
                             version=old_doc["signed"]["version"] + 1)
        signers = self.current_root_keys if old_signers is None else old_signers
        self.roots.append(rotate_root(old_doc, new_root, signers, new_keys))
        self.current_root_keys = list(new_keys)
        return new_root


def files_under(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


@pytest.fixture
def pub() -> Publisher:
    pub = Publisher()
    pub.add_issuer("did:web:a.example.cn", keys=2, ended=1)
    pub.add_issuer("did:web:b.example.cn%3A8443:issuers:b")
    pub.add_issuer("did:key:" + PrivateKey.generate().public_key.multibase())
    return pub


def test_the_site_layout(pub: Publisher, tmp_path: Path) -> None:
    pub.rotate([pub.root_keys[1], PrivateKey.generate()], 2)
    document = pub.publish()
    written = write_site(document, tmp_path, trusted_root=pub.trusted_root, now=NOW)

    assert set(map(Path, written)) == {tmp_path / f for f in files_under(tmp_path)}
    assert files_under(tmp_path) == {
        "registry.json", "README.txt", MANIFEST, "roots/1.json", "roots/2.json",
        "roots/index.json", "did-web/a.example.cn/.well-known/did.json",
        "did-web/b.example.cn_8443/issuers/b/did.json",
    }
    assert (tmp_path / "registry.json").read_bytes() == document
    assert written[-2] == tmp_path / "registry.json"  # after what it refers to

    index = json.loads((tmp_path / "roots/index.json").read_text())
    assert index["latest"] == 2
    for n, row in zip((1, 2), index["roots"], strict=True):
        envelope = json.loads((tmp_path / f"roots/{n}.json").read_text())
        assert envelope == pub.roots[n - 1]
        assert row == {"version": n, "file": f"{n}.json", "sha256": digest(envelope["signed"]),
                       "fingerprint": "sha256:" + digest(envelope["signed"])}


def test_did_web_documents_list_the_keys_not_yet_ended(pub: Publisher, tmp_path: Path
                                                       ) -> None:
    did = "did:web:a.example.cn"
    future = PrivateKey.generate()
    entry = pub.issuers[did]
    pub.issuers[did] = IssuerEntry(
        did=did, name=entry.name, category=entry.category, jurisdiction=NATIONAL,
        keys=(*entry.keys, issuer_key(future, d("2027-01-01T00:00:00"))), status=entry.status)
    write_site(pub.publish(), tmp_path, trusted_root=pub.trusted_root, now=NOW)
    document = json.loads((tmp_path / did_web_site_path(did)).read_text())
    assert document["@context"] == ["https://www.w3.org/ns/did/v1",
                                    "https://w3id.org/security/multikey/v1"]
    assert document["id"] == did
    _ended, *current = pub.issuer_keys[did]
    expected = [k.public_key.multibase() for k in [*current, future]]
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == expected
    assert document["assertionMethod"] == [f"{did}#{mb}" for mb in expected]
    assert all(m["type"] == "Multikey" and m["controller"] == did
               for m in document["verificationMethod"])
    # what a did:web resolver would fetch resolves with the toolkit's own resolver
    vm = f"{did}#{current[0].public_key.multibase()}"
    assert OfflineResolver({did: document}).resolve(vm).public_key == current[0].public_key
    readme = (tmp_path / "README.txt").read_text()
    assert "https://a.example.cn/.well-known/did.json" in readme
    assert "https://b.example.cn:8443/issuers/b/did.json" in readme
    assert "for the issuers to host" in readme


@pytest.mark.parametrize(("did", "path"), [
    ("did:web:example.com", "did-web/example.com/.well-known/did.json"),
    ("did:web:example.com%3A8443", "did-web/example.com_8443/.well-known/did.json"),
    ("did:web:example.com:u:alice", "did-web/example.com/u/alice/did.json"),
    ("did:web:127.0.0.1%3A80:x", "did-web/127.0.0.1_80/x/did.json"),
])
def test_did_web_site_path(did: str, path: str) -> None:
    assert did_web_site_path(did) == path
    web = parse_did_web(did)  # the site path mirrors the URL path
    assert web.url.endswith(path.split("/", 2)[2])


def test_an_unverifiable_document_writes_nothing(pub: Publisher, tmp_path: Path) -> None:
    document = json.loads(pub.publish())
    document["snapshot"]["signatures"] = document["snapshot"]["signatures"][:1]
    site = tmp_path / "site"
    with pytest.raises(RegistryError) as info:
        write_site(json.dumps(document).encode(), site, trusted_root=pub.trusted_root, now=NOW)
    assert info.value.code is Code.REGISTRY_SIGNATURE_THRESHOLD
    assert not site.exists()

    other = make_root(ROOT_NAME, [PrivateKey.generate()], 1)
    with pytest.raises(RegistryError) as info:
        write_site(pub.publish(), site, trusted_root=other, now=NOW)
    assert info.value.code is Code.REGISTRY_ROOT_ROTATION

    with pytest.raises(RegistryError) as info:
        write_site(pub.publish(), site, trusted_root=pub.trusted_root,
                   now=EXPIRES + timedelta(seconds=1))
    assert info.value.code is Code.REGISTRY_EXPIRED
    assert not site.exists()


def test_two_dids_on_one_url_are_refused(pub: Publisher, tmp_path: Path) -> None:
    pub.add_issuer("did:web:a.example.cn:.well-known")  # resolves to the same URL
    with pytest.raises(RegistryError, match="same URL"):
        write_site(pub.publish(), tmp_path, trusted_root=pub.trusted_root, now=NOW)
    assert files_under(tmp_path) == set()


def test_a_republish_removes_only_our_stale_files(pub: Publisher, tmp_path: Path) -> None:
    write_site(pub.publish(), tmp_path, trusted_root=pub.trusted_root, now=NOW)
    # someone else's files, and one of ours they edited
    (tmp_path / "roots" / "notes.txt").write_text("keep me")
    (tmp_path / "did-web" / "c.example.cn" / ".well-known").mkdir(parents=True)
    (tmp_path / "did-web" / "c.example.cn" / ".well-known" / "did.json").write_text("{}")
    edited = tmp_path / did_web_site_path("did:web:b.example.cn%3A8443:issuers:b")
    edited.write_text(edited.read_text() + " ")

    del pub.issuers["did:web:a.example.cn"]
    del pub.issuers["did:web:b.example.cn%3A8443:issuers:b"]
    pub.version = 2
    write_site(pub.publish(), tmp_path, trusted_root=pub.trusted_root, now=NOW)
    files = files_under(tmp_path)
    assert "did-web/a.example.cn/.well-known/did.json" not in files
    assert not (tmp_path / "did-web" / "a.example.cn").exists()  # emptied directories go
    assert {"roots/notes.txt", "did-web/c.example.cn/.well-known/did.json",
            "did-web/b.example.cn_8443/issuers/b/did.json"} <= files
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["registry_version"] == 2
    assert manifest["files"]["registry.json"] == hashlib.sha256(
        (tmp_path / "registry.json").read_bytes()).hexdigest()


def test_a_tampered_manifest_cannot_delete_outside_the_site(pub: Publisher, tmp_path: Path
                                                           ) -> None:
    site = tmp_path / "site"
    write_site(pub.publish(), site, trusted_root=pub.trusted_root, now=NOW)
    victim = tmp_path / "victim.txt"
    victim.write_text("x")
    sha = hashlib.sha256(b"x").hexdigest()
    manifest = json.loads((site / MANIFEST).read_text())
    manifest["files"].update({"roots/../../victim.txt": sha, "../victim.txt": sha,
                              "/" + str(victim): sha})
    (site / MANIFEST).write_text(json.dumps(manifest))
    write_site(pub.publish(), site, trusted_root=pub.trusted_root, now=NOW)
    assert victim.read_text() == "x"


def test_a_compromised_key_is_left_out_of_the_did_document(pub: Publisher, tmp_path: Path
                                                          ) -> None:
    did = "did:web:a.example.cn"
    entry = pub.issuers[did]
    leaked, kept = entry.keys[1], entry.keys[2]
    pub.issuers[did] = replace(entry, keys=(
        entry.keys[0], replace(leaked, compromised=d("2026-04-01T00:00:00")), kept))
    write_site(pub.publish(), tmp_path, trusted_root=pub.trusted_root, now=NOW)
    document = json.loads((tmp_path / did_web_site_path(did)).read_text())
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [
        kept.public_key_multibase]
