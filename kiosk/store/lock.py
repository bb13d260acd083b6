"""The data folder: made private, and the lock that tells an opener whether it is alone."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kiosk.store.errors import StoreUnavailableError, _os_error

try:
    import fcntl
except ImportError:  # pragma: no cover - not on the Linux kiosk
    fcntl = None  # type: ignore[assignment]

# Another process may hold the data folder lock while it opens (migrations, purge); wait
# this long for it rather than fail a kiosk start because an export happened to be running.
_LOCK_WAIT_SECONDS = 30.0


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
    except FileExistsError:
        if not folder.is_dir():
            raise StoreUnavailableError(
                f"{folder} is a file, not a folder. Choose another data folder."
            ) from None
    except OSError as exc:
        raise _os_error(exc, folder) from exc


class _FolderLock:
    """Tells the first process to open the data folder that it is alone.

    Only a process that is alone may treat visits still ``in_progress`` as left over from a
    crash: `python -m kiosk backup` run during a screening must not abandon the live visit.
    Every open store holds a shared flock on the folder; the opener tries for an exclusive one
    first. The kernel drops the lock when a process dies, so a crash never leaves it behind.
    """

    def __init__(self, folder: Path) -> None:
        self._fd: int | None = None
        self.alone = True
        if fcntl is None:  # pragma: no cover - no flock: assume the usual single kiosk
            return
        self._fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.alone = False
            self._wait_shared()

    def _wait_shared(self) -> None:
        assert self._fd is not None and fcntl is not None
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.release()
                    raise StoreUnavailableError(
                        "Another kiosk program has been opening the database for too long. "
                        "Try again in a moment."
                    ) from None
                time.sleep(0.05)

    def share(self) -> None:
        if self._fd is not None and fcntl is not None and self.alone:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
