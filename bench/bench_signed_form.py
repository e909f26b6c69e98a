"""Time the proof that a credential is exactly its compact form (ADR 0007), per document.

Run from the repository root:  python bench/bench_signed_form.py [iterations]

The baseline, measured in the same run, is what the context step did before the proof was
added: safe-mode expansion and the N-Quads of the credential (vcskill.linkeddata.jsonld.to_nquads).
The figure is the context step now: the same, plus compaction with the document's own
@context and the comparison (vcskill.linkeddata.signedform.read_signed_form), as a ratio to the
baseline (higher is slower), for a skill credential and for a status list credential. The
last line is a whole Verifier.check of the skill credential, for scale.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures import CST, skill_credential  # noqa: E402  (bench/fixtures.py)
from timing import best_of_three  # noqa: E402  (bench/timing.py, beside this script)

from vcskill.linkeddata.contexts import ContextStore  # noqa: E402
from vcskill.linkeddata.jsonld import to_nquads  # noqa: E402
from vcskill.linkeddata.signedform import read_signed_form  # noqa: E402
from vcskill.status.statuslist import Bitstring, StatusPurpose, build_status_list_credential  # noqa: E402
from vcskill.verifying.verifier import Verifier  # noqa: E402


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    store = ContextStore.bundled()
    key, signed = skill_credential()
    credential: dict[str, Any] = json.loads(signed)
    listed = build_status_list_credential(
        list_url="https://skills.example.cn/status/1.json", issuer=key.metadata.controller,
        purpose=StatusPurpose.REVOCATION, bits=Bitstring(),
        valid_from=datetime(2026, 6, 1, tzinfo=CST), valid_until=datetime(2026, 7, 1,
                                                                          tzinfo=CST))
    for name, document in (("skill credential", credential), ("status list", listed)):
        body = {k: v for k, v in document.items() if k != "proof"}
        before = best_of_three(lambda b=body: to_nquads(b, contexts=store), iterations,
                               warm_up=30)
        after = best_of_three(
            lambda b=body: read_signed_form(b, contexts=store).expanded.nquads(),
            iterations, warm_up=30)
        print(f"{name:<17} expansion + N-Quads (baseline) {before * 1000:.3f} ms; with the "
              f"compact-form proof {after * 1000:.3f} ms ({after / before:.2f}x)")
    verifier = Verifier()
    at = datetime(2026, 7, 1, tzinfo=CST)
    whole = best_of_three(lambda: verifier.check(signed, at=at), iterations // 3, warm_up=10)
    print(f"a whole Verifier.check of the skill credential (no registry): {whole * 1000:.3f} ms")


if __name__ == "__main__":
    main()
