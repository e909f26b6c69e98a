"""Time vcskill.linkeddata.jsonld.to_nquads against plain pyld.jsonld.to_rdf on the same credential.

Run from the repository root:  python bench/bench_jsonld.py [iterations]

The baseline is what a straightforward pyld user writes: ``jsonld.to_rdf`` with a dict-based
document loader (no ``tag``, so pyld re-resolves every remote context on every call). Both run
in the same process on ``tests/vectors/vc-di-eddsa/unsigned.json`` after a warm-up.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyld import jsonld as pyld_jsonld  # noqa: E402

from vcskill.linkeddata.contexts import ContextStore  # noqa: E402
from vcskill.linkeddata.jsonld import expand, to_nquads  # noqa: E402

DOCUMENT = ROOT / "tests" / "vectors" / "vc-di-eddsa" / "unsigned.json"
WARM_UP = 30


def _dict_loader(store: ContextStore) -> Any:
    documents = {url: store.get(url) for url in store.urls()}

    def load(url: str, options: Any = None) -> dict[str, Any]:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": json.loads(json.dumps(documents[url])),
        }

    return load


def _time(label: str, fn: Any, iterations: int) -> float:
    for _ in range(WARM_UP):
        fn()
    start = time.perf_counter()
    for _ in range(iterations):
        fn()
    elapsed = time.perf_counter() - start
    ops = iterations / elapsed
    print(f"{label:<44} {ops:9.1f} ops/s  {1000 * elapsed / iterations:7.3f} ms/op")
    return ops


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    store = ContextStore.bundled(allow_test_contexts=True)
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    loader = _dict_loader(store)

    def baseline() -> str:
        options = {"documentLoader": loader, "format": "application/n-quads"}
        result: str = pyld_jsonld.to_rdf(document, options)
        return result

    def ours() -> str:
        return to_nquads(document, contexts=store)

    def ours_expand() -> list[Any]:
        return expand(document, contexts=store)

    print(f"{DOCUMENT.relative_to(ROOT)}, {iterations} iterations after {WARM_UP} warm-up")
    base_ops = _time("pyld.jsonld.to_rdf, dict loader (baseline)", baseline, iterations)
    ours_ops = _time("vcskill.linkeddata.jsonld.to_nquads", ours, iterations)
    _time("vcskill.linkeddata.jsonld.expand", ours_expand, iterations)
    print(f"to_nquads / baseline: {ours_ops / base_ops:.2f}x")


if __name__ == "__main__":
    main()
