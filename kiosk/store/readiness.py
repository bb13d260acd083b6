"""Can a kiosk run on this data folder? One answer for the kiosk's start and for `check`.

Looks without changing anything: the database file (is it the kiosk's, whole, not too new),
the folder, the free space on its disk, and whether another program holds the write lock.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

from msgspec import Struct

from kiosk.store.errors import (
    BUSY_TIMEOUT_SECONDS,
    StoreCorruptError,
    StoreError,
    StoreFilesLostError,
    StoreForeignError,
    StoreLowSpaceError,
    StoreTooNewError,
    StoreUnavailableError,
    _corrupt_message,
    _os_error,
    _translate,
)
from kiosk.store.schema import (
    _MIGRATION_NAMES,
    APPLICATION_ID,
    DB_FILENAME,
    MIGRATIONS_TABLE,
    SCHEMA_VERSION,
    _applied_migrations,
    _too_new_message,
)
from kiosk.store.watch import detect_lost_files

# How long another program may hold the database's write lock before `check` and the kiosk's
# start call the database busy. A kiosk's own writes hold it for milliseconds.
LOCK_PATIENCE_SECONDS = 3.0
# Free space the kiosk needs on the data folder's disk to keep saving: the WAL at its limit and
# its index (-shm, 32 KiB), a purge's worth of WAL and months of growth of the database. Less is
# a warning (`check` says it); the kiosk still runs, since a full disk mid-visit is handled calmly.
MIN_FREE_BYTES = 1024 * 1024
# Below this the kiosk cannot even hold its WAL and index: it does not start (and recovers by
# itself once space is freed), and `check` fails. An admin command still opens the database.
CRITICAL_FREE_BYTES = 128 * 1024


def _examine(path: Path, *, thorough: bool) -> list[str]:
    """Look at an existing database without changing it.

    Raises StoreForeignError, StoreCorruptError, StoreTooNewError or StoreUnavailableError for
    a file the kiosk must not open; returns warnings (only looked for when ``thorough``) about
    what does not stop it.
    """
    # A read-only connection to a WAL database still creates -wal and -shm files. With no
    # -wal (or -journal) present nobody has the database open and everything is in the main
    # file, so read it as immutable and leave the folder exactly as found. If a -wal appears
    # meanwhile, a writer started during the check: look again the ordinary way.
    side_files = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
    if not any(side.exists() for side in side_files):
        try:
            problems = _examine_with(path, thorough=thorough, immutable=True)
        except StoreError:
            if not any(side.exists() for side in side_files):
                raise
        else:
            if not any(side.exists() for side in side_files):
                return problems
    return _examine_with(path, thorough=thorough, immutable=False)


def _examine_with(path: Path, *, thorough: bool, immutable: bool) -> list[str]:
    uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise _translate(exc, path) or StoreUnavailableError(str(exc)) from exc
    try:
        _identify(conn, path)
        # The full integrity_check, at every start as in `check`: quick_check skips the
        # indexes, and a stale index hides visits from reception's list. It costs about half
        # as much again as quick_check (~22 ms instead of ~15 ms for 90 busy days, 6 MB).
        try:
            results = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.Error as exc:
            error = _translate(exc, path)
            if isinstance(error, StoreCorruptError | StoreUnavailableError):
                raise error from exc
            raise StoreCorruptError(_corrupt_message(path, str(exc))) from exc
        if results != ["ok"]:
            shown = "; ".join(str(r) for r in results[:3])
            more = f" and {len(results) - 3} more" if len(results) > 3 else ""
            raise StoreCorruptError(_corrupt_message(path, f"integrity_check: {shown}{more}"))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreTooNewError(_too_new_message(path, version))
        unknown = sorted(_applied_migrations(conn) - set(_MIGRATION_NAMES))
        if unknown:
            raise StoreTooNewError(_too_new_message(path, unknown[-1]))
        problems: list[str] = []
        if thorough:
            orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
            if orphans:
                tables = sorted({str(row[0]) for row in orphans})
                problems.append(
                    f"The kiosk database {path} has {len(orphans)} rows pointing at missing "
                    f"visits (in {', '.join(tables)}). Restore a backup or ask for support."
                )
        return problems
    except sqlite3.Error as exc:
        raise _translate(exc, path) or StoreCorruptError(_corrupt_message(path, str(exc))) from exc
    finally:
        conn.close()


def _identify(conn: sqlite3.Connection, path: Path) -> None:
    """Raise StoreForeignError unless the file is the kiosk's own database."""
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app_id == APPLICATION_ID:
        return
    tables = sorted(
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    )
    # Made by a kiosk before databases carried the mark: its migrations table records the
    # kiosk's first migration and its visits are there. Migration 0002 marks it.
    if (
        app_id == 0
        and {MIGRATIONS_TABLE, "visits"} <= set(tables)
        and _MIGRATION_NAMES[0] in _applied_migrations(conn)
    ):
        return
    if not tables:
        raise StoreForeignError(_empty_message(path, "holds no tables"))
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    raise StoreForeignError(
        f"{path} is not a kiosk database (application id {app_id}, tables {shown}) and was "
        f"left untouched. Check the data folder (--data-dir, KIOSK_DATA_DIR or data_dir in "
        f"the config), or move this file aside."
    )


