"""Time a full offline verify (and a sign) of a skill credential in each proof format.

Run from the repository root:  python bench/bench_verify.py [iterations]

The baseline, measured in the same run, is what a straightforward Python implementer writes
for eddsa-rdfc-2022: pyld ``normalize`` (URDNA2015) of the document and of the proof
configuration with a caching dict loader, two SHA-256s and an Ed25519 verify; no safe mode,
no data-model checks, no report. Every figure is printed as a ratio against it (higher is
faster). Our figures include everything ``Verifier.check`` does: strict parsing, context
checks, safe-mode JSON-LD, the data model, the proof, validity and status.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyld import jsonld as pyld_jsonld  # noqa: E402
from timing import best_of_three  # noqa: E402  (bench/timing.py, beside this script)

from vcskill.issuing.request import IssueRequest, issue_one  # noqa: E402
from vcskill.keys.keyfile import write_key_file  # noqa: E402
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey, PublicKey  # noqa: E402
from vcskill.keys.multibase import decode_base58btc_multibase  # noqa: E402
from vcskill.linkeddata.contexts import ContextStore  # noqa: E402
from vcskill.verifying.report import Outcome  # noqa: E402
from vcskill.verifying.verifier import Verifier  # noqa: E402

CST = timezone(timedelta(hours=8))
WARM_UP = 30
FORMATS = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "vc-jwt")


def _time(fn: Callable[[], Any], iterations: int) -> float:
    return best_of_three(fn, iterations, warm_up=WARM_UP)


def _naive_verifier(store: ContextStore) -> Callable[[dict[str, Any]], bool]:
    documents = {url: store.get(url) for url in store.urls()}

    def load(url: str, options: Any = None) -> dict[str, Any]:
        # Shared parsed documents, no copy: the cheapest loader, so the baseline is not
        # slowed by our choice of loader. main() re-checks that it still verifies afterwards.
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": documents[url]}

    options = {"algorithm": "URDNA2015", "format": "application/n-quads",
               "documentLoader": load}

    def verify(doc: dict[str, Any]) -> bool:
        proof = dict(doc["proof"])
        value = proof.pop("proofValue")
        unsecured = {k: v for k, v in doc.items() if k != "proof"}
        config = {**proof, "@context": doc["@context"]}
        data = (hashlib.sha256(pyld_jsonld.normalize(config, options).encode()).digest()
                + hashlib.sha256(pyld_jsonld.normalize(unsecured, options).encode()).digest())
        key = PublicKey.from_multibase(proof["verificationMethod"].split("#", 1)[1])
        return key.verify(decode_base58btc_multibase(value), data)

    return verify


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    store = ContextStore.bundled()
    folder = Path(tempfile.mkdtemp(prefix="vcskill-bench-"))
    keys = {
        algorithm: write_key_file(folder / algorithm.value, PrivateKey.generate(algorithm),
                                  passphrase=None, issuer_name="示范市职业技能鉴定指导中心")
        for algorithm in (KeyAlgorithm.ED25519, KeyAlgorithm.P256)
    }

    def request(fmt: str) -> IssueRequest:
        return IssueRequest(holder_name="张三", occupation="6-31-01-03", level="L3",
                            id_number="370102199001011234",
                            certificate_number="S000011000001263000001",
                            valid_from=datetime(2026, 6, 30, 9, tzinfo=CST), proof_format=fmt)

    def key_for(fmt: str) -> Any:
        return keys[KeyAlgorithm.P256 if fmt.startswith("ecdsa") else KeyAlgorithm.ED25519]

    signed = {fmt: issue_one(key_for(fmt), request(fmt), contexts=store) for fmt in FORMATS}
    inputs = {fmt: result.serialized.encode("utf-8") for fmt, result in signed.items()}
    verifier = Verifier(contexts=store)
    at = datetime(2026, 11, 25, tzinfo=CST)
    for fmt, data in inputs.items():  # the benchmark is meaningless if these do not verify
        assert verifier.check(data, at=at).outcome is Outcome.INDETERMINATE, fmt

    naive = _naive_verifier(store)
    rdfc_doc = signed["eddsa-rdfc-2022"].signed
    assert isinstance(rdfc_doc, dict) and naive(rdfc_doc)

    print(f"skill credential ({len(inputs['eddsa-rdfc-2022']):,} bytes as eddsa-rdfc-2022), "
          f"{iterations} iterations x 3 rounds after {WARM_UP} warm-up, best round")
    base = _time(lambda: naive(rdfc_doc), iterations)
    assert naive(rdfc_doc), "the baseline stopped verifying: its loader's documents changed"
    print(f"{'baseline: naive pyld eddsa-rdfc-2022 verify':<48} {1000 * base:7.3f} ms/op  "
          f"{'1.00x':>7}")
    for fmt in FORMATS:
        data = inputs[fmt]
        per_op = _time(partial(verifier.check, data, at=at), iterations)
        print(f"{'vcskill Verifier.check, ' + fmt:<48} {1000 * per_op:7.3f} ms/op  "
              f"{base / per_op:6.2f}x")
    for fmt in FORMATS:
        sign = partial(issue_one, key_for(fmt), request(fmt), contexts=store)
        per_op = _time(sign, max(iterations // 2, 1))
        print(f"{'vcskill issue_one (build + sign), ' + fmt:<48} {1000 * per_op:7.3f} ms/op  "
              f"{base / per_op:6.2f}x")


if __name__ == "__main__":
    main()
