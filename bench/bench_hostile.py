"""Time the verifier on hostile credentials at the edge of Limits (issue #10).

Run from the repository root:  python bench/bench_hostile.py [iterations]

Every credential within the byte limit must be refused or verified in well under 50 ms. The
baseline, measured in the same run, is an honest skill credential (eddsa-rdfc-2022, two
status entries, a did:key issuer, no registry); each hostile shape is printed with its time
and its ratio to that baseline (higher is slower), and the code it ends with. The shapes
stay just inside the limits that bound them (JSON values, proofs, status entries, blank
nodes, Hash N-Degree Quads calls), or just past them to show the refusal is immediate.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures import CST, skill_credential  # noqa: E402  (bench/fixtures.py)
from timing import best_of_three  # noqa: E402  (bench/timing.py, beside this script)

from vcskill.limits import DEFAULT_LIMITS  # noqa: E402
from vcskill.status.statuslist import StatusPurpose, status_entry  # noqa: E402
from vcskill.verifying.verifier import Verifier  # noqa: E402

BUDGET_MS = 50.0
VALUES = DEFAULT_LIMITS.max_json_values


def _honest() -> dict[str, Any]:
    _key, serialized = skill_credential()
    document: dict[str, Any] = json.loads(serialized)
    return document


def _shapes(honest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def edited(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        copy = json.loads(json.dumps(honest))
        change(copy)
        return copy

    def achievement(doc: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = doc["credentialSubject"]["achievement"]
        return found

    room = VALUES - 120  # what the honest credential leaves of the JSON value budget
    url = "https://skills.example.cn/status/{}.json"
    entries = [status_entry(url.format(i), 7, StatusPurpose.REVOCATION) for i in range(16)]
    nested: dict[str, Any] = {"levelCode": "x"}
    for _ in range(DEFAULT_LIMITS.max_json_depth - 8):
        nested = {"skillLevel": nested}
    return {
        f"{room // 3} language strings in one name": edited(lambda d: achievement(d).update(
            name=[{"@value": f"名称{i}", "@language": "zh"} for i in range(room // 3)])),
        f"{room} strings in one description": edited(lambda d: achievement(d).update(
            description=[f"v{i}" for i in range(room)])),
        f"{room} equal strings in one description": edited(lambda d: achievement(d).update(
            description=["同一个"] * room)),
        f"{room // 2} objects in one property": edited(lambda d: d["credentialSubject"].update(
            skillLevel=[{"levelCode": f"x{i}"} for i in range(room // 2)])),
        f"a ring of {room // 4} look-alike blank nodes": edited(
            lambda d: d["credentialSubject"].update(skillLevel=[
                {"id": f"_:b{i}", "skillLevel": {"id": f"_:b{(i + 1) % (room // 4)}"}}
                for i in range(room // 4)])),
        f"nested {DEFAULT_LIMITS.max_json_depth - 8} deep": edited(
            lambda d: d["credentialSubject"].update(skillLevel=nested)),
        "a 60,000-character string": edited(lambda d: achievement(d).update(
            description="职" * 60_000)),
        "16 status entries": edited(lambda d: d.update(credentialStatus=entries)),
        f"{DEFAULT_LIMITS.max_proofs} proofs": edited(
            lambda d: d.update(proof=[d["proof"]] * DEFAULT_LIMITS.max_proofs)),
        f"{VALUES + 1} JSON values (refused)": edited(lambda d: achievement(d).update(
            description=[f"v{i}" for i in range(VALUES)])),
        "the 1,750 language strings of issue #10 (refused)": edited(
            lambda d: achievement(d).update(
                name=[{"@value": f"名称{i}", "@language": "zh"} for i in range(1_750)])),
    }


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    verifier = Verifier()
    at = datetime(2026, 7, 1, tzinfo=CST)
    honest = _honest()
    data = json.dumps(honest, ensure_ascii=False).encode("utf-8")
    baseline = best_of_three(lambda: verifier.check(data, at=at), iterations, warm_up=5)
    print(f"baseline: an honest credential, {len(data):,} bytes: {baseline * 1000:.2f} ms "
          "per verify")
    print(f"{'shape':<50} {'bytes':>8} {'ms':>8} {'x baseline':>10}  ends with")
    worst = 0.0
    for name, document in _shapes(honest).items():
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        report = verifier.check(body, at=at)
        seconds = best_of_three(lambda b=body: verifier.check(b, at=at), iterations,
                                warm_up=1)
        worst = max(worst, seconds * 1000)
        first = report.first_failure
        ends = f"{first.id} {first.code}" if first is not None else "verified"
        print(f"{name:<50} {len(body):>8,} {seconds * 1000:>8.2f} {seconds / baseline:>10.1f}"
              f"  {ends}")
    verdict = "within" if worst < BUDGET_MS else "OVER"
    print(f"worst: {worst:.1f} ms, {verdict} the {BUDGET_MS:.0f} ms budget")


if __name__ == "__main__":
    main()
