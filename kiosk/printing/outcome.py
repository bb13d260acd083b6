"""What became of one print attempt, and the printer setting that means "no printer"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["NO_PRINTER", "OutcomeState", "PrintOutcome"]

# config.printing.printer == "none": the kiosk has no printer; summaries stay in the kiosk.
NO_PRINTER: Final = "none"

OutcomeState = Literal["completed", "failed", "saved"]


@dataclass(frozen=True)
class PrintOutcome:
    """What became of one print attempt.

    - "completed": CUPS reports the job completed (ok=True).
    - "failed": not printed; `error` says why in one staff-readable line (ok=False).
    - "saved": the kiosk is set up without a printer (printer = "none"); nothing was sent, the
      visit and its summary stay in the kiosk for reception to reprint (ok=True, nothing failed).
    """

    ok: bool
    state: OutcomeState
    cups_job_id: int | None
    error: str | None
    queue: str = ""  # the CUPS queue actually used ("" when none was resolved)

    @property
    def printed(self) -> bool:
        return self.state == "completed"

    @classmethod
    def failed(cls, error: str, *, queue: str = "", cups_job_id: int | None = None) -> PrintOutcome:
        return cls(False, "failed", cups_job_id, error, queue)

    @classmethod
    def saved(cls) -> PrintOutcome:
        return cls(True, "saved", None, None, NO_PRINTER)
