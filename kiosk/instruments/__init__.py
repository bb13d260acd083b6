"""The instruments the kiosk knows: one spec per file, registered here, in asking order.

Adding an instrument is a file beside these (its `InstrumentSpec`) and one `register` line at
the bottom; its wording goes in each language's instruments.toml and results.toml. Everything
else (scoring, the flow, the summary, the staff view, every export) reads the registry.
The registration order is the default asking order and the order of the CSV columns.
"""

from __future__ import annotations

from kiosk.instruments.spec import (
    AskedWhen,
    Band,
    Codes,
    Coding,
    InstrumentSpec,
    SafetyLevel,
    SafetyRule,
    ScreenScoring,
)

__all__ = [
    "INSTRUMENTS",
    "AskedWhen",
    "Band",
    "Codes",
    "Coding",
    "InstrumentSpec",
    "SafetyLevel",
    "SafetyRule",
    "ScreenScoring",
    "get",
    "ids",
    "register",
    "unregister",
]

# id -> spec, in registration order (dicts keep it).
INSTRUMENTS: dict[str, InstrumentSpec] = {}


def register(spec: InstrumentSpec) -> InstrumentSpec:
    """Make `spec` known; registering the same id twice with another spec is refused."""
    known = INSTRUMENTS.get(spec.id)
    if known is not None and known != spec:
        raise ValueError(f"instrument {spec.id!r} is already registered")
    INSTRUMENTS[spec.id] = spec
    return spec


def unregister(instrument_id: str) -> None:
    """Forget an instrument (tests that declare one of their own clean up with this)."""
    INSTRUMENTS.pop(instrument_id, None)


def get(instrument_id: object) -> InstrumentSpec:
    """The spec of `instrument_id`; ValueError naming the known ones when there is none."""
    spec = INSTRUMENTS.get(instrument_id) if isinstance(instrument_id, str) else None
    if spec is None:
        known = ", ".join(repr(known) for known in INSTRUMENTS)
        raise ValueError(f"unknown instrument {instrument_id!r} (expected one of {known})")
    return spec


def ids() -> tuple[str, ...]:
    """Every registered instrument id, in registration order."""
    return tuple(INSTRUMENTS)


# The shipped instruments. One line per instrument; the order is the default asking order.
from kiosk.instruments import asq, gad7, phq9  # noqa: E402 - the registry exists before the specs

register(phq9.SPEC)
register(asq.SPEC)
register(gad7.SPEC)