def _empty_message(path: Path, what: str) -> str:
    return (
        f"The kiosk database {path} is empty ({what}) and was left untouched: a kiosk database "
        f"is never empty, so the visits and staff PINs are not in this file. Restore the newest "
        f"backup (docs/storage.md), or delete the file to start again with no visits and no PINs."
    )


def check_database(path: Path) -> list[str]:
    """Problems with the database file at ``path`` (a kiosk.db, or a backup of one); empty
    means a healthy kiosk database. Never modifies it.

    A missing file is not a problem: the kiosk creates it on first start. Whether a kiosk can
    run on a data folder (free space, permissions, locks too) is assess_database's to say.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return [_dangling_message(path)]
        return []
    except OSError as exc:
        return [str(_os_error(exc, path))]
    if not stat.S_ISREG(info.st_mode):
        return [_not_a_file_message(path)]
    if info.st_size == 0:
        return [_empty_message(path, "0 bytes")]
    try:
        return _examine(path, thorough=True)
    except StoreError as exc:
        return [str(exc)]


def _not_a_file_message(path: Path) -> str:
    return f"{path} is not a file. Move it aside so the kiosk can create its database there."


def _dangling_message(path: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        target = "a file"
    return (
        f"The kiosk database {path} is a symbolic link to {target}, which does not exist. "
        f"Restore the file it points to, or remove the link."
    )


# --- can a kiosk run here? ------------------------------------------------------------------


class Readiness(Struct, frozen=True):
    """What assess_database found in a data folder."""

    data_dir: Path
    path: Path
    # Something is where the database belongs (kiosk.db, maybe a link); False: the kiosk
    # would create it, admin commands other than set-pin refuse the folder.
    exists: bool
    # Each stops the kiosk: Store.open raises the first. Empty when a kiosk can run here.
    fatal: tuple[StoreError, ...]
    # Worth an administrator's attention; the kiosk runs.
    warnings: tuple[str, ...]
    # Free space on the disk holding the data folder, None when it cannot be measured.
    free_bytes: int | None

    @property
    def ok(self) -> bool:
        return not self.fatal


def assess_database(data_dir: Path, *, thorough: bool = False) -> Readiness:
    """Can a kiosk run on the database in ``data_dir``? The one answer for Store.open and
    ``python -m kiosk check``, so that they never disagree.

    Read-only: it creates, changes and locks nothing. Fatal problems: a data folder that does
    not exist and cannot be made, or is not writable; a kiosk.db that is a dangling link, not
    a file, empty, read-only, not the kiosk's (StoreForeignError), damaged (integrity_check),
    from a newer kiosk, or whose write lock another program holds; sidecar files in the way;
    less than CRITICAL_FREE_BYTES free on its disk (under MIN_FREE_BYTES is a warning).
    ``thorough`` (check) also looks for further warnings,
    which never change the verdict.
    """
    data_dir = Path(data_dir)
    path = data_dir / DB_FILENAME
    fatal: list[StoreError] = []
    warnings: list[str] = []
    exists = os.path.lexists(path)
    if exists:
        problem = _file_problem(path)
        if problem is not None:
            fatal.append(problem)
        else:
            try:
                warnings += _examine(path, thorough=thorough)
            except StoreError as exc:
                fatal.append(exc)
            else:
                holder = _held_write_lock(path)
                if holder is not None:
                    fatal.append(StoreUnavailableError(_busy_message(path, holder)))
    folder_problem = _folder_problem(data_dir)
    if folder_problem is not None:
        fatal.append(folder_problem)
    # The running kiosk noted that its files were deleted or cut short under it: starting
    # afresh would hide that the visits are in the rescued copy.
    fatal += [StoreFilesLostError(line) for line in detect_lost_files(data_dir)]
    free = _free_bytes(data_dir)
    if free is not None and free < CRITICAL_FREE_BYTES:
        fatal.append(
            StoreLowSpaceError(
                f"The disk holding {data_dir} is full: the kiosk needs at least "
                f"{format_bytes(MIN_FREE_BYTES)} free and cannot start with {format_bytes(free)}. "
                f"Free some space; the kiosk then starts by itself."
            )
        )
    elif free is not None and free < MIN_FREE_BYTES:
        warnings.append(
            f"The disk holding {data_dir} is nearly full: {format_bytes(free)} free, and the "
            f"kiosk needs at least {format_bytes(MIN_FREE_BYTES)} to keep saving visits. "
            f"Free some space."
        )
    return Readiness(
        data_dir=data_dir,
        path=path,
        exists=exists,
        fatal=tuple(fatal),
        warnings=tuple(warnings),
        free_bytes=free,
    )


def format_bytes(size: int) -> str:
    if size >= 10 * 2**20:
        return f"{size // 2**20:,} MB"
    if size >= 2**20:
        return f"{size / 2**20:.1f} MB"
    return f"{size // 1024:,} KiB"


def _nearest_existing(path: Path) -> Path:
    """``path`` or the nearest folder above it that exists (what a new folder is made in)."""
    path = path.absolute()
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor)


def _folder_problem(data_dir: Path) -> StoreError | None:
    try:
        info = data_dir.stat()
    except FileNotFoundError:
        # The kiosk creates it: the nearest folder above must let it.
        above = _nearest_existing(data_dir)
        if above.is_dir() and os.access(above, os.W_OK | os.X_OK):
            return None
        return StoreUnavailableError(
            f"The data folder {data_dir} does not exist, and cannot be created in {above}. "
            f"Create it, writable by the kiosk's user, or choose another data folder."
        )
    except OSError as exc:
        return _os_error(exc, data_dir)
    if not stat.S_ISDIR(info.st_mode):
        return StoreUnavailableError(
            f"{data_dir} is a file, not a folder. Choose another data folder."
        )
    # os.access also answers for root: a read-only mount or an immutable folder says no.
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return StoreUnavailableError(
            f"The data folder {data_dir} is read-only for the kiosk, which must write its "
            f"journal there. Make it writable by the kiosk's user (nothing was changed)."
        )
    return None


def _file_problem(path: Path) -> StoreError | None:
    """What stops the kiosk from using the file at ``path`` before SQLite reads it, or None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return StoreUnavailableError(_dangling_message(path))
    except OSError as exc:
        return _os_error(exc, path)
    if not stat.S_ISREG(info.st_mode):
        return StoreUnavailableError(_not_a_file_message(path))
    if info.st_size == 0:
        # The kiosk creates its database complete (_create_database), never empty: an empty
        # kiosk.db lost its contents or was made by someone else. Starting afresh in it would
        # silently drop every visit and the staff PINs.
        return StoreForeignError(_empty_message(path, "0 bytes"))
    # An administrator who made it read-only meant it: say so rather than undo it (even root,
    # whom the mode does not stop, is refused). os.access catches the rest (owner, chattr +i).
    if not info.st_mode & stat.S_IWUSR or not os.access(path, os.R_OK | os.W_OK):
        return StoreUnavailableError(
            f"The kiosk database {path} is read-only for the kiosk "
            f"(mode {stat.S_IMODE(info.st_mode):04o}), so nothing could be saved; it was left "
            f"as it is. If the kiosk should use it, make it writable by the kiosk's user "
            f"(chmod 600)."
        )
    real = Path(os.path.realpath(path))  # SQLite keeps its sidecar files next to the real file
    for suffix in ("-wal", "-shm", "-journal"):
        side = real.with_name(real.name + suffix)
        try:
            side_info = side.lstat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            return _os_error(exc, side)
        if not stat.S_ISREG(side_info.st_mode) or not os.access(side, os.R_OK | os.W_OK):
            return StoreUnavailableError(
                f"{side} is in the way: it is {_kind(side_info.st_mode)} the kiosk cannot "
                f"read and write. Stop the kiosk and move it aside (nothing was changed)."
            )
    return None


