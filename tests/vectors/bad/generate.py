#!/usr/bin/env python3
"""Generate the bad-input corpus: ``python tests/vectors/bad/generate.py [OUT_DIR]``.

Everything is derived from a fixed world this script builds itself, so running it again
writes the same bytes (Ed25519 and RFC 6979 ECDSA signatures are deterministic; every time,
id, salt and status index is fixed):

* keys from ``sha256("vcskill bad-input corpus: <label>")`` (never use them for anything
  real: the labels, and so the private keys, are public);
* a trusted issuer registry (root of 2 of 3 keys, a Beijing delegate, a skills centre with
  four keys, a school suspended for February 2026, an employer removed on 1 May 2026),
  published at a fixed moment and expiring years ahead;
* the centre's signed status lists, and the credentials every case starts from.

It writes ``world/`` (what the verify cases are judged against), one folder per group of
security.md §6 (``A/`` … ``G/``; the ledger group ``H`` is all scenarios), ``manifest.json``
(every case and its expected exit code, error code and check) and ``README.md``.
``tests/test_bad_corpus.py`` runs the cases and checks that this script reproduces the
committed files byte for byte.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import gzip
import hashlib
import io
import json
import re
import shutil
import sys
import tempfile
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, x25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HERE = Path(__file__).resolve().parent

# -- the fixed moments -------------------------------------------------------------------------

CST = timezone(timedelta(hours=8))
APPROVED = datetime(2025, 1, 1, tzinfo=CST)
REGISTRY_ISSUED = datetime(2026, 1, 5, tzinfo=UTC)
REGISTRY_LIFETIME = timedelta(days=5 * 365)  # expires 2031-01-04
ISSUED = datetime(2026, 6, 30, tzinfo=CST)  # the issue date of most credentials
CREATED = datetime(2026, 6, 30, 1, 0, tzinfo=UTC)  # their proofs' `created`
LISTS_FROM = datetime(2026, 11, 20, tzinfo=UTC)  # the status lists' validity period
LISTS_UNTIL = datetime(2027, 11, 20, tzinfo=UTC)
AT = "2026-11-25T12:00:00+08:00"  # the moment every verify case is judged at

# -- the fixed names ---------------------------------------------------------------------------

REGULATOR = "人力资源社会保障部"
PROVINCE, PROVINCE_NAME = "11", "北京市人力资源和社会保障局"
CENTRE, CENTRE_USCC, CENTRE_WEB = "示范市职业技能鉴定指导中心", "12110000400000003A", \
    "skills.example.cn"
CENTRE_DID = f"did:web:{CENTRE_WEB}"
SCHOOL, SCHOOL_USCC = "示范市第一职业培训学校", "52110000MJ0000012A"
COMPANY, COMPANY_USCC = "示范电气设备有限公司", "91110108MA01ABCD2H"
STRANGER = "未备案的某评价机构"
STATUS_URL = f"https://{CENTRE_WEB}/status"
REVOCATION_URL = f"{STATUS_URL}/1-revocation.json"
SUSPENSION_URL = f"{STATUS_URL}/1-suspension.json"
GOOD_INDEX, REVOKED_INDEX, SUSPENDED_INDEX = 1201, 4242, 777
NAMESPACE = uuid.UUID("8f1f6f1e-2b63-4c4e-9f5a-6b1d8a0c0001")


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"vcskill bad-input corpus: {label}".encode()).digest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def dumps(value: Any) -> bytes:
    """The corpus's JSON files: readable, UTF-8, one trailing line break."""
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A signing key of the world and the verification method it signs as."""

    label: str
    private: Any  # vcskill.keys.keypair.PrivateKey
    did: str

    @property
    def multibase(self) -> str:
        return str(self.private.public_key.multibase())

    @property
    def vm(self) -> str:
        return f"{self.did}#{self.multibase}"


def private_key(label: str, algorithm: str = "ed25519") -> Any:
    from vcskill.keys.keypair import PrivateKey

    d = _b64url(_seed(label))
    if algorithm == "ed25519":
        return PrivateKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "d": d})
    return PrivateKey.from_jwk({"kty": "EC", "crv": "P-256", "d": d})


def key(label: str, algorithm: str = "ed25519", did: str | None = None) -> Key:
    private = private_key(label, algorithm)
    return Key(label, private, did or private.public_key.did_key())


@dataclass
class World:
    roots: list[Any]
    beijing: Any
    centre: Key  # Ed25519, did:web
    centre_p256: Key
    centre_retired: Key  # valid 2025-01-01 to 2026-03-01
    centre_leaked: Key  # reported compromised
    centre_unregistered: Key  # claims the centre's did:web, never registered
    school: Key
    company: Key
    stranger: Key
    registry: bytes = b""
    root_file: bytes = b""
    fingerprint: str = ""


def make_keys() -> World:
    return World(
        roots=[private_key(f"root-{i}") for i in (1, 2, 3)],
        beijing=private_key("beijing-delegate"),
        centre=key("centre-ed25519", did=CENTRE_DID),
        centre_p256=key("centre-p256", "p256", did=CENTRE_DID),
        centre_retired=key("centre-retired-ed25519", did=CENTRE_DID),
        centre_leaked=key("centre-leaked-ed25519", did=CENTRE_DID),
        centre_unregistered=key("centre-unregistered-ed25519", did=CENTRE_DID),
        school=key("school-ed25519"),
        company=key("company-ed25519"),
        stranger=key("stranger-ed25519"),
    )


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=CST)


def build_registry(world: World, directory: Path) -> None:
    """The regulator's working directory and the published registry, with did_registry.admin
    (as `vcskill registry ...` and the demo do), at a fixed moment."""
    from did_registry import admin

    reg = directory / "reg"
    work = admin.init(reg, world.roots, name=REGULATOR, threshold=2)
    admin.delegate(reg, jurisdiction=PROVINCE, name=PROVINCE_NAME,
                   keys=[world.beijing.public_key])
    c = world
    admin.add_issuer(
        reg, did=CENTRE_DID, name=CENTRE, uscc=CENTRE_USCC,
        category="social-training-evaluation-organisation", jurisdiction=PROVINCE,
        keys=[c.centre.private.public_key, c.centre_p256.private.public_key,
              c.centre_retired.private.public_key, c.centre_leaked.private.public_key],
        scopes=["6-31-01-03:L5-L1", "6-18-02-04:L5-L3", "4-03-02-01:L4-L2",
                "4-10-01-05:L5-L3"],
        approved_from=APPROVED, other_names=["Demo City Vocational Skill Testing Centre"],
        status_url=STATUS_URL)
    admin.end_key(reg, did=CENTRE_DID, key=c.centre_retired.private.public_key,
                  until=_day(2026, 3, 1))
    admin.compromise_key(reg, did=CENTRE_DID, key=c.centre_leaked.private.public_key,
                         reported=_day(2026, 9, 1))
    admin.add_issuer(reg, did=c.school.did, name=SCHOOL, uscc=SCHOOL_USCC,
                     category="social-training-evaluation-organisation",
                     jurisdiction=PROVINCE, keys=[c.school.private.public_key],
                     scopes=["4-03-02-01:L5-L3"], approved_from=APPROVED)
    admin.set_status(reg, did=c.school.did, status="suspended", start=_day(2026, 2, 1),
                     end=_day(2026, 3, 1), reason="suspended for over-issuing certificates")
    admin.add_issuer(reg, did=c.company.did, name=COMPANY, uscc=COMPANY_USCC,
                     category="employer", jurisdiction=PROVINCE,
                     keys=[c.company.private.public_key], scopes=["6-31-01-03:L5-L3"],
                     approved_from=APPROVED)
    admin.set_status(reg, did=c.company.did, status="removed", start=_day(2026, 5, 1),
                     reason="left the enterprise evaluation catalogue")
    published = admin.publish(reg, keys=[world.roots[0], world.roots[2], world.beijing],
                              out=directory / "registry.json", now=REGISTRY_ISSUED,
                              expires_in=REGISTRY_LIFETIME)
    world.registry = published.document
    world.root_file = (reg / "root.json").read_bytes()
    world.fingerprint = work.fingerprint


# -- credentials -------------------------------------------------------------------------------


def _contexts() -> Any:
    from vcskill.linkeddata.contexts import ContextStore

    return ContextStore.bundled()


def entries(index: int, revocation: str = REVOCATION_URL,
            suspension: str = SUSPENSION_URL) -> list[dict[str, Any]]:
    from vcskill.status.statuslist import StatusPurpose, status_entry

    return [status_entry(revocation, index, StatusPurpose.REVOCATION),
            status_entry(suspension, index, StatusPurpose.SUSPENSION)]


def skill(signer: Key, label: str, *, holder: str = "张三", occupation: str = "6-31-01-03",
          level: str = "L3", serial: int = 1, valid_from: datetime = ISSUED,
          index: int | None = GOOD_INDEX, name: str | None = None, uscc: str | None = None,
          edition: str = "2022") -> dict[str, Any]:
    """An unsigned skill credential of ``signer``'s issuer, with status entries at
    ``index`` (none when None). ``label`` fixes its id and salt."""
    from vcskill.model.credential import Issuer, new_skill_credential
    from vcskill.model.skills import KNOWN_OCCUPATIONS, LEVELS, Occupation

    filed = {CENTRE_DID: (CENTRE, CENTRE_USCC), WORLD.school.did: (SCHOOL, SCHOOL_USCC),
             WORLD.company.did: (COMPANY, COMPANY_USCC), WORLD.stranger.did: (STRANGER, None)}
    filed_name, filed_uscc = filed[signer.did]
    lvl = LEVELS[level]
    number = f"S0000{PROVINCE}000001{valid_from:%y}{lvl.certificate_digit}{serial:06d}"
    credential = new_skill_credential(
        issuer=Issuer(id=signer.did, name=name or filed_name, uscc=uscc or filed_uscc),
        holder_name=holder,
        occupation=Occupation(occupation, edition, KNOWN_OCCUPATIONS[(occupation, edition)]),
        level=lvl, certificate_number=number, valid_from=valid_from,
        id_number=f"11010119900101{serial:04d}",
        credential_id=f"urn:uuid:{uuid.uuid5(NAMESPACE, label)}",
        salt=_seed(f"salt {label}")[:16].hex(),
    )
    if index is not None:
        credential = dataclasses.replace(credential, credential_status=tuple(entries(index)))
    return credential.to_json()


def sign(doc: dict[str, Any], signer: Key, suite: str = "eddsa-rdfc-2022", *,
         created: datetime = CREATED, checked: bool = True, vm: str | None = None
         ) -> dict[str, Any]:
    """Sign with a Data Integrity proof. ``checked``: through ``sign_credential`` (every check
    the issuer side applies); otherwise ``add_proof`` alone, for documents an issuer would
    refuse to sign (the verifier must still refuse them for the right reason)."""
    from vcskill.issuing.signing import ProofFormat, sign_credential
    from vcskill.proofs.dataintegrity import Cryptosuite, add_proof

    if checked and vm is None:
        signed = sign_credential(doc, signer.private, verification_method=signer.vm,
                                 proof_format=ProofFormat(suite), created=created,
                                 contexts=_contexts())
        assert isinstance(signed, dict)
        return signed
    return add_proof(doc, signer.private, verification_method=vm or signer.vm,
                     cryptosuite=Cryptosuite(suite), created=created, contexts=_contexts())


def jwt(payload: dict[str, Any], signer: Key, *, header: dict[str, Any] | None = None,
        signature: bytes | None = None, payload_bytes: bytes | None = None) -> str:
    """A compact JWS signed by hand (RFC 6979 for ES256, so it is deterministic), with the
    header ``sign_jwt`` writes unless ``header`` is given."""
    head = header if header is not None else {
        "alg": signer.private.public_key.jose_algorithm, "kid": signer.vm, "typ": "vc+jwt",
        "cty": "vc"}
    h = _b64url(json.dumps(head).encode("utf-8"))
    p = _b64url(payload_bytes if payload_bytes is not None else compact(payload))
    sig = signature if signature is not None else signer.private.sign(f"{h}.{p}".encode())
    return f"{h}.{p}.{_b64url(sig)}"


def status_list(signer: Key, url: str, purpose: str, revoked: tuple[int, ...] = (), *,
                issuer: str | None = None, valid_from: datetime = LISTS_FROM,
                valid_until: datetime = LISTS_UNTIL,
                edit: Callable[[dict[str, Any]], None] | None = None,
                signed: bool = True) -> dict[str, Any]:
    from vcskill.status.statuslist import Bitstring, StatusPurpose, build_status_list_credential

    bits = Bitstring()
    for index in revoked:
        bits.set(index)
    doc = build_status_list_credential(list_url=url, issuer=issuer or signer.did,
                                       purpose=StatusPurpose(purpose), bits=bits,
                                       valid_from=valid_from, valid_until=valid_until)
    if edit is not None:
        edit(doc)
    if not signed:
        return doc
    return sign(doc, signer, created=valid_from, checked=edit is None)


def gzip_list(data: bytes) -> str:
    """``u`` + base64url(GZIP(data)), with a fixed header (mtime 0) so it is reproducible."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packer:
        packer.write(data)
    return "u" + _b64url(out.getvalue())


# -- the corpus --------------------------------------------------------------------------------


@dataclass
class Corpus:
    files: dict[str, bytes] = field(default_factory=dict)
    cases: list[dict[str, Any]] = field(default_factory=list)

    def file(self, path: str, data: bytes | str | dict[str, Any] | list[Any]) -> str:
        if isinstance(data, dict | list):
            data = dumps(data)
        elif isinstance(data, str):
            data = data.encode("utf-8")
        assert path not in self.files, path
        self.files[path] = data
        return path

    def case(self, name: str, group: str, what: str, *, exit: int, code: str | None,
             source: str, check: str | None = None, input: str | None = None,
             data: Any = None, suffix: str = ".json", recipe: dict[str, Any] | None = None,
             command: str = "verify", args: list[str] | None = None,
             scenario: str | None = None, xfail: str | dict[str, str] | None = None,
             slow: bool = False, **world: Any) -> None:
        assert all(c["name"] != name for c in self.cases), name
        if data is not None:
            input = self.file(f"{group}/{name}{suffix}", data)
        entry: dict[str, Any] = {"name": name, "group": group, "what": what, "source": source,
                                 "command": command}
        if input is not None:
            entry["input"] = input
        if recipe is not None:
            entry["recipe"] = recipe
        if scenario is not None:
            entry["scenario"] = scenario
        if args:
            entry["args"] = args
        for option in ("registry", "trust_root", "status_dir"):
            if option in world:
                entry[option] = world.pop(option)
        assert not world, world
        entry["exit"] = exit
        entry["code"] = code
        if command == "verify":
            entry["check"] = check
        if xfail is not None:
            entry["xfail"] = xfail
        if slow:
            entry["slow"] = True
        self.cases.append(entry)


