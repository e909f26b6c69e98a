"""Run every benchmark in this folder, one after the other, in fresh processes.

Usage from the repository root:  python bench/run.py

Each benchmark prints its figures as ratios against a baseline it measures in the same run,
so the ratios, not the absolute times, are what to compare between machines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        status |= subprocess.run([sys.executable, str(script)], check=False).returncode
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
