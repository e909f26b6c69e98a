"""Crash-safe file writing: a reader sees the old file or the new one, never half of one.

Temporary file in the same directory, fsync, ``os.replace``, then fsync of the directory
(python-tuf's persistence recipe), so a process killed mid-write leaves the previous file
intact.
"""

from __future__ import annotations

import os
import tempfile
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
        os.fchmod(fd, mode)
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
