"""Crash-safe file writing, and the lock that keeps two processes from changing one folder.

Writing: temporary file in the same directory, fsync, ``os.replace``, then fsync of the
directory (python-tuf's persistence recipe), so a process killed mid-write leaves the
previous file intact and a reader sees the old file or the new one, never half of one.

Everything here runs on Windows too (issuers sign on Windows desktops): no ``fcntl``, and
``os.fchmod`` only where it exists.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vcskill.errors import UsageError


def write_bytes_atomic(path: Path, data: bytes, *, mode: int = 0o644, force: bool = True,
                       sync_directory: bool = True) -> None:
    """Write ``data`` to ``path`` atomically with permission bits ``mode`` from creation.

    ``sync_directory=False`` leaves the directory's fsync to the caller, who writes many files
    into one directory and calls :func:`fsync_directory` once before relying on them.
    """
    path = Path(path)
    if not force and path.exists():
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        if hasattr(os, "fchmod"):  # POSIX: the bits hold from creation
            os.fchmod(fd, mode)
        else:  # Windows keeps only the read-only bit; mkstemp made the file private anyway
            os.chmod(tmp_name, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not force:
            # Refuse to replace a file that appeared meanwhile: link fails if it exists.
            os.link(tmp_name, path)
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    if sync_directory:
        fsync_directory(directory)


def write_text_atomic(path: Path, text: str, *, mode: int = 0o644, force: bool = True,
                      sync_directory: bool = True) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode, force=force,
                       sync_directory=sync_directory)


def fsync_directory(directory: Path) -> None:
    """Make the renames into ``directory`` durable."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some filesystems do not allow opening directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def read_up_to(path: Path, limit: int) -> bytes:
    """The first ``limit + 1`` bytes of the file at ``path``: all of a file within the limit,
    and one byte more of a larger one, so that the caller's size check refuses it without it
    being read whole (a symbolic link to ``/dev/zero`` included).

    Raises:
        OSError: as ``open`` does (``FileNotFoundError`` for a missing file).
    """
    with Path(path).open("rb") as handle:
        return handle.read(limit + 1)


@contextmanager
def exclusive_lock(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing, kept afterwards) until the
    block ends, waiting for any other process that holds it.

    filelock takes ``flock`` on POSIX, as the lock files of earlier versions did, so an older
    process and a newer one still exclude each other, and ``msvcrt.locking`` on Windows. The
    lock is released when the process dies, however it dies.
    """
    from filelock import FileLock

    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(lock_file, preserve_lock_file=True, fallback_to_soft=False):
        yield
