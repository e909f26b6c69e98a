"""Coverage-guided fuzzing of one target with atheris (libFuzzer), for long runs by hand.

    pip install ".[test]"            # atheris comes with the test extra on x86_64 Linux
    python fuzz/run.py credential -max_total_time=600 fuzz/corpus/credential
    python fuzz/run.py --list

Arguments after the target's name go to libFuzzer (-runs=N, -max_total_time=S, a corpus
folder to read and grow, -dict=...). A crash is an exception other than vcskill.errors.Error
escaping the target (see fuzz/targets.py); libFuzzer writes the input as crash-<hash>.
tests/test_fuzz.py runs the target "every" (all of them, chosen by the first byte) briefly
in every test run. Set VCSKILL_FUZZ_ALL=1 to instrument pyld, cryptography and Pillow too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str]) -> int:
    import atheris

    # Coverage of vcskill's own code guides the search; pyld, cryptography and Pillow are
    # exercised but not instrumented (that costs a minute at start-up), unless asked for.
    include = None if os.environ.get("VCSKILL_FUZZ_ALL") else ["vcskill", "did_registry",
                                                                  "fuzz"]
    with atheris.instrument_imports(include=include):
        # the modules the targets reach, imported here so that atheris instruments them
        import did_registry.registry  # noqa: F401 - imported to be instrumented
        from fuzz.targets import TARGETS
    if len(argv) < 2 or argv[1] in ("-h", "--help", "--list"):
        print("targets: " + ", ".join(TARGETS))
        return 0
    name = argv[1]
    if name not in TARGETS:
        print(f"unknown target {name!r}; targets: {', '.join(TARGETS)}", file=sys.stderr)
        return 2
    target = TARGETS[name]
    atheris.Setup([argv[0], *argv[2:]], target)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
