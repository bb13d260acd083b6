"""What an alert says: location, visit code, time, level and reason in words. Nothing else.

The privacy rule (docs/alerts.md): an alert travels over e-mail, chat and SMS services the clinic
does not control, so it never carries the visitor's name or any answer — only what lets staff find
the visitor at the kiosk (the code and where) and know how urgent it is. `compose` takes exactly
those facts; it is never given a Visit. Subject and body are in `[clinic] staff_language`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

from kiosk.alerts.schedule import escalation_seconds
from kiosk.content.data_file import load_model
from kiosk.content.staff_words import STAFF_FILE, StaffWords

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.risk import UrgentLevel
    from kiosk.store.repository import OutboxItem

__all__ = ["AlertFacts", "AlertMessage", "compose", "facts_of", "reason_words"]

_LEVELS: Final = {
    "en": {"acute": "ACUTE", "non_acute": "non-acute"},
    "es": {"acute": "AGUDO", "non_acute": "no agudo"},
}
_WORDS: Final = {
    "en": {
        "alert_subject": "URGENT ({level}): visit {code} at {location}",
        "escalation_subject": "ESCALATION, not acknowledged: visit {code} at {location}",
        "alert_lead": "A visitor at {location} needs to be seen by staff now.",
        "escalation_lead": (
            "Nobody has acknowledged this urgent visit at {location} within {minutes}."
        ),
        "code": "Visit code",
        "time": "Time",
        "level": "Level",
        "reason": "Reason",
        "where": "Where",
        "tail": "Acknowledge it in the kiosk's staff mode once the visitor has been seen.",
    },
    "es": {
        "alert_subject": "URGENTE ({level}): visita {code} en {location}",
        "escalation_subject": "ESCALAMIENTO, sin confirmar: visita {code} en {location}",
        "alert_lead": "Una persona en {location} necesita que el personal la atienda ahora.",
        "escalation_lead": ("Nadie ha confirmado esta visita urgente en {location} en {minutes}."),
        "code": "Código de visita",
        "time": "Hora",
        "level": "Nivel",
        "reason": "Motivo",
        "where": "Lugar",
        "tail": "Confírmela en el modo de personal del quiosco cuando la hayan atendido.",
    },
}


@dataclass(frozen=True)
class AlertFacts:
    """Everything an alert may say, already in words."""

    language: str
    escalation: bool
    location: str
    code: str
    time: str  # clinic time, e.g. "2:14 PM (2026-12-05)"
    level: str
    reason: str
    risk: UrgentLevel  # the level itself, for a channel that compares it (the hub)
    minutes: float  # the escalation's wait, for an escalation's lead line

    def word(self, key: str) -> str:
        return _WORDS[self.language][key]

    def lead(self) -> str:
        """The message's first line: why staff are told now."""
        unit = {"en": ("minute", "minutes"), "es": ("minuto", "minutos")}[self.language]
        minutes = f"{self.minutes:g} {unit[0] if self.minutes == 1 else unit[1]}"
        kind = "escalation" if self.escalation else "alert"
        return self.word(f"{kind}_lead").format(location=self.location, minutes=minutes)


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    body: str
    facts: AlertFacts


@cache
def staff_words(content_dir: Path, language: str) -> StaffWords:
    """The staff language's staff.toml (its reasons in words), read once per process: the
    kiosk validated it at start (`load_content`), the CLI's `check` does too."""
    return load_model(content_dir / language / STAFF_FILE, StaffWords)


def reason_words(reason: str | None, config: Config) -> str:
    """The visit's reasons as staff.toml's [alert_reasons] say them, in the staff language."""
    words = staff_words(config.content_dir, config.clinic.staff_language)
    return words.reasons_said(reason) or words.level("non_acute")


def _clock_text(moment: datetime, language: str) -> str:
    if language == "en":
        hour = moment.strftime("%I:%M %p").lstrip("0")
        return f"{hour} ({moment:%Y-%m-%d})"
    return f"{moment:%H:%M} ({moment:%Y-%m-%d})"


def facts_of(item: OutboxItem, config: Config) -> AlertFacts:
    language = config.clinic.staff_language
    escalation = item.kind == "escalation"
    minutes = escalation_seconds(item.level, config.alerts.escalate_after_minutes) / 60
    return AlertFacts(
        language=language,
        escalation=escalation,
        location=config.kiosk.location,
        code=item.code,
        time=_clock_text(item.created_at.astimezone(config.zone), language),
        level=_LEVELS[language][item.level],
        reason=reason_words(item.reason, config),
        risk=item.level,
        minutes=minutes,
    )


def compose(item: OutboxItem, config: Config) -> AlertMessage:
    facts = facts_of(item, config)
    values = {"code": facts.code, "location": facts.location, "level": facts.level}
    kind = "escalation" if facts.escalation else "alert"
    subject = facts.word(f"{kind}_subject").format(**values)
    lines = [
        facts.lead(),
        "",
        f"{facts.word('code')}: {facts.code}",
        f"{facts.word('where')}: {facts.location}",
        f"{facts.word('time')}: {facts.time}",
        f"{facts.word('level')}: {facts.level}",
        f"{facts.word('reason')}: {facts.reason}",
        "",
        facts.word("tail"),
    ]
    return AlertMessage(subject=subject, body="\n".join(lines), facts=facts)
