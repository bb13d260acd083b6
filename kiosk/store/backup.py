"""Backups: where one may be written, and writing one that is whole or not there at all."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from kiosk.store.errors import BackupTargetError, StoreError, _os_error, _translate
from kiosk.store.files import atomic_file
from kiosk.store.readiness import _kind


def check_backup_target(out: Path, database: Path, *, replace: bool) -> None:
    """Raise BackupTargetError unless a backup of ``database`` may be written to ``out``.

    Allowed: a new name, or (``replace``) an existing regular file, in an existing folder
    outside the data folder. Refused: anything inside the data folder (symbolic links
    resolved), the database's own files wherever they are (-wal, -shm: replacing one while the
    kiosk runs loses its latest answers), and any symlink, device, FIFO, socket or folder,
    which a rename would replace (as root, even /dev/full).
    """
    out = Path(out)
    if out.name in ("", ".", ".."):
        raise BackupTargetError(f"{out}: not a file name; give the backup file's path")
    try:
        folder = out.parent.resolve(strict=True)
    except FileNotFoundError:
        raise BackupTargetError(f"{out.parent}: folder does not exist") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop, before 3.13
        raise BackupTargetError(f"{out.parent}: cannot be used ({exc})") from None
    if not folder.is_dir():
        raise BackupTargetError(f"{out.parent}: not a folder")
    target = folder / out.name
    data_folder = database.absolute().parent.resolve()
    own = {
        Path(str(name) + suffix)
        for name in (database.absolute(), data_folder / database.name, database.resolve())
        for suffix in ("", "-wal", "-shm", "-journal")
    }
    if target in own:
        raise BackupTargetError(
            f"{out}: one of the kiosk database's own files; write the backup to another "
            f"folder, ideally another disk (nothing was written)"
        )
    if folder == data_folder or data_folder in folder.parents:
        raise BackupTargetError(
            f"{out}: inside the data folder {data_folder}; write the backup to another "
            f"folder, ideally another disk (nothing was written)"
        )
    try:
        info = target.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BackupTargetError(f"{out}: cannot be used ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise BackupTargetError(
            f"{out}: {_kind(info.st_mode)}, not a regular file; a backup only ever writes a "
            f"new or regular file (nothing was written)"
        )
    if not replace:
        raise BackupTargetError(f"{out} already exists (use --force to replace it)")


def _write_backup(
    out: Path, database: Path, copy_into: Callable[[sqlite3.Connection], None], *, replace: bool
) -> None:
    """Write a verified, self-contained copy of ``database`` to ``out`` (mode 0600).

    ``copy_into`` copies the open database into the connection it is given. The copy is
    written next to ``out`` and renamed into place (atomic_file), so ``out`` is either the
    previous file or a complete copy, never half of one.
    """
    out = Path(out)
    check_backup_target(out, database, replace=replace)
    try:
        # Again just before the rename: a target that became a link, a device or a new file
        # meanwhile is still refused.
        with atomic_file(
            out,
            replace=replace,
            before_publish=lambda: check_backup_target(out, database, replace=replace),
        ) as temporary:
            copy = sqlite3.connect(temporary)
            try:
                copy_into(copy)
                # A single self-contained file is what people copy around.
                copy.execute("PRAGMA journal_mode = DELETE")
                result = copy.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise StoreError(f"The backup did not verify ({result}); try again.")
            finally:
                copy.close()
    except FileExistsError:
        raise BackupTargetError(f"{out} already exists (use --force to replace it)") from None
    except sqlite3.Error as exc:
        raise _translate(exc, out) or StoreError(f"Backup failed: {exc}") from exc
    except OSError as exc:
        raise _os_error(exc, out) from exc
