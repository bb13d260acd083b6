"""The `printer` channel: an alert slip on the front desk's CUPS queue.

A page that reads at arm's length: URGENT (or ESCALATION), then where, the visit code, the time,
the level and the reason, in the staff language; nothing else (the privacy rule of
kiosk/alerts/message.py). Printed through the summaries' pipeline (kiosk/printing: the queue is
checked, the job followed to its end); it is not a summary, so no print job is recorded for the
visit: the outbox row and its attempts are the record.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Final

from kiosk.alerts import AlertNotSentError

if TYPE_CHECKING:
    from kiosk.alerts.message import AlertFacts, AlertMessage
    from kiosk.config import Config

__all__ = ["deliver", "render_slip", "slip_title"]

_HEADLINE: Final = {
    ("en", False): "URGENT",
    ("en", True): "ESCALATION",
    ("es", False): "URGENTE",
    ("es", True): "ESCALAMIENTO",
}


def slip_title(code: str) -> str:
    """The CUPS job title: the code only, as a summary's (kiosk/printing/job.py)."""
    return f"alert-{code}"


def render_slip(facts: AlertFacts, paper: str = "letter") -> bytes:
    """The slip as PDF bytes; the same facts always give the same bytes."""
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    size = A4 if paper == "a4" else LETTER
    width, height = size
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=size, invariant=1)
    page.setTitle(slip_title(facts.code))
    margin = 20 * mm

    def lines(text: str, font: str, points: float, y: float, leading: float) -> float:
        for line in simpleSplit(text, font, points, width - 2 * margin):
            page.setFont(font, points)
            page.drawString(margin, y, line)
            y -= leading
        return y

    y = lines(
        _HEADLINE[(facts.language, facts.escalation)],
        "Helvetica-Bold",
        40,
        height - 35 * mm,
        16 * mm,
    )
    y = lines(facts.code, "Helvetica-Bold", 30, y, 14 * mm)
    for key, value in (
        ("where", facts.location),
        ("time", facts.time),
        ("level", facts.level),
        ("reason", facts.reason),
    ):
        y = lines(f"{facts.word(key)}: {value}", "Helvetica", 16, y, 8 * mm)
    if facts.escalation:
        lines(facts.lead(), "Helvetica-Bold", 16, y - 4 * mm, 8 * mm)
    page.showPage()
    page.save()
    return out.getvalue()


def deliver(message: AlertMessage, target: str, config: Config) -> None:
    from kiosk.printing import submit_and_follow

    facts = message.facts
    outcome = submit_and_follow(
        render_slip(facts, config.printing.paper),
        target,
        title=slip_title(facts.code),
        timeout=config.printing.timeout_seconds,
    )
    if not outcome.printed:
        raise AlertNotSentError(f"{target}: {outcome.error or 'not printed'}")
