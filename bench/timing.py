"""The benchmarks' timer: seconds per call, best of three rounds after a warm-up (the round
least disturbed by the other core)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of_three(fn: Callable[[], Any], iterations: int, *, warm_up: int) -> float:
    for _ in range(warm_up):
        fn()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best
