"""The node's lock on this host: an exclusive ``flock`` on a file named after the node, in a lock
directory shared by every lnpilot of the user (whatever its data directory or database).

The database lock (``store.node_lock.DbNodeLock``) only sees processes that share the store; two
lnpilot instances with separate SQLite files are two stores. This lock sees them when they run on
one host as one user (or share ``lock_dir``). The kernel drops a ``flock`` when its process dies,
however it dies, so no stale lock survives a crash; the file is never deleted (deleting it would
let two processes lock two different files of the same name). The text inside names the holder
for the error message only.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import stat
import time
from pathlib import Path

from lnpilot.errors import ConfigError
from lnpilot.store.node_lock import NodeLocked

LOCKS_SUBDIR = Path(".local") / "state" / "lnpilot" / "locks"


def default_lock_dir() -> Path:
    """``~/.local/state/lnpilot/locks`` of the user running lnpilot (HOME from the password
    database, so a systemd unit, a cron job and a shell of one user agree)."""
    try:
        import pwd

        home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    except (ImportError, KeyError):
        home = Path.home()
    return home / LOCKS_SUBDIR


def lock_file_name(key: str) -> str:
    """A file name for a lock key (a pubkey, or a pubkey and an address): fixed length, safe."""
    return "node-" + hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock"


def _prepare(lock_dir: Path) -> None:
    try:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = lock_dir.lstat()
    except OSError as exc:
        raise ConfigError(f"lock_dir: cannot create {lock_dir} ({exc.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"lock_dir: {lock_dir} is not a directory")


class HostNodeLock:
    def __init__(self, lock_dir: Path, key: str, purpose: str) -> None:
        self.path = lock_dir / lock_file_name(key)
        self.key = key
        self.holder = f"{purpose} (pid {os.getpid()} on {socket.gethostname()}, since {int(time.time())})"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> HostNodeLock:
        _prepare(self.path.parent)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise ConfigError(f"lock_dir: cannot open {self.path} ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 512).decode(errors="replace").strip() or "another lnpilot process"
            os.close(fd)
            raise NodeLocked(f"another lnpilot process holds the lock of node {self.key}: {holder}") from None
        os.ftruncate(fd, 0)
        os.write(fd, self.holder.encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
