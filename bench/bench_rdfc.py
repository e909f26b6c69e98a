"""Benchmark RDFC-1.0 canonicalisation: vcskill.linkeddata.rdfc against pyld (baseline) and
pyoxigraph.

Run from the repository root: ``python bench/bench_rdfc.py [seconds per measurement]``.

Two inputs: a credential-sized dataset (the eddsa-rdfc-2022 "employ" vector's canonical
N-Quads, blank nodes relabelled and quads shuffled; every blank node has a unique
first-degree hash, the normal case) and the W3C "evil" graph test044 (12 blank nodes
sharing one first-degree hash; 468 Hash N-Degree Quads calls). pyoxigraph is shown for
reference only: it is not bounded, so vcskill does not use it.
"""

from __future__ import annotations

import random
import sys
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from pyld import jsonld

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vcskill.linkeddata.rdfc import canonicalize  # noqa: E402

VECTORS = ROOT / "tests" / "vectors"


def credential_nquads() -> tuple[str, str]:
    path = VECTORS / "vc-di-eddsa" / "eddsa-rdfc-2022" / "employ" / "canonDocDataInt.txt"
    expected = path.read_text(encoding="utf-8")
    lines = expected.replace("_:c14n", "_:b").splitlines(keepends=True)
    random.Random(2024).shuffle(lines)
    return "".join(lines), expected


def evil_nquads() -> tuple[str, str]:
    folder = VECTORS / "rdf-canon" / "rdfc10"
    return (
        (folder / "test044-in.nq").read_text(encoding="utf-8"),
        (folder / "test044-rdfc10.nq").read_text(encoding="utf-8"),
    )


def pyld_canonicalize(nquads: str) -> str:
    options = {
        "algorithm": "URDNA2015",
        "inputFormat": "application/n-quads",
        "format": "application/n-quads",
    }
    result: str = jsonld.normalize(nquads, options)
    return result


def pyoxigraph_canonicalize(nquads: str) -> str:
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert data is not None
    return "".join(sorted(f"{line}\n" for line in data.decode("utf-8").split("\n") if line))


def ops_per_second(function: Callable[[], object], seconds: float) -> float:
    timer = timeit.Timer(function)
    number, elapsed = timer.autorange()
    repeat = max(3, round(seconds / max(elapsed, 1e-9)))
    best = min(timer.repeat(repeat=repeat, number=number))
    return number / best


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    engines: list[tuple[str, Callable[[str], str]]] = [
        ("pyld 3.3 URDNA2015 (baseline)", pyld_canonicalize),
        ("vcskill.linkeddata.rdfc", canonicalize),
        ("pyoxigraph RDFC_1_0 (unbounded)", pyoxigraph_canonicalize),
    ]
    print(f"Python {sys.version.split()[0]}; best run of about {seconds:g} s per engine")
    for title, (nquads, expected) in [
        ("credential (23 quads, 3 blank nodes)", credential_nquads()),
        ("W3C test044 'evil' graph (36 quads, 12 blank nodes)", evil_nquads()),
    ]:
        print(f"\n{title}")
        baseline = 0.0
        for name, engine in engines:
            output = engine(nquads)
            # pyld 3.3 gets the canonical form right on both inputs (no control characters)
            assert output == expected, f"{name} gave a wrong result"
            rate = ops_per_second(partial(engine, nquads), seconds)
            baseline = baseline or rate
            print(f"  {name:34} {rate:10.0f} ops/s  {rate / baseline:5.2f}x pyld")


if __name__ == "__main__":
    main()
