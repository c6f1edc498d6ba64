"""Files that hold secrets or the operator's history are private: directories 0700, files 0600.

The data dir holds the SQLite store (balances, peers, the transaction log), the macaroon vault and
the daemon lock; another local user must not read any of it, whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing; make ``path`` itself 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def ensure_private_file(path: Path) -> Path:
    """Create ``path`` empty with 0600 if missing, or tighten an existing file to 0600.

    SQLite creates its ``-wal`` and ``-shm`` files with the main database file's permissions,
    so a database file made here keeps its journal private too.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists() and candidate.stat().st_mode & 0o777 != FILE_MODE:
            candidate.chmod(FILE_MODE)
    return path
