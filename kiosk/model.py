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
from kiosk.risk import RiskLevel, UrgentLevel

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
# What staff did about an urgent visit (UX.md), chosen when they acknowledge it.
Outcome = Literal["spoke", "clinician", "left", "other"]
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
    # How urgent (kiosk/risk.py) and every trigger's reason joined with "+"; None when not urgent.
    risk: RiskLevel = "none"
    reason: str | None = None
    # Staff's acknowledgement of an urgent visit: when, by which role, and the outcome.
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    outcome: Outcome | None = None
    # When a channel first accepted this visit's alert (kiosk/alerts); None while none has.
    alerted_at: datetime | None = None
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
    risk: RiskLevel = "none"


AlertKind = Literal["alert", "escalation"]
AlertState = Literal["pending", "sent"]


class AlertDelivery(Struct, frozen=True):
    """One channel told (or still to be told) of one urgent visit: a row of the outbox."""

    id: int
    channel: str
    kind: AlertKind
    level: UrgentLevel
    created_at: datetime
    state: AlertState
    attempts: int
    last_error: str | None
    sent_at: datetime | None


class UrgentVisit(Struct, frozen=True):
    """An urgent visit as the day's reconciliation shows it."""

    code: str
    started_at: datetime
    status: VisitStatus
    risk: RiskLevel
    reason: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    outcome: Outcome | None
    deliveries: tuple[AlertDelivery, ...] = ()

    @property
    def alerted_at(self) -> datetime | None:
        """When a channel first accepted this visit's alert; None while none has."""
        times = [d.sent_at for d in self.deliveries if d.kind == "alert" and d.sent_at]
        return min(times) if times else None

    @property
    def escalated_at(self) -> datetime | None:
        """When escalation was decided (its rows written); None if it never was."""
        times = [d.created_at for d in self.deliveries if d.kind == "escalation"]
        return min(times) if times else None


class ChannelStatus(Struct, frozen=True):
    """How one alert channel is doing, for staff mode and `check`: one line each."""

    channel: str
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    # The oldest alert on this channel still undelivered after a failed attempt, when nothing
    # has been delivered on the channel since: "not reaching e-mail since 2:14 PM".
    failing_since: datetime | None
    pending: int
