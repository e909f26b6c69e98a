"""What issuers and verifiers run must work on Windows desktops too.

No module may need ``fcntl`` or ``os.fchmod`` (POSIX only) to import or to write a file, and
the one lock both packages share must exclude another process, as the flock it replaced did.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vcskill.common.files import exclusive_lock

WITHOUT_POSIX = textwrap.dedent("""
    import os, pkgutil, sys, importlib
    from pathlib import Path
    sys.modules["fcntl"] = None  # as on Windows: `import fcntl` raises ImportError
    del os.fchmod
    import vcskill, did_registry
    names = []
    for package in (vcskill, did_registry):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.endswith("__main__"):
                continue  # running it would start the command line
            importlib.import_module(info.name)
            names.append(info.name)
    from vcskill.common.files import write_bytes_atomic
    out = Path(sys.argv[1])
    write_bytes_atomic(out, b"written", mode=0o600)
    print(len(names), out.read_bytes().decode())
""")


def test_every_module_imports_and_files_are_written_without_fcntl_or_fchmod(
    tmp_path: Path,
) -> None:
    out = subprocess.run([sys.executable, "-c", WITHOUT_POSIX, str(tmp_path / "f.bin")],
                         capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 50  # every module, not a few: the walk found the whole house
    assert out[1] == "written"


WAITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from vcskill.common.files import exclusive_lock
    with exclusive_lock(Path(sys.argv[1])):
        pass
""")


def test_the_lock_makes_another_process_wait(tmp_path: Path) -> None:
    lock = tmp_path / "work" / ".lock"
    with exclusive_lock(lock):
        waiter = subprocess.Popen([sys.executable, "-c", WAITER, str(lock)])
        try:
            # While we hold the lock the other process cannot finish, however long it is
            # given; a lock that did not exclude would let it through at once.
            with pytest.raises(subprocess.TimeoutExpired):
                waiter.wait(timeout=2)
        except BaseException:
            waiter.kill()
            waiter.wait()
            raise
    assert waiter.wait(timeout=60) == 0  # released: it got the lock and finished
    assert lock.exists()  # kept: removing a lock file others may hold open races them