def _kind(mode: int) -> str:
    """What a file is, for a message: 'a folder', 'a FIFO (named pipe)', ..."""
    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    )
    for test, name in kinds:
        if test(mode):
            return name
    return "a file"


def _free_bytes(data_dir: Path) -> int | None:
    try:
        info = os.statvfs(_nearest_existing(data_dir))
    except (OSError, AttributeError):  # AttributeError: no statvfs on this platform
        return None
    # f_bavail: what an ordinary user may use; the kiosk does not run as root.
    return info.f_bavail * info.f_frsize


# SQLite's unix locking (os_unix.c): a writer of a rollback-journal database holds the RESERVED
# byte of the database file; a writer of a WAL database holds byte 120 of the -shm file.
_RESERVED_BYTE = 0x40000001
_WAL_WRITE_LOCK_BYTE = 120
_PROC_LOCKS = Path("/proc/locks")


def _write_lock_holder(path: Path) -> int | None:
    """The process id of another program holding the database's write lock (-1: unknown),
    or None when none does or this system does not say (no /proc/locks).

    Reads /proc/locks instead of asking with fcntl: closing any descriptor of the database
    file would drop every lock this process holds on it, including its own store's.
    """
    real = Path(os.path.realpath(path))
    # A writer in WAL mode (the kiosk's own) always has the -shm file, and one in rollback mode
    # a -journal once it writes: without either nobody can be holding the lock for long, and
    # reading /proc/locks (up to ~20 ms when other programs are taking locks) is skipped. That
    # keeps an ordinary start, after a clean stop, off that cost.
    if not any(
        os.path.lexists(real.with_name(real.name + suffix)) for suffix in ("-shm", "-journal")
    ):
        return None
    wanted: dict[tuple[int, int, int], int] = {}
    for file, byte in (
        (real, _RESERVED_BYTE),
        (real.with_name(real.name + "-shm"), _WAL_WRITE_LOCK_BYTE),
    ):
        try:
            info = file.stat()
        except OSError:
            continue
        wanted[(os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)] = byte
    if not wanted:
        return None
    try:
        table = _PROC_LOCKS.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in table.splitlines():
        # "1: POSIX  ADVISORY  WRITE 12692 fe:00:2155816 120 120"; "1: -> ..." is a waiter.
        fields = line.split()
        if len(fields) < 8 or fields[1] not in ("POSIX", "OFDLCK") or fields[3] != "WRITE":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
            start = int(fields[6])
            end = None if fields[7] == "EOF" else int(fields[7])
            pid = int(fields[4])
        except ValueError:
            continue
        watched = wanted.get(key)
        if watched is None or pid == os.getpid() or start > watched:
            continue
        if end is not None and end < watched:
            continue
        return pid
    return None


def _held_write_lock(path: Path) -> int | None:
    """Like _write_lock_holder, but only a lock held for LOCK_PATIENCE_SECONDS counts: a
    running kiosk takes the write lock for a few milliseconds at every answer."""
    deadline = time.monotonic() + LOCK_PATIENCE_SECONDS
    holder = _write_lock_holder(path)
    while holder is not None and time.monotonic() < deadline:
        time.sleep(0.05)
        holder = _write_lock_holder(path)
    return holder


def _busy_message(path: Path, pid: int) -> str:
    who = f"another program (process {pid})" if pid > 0 else "another program"
    return (
        f"The kiosk database {path} is busy: {who} has held its write lock for over "
        f"{LOCK_PATIENCE_SECONDS:g} s, so nothing could be saved. Close that program "
        f"(nothing was changed)."
    )
