"""The kiosk's own sync state with the clinic hub, in one line for staff mode (docs/hub.md).

"Clinic hub: last sent 2:14 PM · 3 visits waiting · last error 2:10 PM: cannot connect …". The
shipper (kiosk/hub/shipper.py) keeps the state on its thread; the reception list reads it each
time it re-reads today's visits. Only a kiosk with `[hub] url` shows the line.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol

from kiosk.config import redact_url
from ui.staff.urgent import moment_words

__all__ = ["HubSync", "SyncFacts", "sync_line"]

ERROR_CHARS = 160  # two lines of the list's small print at 1280 px


class SyncFacts(Protocol):
    """What the shipper's SyncState tells (kiosk.hub.shipper, not imported: it loads psycopg)."""

    @property
    def last_success(self) -> datetime | None: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def last_error_at(self) -> datetime | None: ...
    @property
    def failing(self) -> bool: ...


class HubSync(Protocol):
    """The kiosk window's shipper, as staff mode sees it."""

    url: str

    @property
    def state(self) -> SyncFacts: ...

    def backlog(self) -> int: ...


def sync_line(
    state: SyncFacts, backlog: int, zone: tzinfo, now: datetime, url: str = ""
) -> tuple[str, bool]:
    """The line, and whether it is a warning (the last round failed). The hub's address is
    left out of the error (`check` and the log give it): staff need the reason."""
    if state.last_success is None:
        sent = "nothing sent yet" if state.failing else "connecting…"
    else:
        sent = f"last sent {moment_words(state.last_success, zone, now)}"
    waiting = (
        "nothing waiting"
        if backlog == 0
        else f"{backlog:,} visit{'s' if backlog != 1 else ''} waiting to be sent"
    )
    error = "no errors"
    if state.last_error is not None and state.last_error_at is not None:
        reason = state.last_error.replace(f" {redact_url(url)}", "") if url else state.last_error
        if len(reason) > ERROR_CHARS:
            reason = reason[: ERROR_CHARS - 1].rstrip() + "…"
        error = f"last error {moment_words(state.last_error_at, zone, now)}: {reason}"
    lead = "Clinic hub NOT REACHED" if state.failing else "Clinic hub"
    return f"{lead}: {sent} · {waiting} · {error}", state.failing
