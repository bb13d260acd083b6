"""Plain value types shared by the domain modules (store, flow, report, export).

They carry no behaviour and no I/O so that every layer can exchange them freely.
Times are timezone-aware UTC datetimes; the clinic timezone is applied only when showing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final, Literal

from msgspec import Struct, field

from kiosk import instruments

# A registered instrument's id (kiosk.instruments: the PHQ-9's, the GAD-7's, any added).
InstrumentId = str
# A section of answers: an instrument's id, or FIT_SECTION for the "which program fits"
# questions (as many as the content holds; values there are option indexes, 0-based).
SectionId = str
FIT_SECTION: Final = "fit"


def sections() -> tuple[SectionId, ...]:
    """Every section answers may be stored under: the registered instruments, then fit."""
    return (*instruments.ids(), FIT_SECTION)


VisitStatus = Literal["in_progress", "completed", "abandoned"]
Guidance = Literal["staff_today", "ask_iop", "clinician", "outpatient"]
PrintState = Literal["pending", "submitted", "completed", "failed", "saved"]


class StoredScore(Struct, frozen=True):
    """One instrument's result as kept with the visit."""

    instrument: InstrumentId
    total: int | None  # None when incomplete
    band: str | None  # None when incomplete
    complete: bool
    skipped: int  # scored items skipped (or never answered)
    urgent: bool


class PrintJob(Struct, frozen=True):
    id: int
    queue: str
    state: PrintState
    cups_job_id: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class Visit(Struct, frozen=True):
    """Everything recorded about one visit, as read back from the store."""

    id: int
    code: str
    language: str
    started_at: datetime
    completed_at: datetime | None
    status: VisitStatus
    urgent: bool
    name: str | None
    # section -> item number (1-based) -> value; None means the visitor skipped that item.
    answers: Mapping[SectionId, Mapping[int, int | None]] = field(default_factory=dict)
    scores: Mapping[InstrumentId, StoredScore] = field(default_factory=dict)
    guidance: Guidance | None = None
    printed: bool = False
    seen: bool = False
    print_jobs: tuple[PrintJob, ...] = ()


class VisitSummary(Struct, frozen=True):
    """One line of reception's list: what a visit's row shows, without its answers or scores
    (a day of a thousand visits is read in milliseconds, every few seconds)."""

    id: int
    code: str
    started_at: datetime
    status: VisitStatus
    urgent: bool
    printed: bool
    seen: bool
