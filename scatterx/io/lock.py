"""An exclusive lock per output, held for a whole extraction run and naming its holder.

The lock is ``fcntl.flock`` on ``OUT.lock`` beside the output (per open file,
so two runs in one process exclude each other too; Linux maps it onto NFS
locks): the kernel releases it when the holding process ends in any way,
SIGKILL included, so a killed run never leaves a stale lock behind, and a
second run on the same output, with or without ``--overwrite``, is refused
with the holder's process id, host, start time and command.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import time
from pathlib import Path

__all__ = ["OutputLock", "OutputInUseError"]

# Attempts to lock a file that another run unlinks at the same instant.
ATTEMPTS = 10


class OutputInUseError(RuntimeError):
    """Another run holds the lock of this output."""


class OutputLock:
    """``with OutputLock(path, output):`` hold the lock file ``path`` for the output ``output``."""

    def __init__(self, path, output):
        self.path, self.output, self.fd = Path(path), output, None

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(ATTEMPTS):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                os.close(fd)
                if e.errno in (errno.EACCES, errno.EAGAIN):
                    raise OutputInUseError(self._busy()) from None
                raise
            try:  # the file we locked must still be the one at the path (the holder before may have unlinked it)
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
                holder["command"] = " ".join(sys.argv)[:300]
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps(holder).encode(), 0)
                self.fd = fd
                return self
            os.close(fd)
        raise OutputInUseError(f"cannot lock {self.path}: other runs keep replacing it")

    def _busy(self):
        try:
            holder = json.loads(self.path.read_text())
            who = f"process {holder['pid']} on {holder['host']} since {holder['since']} ({holder['command']})"
        except (OSError, ValueError, KeyError, TypeError):
            who = "another process"
        return (
            f"output {self.output} is being written by another run: {who}; lock {self.path}. "
            "Wait for it to end or stop it (the lock is released when that process ends)"
        )

    def __exit__(self, *exc):
        try:
            self.path.unlink(missing_ok=True)  # while still holding it: a waiting run then re-checks the inode
        finally:
            os.close(self.fd)
            self.fd = None
