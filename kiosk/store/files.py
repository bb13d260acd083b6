"""File safety, written once: private files, fsync of a file and its folder, atomic replace.

Used by the database (a new kiosk.db, backups, rescued copies, the lost-files note) and by the
daily-log exports. Plain OSError only, so each caller says what failed in its own words.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

PRIVATE_MODE = 0o600


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600; FileExistsError if anything is there already.

    SQLite gives -wal, -shm and -journal files the mode of the database file, so creating that
    one 0600 keeps all of them private without touching the process-wide umask.
    """
    fd = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), PRIVATE_MODE
    )
    os.close(fd)


def append_private_file(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path`` (created 0600 if missing) and fsync it before returning."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, PRIVATE_MODE)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def tighten(path: Path, mode: int) -> None:
    """Give ``path`` exactly ``mode`` if it exists; best effort.

    A file owned by someone else keeps its mode, and that is not worth failing on.
    """
    with suppress(OSError):
        if path.exists() and path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new name in ``folder`` durable.

    Not every platform or file system lets a folder be opened, hence best effort.
    """
    with suppress(OSError):
        fsync_file(folder)


def put_in_place(temporary: Path, target: Path, *, replace: bool) -> None:
    """Rename ``temporary`` to ``target``. Unless ``replace``, FileExistsError when the name is
    taken, and nothing there is ever replaced.

    A hard link fails atomically when the name is taken, so a file that appeared since the
    caller looked is never replaced. File systems without hard links (a FAT-formatted USB
    drive) get a fresh look just before the rename instead.
    """
    if replace:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.rename(temporary, target)


@contextmanager
def atomic_file(
    target: Path,
    *,
    replace: bool,
    tag: str = "partial",
    before_publish: Callable[[], None] | None = None,
) -> Iterator[Path]:
    """A new private file next to ``target``, which becomes ``target`` in one step.

    The block writes the yielded path (it exists, empty, mode 0600). When the block ends without
    an error, the file is fsynced, ``before_publish`` (if given) has a last say, the file is put
    in place (put_in_place: FileExistsError when ``replace`` is false and the name is taken) and
    the folder is fsynced. So ``target`` is the previous file or a complete new one, never half
    of one, even after a power cut. The temporary file (and any SQLite journal of it) is gone
    afterwards whatever happened.
    """
    temporary = target.with_name(f".{target.name}.{os.urandom(4).hex()}.{tag}")
    create_private_file(temporary)
    try:
        yield temporary
        fsync_file(temporary)
        if before_publish is not None:
            before_publish()
        put_in_place(temporary, target, replace=replace)
        fsync_folder(target.parent)
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + "-journal")):
            with suppress(OSError):
                leftover.unlink()


def fill_new_file(path: Path, data: bytes) -> None:
    """Write ``data`` into the file just made at ``path`` (atomic_file's), never through a
    symbolic link that took its name since (O_NOFOLLOW)."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