WORLD = make_keys()


def text(doc: dict[str, Any]) -> str:
    return dumps(doc).decode("utf-8")


def edited(doc: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    copied = copy.deepcopy(doc)
    change(copied)
    return copied


def subject(doc: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = doc["credentialSubject"]
    return value


def build(out: Path) -> Corpus:
    """Build the whole corpus into ``out`` (an empty or new directory)."""
    world = WORLD
    c = Corpus()
    with tempfile.TemporaryDirectory() as scratch:
        build_registry(world, Path(scratch))
        genuine = _world_files(c, world)
        _group_a(c, genuine)
        _group_b(c, genuine)
        _group_c(c, genuine)
        _group_d(c, genuine)
        _group_e(c, genuine)
        _group_f(c, genuine)
        _group_g(c, genuine)
        _group_h(c)
    manifest = {
        "about": "The bad-input corpus of security.md §6 (groups A-H) and issue #10; "
                 "see README.md. Generated by generate.py: do not edit by hand.",
        "world": {"registry": "world/registry.json", "trust_root": "world/root.json",
                  "status_dir": "world/status", "at": AT, "fingerprint": world.fingerprint},
        # the compressed parts (status lists, QR payloads) are zlib's output: byte for byte
        # the same only with the same zlib
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "cases": c.cases,
    }
    c.file("manifest.json", manifest)
    c.file("README.md", readme(c.cases))
    for path, data in sorted(c.files.items()):
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return c


# -- the world's files -------------------------------------------------------------------------


def _world_files(c: Corpus, w: World) -> dict[str, Any]:
    """world/: the registry, the root to pin, the centre's status lists, and the genuine
    credentials the cases are made from (each verifies, or is revoked or suspended)."""
    c.file("world/registry.json", w.registry)
    c.file("world/root.json", w.root_file)
    lists = {
        "1-revocation": status_list(w.centre, REVOCATION_URL, "revocation", (REVOKED_INDEX,)),
        "1-suspension": status_list(w.centre, SUSPENSION_URL, "suspension",
                                    (SUSPENDED_INDEX,)),
    }
    for name, doc in lists.items():
        c.file(f"world/status/{name}.json", doc)
    g: dict[str, Any] = {"lists": lists}
    g["rdfc"] = sign(skill(w.centre, "good-rdfc"), w.centre)
    g["jcs"] = sign(skill(w.centre, "good-jcs", holder="李四", occupation="6-18-02-04",
                          level="L4", serial=2, index=1202), w.centre, "eddsa-jcs-2022")
    g["ecdsa"] = sign(skill(w.centre_p256, "good-ecdsa", holder="王五",
                            occupation="4-03-02-01", level="L2", serial=3, index=1203),
                      w.centre_p256, "ecdsa-rdfc-2019")
    g["jwt-unsigned"] = skill(w.centre, "good-jwt", holder="赵六", occupation="4-10-01-05",
                              level="L5", serial=4, index=1204)
    g["jwt"] = jwt(g["jwt-unsigned"], w.centre)
    g["es256-unsigned"] = skill(w.centre_p256, "good-es256", holder="孙七",
                                occupation="4-10-01-05", level="L4", serial=5, index=1205)
    g["es256"] = jwt(g["es256-unsigned"], w.centre_p256)
    g["revoked"] = sign(skill(w.centre, "revoked", holder="冯十四", level="L4", serial=12,
                              index=REVOKED_INDEX), w.centre)
    g["suspended"] = sign(skill(w.centre, "suspended", holder="褚十五", level="L4",
                                serial=13, index=SUSPENDED_INDEX), w.centre)
    # the school's, issued without a ledger (no status entries): cases of B and D
    g["school-out-of-scope"] = sign(skill(w.school, "school-out-of-scope", holder="郑十",
                                          occupation="4-03-02-01", level="L1", serial=8,
                                          valid_from=_day(2026, 3, 20), index=None), w.school)
    g["school-during-suspension"] = sign(skill(w.school, "school-during-suspension",
                                               holder="周八", occupation="4-03-02-01",
                                               level="L4", serial=6,
                                               valid_from=_day(2026, 2, 10), index=None),
                                         w.school)
    for name in ("rdfc", "jcs", "ecdsa", "revoked", "suspended"):
        c.file(f"world/credentials/{name}.json", g[name])
    c.file("world/credentials/eddsa.jwt", g["jwt"] + "\n")
    c.file("world/credentials/es256.jwt", g["es256"] + "\n")
    return g


# -- A: credential parsing ---------------------------------------------------------------------

SEC = "security.md §6 "


def _group_a(c: Corpus, g: dict[str, Any]) -> None:
    good = text(g["rdfc"])
    raw = good.encode("utf-8")

    def rank(value: str) -> str:
        return re.sub(r'"rank": [0-9]+', f'"rank": {value}', good, count=1)

    def parse(name: str, what: str, source: str, data: Any = None, **kw: Any) -> None:
        c.case(name, "A", what, exit=2, code="PARSING_ERROR", check="parse", source=source,
               data=data, **kw)

    parse("a1-over-256-kib", "a 300,000-byte JSON document, over Limits.max_credential_bytes",
          SEC + "A1", recipe={"kind": "repeat", "parts": [['{"name": "', 1], ["a", 300_000],
                                                          ['"}', 1]]}, suffix=".bin")
    parse("a2-empty-file", "an empty file", SEC + "A2", data=b"", suffix=".bin")
    parse("a2-utf8-bom-prefix", "the genuine credential preceded by a UTF-8 byte order mark",
          SEC + "A2; health-cards-validation-SDK testdata `utf8_bom_prefix`",
          data=b"\xef\xbb\xbf" + raw)
    parse("a2-invalid-utf8", "the genuine credential with a byte that is not UTF-8 in a name",
          SEC + "A2", data=raw.replace("张三".encode(), b"\xff\xfe", 1))
    parse("a2-trailing-chars", "the genuine credential followed by more text",
          SEC + "A2; health-cards-validation-SDK testdata `trailing_chars`",
          data=raw + b'{"another": "value"}\n')
    parse("a2-utf16", "the genuine credential encoded as UTF-16", SEC + "A2",
          data=good.encode("utf-16"))
    parse("a3-duplicate-issuer", "two `issuer` members, the second naming a stranger",
          SEC + "A3", data=good.replace(
              '"issuer": {', f'"issuer": "{WORLD.stranger.did}",\n  "issuer": {{', 1))
    parse("a3-duplicate-proof-value", "two `proofValue` members in the proof", SEC + "A3",
          data=good.replace('"proofValue": ', '"proofValue": "z1111",\n    "proofValue": ', 1))
    parse("a4-nan", "`rank` written as NaN", SEC + "A4",
          data=rank("NaN"))
    parse("a4-exponent-1e400", "`rank` written as 1e400 (a float overflow)", SEC + "A4",
          data=rank("1e400"))
    parse("a4-19-digit-integer", "`rank` an integer of 19 digits (above the 18-digit limit)",
          SEC + "A4", data=rank("1234567890123456789"))
    parse("a4-5000-digit-integer", "`rank` an integer of 5,000 digits (Python's int limit "
          "would raise ValueError)", SEC + "A4",
          data=rank("9" * 5000))
    parse("a5-100000-nested-brackets", "100,000 nested `[` (no RecursionError)", SEC + "A5",
          recipe={"kind": "repeat", "parts": [["[", 100_000], ["]", 100_000]]})
    parse("a5-depth-65", "the genuine credential with a value nested 65 arrays deep "
          "(Limits.max_json_depth is 64)", SEC + "A5",
          data=good.replace('"certificateNumber": ', '"x": ' + "[" * 65 + "]" * 65
                            + ', "certificateNumber": ', 1))
    parse("a6-lone-surrogate", "the holder's name holding a lone surrogate `\\ud800`",
          SEC + "A6", data=good.replace('"name": "张三"', '"name": "\\ud800"', 1))
    parse("a6-raw-nul-byte", "a raw NUL byte inside a JSON string", SEC + "A6",
          data=raw.replace("张三".encode(), "张\x00三".encode(), 1))
    parse("a7-top-level-array", "a JSON array instead of an object", SEC + "A7",
          data=b"[" + raw + b"]")
    parse("a7-top-level-string", "a JSON string instead of an object", SEC + "A7",
          data=b'"a credential"')
    parse("a7-proof-is-a-string", "`proof` a string instead of an object",
          SEC + "A7; VC Data Integrity 1.0 §4.3 (PARSING_ERROR)", data=edited(
              g["rdfc"], lambda d: d.update(proof=d["proof"]["proofValue"])))
    parse("a7-proof-is-null", "`proof` null instead of an object",
          SEC + "A7; VC Data Integrity 1.0 §4.3; DI suites' 'proof is not a map'",
          data=edited(g["rdfc"], lambda d: d.update(proof=None)))
    c.case("a7-proof-missing", "A", "the genuine credential with its proof removed",
           exit=1, code="MISSING_PROOF", check="proof",
           source=SEC + "A7; DI assertion suite, missing proof",
           data=edited(g["rdfc"], lambda d: d.pop("proof")))
    c.case("a7-proof-empty-array", "A", "`proof` an empty proof set (VCDM 2.0 §4.12: one or "
           "more proofs)", exit=1, code="MALFORMED_VALUE_ERROR", check="data_model",
           source=SEC + "A7", data=edited(g["rdfc"], lambda d: d.update(proof=[])))

    def model(name: str, what: str, change: Callable[[dict[str, Any]], Any], source: str,
              code: str = "MALFORMED_VALUE_ERROR", check: str = "data_model") -> None:
        c.case(name, "A", what, exit=1, code=code, check=check, source=source,
               data=edited(g["rdfc"], change))

    model("a8-issuer-missing", "no `issuer`", lambda d: d.pop("issuer"),
          SEC + "A8; VCDM 2.0 suite `credential-no-issuer-fail`")
    model("a8-issuer-multi-valued", "`issuer` an array of two issuers",
          lambda d: d.update(issuer=[d["issuer"], WORLD.stranger.did]),
          SEC + "A8; VCDM 2.0 §4.7 issuer")
    model("a8-issuer-not-a-url", "`issuer.id` a name, not a URL (a relative IRI to "
          "JSON-LD)", lambda d: d["issuer"].update(id="urn-less issuer"),
          SEC + "A8; VCDM 2.0 suite `credential-issuer-no-url-fail`",
          code="DATA_LOSS_DETECTION_ERROR", check="context")
    model("a8-credential-subject-empty", "`credentialSubject` an empty object",
          lambda d: d.update(credentialSubject={}),
          SEC + "A8; VCDM 2.0 suite `credential-subject-no-claims-fail`")
    c.case("a8-type-lacks-verifiable-credential", "A",
           "`type` without `VerifiableCredential`: `credentialSubject`, `credentialStatus` "
           "and the other terms its type-scoped context defines are then undefined",
           exit=1, code="DATA_LOSS_DETECTION_ERROR", check="context",
           source=SEC + "A8; VCDM 2.0 suite `credential-missing-required-type-fail`",
           data=edited(g["rdfc"], lambda d: d["type"].remove("VerifiableCredential")))
    model("a9-valid-from-without-timezone", "`validFrom` without a time zone",
          lambda d: d.update(validFrom="2026-06-30T00:00:00"),
          SEC + "A9; VCDM 2.0 §4.9 dateTimeStamp")
    model("a9-valid-until-before-valid-from", "a `validUntil` before `validFrom`",
          lambda d: d.update(validUntil="2026-01-01T00:00:00Z"),
          SEC + "A9; VCDM 2.0 suite `credential-validUntil-validFrom-fail`",
          code="RANGE_ERROR")
    c.case("a9-not-yet-valid", "A", "the genuine credential judged a month before its "
           "`validFrom`", exit=1, code="NOT_YET_VALID", check="validity",
           source=SEC + "A9", input="world/credentials/rdfc.json",
           args=["--at", "2026-05-30T00:00:00+08:00"])

    def jwt_time(name: str, claims: dict[str, Any], code: str, source: str, what: str) -> None:
        payload = {**g["jwt-unsigned"], **claims}
        c.case(name, "A", what, exit=1, code=code, check="validity", source=source,
               data=jwt(payload, WORLD.centre) + "\n", suffix=".jwt")

    jwt_time("a9-jwt-exp-in-milliseconds", {"exp": 1_900_000_000_000},
             "MALFORMED_VALUE_ERROR",
             SEC + "A9; health-cards-validation-SDK testdata `exp_milliseconds`",
             "a vc+jwt whose `exp` is in milliseconds (a date past year 9999)")
    jwt_time("a9-jwt-expired", {"exp": 1_767_225_600}, "EXPIRED",
             SEC + "A9; health-cards-validation-SDK testdata `expired`",
             "a vc+jwt whose `exp` (2026-01-01) is before the moment judged")
    jwt_time("a9-jwt-nbf-not-yet-valid", {"nbf": 1_893_456_000}, "NOT_YET_VALID",
             SEC + "A9; health-cards-validation-SDK testdata `nbf_not_yet_valid`",
             "a vc+jwt whose `nbf` (2030-01-01) is after the moment judged")
    model("a10-level-code-outside-the-ladder", "`levelCode` L9, on no ladder",
          lambda d: subject(d)["achievement"]["skillLevel"].update(levelCode="L9"),
          SEC + "A10")
    model("a10-number-contradicts-level", "the certificate number's level digit says L1",
          lambda d: subject(d).update(certificateNumber="S000011000001261000001"),
          SEC + "A10; docs/credential.md the certificate number")
    parse("issue-10-1750-language-strings", "1,750 `{\"@value\", \"@language\": \"zh\"}` "
          "objects in one name (over Limits.max_json_values, 1,000): refused quickly",
          "issue #10 (6)", recipe={"kind": "language-strings", "base": "world/credentials/"
                                   "rdfc.json", "count": 1750})
    # signed with the control character, past the issuer's own refusal (add_proof alone)
    control = edited(g["rdfc"], lambda d: (d.pop("proof"), subject(d).update(name="张\b三")))
    c.case("a6-escaped-control-character", "A", "a holder name with an escaped backspace "
           "`\\b`, signed past the issuer's own refusal: valid JSON, canonicalised as "
           "RDFC-1.0 says, so it verifies (and is shown escaped)",
           exit=0, code=None, check=None,
           source=SEC + "A6, B9; rdf-canon test060",
           data=sign(control, WORLD.centre, checked=False))


# -- B: JSON-LD and contexts -------------------------------------------------------------------


def _group_b(c: Corpus, g: dict[str, Any]) -> None:
    from vcskill.model.credential import SKILL_CONTEXTS, VC2_CONTEXT

    def ctx(name: str, what: str, change: Callable[[dict[str, Any]], Any], code: str,
            source: str, base: str = "rdfc", check: str = "context", exit: int = 1) -> None:
        c.case(name, "B", what, exit=exit, code=code, check=check, source=source,
               data=edited(g[base], change))

    ctx("b1-unknown-context", "a fourth @context URL that is not bundled (never fetched)",
        lambda d: d["@context"].append("https://evil.example/context.jsonld"),
        "UNKNOWN_CONTEXT", SEC + "B1; DI §4.6 Context Validation")
    ctx("b1-test-only-context", "the W3C examples context, bundled for tests only",
        lambda d: d["@context"].append("https://www.w3.org/ns/credentials/examples/v2"),
        "UNKNOWN_CONTEXT", SEC + "B1")
    ctx("b2-base-context-missing", "the VC 2.0 base context removed",
        lambda d: d["@context"].remove(VC2_CONTEXT), "DATA_LOSS_DETECTION_ERROR",
        SEC + "B2; VCDM 2.0 suite `credential-missing-base-context-fail-or-inject`")
    ctx("b2-contexts-reordered", "the three skill contexts in another order",
        lambda d: d.update({"@context": list(reversed(SKILL_CONTEXTS))}),
        "CONTEXT_VALIDATION_ERROR", SEC + "B2; VCDM 2.0 suite `presentation-context-order-fail`")
    ctx("b2-context-a-string", "@context a single string, not an array",
        lambda d: d.update({"@context": VC2_CONTEXT}), "CONTEXT_VALIDATION_ERROR", SEC + "B2")
    ctx("b3-inline-context-redefines-type", "an inline context object redefining `type`",
        lambda d: d["@context"].append({"type": "https://evil.example/type"}),
        "CONTEXT_VALIDATION_ERROR", SEC + "B3; VCDM 2.0 suite `credential-redef-type-fail`")
    ctx("b4-nested-context-in-subject", "a @context inside credentialSubject",
        lambda d: subject(d).update({"@context": {"name": "https://evil.example/name"}}),
        "CONTEXT_VALIDATION_ERROR", SEC + "B4; DI §4.6 'any subtree'")
    ctx("b5-undefined-property-added", "a property no context defines, added after signing",
        lambda d: subject(d).update(nationallyRecognised=True), "DATA_LOSS_DETECTION_ERROR",
        SEC + "B5; DI assertion suite `undefinedTerm`, `IfDroppedWillVerify`")
    ctx("b5-undefined-type-added", "a type no context defines, added after signing",
        lambda d: d["type"].append("GovernmentApprovedCredential"),
        "DATA_LOSS_DETECTION_ERROR", SEC + "B5")
    ctx("b5-undefined-property-jcs", "an undefined property added to an eddsa-jcs-2022 "
        "credential (caught by the context step whatever the format)",
        lambda d: subject(d).update(nationallyRecognised=True), "DATA_LOSS_DETECTION_ERROR",
        SEC + "B5", base="jcs")
    ctx("b6-relative-iri", "`id` a relative IRI", lambda d: d.update(id="credentials/1"),
        "DATA_LOSS_DETECTION_ERROR", SEC + "B6; DI assertion suite `invalidBaseUrl`")
    ctx("b6-base-keyword", "a top-level `@base` member",
        lambda d: d.update({"@base": "https://evil.example/"}), "JSONLD_NOT_COMPACT",
        SEC + "B6")
    clique = [{"id": f"_:b{i}", "skillLevel": [{"id": f"_:b{j}"} for j in range(10) if j != i]}
              for i in range(10)]
    ctx("b8-poison-graph-clique", "a 10-node blank-node clique in compact form (ends at "
        "the canonicalisation limit)", lambda d: subject(d).update(skillLevel=clique),
        "CANONICALIZATION_LIMIT", SEC + "B8; rdf-canon test074c", check="proof")
    iri_clique = [{"@id": f"_:b{i}", "https://schema.org/knows": [
        {"@id": f"_:b{j}"} for j in range(10) if j != i]} for i in range(10)]
    ctx("b8-poison-graph-as-iris", "the same clique under an IRI property with `@id` keys",
        lambda d: subject(d).update({"https://schema.org/knows": iri_clique}),
        "JSONLD_NOT_COMPACT", SEC + "B8")

    # issue #10: re-spellings that keep the rdfc signature
    full_status = "https://www.w3.org/2018/credentials#credentialStatus"
    respelled = edited(g["revoked"], lambda d: d.update({full_status: d.pop("credentialStatus")}))
    g["respelled"] = respelled
    c.case("issue-10-credential-status-as-full-iri", "B", "the revoked credential with its "
           "`credentialStatus` key written as the full IRI it stands for (same RDF, same "
           "signature)", exit=1, code="JSONLD_NOT_COMPACT", check="context",
           source="issue #10 (1); ADR 0007", data=respelled)

    def one_entry(d: dict[str, Any]) -> None:
        first, second = d["credentialStatus"]
        d["credentialStatus"] = [first]
        d[full_status] = [second]

    ctx("issue-10-one-status-entry-as-full-iri", "the revoked credential with one of its two "
        "status entries moved under the full IRI key", one_entry, "JSONLD_NOT_COMPACT",
        "issue #10 (1)", base="revoked")
    school_scope = g["school-out-of-scope"]
    vocab = "https://w3id.org/vcskill/vocab#SkillLevelCredential"
    c.case("issue-10-type-as-vocab-iri", "B", "`SkillLevelCredential` written as its "
           "vocabulary IRI, on a credential outside its issuer's scope", exit=1,
           code="JSONLD_NOT_COMPACT", check="context", source="issue #10 (2)",
           data=edited(school_scope, lambda d: d.update(
               type=[vocab if t == "SkillLevelCredential" else t for t in d["type"]])))
    suspended = g["school-during-suspension"]

    def typed_valid_from(d: dict[str, Any]) -> None:
        d["https://www.w3.org/2018/credentials#validFrom"] = {
            "@value": d.pop("validFrom"),
            "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}

    c.case("issue-10-valid-from-as-full-iri", "B", "`validFrom` written as its full IRI with a "
           "typed value object, on a credential signed while its issuer was suspended", exit=1,
           code="JSONLD_NOT_COMPACT", check="context", source="issue #10 (2)",
           data=edited(suspended, typed_valid_from))
    ctx("b-keyword-at-id", "`id` written as `@id`", lambda d: d.update({"@id": d.pop("id")}),
        "JSONLD_NOT_COMPACT", "tests/respelling.py `keyword`; ADR 0007")
    ctx("b-keyword-at-type", "the subject's `type` written as `@type`",
        lambda d: subject(d).update({"@type": subject(d).pop("type")}),
        "JSONLD_NOT_COMPACT", "tests/respelling.py `keyword`")
    ctx("b-value-object-for-a-string", "`certificateNumber` written as a value object",
        lambda d: subject(d).update(certificateNumber={"@value": subject(d)[
            "certificateNumber"]}), "JSONLD_NOT_COMPACT", "tests/respelling.py `value-object`")

    def graph(d: dict[str, Any]) -> None:
        body = {k: v for k, v in d.items() if k != "@context"}
        d.clear()
        d.update({"@context": list(SKILL_CONTEXTS), "@graph": [body]})

    ctx("b-nested-in-graph", "the whole credential nested in a top-level `@graph`", graph,
        "JSONLD_NOT_COMPACT", "tests/respelling.py `graph`")
    c.case("issue-10-status-list-as-credential", "B", "the centre's revocation list "
           "credential given to `vcskill verify` as if it were a certificate", exit=2,
           code="UNEXPECTED_CREDENTIAL_TYPE", check="context", source="issue #10 (3)",
           input="world/status/1-revocation.json")
    c.case("issue-10-hello-world", "B", "`{\"hello\": \"world\"}`", exit=2,
           code="NOT_A_CREDENTIAL", check="parse", source="issue #10 (4)",
           data={"hello": "world"})
    c.case("issue-10-registry-file-as-credential", "B", "the trusted issuer registry file "
           "given to verify", exit=2, code="NOT_A_CREDENTIAL", check="parse",
           source="issue #10 (4)", input="world/registry.json")
    presentation = {"@context": [VC2_CONTEXT], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [g["rdfc"]]}
    c.case("b-presentation", "B", "a verifiable presentation wrapping the genuine credential",
           exit=2, code="NOT_A_CREDENTIAL", check="context",
           source="docs/cli.md NOT_A_CREDENTIAL", data=presentation)
    generic = {"@context": [VC2_CONTEXT], "id": "urn:uuid:" + str(uuid.uuid5(NAMESPACE, "vc")),
               "type": ["VerifiableCredential"], "issuer": CENTRE_DID,
               "validFrom": "2026-06-30T00:00:00Z",
               "credentialSubject": {"id": "did:example:holder"}}
    c.case("b-generic-credential", "B", "a plain VC Data Model 2.0 credential signed by the "
           "centre (not a skill credential)", exit=2, code="UNEXPECTED_CREDENTIAL_TYPE",
           check="context", source="docs/cli.md UNEXPECTED_CREDENTIAL_TYPE",
           data=sign(generic, WORLD.centre))
    c.case("issue-10-inline-context-refused-at-signing", "B", "sign_credential given a "
           "credential with an inline @context object refuses it", exit=2,
           code="CONTEXT_VALIDATION_ERROR", source="issue #10 (9)", command="scenario",
           scenario="inline_context_refused_at_signing")
    c.case("b7-modified-context-file", "B", "a bundled context file changed on disk: the "
           "verifier does not start", exit=2, code="CONTEXT_INTEGRITY_ERROR",
           source=SEC + "B7", command="scenario", scenario="modified_context_file")


# -- C: proofs ---------------------------------------------------------------------------------


def _proof_value(doc: dict[str, Any]) -> bytes:
    from vcskill.keys.multibase import decode_base58btc_multibase

    return decode_base58btc_multibase(doc["proof"]["proofValue"])


def _with_proof_value(doc: dict[str, Any], raw: bytes, prefix: str = "z") -> dict[str, Any]:
    from vcskill.keys.multibase import b58encode

    return edited(doc, lambda d: d["proof"].update(proofValue=prefix + b58encode(raw)))


def _sign_with_options(doc: dict[str, Any], signer: Key, extra: dict[str, Any]
                       ) -> dict[str, Any]:
    """An eddsa-rdfc-2022 proof whose options carry ``extra`` (add_proof writes only the
    usual ones): hashed and signed as VC-DI-EdDSA §3.2.1 says."""
    from vcskill.keys.multibase import encode_base58btc_multibase
    from vcskill.proofs.dataintegrity import Cryptosuite, hash_data

    options = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
               "created": "2026-06-30T01:00:00Z", **extra, "verificationMethod": signer.vm,
               "proofPurpose": "assertionMethod"}
    data = hash_data(doc, {**options, "@context": doc["@context"]},
                     Cryptosuite.EDDSA_RDFC_2022, "sha256", contexts=_contexts())
    return {**doc, "proof": {**options,
                             "proofValue": encode_base58btc_multibase(
                                 signer.private.sign(data))}}


def _group_c(c: Corpus, g: dict[str, Any]) -> None:
    from vcskill.model.credential import SkillCredential
    from vcskill.model.skills import LEVELS

    w = WORLD

    def proof(name: str, what: str, doc: Any, source: str,
              code: str = "PROOF_VERIFICATION_ERROR", suffix: str = ".json",
              exit: int = 1, check: str = "proof") -> None:
        c.case(name, "C", what, exit=exit, code=code, check=check, source=source, data=doc,
               suffix=suffix)

    genuine = g["rdfc"]
    model = SkillCredential.from_json(genuine)
    number = model.certificate_number
    forged = dataclasses.replace(model, level=LEVELS["L1"],
                                 certificate_number=number[:15] + "1" + number[16:]).to_json()
    forged["proof"] = genuine["proof"]
    proof("c1-level-raised-after-signing", "L3 raised to L1 after signing, every derived "
          "field made to agree", forged, SEC + "C1; vcskill demo `forged-level`")
    proof("c1-holder-name-changed", "the holder's name changed after signing",
          edited(genuine, lambda d: subject(d).update(name="李四")), SEC + "C1")
    proof("c1-valid-from-backdated", "`validFrom` moved to 2 January after signing",
          edited(genuine, lambda d: d.update(validFrom="2026-01-02T00:00:00+08:00")),
          SEC + "C1")
    proof("c1-proof-created-changed", "`proof.created` changed after signing",
          edited(genuine, lambda d: d["proof"].update(created="2026-06-30T02:00:00Z")),
          SEC + "C1; vc-di-eddsa-test-suite `_invalidCreated`")
    sig = _proof_value(genuine)
    proof("c1-signature-bit-flipped", "one bit of the Ed25519 signature flipped",
          _with_proof_value(genuine, sig[:10] + bytes([sig[10] ^ 1]) + sig[11:]), SEC + "C1")
    proof("c1-verification-method-swapped", "the proof's verificationMethod changed to the "
          "centre's P-256 key", edited(genuine, lambda d: d["proof"].update(
              verificationMethod=w.centre_p256.vm)), SEC + "C1")
    ecdsa_sig = _proof_value(g["ecdsa"])
    r = int.from_bytes(ecdsa_sig[:32], "big")
    proof("c1-ecdsa-r-changed", "the ECDSA signature's r changed by one",
          _with_proof_value(g["ecdsa"], (r + 1).to_bytes(32, "big") + ecdsa_sig[32:]),
          SEC + "C1")
    proof("c1-jcs-holder-name-changed", "the holder's name changed in an eddsa-jcs-2022 "
          "credential", edited(g["jcs"], lambda d: subject(d).update(name="张三")), SEC + "C1")
    proof("c2-proof-value-base64url", "`proofValue` multibase base64url (`u`), not base58btc",
          edited(genuine, lambda d: d["proof"].update(proofValue="u" + _b64url(sig))),
          SEC + "C2")
    proof("c2-proof-value-not-base58", "`proofValue` with characters outside base58btc (0, O, "
          "I, l)", edited(genuine, lambda d: d["proof"].update(
              proofValue=d["proof"]["proofValue"][:-4] + "0OIl")), SEC + "C2")
    proof("c2-proof-value-63-bytes", "`proofValue` decoding to 63 bytes",
          _with_proof_value(genuine, sig[:63]), SEC + "C2; Wycheproof eddsa wrong length")
    proof("c3-unknown-cryptosuite", "`cryptosuite` eddsa-2022 (an early draft's name)",
          edited(genuine, lambda d: d["proof"].update(cryptosuite="eddsa-2022")),
          SEC + "C3; vc-di-eddsa-test-suite `_incorrectCryptosuite`",
          code="UNSUPPORTED_CRYPTOSUITE")
    proof("c3-cryptosuite-swapped", "an eddsa-rdfc-2022 proof relabelled eddsa-jcs-2022",
          edited(genuine, lambda d: d["proof"].update(cryptosuite="eddsa-jcs-2022")),
          SEC + "C3; vc-di-eddsa-test-suite `_canonizeJcs`")
    proof("c3-proof-type-not-data-integrity", "`proof.type` Ed25519Signature2020",
          edited(genuine, lambda d: d["proof"].update(type="Ed25519Signature2020")),
          SEC + "C3; vc-di-eddsa-test-suite `_incorrectProofType`")
    proof("c3-ecdsa-suite-on-ed25519-key", "an Ed25519 proof labelled ecdsa-rdfc-2019",
          edited(genuine, lambda d: d["proof"].update(cryptosuite="ecdsa-rdfc-2019")),
          SEC + "C3")
    proof("c4-proof-purpose-authentication", "`proofPurpose` authentication",
          edited(genuine, lambda d: d["proof"].update(proofPurpose="authentication")),
          SEC + "C4; vc-di-eddsa-test-suite `_invalidProofPurpose`",
          code="MISMATCHED_PROOF_PURPOSE_ERROR")
    unsigned = {k: v for k, v in genuine.items() if k != "proof"}
    proof("c5-signed-by-another-registered-issuer", "a credential naming the centre as "
          "issuer, validly signed by the school's registered key",
          sign(unsigned, w.school, checked=False), SEC + "C5", code="ISSUER_KEY_MISMATCH")
    proof("c6-key-not-registered", "signed by a key under the centre's did:web that the "
          "registry does not list", sign(unsigned, w.centre_unregistered, checked=False),
          SEC + "C6", code="UNKNOWN_KEY")
    proof("c6-verification-method-trailing-slash", "signed with the centre's key named as "
          "`did:web:skills.example.cn/#z6Mk…` (a differently spelled id)",
          sign(unsigned, w.centre, vm=f"{CENTRE_DID}/#{w.centre.multibase}"), SEC + "C6",
          code="INVALID_VERIFICATION_METHOD_URL")
    proof("c6-verification-method-without-fragment", "signed with `verificationMethod` the "
          "bare DID", sign(unsigned, w.centre, vm=CENTRE_DID), SEC + "C6",
          code="INVALID_VERIFICATION_METHOD_URL")
    stranger_proof = sign(unsigned, w.stranger, checked=False)["proof"]
    c.case("c7-issuer-proof-plus-stranger-proof", "C", "the genuine proof plus a valid proof "
           "by an unregistered did:key (proof-set policy: every proof verifies and one is the "
           "issuer's)", exit=0, code=None, check=None, source=SEC + "C7",
           data=edited(genuine, lambda d: d.update(proof=[d["proof"], stranger_proof])))
    broken = dict(genuine["proof"], created="2026-06-30T02:00:00Z")
    proof("c7-stranger-proof-plus-broken-issuer-proof", "a valid stranger's proof and the "
          "issuer's proof broken", edited(genuine, lambda d: d.update(
              proof=[stranger_proof, broken])), SEC + "C7")
    proof("c7-only-a-stranger-proof", "only a valid proof by an unregistered did:key",
          edited(genuine, lambda d: d.update(proof=stranger_proof)), SEC + "C7",
          code="ISSUER_KEY_MISMATCH")
    proof("c7-nine-proofs", "nine copies of the genuine proof (Limits.max_proofs is 8)",
          edited(genuine, lambda d: d.update(proof=[d["proof"]] * 9)), SEC + "C7; "
          "Limits.max_proofs")
    c.case("c8-proof-created-in-the-future", "C", "signed with `proof.created` a year after "
           "the moment judged: accepted, as by the JS reference (its maxTimestampDelta is "
           "unbounded by default); validFrom is the date judged, and the key's holder "
           "chooses both (security.md, 'Times in the proof')", exit=0, code=None,
           check=None, source=SEC + "C8",
           data=sign(unsigned, w.centre, created=datetime(2027, 11, 25, tzinfo=UTC)))
    c.case("c8-proof-expired", "C", "signed with `proof.expires` 2026-07-01, months before "
           "the moment judged", exit=1, code="EXPIRED", check="validity", source=SEC + "C8; "
           "VC Data Integrity 1.0 §2.1 expires",
           data=_sign_with_options(unsigned, w.centre, {"expires": "2026-07-01T00:00:00Z"}))
    proof("c8-created-not-a-date-time", "`proof.created` the word yesterday",
          edited(genuine, lambda d: d["proof"].update(created="yesterday")), SEC + "C8",
          code="MALFORMED_PROOF_ERROR")
    # Wycheproof eddsa "non-canonical S": S + L verifies in lax implementations
    ell = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(sig[32:], "little")
    proof("c9-ed25519-non-canonical-s", "the Ed25519 signature with S replaced by S + L",
          _with_proof_value(genuine, sig[:32] + (s + ell).to_bytes(32, "little")),
          SEC + "C9; Wycheproof eddsa_test.json `non-canonical S`")
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    es = int.from_bytes(ecdsa_sig[32:], "big")
    c.case("issue-10-ecdsa-high-s", "C", "the ecdsa-rdfc-2019 credential with its signature's "
           "s replaced by n - s: still valid, and its content digest is the original's",
           exit=0, code=None, check=None, source="issue #10 (7); ADR 0008",
           data=_with_proof_value(g["ecdsa"], ecdsa_sig[:32] + (n - es).to_bytes(32, "big")))

    # C10: vc+jwt and JOSE header attacks
    payload = g["jwt-unsigned"]
    p = _b64url(compact(payload))

    def header_jwt(name: str, what: str, header: dict[str, Any], source: str, code: str,
                   signer: Key = w.centre, exit: int = 1, check: str = "proof",
                   body: dict[str, Any] | None = None) -> None:
        proof(name, what, jwt(body or payload, signer, header=header) + "\n", source,
              code=code, suffix=".jwt", exit=exit, check=check)

    base_header = {"alg": "EdDSA", "kid": w.centre.vm, "typ": "vc+jwt", "cty": "vc"}
    h_none = _b64url(json.dumps({**base_header, "alg": "none"}).encode())
    proof("c10-jwt-alg-none", "a vc+jwt with `alg: none` and no signature", f"{h_none}.{p}.\n",
          SEC + "C10", suffix=".jwt")
    import hmac

    h_hs = _b64url(json.dumps({**base_header, "alg": "HS256"}).encode())
    mac = hmac.new(w.centre.multibase.encode(), f"{h_hs}.{p}".encode(), "sha256").digest()
    proof("c10-jwt-alg-hs256", "a vc+jwt with `alg: HS256`, MACed with the public key",
          f"{h_hs}.{p}.{_b64url(mac)}\n", SEC + "C10; RFC 8725 §2.1", suffix=".jwt")
    header_jwt("c10-jwt-kid-of-another-issuer", "a vc+jwt naming the centre as issuer, signed "
               "by the school with its own kid", {**base_header, "kid": w.school.vm},
               SEC + "C10; health-cards-validation-SDK testdata `jws-issuer-kid-mismatch`",
               "ISSUER_KEY_MISMATCH", signer=w.school)
    header_jwt("c10-jwt-no-kid", "a vc+jwt without `kid`",
               {k: v for k, v in base_header.items() if k != "kid"},
               SEC + "C10; health-cards-validation-SDK testdata `no_jws_header_kid`",
               "MALFORMED_PROOF_ERROR")
    header_jwt("c10-jwt-no-alg", "a vc+jwt without `alg`",
               {k: v for k, v in base_header.items() if k != "alg"},
               SEC + "C10; health-cards-validation-SDK testdata `no_jws_header_alg`",
               "PROOF_VERIFICATION_ERROR")
    header_jwt("c10-jwt-wrong-kid", "an EdDSA vc+jwt whose `kid` names the centre's P-256 key",
               {**base_header, "kid": w.centre_p256.vm},
               SEC + "C10; health-cards-validation-SDK testdata `wrong_jws_header_kid`",
               "PROOF_VERIFICATION_ERROR")
    header_jwt("c10-jwt-alg-es256-on-ed25519", "`alg: ES256` on a token signed by the "
               "Ed25519 key", {**base_header, "alg": "ES256"},
               SEC + "C10; health-cards-validation-SDK `wrong_alg`", "PROOF_VERIFICATION_ERROR")
    for member, value in (("jku", "https://evil.example/jwks.json"),
                          ("x5u", "https://evil.example/cert.pem"),
                          ("jwk", w.stranger.private.public_key.to_jwk())):
        header_jwt(f"c10-jwt-header-{member}", f"a vc+jwt whose header names a key source "
                   f"(`{member}`)", {**base_header, member: value}, SEC + "C10; RFC 8725 §3.10",
                   "PROOF_VERIFICATION_ERROR")
    header_jwt("c10-jwt-unknown-crit", "a vc+jwt with a critical header parameter nobody "
               "understands", {**base_header, "crit": ["exp-v2"], "exp-v2": 1},
               SEC + "C10; RFC 7515 §4.1.11", "PROOF_VERIFICATION_ERROR")
    header_jwt("c10-jwt-typ-missing", "a vc+jwt without `typ`",
               {k: v for k, v in base_header.items() if k != "typ"}, SEC + "C10; VC-JOSE-COSE "
               "suite `credential-jose-bad-media-type`", "MALFORMED_PROOF_ERROR")
    dup = _b64url(b'{"alg": "EdDSA", "alg": "none", "kid": "' + w.centre.vm.encode()
                  + b'", "typ": "vc+jwt"}')
    dup_sig = _b64url(w.centre.private.sign(f"{dup}.{p}".encode()))
    proof("c10-jwt-duplicate-alg", "a vc+jwt header with two `alg` members",
          f"{dup}.{p}.{dup_sig}\n", SEC + "C10", code="PARSING_ERROR", suffix=".jwt", exit=2,
          check="parse")
    h, pp, sg = g["es256"].split(".")
    raw_sig = base64.urlsafe_b64decode(sg + "==")
    der = encode_dss_signature(int.from_bytes(raw_sig[:32], "big"),
                               int.from_bytes(raw_sig[32:], "big"))
    proof("c10-jwt-der-signature", "an ES256 vc+jwt with its signature in DER, not r ‖ s",
          f"{h}.{pp}.{_b64url(der)}\n",
          SEC + "C10; health-cards-validation-SDK testdata `der-signature`", suffix=".jwt")
    changed = dict(payload, credentialSubject=dict(payload["credentialSubject"], name="李四"))
    hh = g["jwt"].split(".")
    proof("c10-jwt-payload-changed", "the vc+jwt payload changed, the signature kept",
          f"{hh[0]}.{_b64url(compact(changed))}.{hh[2]}\n", SEC + "C1, C10; VC-JOSE-COSE suite "
          "`credential-jose-bad-signature`", suffix=".jwt")
    header_jwt("c10-jwt-embedded-proof", "a vc+jwt payload that also carries a Data Integrity "
               "proof", base_header, SEC + "C10; VC-JOSE-COSE §3.1.1", "MALFORMED_PROOF_ERROR",
               body={**payload, "proof": genuine["proof"]})
    header_jwt("c10-jwt-vc-claim", "a vc+jwt payload of the old JWT-VC form, the credential "
               "under a `vc` claim (no context defines `vc`)", base_header,
               SEC + "C10; VC-JOSE-COSE suite `credential-jose-vc-vp-claims`",
               "DATA_LOSS_DETECTION_ERROR", check="context",
               body={"@context": payload["@context"],
                     "vc": {k: v for k, v in payload.items() if k != "@context"}})
    header_jwt("c10-jwt-iss-not-the-issuer", "a vc+jwt whose `iss` claim names the school",
               base_header, SEC + "C10; VC-JOSE-COSE suite `credential-issuer-match-signed`",
               "ISSUER_KEY_MISMATCH",
               body={**payload, "iss": w.school.did})
    proof("c10-jwt-padded-base64url", "the genuine vc+jwt with `=` padding on its parts",
          ".".join(part + "=" * (-len(part) % 4) for part in g["jwt"].split(".")) + "\n",
          SEC + "C10; RFC 7515 §2", code="PARSING_ERROR", suffix=".jwt", exit=2, check="parse")
    c.case("c-jwt-payload-without-proof", "C", "the vc+jwt's payload on its own: a credential "
           "with no proof", exit=1, code="MISSING_PROOF", check="proof",
           source="tests/test_verifier.py `an_unsigned_copy_of_the_jwt_payload`",
           data=g["jwt-unsigned"])


# -- D: the registry ---------------------------------------------------------------------------


def _resign(doc: dict[str, Any], *, part_keys: dict[str, list[Any]] | None = None,
            root_keys: list[Any] | None = None, snapshot_digests: bool = True) -> bytes:
    """Sign a (changed) registry document again: each part with its keys, the snapshot's part
    hashes recomputed (unless ``snapshot_digests`` is False) and signed by ``root_keys``."""
    from did_registry.build import encode
    from did_registry.signing import Role, digest
    from did_registry.signing import sign as registry_sign

    for part in doc["parts"]:
        jurisdiction = part["signed"]["jurisdiction"]
        if part_keys and jurisdiction in part_keys:
            part["signatures"] = registry_sign(part["signed"], Role.PART,
                                               part_keys[jurisdiction])
    if snapshot_digests:
        doc["snapshot"]["signed"]["parts"] = {
            p["signed"]["jurisdiction"]: digest(p["signed"]) for p in doc["parts"]}
    if root_keys is not None:
        doc["snapshot"]["signatures"] = registry_sign(doc["snapshot"]["signed"],
                                                      Role.SNAPSHOT, root_keys)
    return encode(doc)


def _group_d(c: Corpus, g: dict[str, Any]) -> None:
    from did_registry.build import make_root, sign_root

    w = WORLD
    registry = json.loads(w.registry)
    roots2 = [w.roots[0], w.roots[2]]
    bj = {PROVINCE: [w.beijing]}
    base = "world/credentials/rdfc.json"

    def reg_case(name: str, what: str, document: bytes, code: str, source: str,
                 exit: int = 2, check: str | None = None, input: str = base,
                 args: list[str] | None = None) -> None:
        path = c.file(f"D/{name}.registry.json", document)
        c.case(name, "D", what, exit=exit, code=code, check=check, source=source,
               input=input, registry=path, args=args)

    one = copy.deepcopy(registry)
    one["snapshot"]["signatures"] = one["snapshot"]["signatures"][:1]
    reg_case("d1-one-of-two-root-signatures", "the snapshot signed by one of the two root "
             "keys its threshold needs", _resign(one), "REGISTRY_SIGNATURE_THRESHOLD",
             SEC + "D1; python-tuf `test_metadata_serialization` invalid signatures")
    twice = copy.deepcopy(registry)
    twice["snapshot"]["signatures"] = [twice["snapshot"]["signatures"][0]] * 2
    reg_case("d2-same-signature-twice", "one root signature repeated to meet the threshold",
             _resign(twice), "REGISTRY_MALFORMED", SEC + "D2; TUF §4.2.1 keyid unique")
    unsigned_part = copy.deepcopy(registry)
    unsigned_part["parts"][0]["signatures"] = []
    reg_case("d1-delegate-part-unsigned", "the Beijing part with its signature removed",
             _resign(unsigned_part), "REGISTRY_SIGNATURE_THRESHOLD", SEC + "D1")
    c.case("d3-rollback-to-an-older-version", "D", "a sync cache that trusted registry v2 "
           "given v1 again", exit=2, code="REGISTRY_ROLLBACK", source=SEC + "D3; TUF §5.3.5",
           command="scenario", scenario="registry_rollback")
    c.case("d4-equivocation", "D", "a sync cache that trusted v1 given a different v1",
           exit=2, code="REGISTRY_EQUIVOCATION", source=SEC + "D4", command="scenario",
           scenario="registry_equivocation")
    v2 = copy.deepcopy(registry)
    v2["snapshot"]["signed"]["version"] = 2
    c.file("D/registry-v2.json", _resign(v2, root_keys=roots2))
    other_v1 = copy.deepcopy(registry)
    other_v1["snapshot"]["signed"]["issued"] = "2026-01-06T00:00:00Z"
    c.file("D/registry-v1-other.json", _resign(other_v1, root_keys=roots2))
    expired = copy.deepcopy(registry)
    expired["snapshot"]["signed"]["expires"] = "2026-06-01T00:00:00Z"
    reg_case("d5-expired-registry", "a registry that expired on 2026-06-01 (freeze attack)",
             _resign(expired, root_keys=roots2), "REGISTRY_EXPIRED", SEC + "D5; TUF §5.3.10",
             exit=3, check="issuer")
    # D6: root rotations
    new_keys = [private_key(f"root-v3-{i}") for i in (1, 2)]
    v3 = make_root(REGULATOR, new_keys, 2, version=3)
    skipped = copy.deepcopy(registry)
    skipped["roots"].append(sign_root(v3, [*w.roots, *new_keys]))
    skipped["snapshot"]["signed"]["root_version"] = 3
    reg_case("d6-root-rotation-skips-a-version", "root v3 straight after v1, signed by both "
             "thresholds", _resign(skipped, root_keys=new_keys), "REGISTRY_ROOT_ROTATION",
             SEC + "D6; TUF §5.3.4")
    v2_root = make_root(REGULATOR, new_keys, 2, version=2)
    unsigned_rotation = copy.deepcopy(registry)
    unsigned_rotation["roots"].append(sign_root(v2_root, new_keys))
    unsigned_rotation["snapshot"]["signed"]["root_version"] = 2
    reg_case("d6-new-root-not-signed-by-old", "root v2 signed only by its own keys, not by "
             "v1's threshold", _resign(unsigned_rotation, root_keys=new_keys),
             "REGISTRY_ROOT_ROTATION", SEC + "D6; TUF §5.3.5")
    c.case("d6-untrusted-root-fingerprint", "D", "the genuine registry checked against a "
           "fingerprint no root of it has", exit=2, code="REGISTRY_ROOT_ROTATION",
           source=SEC + "D6; ADR 0005", input=base, trust_root="sha256:" + "00" * 32)
    # an attacker's own registry, root and all: only the pinned root decides
    fake_roots = [private_key(f"attacker-root-{i}") for i in (1, 2)]
    fake = copy.deepcopy(registry)
    fake["roots"] = [sign_root(make_root(REGULATOR, fake_roots, 2), fake_roots)]
    fake["snapshot"]["signed"]["delegations"][0]["keys"] = [fake_roots[0].public_key
                                                            .multibase()]
    reg_case("d6-self-made-registry", "a registry with its own root, as good as the real "
             "one except for whom it descends from",
             _resign(fake, part_keys={PROVINCE: [fake_roots[0]]}, root_keys=fake_roots),
             "REGISTRY_ROOT_ROTATION", SEC + "D6; ADR 0005")
    leaked = {k: v for k, v in g["rdfc"].items() if k != "proof"}
    c.case("d7-compromised-key", "D", "a credential dated before the leak, signed with the "
           "centre's key reported compromised", exit=1, code="ISSUER_KEY_COMPROMISED",
           check="proof", source=SEC + "D7",
           data=sign(leaked, w.centre_leaked, checked=False))
    c.case("d8-retired-key-after-retirement", "D", "a credential of 2026-06-30 signed with "
           "the key retired on 2026-03-01", exit=1, code="UNKNOWN_KEY", check="proof",
           source=SEC + "D8", data=sign(leaked, w.centre_retired, checked=False))
    c.case("d8-before-approval", "D", "a credential dated 2024-12-01, before the centre was "
           "approved and its keys valid", exit=1, code="UNKNOWN_KEY", check="proof",
           source=SEC + "D8, D9",
           data=sign(skill(w.centre, "before-approval", serial=21,
                           valid_from=_day(2024, 12, 1)), w.centre))
    c.case("d9-issued-while-suspended", "D", "the school's credential signed during its "
           "suspension", exit=1, code="ISSUER_NOT_AUTHORIZED", check="authorization",
           source=SEC + "D9; vcskill demo", data=g["school-during-suspension"])
    c.case("d9-level-outside-scope", "D", "the school certifying L1 (its scope is L5-L3)",
           exit=1, code="ISSUER_NOT_AUTHORIZED", check="authorization",
           source=SEC + "D9; vcskill demo", data=g["school-out-of-scope"])
    c.case("d9-issued-after-removal", "D", "the employer's credential dated after its removal",
           exit=1, code="ISSUER_NOT_AUTHORIZED", check="authorization",
           source=SEC + "D9; vcskill demo",
           data=sign(skill(w.company, "company-after-removal", holder="陈十二", level="L4",
                           serial=10, valid_from=_day(2026, 6, 15), index=None), w.company))
    c.case("d9-occupation-outside-scope", "D", "the centre certifying an occupation of the "
           "2015 edition it has no scope for", exit=1, code="ISSUER_NOT_AUTHORIZED",
           check="authorization", source=SEC + "D9",
           data=sign(skill(w.centre, "occupation-out-of-scope", occupation="6-30-99-00",
                           edition="2015", level="L4", serial=22), w.centre))
    c.case("d-issuer-unknown", "D", "a credential of an institution the registry does not list",
           exit=1, code="ISSUER_UNKNOWN", check="issuer", source="vcskill demo",
           data=sign(skill(w.stranger, "stranger", holder="林十三", level="L2", serial=11,
                           index=None), w.stranger))
    c.case("d-issuer-name-mismatch", "D", "signed by the centre, but naming itself another "
           "institution", exit=1, code="ISSUER_NAME_MISMATCH", check="issuer",
           source="domain.md §4.9; docs/cli.md ISSUER_NAME_MISMATCH",
           data=sign(skill(w.centre, "name-mismatch", serial=23, name="国家职业技能鉴定中心"),
                     w.centre))
    c.case("d-issuer-uscc-mismatch", "D", "signed by the centre with another unified social "
           "credit code", exit=1, code="ISSUER_NAME_MISMATCH", check="issuer",
           source="docs/cli.md ISSUER_NAME_MISMATCH",
           data=sign(skill(w.centre, "uscc-mismatch", serial=24, uscc=SCHOOL_USCC), w.centre))
    # D10: keys and DIDs listed twice
    part = registry["parts"][0]["signed"]
    centre_entry = next(e for e in part["issuers"] if e["did"] == CENTRE_DID)
    school_entry = next(e for e in part["issuers"] if e["did"] == w.school.did)
    shared = copy.deepcopy(registry)
    s_part = shared["parts"][0]["signed"]
    next(e for e in s_part["issuers"] if e["did"] == w.school.did)["keys"].append(
        copy.deepcopy(centre_entry["keys"][0]))
    reg_case("d10-two-issuers-one-key", "the centre's key also listed for the school",
             _resign(shared, part_keys=bj, root_keys=roots2), "REGISTRY_MALFORMED",
             SEC + "D10; VCI directory key identifier collisions")
    twice_listed = copy.deepcopy(registry)
    twice_listed["parts"][0]["signed"]["issuers"].append(copy.deepcopy(school_entry))
    reg_case("d10-issuer-listed-twice", "the school's entry listed twice",
             _resign(twice_listed, part_keys=bj, root_keys=roots2), "REGISTRY_MALFORMED",
             SEC + "D10")
    root_key = copy.deepcopy(registry)
    next(e for e in root_key["parts"][0]["signed"]["issuers"] if e["did"] == w.school.did)[
        "keys"].append({"publicKeyMultibase": w.roots[0].public_key.multibase(),
                        "validFrom": "2024-12-31T16:00:00Z", "validUntil": None})
    reg_case("d10-issuer-key-is-a-root-key", "a root key also listed as an issuer key",
             _resign(root_key, part_keys=bj, root_keys=roots2), "REGISTRY_MALFORMED",
             SEC + "D10; docs/cli.md REGISTRY_MALFORMED")
    c.case("d11-registry-over-1-mib", "D", "a 1.2 MB registry file (refused before parsing)",
           exit=2, code="REGISTRY_MALFORMED", source=SEC + "D11", input=base,
           registry={"kind": "repeat", "parts": [['{"type": "vcskill-registry", "pad": "', 1],
                                                 ["x", 1_200_000], ['"}', 1]]})
    extra = copy.deepcopy(registry)
    next(e for e in extra["parts"][0]["signed"]["issuers"] if e["did"] == w.school.did)[
        "authorizedLevels"] = ["L1", "L2"]
    reg_case("d12-unknown-member-never-authorises", "the school's entry with an unknown "
             "member `authorizedLevels: [L1, L2]`: its L1 credential is still out of scope",
             _resign(extra, part_keys=bj, root_keys=roots2), "ISSUER_NOT_AUTHORIZED",
             SEC + "D12; python-tuf ADR 0008", exit=1, check="authorization",
             input=c.file("D/d12-school-l1.json", g["school-out-of-scope"]))
    mixed = copy.deepcopy(registry)
    next(e for e in mixed["parts"][0]["signed"]["issuers"] if e["did"] == w.school.did)[
        "scope"][0]["levels"] = "L5-L1"
    reg_case("d-part-edited-mix-and-match", "the Beijing part widened and signed again by "
             "its delegate, the snapshot's hash of it unchanged",
             _resign(mixed, part_keys=bj, snapshot_digests=False), "REGISTRY_MIX_AND_MATCH",
             "docs/cli.md REGISTRY_MIX_AND_MATCH; TUF §5.5")
    outside = copy.deepcopy(registry)
    moved = next(e for e in outside["parts"][0]["signed"]["issuers"]
                 if e["did"] == w.company.did)
    moved["jurisdiction"] = "37"
    reg_case("d-delegate-signs-outside-its-jurisdiction", "the Beijing part listing an issuer "
             "of Shandong (37)", _resign(outside, part_keys=bj, root_keys=roots2),
             "REGISTRY_DELEGATION_VIOLATION", "docs/cli.md REGISTRY_DELEGATION_VIOLATION")
    reg_case("d-registry-not-json", "a registry file that is not JSON",
             b"registry v1, signed\n", "REGISTRY_MALFORMED", "docs/cli.md REGISTRY_MALFORMED")
    reg_case("d-registry-duplicate-member", "a registry document with two `snapshot` members",
             w.registry.replace(b'"snapshot":', b'"snapshot": null,\n "snapshot":', 1),
             "REGISTRY_MALFORMED", SEC + "A3; docs/cli.md REGISTRY_MALFORMED")
    c.case("d-credential-given-as-registry", "D", "the credential itself given as --registry",
           exit=2, code="REGISTRY_MALFORMED", source="docs/cli.md REGISTRY_MALFORMED",
           input=base, registry=base)
    c.case("d-registry-file-missing", "D", "--registry naming a file that does not exist",
           exit=2, code="PARSING_ERROR", source="docs/cli.md PARSING_ERROR", input=base,
           registry="D/no-such-registry.json")
    c.case("d-no-registry", "D", "the genuine credential verified without a registry: never "
           "'verified' (its did:web key has no trusted source)", exit=3,
           code="KEY_SOURCE_MISSING", check="proof",
           source="docs/cli.md exit codes; ADR 0004", input=base, registry=None,
           trust_root=None)


# -- E: status lists ---------------------------------------------------------------------------


def _group_e(c: Corpus, g: dict[str, Any]) -> None:
    w = WORLD

    def on_list(name: str, what: str, list_doc: dict[str, Any] | None, code: str, source: str,
                *, index: int = 300, exit: int = 3, entry: str = "revocation",
                check: str = "status", serial: int = 100, url: str | None = None) -> None:
        """A credential whose ``entry`` status entry points at its own list
        ``<name>.json`` in world/status (or at ``url``), the other at the world's list."""
        list_url = url or f"{STATUS_URL}/{name}.json"
        if list_doc is not None:
            c.file(f"world/status/{name}.json", list_doc)
        doc = skill(w.centre, name, serial=serial, index=None)
        doc["credentialStatus"] = (entries(index, revocation=list_url) if entry == "revocation"
                                   else entries(index, suspension=list_url))
        c.case(name, "E", what, exit=exit, code=code, check=check, source=source,
               data=sign(doc, w.centre))

    serials = iter(range(100, 200))

    def lst(name: str, purpose: str = "revocation", **kw: Any) -> dict[str, Any]:
        return status_list(kw.pop("signer", w.centre), f"{STATUS_URL}/{name}.json", purpose,
                           **kw)

    c.case("e1-gzip-bomb", "E", "a signed status list whose encodedList expands past 16 MiB "
           "(the list is made at test time: about 17 KiB compressed)", exit=3,
           code="STATUS_VERIFICATION_ERROR", check="status", source=SEC + "E1",
           input=c.file("E/e1-gzip-bomb.json", _on(w, "e1-gzip-bomb", next(serials))),
           status_dir={"kind": "gzip-bomb-status-list", "url": f"{STATUS_URL}/e1-gzip-bomb.json",
                       "bytes": 17 * 1024 * 1024})
    short = lst("e2-list-too-short", edit=lambda d: d["credentialSubject"].update(
        encodedList=gzip_list(bytes(1024))))
    on_list("e2-list-too-short", "a list of 8,192 entries (the minimum is 131,072)", short,
            "STATUS_LIST_LENGTH_ERROR", SEC + "E2; BSL suite `20-algorithms` 16KB minimum",
            serial=next(serials))

    def bad_index(name: str, index: str, what: str, code: str = "MALFORMED_VALUE_ERROR") -> None:
        doc = skill(w.centre, name, serial=next(serials))
        doc["credentialStatus"][0]["statusListIndex"] = index
        c.case(name, "E", what, exit=1, code=code, check="status", source=SEC + "E3",
               data=sign(doc, w.centre, checked=False))

    bad_index("e3-index-negative", "-1", "`statusListIndex` \"-1\"")
    bad_index("e3-index-hexadecimal", "0x10", "`statusListIndex` \"0x10\"")
    bad_index("e3-index-exponent", "1e3", "`statusListIndex` \"1e3\"")
    bad_index("e3-index-leading-space", " 5", "`statusListIndex` \" 5\"")
    bad_index("e3-index-arabic-indic-digit", "٣", "`statusListIndex` \"٣\" (a non-ASCII digit)")
    bad_index("e3-index-past-the-end", "131072", "`statusListIndex` 131072, one past the "
              "end of the list", code="RANGE_ERROR")
    on_list("e4-revocation-entry-on-suspension-list", "the revocation entry pointing at the "
            "suspension list", None, "STATUS_VERIFICATION_ERROR", SEC + "E4",
            url=SUSPENSION_URL, serial=next(serials))
    on_list("e5-list-unsigned", "the list is not signed",
            lst("e5-list-unsigned", signed=False), "STATUS_VERIFICATION_ERROR",
            SEC + "E5", serial=next(serials))
    on_list("e5-list-by-another-issuer", "the list is the school's, not the centre's",
            lst("e5-list-by-another-issuer", signer=w.school), "STATUS_VERIFICATION_ERROR",
            SEC + "E5", serial=next(serials))

    forged = lst("e5-list-signed-by-a-stranger", signed=False)
    on_list("e5-list-signed-by-a-stranger", "the list names the centre as issuer but is "
            "signed by an unregistered did:key", sign(forged, w.stranger, created=LISTS_FROM,
                                                     checked=False),
            "STATUS_VERIFICATION_ERROR", SEC + "E5", serial=next(serials))
    altered = lst("e5-list-altered-after-signing", revoked=(300,))
    altered["credentialSubject"]["encodedList"] = lst(
        "e5-list-altered-after-signing", signed=False)["credentialSubject"]["encodedList"]
    on_list("e5-list-altered-after-signing", "the list's bit for this credential cleared "
            "after signing", altered, "STATUS_VERIFICATION_ERROR", SEC + "E5",
            serial=next(serials))
    on_list("e5-list-stale", "a list valid until 2026-11-01, before the moment judged",
            lst("e5-list-stale", valid_from=datetime(2026, 10, 1, tzinfo=UTC),
                valid_until=datetime(2026, 11, 1, tzinfo=UTC)),
            "STATUS_RETRIEVAL_ERROR", SEC + "E5", serial=next(serials))
    on_list("e5-list-not-yet-valid", "a list valid only from 2026-12-20",
            lst("e5-list-not-yet-valid", valid_from=datetime(2026, 12, 20, tzinfo=UTC)),
            "STATUS_RETRIEVAL_ERROR", SEC + "E5", serial=next(serials))
    no_until = lst("e5-list-without-valid-until", signed=False)
    no_until.pop("validUntil")
    on_list("e5-list-without-valid-until", "a signed list without `validUntil` (how current "
            "it is cannot be judged)", sign(no_until, w.centre, created=LISTS_FROM),
            "STATUS_RETRIEVAL_ERROR", SEC + "E5", serial=next(serials))
    on_list("e5-list-signed-with-retired-key", "a list of 2026-11-20 signed with the key "
            "retired on 2026-03-01", lst("e5-list-signed-with-retired-key",
                                         signer=w.centre_retired),
            "STATUS_VERIFICATION_ERROR", SEC + "E5", serial=next(serials))
    c.case("e6-no-status-lists", "E", "a credential with status entries verified without "
           "--status-dir: never 'not revoked'", exit=3, code="STATUS_RETRIEVAL_ERROR",
           check="status", source=SEC + "E6", input="world/credentials/rdfc.json",
           status_dir=None)
    on_list("e6-list-not-in-the-folder", "the entry names a list the folder does not have",
            None, "STATUS_RETRIEVAL_ERROR", SEC + "E6", serial=next(serials))
    on_list("e7-index-0-is-the-first-bit", "only index 0 set: the most significant bit of "
            "the first byte", lst("e7-index-0-is-the-first-bit", revoked=(0,)),
            "CREDENTIAL_REVOKED", SEC + "E7; BSL §3.2 left-most bit", index=0, exit=1,
            serial=next(serials))
    on_list("e7-index-8-is-the-second-byte", "only index 8 set: the first bit of the second "
            "byte", lst("e7-index-8-is-the-second-byte", revoked=(8,)), "CREDENTIAL_REVOKED",
            SEC + "E7", index=8, exit=1, serial=next(serials))
    bit7 = lst("e7-neighbour-bit-clear", revoked=(8,))
    c.file("world/status/e7-neighbour-bit-clear.json", bit7)
    doc = skill(w.centre, "e7-neighbour-bit-clear", serial=next(serials), index=None)
    doc["credentialStatus"] = entries(7, revocation=f"{STATUS_URL}/e7-neighbour-bit-clear.json")
    c.case("e7-neighbour-bit-clear", "E", "index 7 on a list where only index 8 is set: not "
           "revoked", exit=0, code=None, check=None, source=SEC + "E7",
           data=sign(doc, w.centre))

    def encoded(name: str, value: str, what: str, source: str = SEC + "E8") -> None:
        on_list(name, what, lst(name, edit=lambda d: d["credentialSubject"].update(
            encodedList=value)), "STATUS_VERIFICATION_ERROR", source, serial=next(serials))

    zeros = bytes(16 * 1024)
    encoded("e8-multibase-not-base64url", "z" + _b64url(gzip.compress(zeros, mtime=0)),
            "an encodedList with multibase prefix `z`")
    encoded("e8-padded-base64", gzip_list(zeros) + "==", "an encodedList with `=` padding")
    encoded("e8-not-gzip", "u" + _b64url(zlib.compress(zeros)),
            "an encodedList that is zlib, not GZIP")

    def entry_edit(name: str, what: str, change: Callable[[dict[str, Any]], Any], code: str,
                   source: str, exit: int = 3) -> None:
        doc = skill(w.centre, name, serial=next(serials))
        change(doc["credentialStatus"][0])
        c.case(name, "E", what, exit=exit, code=code, check="status", source=source,
               data=sign(doc, w.centre, checked=False))

    entry_edit("e9-status-size-2", "an entry with `statusSize` 2 and three status messages",
               lambda e: e.update(statusPurpose="message", statusSize=2, statusMessage=[
                   {"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "x"},
                   {"status": "0x2", "message": "y"}]),
               "MALFORMED_VALUE_ERROR", SEC + "E9; BSL §2.1 statusSize", exit=1)
    entry_edit("e9-status-size-2-well-formed", "an entry with `statusSize` 2 and the four "
               "status messages it needs (a multi-bit status vcskill does not support)",
               lambda e: e.update(statusPurpose="message", statusSize=2, statusMessage=[
                   {"status": f"0x{n}", "message": f"m{n}"} for n in range(4)]),
               "STATUS_VERIFICATION_ERROR", SEC + "E9; docs/cli.md STATUS_VERIFICATION_ERROR")
    entry_edit("e9-purpose-refresh", "an entry asking for purpose `refresh`",
               lambda e: e.update(statusPurpose="refresh"), "STATUS_VERIFICATION_ERROR",
               "docs/cli.md STATUS_VERIFICATION_ERROR")
    entry_edit("e-entry-without-list-url", "an entry without `statusListCredential`",
               lambda e: e.pop("statusListCredential"), "MALFORMED_VALUE_ERROR",
               "docs/cli.md MALFORMED_VALUE_ERROR; BSL §2.1 statusListCredential", exit=1)
    many = skill(w.centre, "e-seventeen-entries", serial=next(serials), index=None)
    many["credentialStatus"] = [e for i in range(9) for e in entries(2000 + i)][:17]
    c.case("e-seventeen-entries", "E", "17 status entries (Limits.max_status_entries is 16)",
           exit=1, code="MALFORMED_VALUE_ERROR", check="status", source="vcskill limits.py",
           data=sign(many, w.centre, checked=False))
    c.case("e-revoked", "E", "the revoked credential", exit=1, code="CREDENTIAL_REVOKED",
           check="status", source="vcskill demo", input="world/credentials/revoked.json")
    c.case("e-suspended", "E", "the suspended credential", exit=1, code="CREDENTIAL_SUSPENDED",
           check="status", source="vcskill demo", input="world/credentials/suspended.json")
    c.case("e-revoked-on-a-stale-list", "E", "the revoked credential judged after its lists "
           "expired: revocation is permanent", exit=1, code="CREDENTIAL_REVOKED",
           check="status", source="docs/cli.md CREDENTIAL_REVOKED",
           input="world/credentials/revoked.json", args=["--at", "2028-06-01T00:00:00Z"])
    unsigned_copy = copy.deepcopy(g["lists"]["1-revocation"])
    unsigned_copy.pop("proof")
    unsigned_copy["validFrom"] = "2026-11-24T00:00:00Z"
    unsigned_copy["credentialSubject"]["encodedList"] = lst(
        "x", signed=False)["credentialSubject"]["encodedList"]
    c.file("E/status-unsigned-copy/1-revocation.json", g["lists"]["1-revocation"])
    c.file("E/status-unsigned-copy/1-suspension.json", g["lists"]["1-suspension"])
    c.file("E/status-unsigned-copy/1-revocation-newer.json", unsigned_copy)
    c.case("issue-10-unsigned-newer-revocation-list", "E", "an unsigned copy of the "
           "revocation list, same id, later validFrom, no bit set, beside the genuine one: "
           "the revoked credential stays revoked", exit=1, code="CREDENTIAL_REVOKED",
           check="status", source="issue #10 (5)", input="world/credentials/revoked.json",
           status_dir="E/status-unsigned-copy")
    c.case("e-status-dir-is-a-file", "E", "--status-dir naming a file", exit=2,
           code="USAGE_ERROR", source="docs/cli.md USAGE_ERROR", command="cli",
           args=["verify", "{bad}/world/credentials/rdfc.json", "--status-dir",
                 "{bad}/world/status/1-revocation.json"])
    c.case("e-status-dir-missing", "E", "--status-dir naming a folder that does not exist",
           exit=2, code="USAGE_ERROR", source="docs/cli.md USAGE_ERROR", command="cli",
           args=["verify", "{bad}/world/credentials/rdfc.json", "--status-dir",
                 "{tmp}/no-such-folder"])
    c.case("e-status-dir-over-1000-files", "E", "a --status-dir of 1,001 JSON files", exit=3,
           code="STATUS_RETRIEVAL_ERROR", source="docs/cli.md STATUS_RETRIEVAL_ERROR",
           command="scenario", scenario="status_dir_over_1000_files")
    c.case("e-status-list-symlink-to-dev-zero", "E", "the revocation list file replaced by a "
           "symlink to /dev/zero (skipped, never read)", exit=3,
           code="STATUS_RETRIEVAL_ERROR", source=SEC + "G4; statuslist.py DirectoryStatusSource",
           command="scenario", scenario="status_list_symlink_to_dev_zero")


def _on(w: World, name: str, serial: int) -> dict[str, Any]:
    doc = skill(w.centre, name, serial=serial, index=None)
    doc["credentialStatus"] = entries(300, revocation=f"{STATUS_URL}/{name}.json")
    return sign(doc, w.centre)


def gzip_bomb_list(url: str, size: int) -> bytes:
    """The signed list of case e1-gzip-bomb: ``size`` zero bytes, GZIP-compressed (made at
    test time by the runner, to keep the corpus small)."""
    doc = status_list(WORLD.centre, url, "revocation", signed=False)
    doc["credentialSubject"]["encodedList"] = gzip_list(bytes(size))
    return dumps(sign(doc, WORLD.centre, created=LISTS_FROM, checked=False))


# -- F: QR payloads and images ------------------------------------------------------------------


def _b45(data: bytes) -> str:
    from vcskill.qr.payload import _b45encode

    return _b45encode(data)


def _deflate(body: bytes) -> bytes:
    from vcskill.qr.payload import DICTIONARY_V1

    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY,
                              zdict=DICTIONARY_V1)
    return packer.compress(body) + packer.flush()


def _png(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A minimal greyscale PNG; with ``pixels`` None, only its header (IHDR) and an empty
    IEND: enough to claim any size."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                             0, 0, 0))
    if pixels is None:
        return head + chunk(b"IEND", b"")
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    return head + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _group_f(c: Corpus, g: dict[str, Any]) -> None:
    from vcskill.qr.payload import encode_payload

    payload = encode_payload(g["respelled"])
    c.case("issue-10-qr-payload-of-respelled-credential", "F", "the QR payload (`vcskill qr "
           "encode`) of the revoked credential whose credentialStatus is re-spelled",
           exit=1, code="JSONLD_NOT_COMPACT", check="context", source="issue #10 (1)",
           data=payload + "\n", suffix=".txt")
    c.case("f-qr-image-of-respelled-credential", "F", "the same payload as a QR code image "
           "(drawn at test time)", exit=1, code="JSONLD_NOT_COMPACT", check="context",
           source="issue #10 (1)", recipe={"kind": "qr-image", "payload": "F/issue-10-qr-"
                                           "payload-of-respelled-credential.txt"})
    c.case("f-qr-payload-of-forged-level", "F", "the QR payload of the credential whose level "
           "was raised after signing", exit=1, code="PROOF_VERIFICATION_ERROR", check="proof",
           source=SEC + "C1; ADR 0006", data=encode_payload(
               json.loads(c.files["C/c1-level-raised-after-signing.json"])) + "\n",
           suffix=".txt")

    def qr(name: str, what: str, content: str, source: str, command: str = "verify",
           code: str = "QR_DECODE_ERROR", xfail: str | None = None) -> None:
        c.case(name, "F", what, exit=2, code=code, check=None, source=source,
               data=content + "\n", suffix=".txt", command=command, xfail=xfail)

    good = encode_payload(g["rdfc"])
    qr("f1-payload-over-the-cap", "a `VCS1:` payload of 5,000 characters (the cap is 4,296)",
       "VCS1:" + "0" * 4995, SEC + "F1")
    qr("f1-payload-version-2", "a `VCS2:` payload (a version this vcskill does not read)",
       "VCS2:" + good[5:], SEC + "F1")
    qr("f1-other-prefix", "an EU DCC `HC1:` payload, through `vcskill qr decode`",
       "HC1:" + good[5:], SEC + "F1", command="qr-decode")
    qr("f2-inflates-past-64-kib", "a payload whose DEFLATE stream inflates to 100,000 bytes",
       "VCS1:" + _b45(_deflate(b"\x01{" + b" " * 100_000)), SEC + "F2")
    qr("f2-nested-compression", "a payload whose body is another compressed stream",
       "VCS1:" + _b45(_deflate(b"\x01" + zlib.compress(compact(g["rdfc"])))), SEC + "F2")
    packed = _deflate(b"\x01" + compact(g["rdfc"]))
    qr("f2-truncated-stream", "a payload cut short in the middle of its DEFLATE stream",
       "VCS1:" + _b45(packed[: len(packed) // 2]), SEC + "F2")
    qr("f2-unknown-kind", "a payload whose body starts with kind byte 0x07",
       "VCS1:" + _b45(_deflate(b"\x07" + compact(g["rdfc"]))), SEC + "F2")
    qr("f3-invalid-base45-character", "a payload with a lower-case letter (not base45)",
       good[:40] + "a" + good[41:], SEC + "F3")
    qr("f3-length-3n-plus-1", "a payload with one base45 character too many", good + "0",
       SEC + "F3")
    qr("f3-group-above-65535", "a payload whose first base45 group stands for 91,124",
       "VCS1:" + ":::" + good[8:], SEC + "F3")
    qr("f3-data-after-the-stream", "a payload with bytes after the end of its DEFLATE stream",
       "VCS1:" + _b45(packed + b"\x00\x00"), SEC + "F3")
    qr("f4-multi-part-payload", "a multi-part payload `VCS1:1/2:…`", "VCS1:1/2:" + good[5:],
       SEC + "F4")
    qr("f6-link-through-qr-decode", "a QR payload that is a link (never followed)",
       "https://evil.example/credential.json", SEC + "F6", command="qr-decode")
    c.case("f6-link-through-verify", "F", "the same link in a text file given to verify",
           exit=2, code="PARSING_ERROR", check="parse", source=SEC + "F6",
           data="https://evil.example/credential.json\n", suffix=".txt")

    def image(name: str, what: str, data: bytes | None, source: str,
              command: str = "verify", recipe: dict[str, Any] | None = None,
              code: str = "IMAGE_ERROR") -> None:
        c.case(name, "F", what, exit=2, code=code, check=None, source=source, data=data,
               suffix=".png", command=command, recipe=recipe)

    image("f5-image-20000x20000", "a PNG header claiming 20,000 × 20,000 pixels",
          _png(20_000, 20_000), SEC + "F5; Pillow MAX_IMAGE_PIXELS")
    image("f5-png-without-a-qr-code", "a blank 64 × 64 PNG", _png(64, 64, b"\xff" * 64 * 64),
          SEC + "F5")
    blank = _png(64, 64, bytes(range(256)) * 16)
    image("f5-png-truncated", "a PNG cut off in its image data", blank[: len(blank) - 30],
          SEC + "F5")
    c.case("f5-gif-through-qr-decode", "F", "a GIF image given to `vcskill qr decode`",
           exit=2, code="IMAGE_ERROR", source=SEC + "F5", command="qr-decode",
           data=b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01"
                b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
           suffix=".gif")
    c.case("f5-image-over-32-mib", "F", "a 33 MiB file starting like a PNG", exit=2,
           code="IMAGE_ERROR", check=None, source=SEC + "F5; docs/cli.md IMAGE_ERROR",
           recipe={"kind": "repeat", "encoding": "latin-1",
                   "parts": [["\u0089PNG\r\n\u001a\n", 1], ["\u0000", 33 * 1024 * 1024]]})
    image("f6-qr-image-holding-a-link", "a QR code image holding a web link", None,
          SEC + "F6", recipe={"kind": "qr-image", "text": "https://evil.example/c.json"},
          code="QR_DECODE_ERROR")
    # F7: text that could drive a terminal or a page, in a genuine credential
    name = "张三\u202e<script>alert(1)</script>"
    c.case("f7-bidi-override-and-script-in-name", "F", "a genuine credential whose holder "
           "name has a right-to-left override and a script tag: verifies, shown neutralised",
           exit=0, code=None, check=None, source=SEC + "F7; VCDM 2.0 §Code Injection",
           data=sign(skill(WORLD.centre, "bidi-name", holder=name, serial=31), WORLD.centre))


# -- G: CLI and key files ----------------------------------------------------------------------


def _pem(key: Any) -> bytes:
    return bytes(key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))


def _group_g(c: Corpus, g: dict[str, Any]) -> None:
    def key_case(name: str, what: str, data: bytes | None, code: str, source: str,
                 recipe: dict[str, Any] | None = None, sidecar: bytes | None = None) -> None:
        # named test-only: the keys come from public labels and must never be used
        path = c.file(f"G/{name}.test-only.key", data) if data is not None else None
        if sidecar is not None:
            c.file(f"{path}.json", sidecar)
        c.case(name, "G", what, exit=2, code=code, source=source, input=path, recipe=recipe,
               command="key-show")

    ed448_key = ed448.Ed448PrivateKey.from_private_bytes(_seed("ed448")[:28] * 2 + b"\x01")
    key_case("g3-ed448-key", "a TEST-ONLY Ed448 private key (PKCS#8)", _pem(ed448_key),
             "KEY_TYPE_ERROR", SEC + "G3")
    x_key = x25519.X25519PrivateKey.from_private_bytes(_seed("x25519"))
    key_case("g3-x25519-key", "a TEST-ONLY X25519 private key (PKCS#8)", _pem(x_key),
             "KEY_TYPE_ERROR", SEC + "G3")
    k1 = ec.derive_private_key(int.from_bytes(_seed("secp256k1"), "big") % (2**255),
                               ec.SECP256K1())
    key_case("g3-secp256k1-key", "a TEST-ONLY secp256k1 private key (PKCS#8)", _pem(k1),
             "KEY_TYPE_ERROR", SEC + "G3")
    key_case("g3-rsa-label", "a PEM file labelled RSA PRIVATE KEY",
             b"-----BEGIN RSA PRIVATE KEY-----\nTUlJQ1hBSUJBQUtCZ1FD\n"
             b"-----END RSA PRIVATE KEY-----\n", "KEY_TYPE_ERROR", SEC + "G3")
    ed = private_key("g-test-only-ed25519")
    public_pem = ed.crypto_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    key_case("g3-public-key-instead-of-private", "an Ed25519 public key where a private key "
             "is expected", public_pem, "KEY_FILE_ERROR", SEC + "G3")
    traditional = ec.derive_private_key(int.from_bytes(_seed("traditional"), "big") % 2**255,
                                        ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption())
    key_case("g3-traditional-ec-pem", "a TEST-ONLY P-256 key in the old `EC PRIVATE KEY` "
             "form, not PKCS#8", traditional, "KEY_FILE_ERROR", "docs/cli.md key show")
    key_case("g4-key-file-over-64-kib", "a 70,000-byte key file", None, "KEY_FILE_ERROR",
             SEC + "G4", recipe={"kind": "repeat", "parts": [
                 ["-----BEGIN PRIVATE KEY-----\n", 1], ["A", 70_000],
                 ["\n-----END PRIVATE KEY-----\n", 1]]})
    good_pem = _pem(ed.crypto_key)
    key_case("g-two-pem-blocks", "two TEST-ONLY private keys in one file", good_pem * 2,
             "KEY_FILE_ERROR", "docs/cli.md key show")
    lines = good_pem.split(b"\n")
    lines[1] = lines[1][:10] + b"!!!!" + lines[1][14:]
    key_case("g-damaged-pem", "a TEST-ONLY PKCS#8 key with damaged base64", b"\n".join(lines),
             "KEY_FILE_ERROR", "docs/cli.md key show")
    key_case("g-not-pem", "a text file that is not PEM", b"my key is in the safe\n",
             "KEY_FILE_ERROR", "docs/cli.md key show")
    other = private_key("g-test-only-other")
    sidecar = {"type": "vcskill-key-metadata", "version": 1, "algorithm": "ed25519",
               "publicKeyMultibase": other.public_key.multibase(),
               "did": other.public_key.did_key(),
               "verificationMethod": other.public_key.verification_method_id()}
    key_case("g-metadata-of-another-key", "a TEST-ONLY Ed25519 key whose `.json` metadata "
             "belongs to another key", good_pem, "KEY_FILE_ERROR",
             "docs/cli.md KEY_FILE_ERROR", sidecar=dumps(sidecar))
    key_case("g-metadata-not-json", "a TEST-ONLY Ed25519 key whose `.json` metadata is not "
             "JSON", good_pem, "KEY_FILE_ERROR", "docs/cli.md KEY_FILE_ERROR",
             sidecar=b"publicKeyMultibase = z6Mk\n")

    def scenario(name: str, what: str, code: str | None, source: str, exit: int = 2) -> None:
        c.case(name, "G", what, exit=exit, code=code, source=source, command="scenario",
               scenario=name.replace("-", "_"))

    scenario("g1-key-file-readable-by-others", "a key file of mode 0644", "KEY_FILE_ERROR",
             SEC + "G1")
    scenario("g2-encrypted-key-without-passphrase", "an encrypted key and no "
             "VCSKILL_PASSPHRASE", "WRONG_PASSPHRASE", SEC + "G2")
    scenario("g2-wrong-passphrase", "an encrypted key and a wrong passphrase (never echoed)",
             "WRONG_PASSPHRASE", SEC + "G2")
    scenario("g3-rsa-key", "an RSA private key in PKCS#8", "KEY_TYPE_ERROR", SEC + "G3")
    scenario("g4-key-file-is-a-fifo", "the key path is a FIFO (opening must not hang)",
             "KEY_FILE_ERROR", SEC + "G4")
    scenario("g4-key-file-links-to-dev-zero", "the key path is a symlink to /dev/zero",
             "KEY_FILE_ERROR", SEC + "G4")
    scenario("g4-dangling-symlink", "the key path is a symlink to nothing", "KEY_FILE_ERROR",
             SEC + "G4")
    scenario("issue-10-closed-stdout-eddsa-jwt", "the Ed25519 vc+jwt verified by a "
             "`vcskill verify` whose stdout is closed at once keeps exit 0", None,
             "issue #10 (8)", exit=0)
    scenario("issue-10-closed-stdout-es256-jwt-revoked", "a revoked ES256 vc+jwt verified with "
             "stdout closed at once keeps exit 1", "CREDENTIAL_REVOKED", "issue #10 (8)",
             exit=1)
    revoked_jwt = skill(WORLD.centre_p256, "revoked-es256", holder="吴九", level="L4",
                        serial=32, index=REVOKED_INDEX)
    c.file("G/revoked-es256.jwt", jwt(revoked_jwt, WORLD.centre_p256) + "\n")

    def cli(name: str, what: str, args: list[str], code: str, source: str,
            exit: int = 2) -> None:
        c.case(name, "G", what, exit=exit, code=code, source=source, command="cli", args=args)

    issue = ["issue", "--key", "{key}", "--name", "张三", "--occupation", "6-31-01-03",
             "--level", "L3", "--certificate-number", "S000011000001263000001",
             "--valid-from", "2026-06-30"]
    cli("g5-issue-output-exists", "`vcskill issue --out` an existing file, no --force",
        [*issue, "--out", "{existing}"], "USAGE_ERROR", SEC + "G5")
    cli("g5-key-generate-output-exists", "`vcskill key generate --out` an existing file",
        ["key", "generate", "--out", "{existing}"], "USAGE_ERROR", SEC + "G5")
    cli("g-issue-control-character", "`vcskill issue` with a backspace in the name",
        [*issue[:4], "张\b三", *issue[5:], "--out", "{tmp}/x.json"], "MALFORMED_VALUE_ERROR",
        SEC + "A6; docs/cli.md issue")
    cli("g-issue-bad-uscc", "`vcskill issue --uscc` with a wrong check character",
        [*issue, "--uscc", "12110000400000003B", "--out", "{tmp}/x.json"],
        "MALFORMED_VALUE_ERROR", "docs/cli.md issue --uscc")
    cli("g-issue-number-contradicts-level", "`vcskill issue` of L3 with a number saying L1",
        [*issue[:10], "S000011000001261000001", *issue[11:], "--out", "{tmp}/x.json"],
        "MALFORMED_VALUE_ERROR", "docs/cli.md issue")
    cli("g-issue-valid-from-without-timezone", "`--valid-from 2026-06-30T09:00:00`",
        [*issue[:12], "2026-06-30T09:00:00", "--out", "{tmp}/x.json"], "USAGE_ERROR",
        "docs/cli.md dates")
    cli("g-issue-unknown-occupation", "an occupation outside the built-in list, no name",
        [*issue[:5], "--occupation", "2-02-38-04", *issue[7:], "--out", "{tmp}/x.json"],
        "USAGE_ERROR", "docs/cli.md issue --occupation-name")
    cli("g-issue-another-issuer-did", "`--issuer-did` another institution's DID",
        [*issue, "--issuer-did", WORLD.school.did, "--out", "{tmp}/x.json"],
        "ISSUER_KEY_MISMATCH", "docs/cli.md issue --issuer-did")
    cli("g-issue-suite-not-for-the-key", "`--cryptosuite ecdsa-rdfc-2019` with an Ed25519 key",
        [*issue, "--cryptosuite", "ecdsa-rdfc-2019", "--out", "{tmp}/x.json"],
        "PROOF_GENERATION_ERROR", "docs/cli.md issue --cryptosuite")
    verify = ["verify", "{bad}/world/credentials/rdfc.json"]
    cli("g-verify-no-input", "`vcskill verify` with no input", ["verify"], "USAGE_ERROR",
        "docs/cli.md verify")
    cli("g-verify-registry-without-trust-root", "`--registry` without `--trust-root`",
        [*verify, "--registry", "{bad}/world/registry.json"], "USAGE_ERROR", "ADR 0005")
    cli("g-verify-registry-and-cache", "`--registry` with `--cache`",
        [*verify, "--registry", "{bad}/world/registry.json", "--trust-root",
         "{bad}/world/root.json", "--cache", "{tmp}"], "USAGE_ERROR", "docs/cli.md USAGE_ERROR")
    cli("g-verify-at-without-timezone", "`--at 2026-11-25T12:00:00`",
        [*verify, "--at", "2026-11-25T12:00:00"], "USAGE_ERROR", "docs/cli.md dates")
    cli("g-verify-trust-root-neither-file-nor-fingerprint", "`--trust-root sha256:abc`",
        [*verify, "--registry", "{bad}/world/registry.json", "--trust-root", "sha256:abc"],
        "USAGE_ERROR", "docs/cli.md verify --trust-root")
    cli("g-verify-trust-root-without-registry", "`--trust-root` alone",
        [*verify, "--trust-root", "{bad}/world/root.json"], "USAGE_ERROR",
        "docs/cli.md verify")
    cli("g-verify-unknown-min-level", "`--min-level L9`", [*verify, "--min-level", "L9"],
        "MALFORMED_VALUE_ERROR", "docs/cli.md MALFORMED_VALUE_ERROR")
    cli("g-verify-missing-file", "`vcskill verify` of a file that does not exist",
        ["verify", "{tmp}/no-such-file.json"], "PARSING_ERROR", "docs/cli.md PARSING_ERROR")
    cli("g-qr-encode-gif-output", "`vcskill qr encode --out x.gif`",
        ["qr", "encode", "{bad}/world/credentials/rdfc.json", "--out", "{tmp}/x.gif"],
        "USAGE_ERROR", "docs/cli.md qr encode")
    cli("issue-10-demo-non-empty-workdir", "`vcskill demo --workdir` a folder that is not "
        "empty", ["demo", "--workdir", "{nonempty}"], "USAGE_ERROR", "issue #10 (10)")


# -- H: the issuer's ledger --------------------------------------------------------------------


def _group_h(c: Corpus) -> None:
    def scenario(name: str, what: str, code: str | None, source: str, exit: int = 2,
                 xfail: str | None = None, slow: bool = False) -> None:
        c.case(name, "H", what, exit=exit, code=code, source=source, command="scenario",
               scenario=name.replace("-", "_"), xfail=xfail, slow=slow)

    scenario("h1-batch-killed-then-run-again", "`issue-batch` killed with SIGKILL part-way, "
             "then run again: every row issued exactly once, no index used twice", None,
             SEC + "H1; tests/test_batch.py", exit=0, slow=True)
    scenario("h2-eight-processes-one-ledger", "eight processes issuing into one ledger at "
             "once: distinct indexes", None, SEC + "H2; tests/test_ledger.py", exit=0,
             slow=True)
    scenario("h4-full-list-starts-the-next", "a ledger whose lists hold 8 entries issuing "
             "12: the next list starts, no wrap-around", None, SEC + "H4", exit=0)
    scenario("h5-crash-while-publishing", "`status publish` failing while writing: the "
             "previous list files stay whole", None, SEC + "H5")
    scenario("h6-old-backup-would-clear-a-revocation", "publishing from a ledger restored "
             "from a backup older than a published revocation", "LEDGER_CONFLICT", SEC + "H6; "
             "docs/cli.md status publish")
    scenario("h7-revoke-twice", "revoking the same credential twice: harmless, exit 0",
             None, SEC + "H7", exit=0)
    scenario("h7-reinstate-a-revoked-credential", "un-revoking: refused", "LEDGER_CONFLICT",
             SEC + "H7")
    scenario("h8-read-only-ledger", "issuing into a ledger that cannot be written",
             "LEDGER_ERROR", SEC + "H8")
    scenario("h8-damaged-ledger", "issuing into a file that is not a SQLite ledger",
             "LEDGER_ERROR", SEC + "H8")
    scenario("h8-damaged-ledger-table", "`status publish` from a ledger whose `lists` table "
             "page is damaged (the file still opens)", "LEDGER_ERROR", SEC + "H8; docs/cli.md "
             "LEDGER_ERROR")
    scenario("h9-revoked-not-yet-published", "revoked in the ledger but not yet published: "
             "verifiers learn of it from the next publication", "CREDENTIAL_REVOKED",
             SEC + "H9", exit=1)
    scenario("h-number-reused-for-another-holder", "a certificate number issued again to "
             "another holder", "LEDGER_CONFLICT", "docs/cli.md LEDGER_CONFLICT")
    scenario("h-number-issued-again", "`vcskill issue --ledger` of a number already issued",
             "LEDGER_CONFLICT", "docs/cli.md LEDGER_CONFLICT")
    scenario("h-ledger-of-another-issuer", "issuing into another issuer's ledger",
             "LEDGER_CONFLICT", "docs/cli.md LEDGER_CONFLICT")
    scenario("h-publish-with-another-issuers-key", "`status publish` with another issuer's key",
             "LEDGER_CONFLICT", "docs/cli.md status publish")
    scenario("h-revoke-unknown-credential", "revoking a number the ledger does not have",
             "LEDGER_NOT_FOUND", "docs/cli.md revoke")
    scenario("h-suspend-and-reinstate-at-once", "`revoke --suspend --reinstate`",
             "USAGE_ERROR", "docs/cli.md revoke")
    scenario("h-empty-reason", "`revoke --reason ''`", "USAGE_ERROR", "docs/cli.md revoke")
    scenario("h-new-ledger-without-status-url", "a new ledger for a did:key issuer without "
             "--status-url", "USAGE_ERROR", "docs/cli.md issue --status-url")
    scenario("h-plain-http-status-url", "a new ledger with an http:// status URL",
             "USAGE_ERROR", "docs/cli.md issue --status-url")
    scenario("h-ledger-without-certificate-number", "`issue --ledger` without "
             "--certificate-number", "USAGE_ERROR", "docs/cli.md issue --ledger")
    scenario("h-status-url-changed", "`issue --ledger --status-url` another URL than the "
             "ledger's (docs/cli.md still calls this a known problem with a traceback: it is "
             "fixed)", "USAGE_ERROR", "docs/cli.md issue --status-url")
    scenario("h-batch-reused-number-fails-only-its-row", "a cohort in which one row reuses "
             "another holder's number: only that row is refused (docs/cli.md still calls "
             "failing the whole chunk a known problem: it is fixed)", "LEDGER_CONFLICT",
             "docs/cli.md issue-batch")
    scenario("h-batch-bad-header", "a cohort CSV with an unknown column", "PARSING_ERROR",
             "docs/cli.md issue-batch")


# -- README --------------------------------------------------------------------------------------

GROUPS = {"A": "credential parsing (JSON)", "B": "JSON-LD and contexts",
          "C": "proofs, vc+jwt and JOSE headers", "D": "the trusted issuer registry",
          "E": "status lists", "F": "QR payloads and images", "G": "CLI and key files",
          "H": "the issuer's ledger under crash and concurrency"}


def readme(cases: list[dict[str, Any]]) -> str:
    counts = {group: sum(1 for case in cases if case["group"] == group) for group in GROUPS}
    lines = [
        "# The bad-input corpus",
        "",
        "Hostile, broken and borderline input for `vcskill verify`, the registry, the status",
        "lists, the QR reader, the key files and the issuer's ledger: every row of",
        "`design/research/security.md` §6 (groups A to H) and every attack of issue #10, each",
        "a named case with the exit code (0 verified, 1 invalid, 2 usage error / malformed",
        "input / not a credential, 3 could not decide), the error code and, for `verify`, the",
        "check that must decide it. `tests/test_bad_corpus.py` runs them all, through the CLI",
        "(click's CliRunner, in process) and, for verify cases, through `vcskill.Verifier`.",
        "",
        f"{len(cases)} cases: " + ", ".join(f"{g} {counts[g]}" for g in GROUPS) + ".",
        "",
        "## Layout",
        "",
        "* `manifest.json`: every case: `name`, `group`, `what`, `source`, `command`",
        "  (`verify` with the world, `qr-decode`, `key-show`, `cli` with `args`, or a",
        "  `scenario` of the runner), `input` or `recipe`, `exit`, `code`, `check`; `xfail`",
        "  says why a case records the behaviour the toolkit *should* have and does not yet.",
        f"* `world/`: what verify cases are judged against, at `--at {AT}`:",
        "  `registry.json` (v1, expires 2031), `root.json` (the root to pin with",
        "  `--trust-root`), `status/` (the skills centre's signed status lists, and the lists",
        "  of group E) and `credentials/` (the genuine credentials the cases are made from).",
        "* `A/` … `G/`: the inputs. Group H is made of scenarios only (they need a live ledger).",
        "* Large inputs are recipes in the manifest, expanded by the runner at test time:",
        "  `repeat` (text parts repeated), `language-strings`, `qr-image`,",
        "  `gzip-bomb-status-list`.",
        "",
        "The keys are derived from public labels",
        "(`sha256(\"vcskill bad-input corpus: <label>\")`): they are test-only. The few",
        "private key files in `G/` exist because a key-file case needs one; they are of types",
        "vcskill refuses, or are paired with wrong metadata.",
        "",
        "## How to regenerate",
        "",
        "```sh",
        ". .venv/bin/activate",
        "python tests/vectors/bad/generate.py        # rewrites tests/vectors/bad/ in place",
        "python -m pytest -q -p no:cacheprovider tests/test_bad_corpus.py",
        "```",
        "",
        "The generator builds its world from fixed seeds, times, ids and salts; Ed25519 and",
        "RFC 6979 ECDSA signatures are deterministic, so it writes the same bytes every time",
        "(the runner checks this). The QR payloads depend on zlib's output at level 9, the same",
        "for one zlib version. A change to vcskill that changes a signature or a file shows up",
        "as a difference there: regenerate and review the diff.",
        "",
        "## Cases",
        "",
        "Sources: `security.md §6 X#` is the row of design/research/security.md; test-suite",
        "names are the W3C suites' fixtures or generators; health-cards-validation-SDK names",
        "are its `testdata/` files; `issue #10 (n)` is the n-th attack of issue #10.",
        "",
    ]
    for group, title in GROUPS.items():
        lines += [f"### {group}: {title}", "", "| case | expected | source |", "|---|---|---|"]
        for case in cases:
            if case["group"] != group:
                continue
            expected = f"exit {case['exit']}"
            if case.get("code"):
                expected += f", {case['code']}"
            if case.get("check"):
                expected += f" at `{case['check']}`"
            xfail = case.get("xfail")
            if isinstance(xfail, dict):
                xfail = "; ".join(f"{path}: {why}" for path, why in xfail.items())
            if xfail:
                expected += f" (xfail: {xfail})"
            what = case["what"].replace("|", "\\|")
            lines.append(f"| `{case['name']}`: {what} | {expected} | {case['source']} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    if out == HERE:
        for child in ("world", *GROUPS, "manifest.json", "README.md"):
            path = out / child
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    corpus = build(out)
    print(f"{len(corpus.cases)} cases, {len(corpus.files)} files -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
