"""The export formats: every format a day's log can be written in, declared once.

Everyone who offers a format reads this registry: `python -m kiosk export --format`, the
administrator's page in staff mode, `deploy/daily.py` (KIOSK_EXPORT_FORMATS) and the tests.

A declaration is light (names and flags only): the command line builds its parser from it
without loading the code that writes the files, which is imported on the first export.

To add a format: write `kiosk/exports/<name>.py` with a `render` function (see `Renderer`), then
add one `register(LogFormat(...))` line at the bottom of this file. Writing the file (atomically,
privately), choosing the day's visits and the audit line are shared (`kiosk/exports/day_log.py`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Protocol, cast

if TYPE_CHECKING:
    from kiosk.content import Content
    from kiosk.model import Visit

__all__ = ["FORMATS", "LogFormat", "Renderer", "register", "unregister"]


class Renderer(Protocol):
    """A format's `render`: the day's finished visits (in time order) as the file's bytes.

    `with_answers` asks for the visitor's answers too (formats that cannot carry them ignore
    it); `content`, when given, holds the item wording in each visit's language.
    """

    def __call__(
        self,
        visits: Sequence[Visit],
        zone: tzinfo,
        *,
        with_answers: bool,
        content: Content | None,
    ) -> bytes: ...


# What --format and KIOSK_EXPORT_FORMATS take: short, lower case, one word.
_KEY: Final = re.compile(r"^[a-z][a-z0-9_]{0,15}$")


@dataclass(frozen=True)
class LogFormat:
    """One export format, as staff and administrators see it."""

    key: str  # `--format KEY`; also named in the audit trail
    label: str  # the staff's name for it: the admin page's button says "Export <label>"
    suffix: str  # the file's ending: kiosk-log-YYYY-MM-DD<suffix>
    hint: str  # what it is for, shown to staff after the label: "opens in a spreadsheet"
    implementation: str  # the module whose `render` writes it; imported on the first export
    needs_content: bool = False  # render uses the content (the command line loads it only then)
    takes_answers: bool = True  # --with-answers adds the answers (else the flag is ignored)

    def renderer(self) -> Renderer:
        """The format's render function (imports its module the first time)."""
        return cast(Renderer, importlib.import_module(self.implementation).render)


_registered: dict[str, LogFormat] = {}
# Read-only and live: in registration order, keyed by LogFormat.key.
FORMATS: Final[Mapping[str, LogFormat]] = MappingProxyType(_registered)


def register(log_format: LogFormat) -> LogFormat:
    """Offer `log_format` everywhere formats are offered. Keys and file endings are unique."""
    if not _KEY.match(log_format.key):
        raise ValueError(f"export format key {log_format.key!r}: use a short lower-case word")
    if not log_format.suffix.startswith("."):
        raise ValueError(f"export format {log_format.key!r}: suffix must start with '.'")
    for known in _registered.values():
        if log_format.key == known.key or log_format.suffix == known.suffix:
            raise ValueError(
                f"export format {log_format.key!r} ({log_format.suffix}) clashes with "
                f"{known.key!r} ({known.suffix})"
            )
    _registered[log_format.key] = log_format
    return log_format


def unregister(key: str) -> None:
    """Withdraw a format (for tests that declare one of their own)."""
    _registered.pop(key, None)


# --- the formats --------------------------------------------------------------------------------

register(LogFormat("csv", "CSV", ".csv", "opens in a spreadsheet", "kiosk.exports.csv_log"))
register(
    LogFormat("json", "JSON", ".json", "is the same records for scripts", "kiosk.exports.json_log")
)
register(
    LogFormat(
        "fhir",
        "FHIR",
        ".fhir.json",
        "is for an electronic health record",
        "kiosk.exports.fhir_bundle",
        needs_content=True,
        takes_answers=False,  # a FHIR bundle always carries the answers
    )
)
