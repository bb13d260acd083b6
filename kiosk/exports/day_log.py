"""One clinic-local day of visits written to a folder in any registered format (kiosk.exports).

Files are written atomically (a private temp file in the same folder, then a rename), so a pulled
USB drive or a full disk leaves the previous file or none, never half of one.

No names leave the kiosk this way: the first name a visitor may type is for reception's screen
and the printed summary only. Exports carry the visit code, which links back to the visit here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Final

from kiosk.content import Content
from kiosk.exports import FORMATS
from kiosk.store import Store
from kiosk.store.files import atomic_file, fill_new_file

__all__ = [
    "ExportError",
    "ExportExistsError",
    "check_destination",
    "day_range",
    "export_day",
    "export_filename",
]

# The log lists finished visits only. A visit still in progress is someone at the kiosk right
# now: its record would change after the export, and the contract's `status` has no value for it.
# (The store marks visits left in progress by a crash as abandoned when the kiosk starts.)
_EXPORTED_STATUSES: Final = frozenset({"completed", "abandoned"})


class ExportError(Exception):
    """The export could not be written; the message is one line a person can act on."""


class ExportExistsError(ExportError):
    """The day's file is already there and ``force`` was not given."""


def export_filename(day: date, fmt: str) -> str:
    """``kiosk-log-2026-11-27`` and the format's ending (``.csv``, ``.json``, ``.fhir.json``):
    one predictable name a day and format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {tuple(FORMATS)}")
    return f"kiosk-log-{day.isoformat()}{FORMATS[fmt].suffix}"


def day_range(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The clinic-local ``day`` as a UTC [start, end) pair, for ``Store.list_visits``.

    Midnight to midnight in ``zone``: 23 or 25 hours long on daylight-saving change days. In UTC
    because Python subtracts two times of the same zone by their wall clocks, hiding that hour.
    """
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def check_destination(out_dir: Path, day: date, fmt: str, *, force: bool) -> Path:
    """The file the export would write; raises ExportError when it cannot go there.

    A missing folder is an error, not something to create: on the kiosk it usually means the
    USB drive is not mounted, and writing to the empty mount point would hide that.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        raise ExportError(f"{out_dir}: folder does not exist (is the drive plugged in?)")
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir}: not a folder")
    target = out_dir / export_filename(day, fmt)
    if not force and (target.exists() or target.is_symlink()):
        raise ExportExistsError(f"{target} already exists (use --force to replace it)")
    return target


def export_day(
    store: Store,
    day: date,
    fmt: str,
    out_dir: Path,
    *,
    zone: tzinfo,
    with_answers: bool = False,
    force: bool = False,
    content: Content | None = None,
    actor: str = "admin",
) -> Path:
    """Write the log of ``day`` (clinic-local, in ``zone``) to ``out_dir`` and return its path.

    ``fmt`` is a key of ``kiosk.exports.FORMATS``. ``content``, when given, is handed to the
    format (FHIR adds the item wording, in the visit's language).
    The export is recorded in the audit trail as done by ``actor``. Raises ExportError
    (ExportExistsError when the file exists and ``force`` is false); nothing is written then.
    """
    target = check_destination(out_dir, day, fmt, force=force)
    start, end = day_range(day, zone)
    # Chronological: a log reads in time order (reception's urgent-first order is a screen's).
    visits = sorted(
        (v for v in store.list_visits(start, end) if v.status in _EXPORTED_STATUSES),
        key=lambda v: (v.started_at, v.id),
    )
    log_format = FORMATS[fmt]  # check_destination has refused an unknown one
    data = log_format.renderer()(visits, zone, with_answers=with_answers, content=content)
    _write_atomically(target, data, force=force)
    answers_note = " with answers" if with_answers and log_format.takes_answers else ""
    store.audit(
        actor,
        "export",
        f"{day.isoformat()} as {fmt}{answers_note}: {len(visits)} visit(s) to {target}",
    )
    return target


# --- writing -------------------------------------------------------------------------------


def _write_atomically(target: Path, data: bytes, *, force: bool) -> None:
    """``target`` becomes ``data`` (mode 0600) in one step, or stays as it was."""
    folder = target.parent
    started = False  # a file that cannot even be made says the folder is the problem
    try:
        with atomic_file(target, replace=force) as temporary:
            started = True
            fill_new_file(temporary, data)
    except OSError as exc:
        if not started:
            raise ExportError(
                f"cannot write to {folder} ({exc.strerror or exc}); nothing was written"
            ) from exc
        if isinstance(exc, FileExistsError):
            raise ExportExistsError(
                f"{target} already exists (use --force to replace it)"
            ) from None
        raise ExportError(
            f"could not write {target} ({exc.strerror or exc}); nothing was written"
        ) from exc
