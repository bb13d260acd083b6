"""When to try an alert again, and when nobody's acknowledgement means escalation.

Retries: after a failed attempt the row waits RETRY_DELAYS[attempts - 1] seconds, the last delay
repeating (10 s, 30 s, 1 min, 2 min, then every 5 min), until it is delivered or its visit is
acknowledged. Never given up: an undelivered urgent alert stays visible in `python -m kiosk
alerts` and staff mode until a human has dealt with the visit.

Escalation: `escalate_after_minutes` after a visit's first alert (acute: half of it), measured
on the boot clock (kiosk/boot_clock.py), so moving the wall clock neither fires nor suppresses it.
After a restart the deadline is re-derived from the rows' stored stamps: on the same boot from
the boot clock itself; after a reboot from the wall-clock time elapsed since the row was written,
taken between none and the whole wait (a clock set back counts as no time; a clock set forward
at most makes the escalation due at once, never twice).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

__all__ = ["RETRY_DELAYS", "escalation_seconds", "retry_delay", "seconds_left"]

RETRY_DELAYS: Final[tuple[float, ...]] = (10.0, 30.0, 60.0, 120.0, 300.0)


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1 = the first)."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def escalation_seconds(level: str, minutes: int) -> float:
    """How long an alert at `level` waits for an acknowledgement (acute: half)."""
    return minutes * 60.0 / (2 if level == "acute" else 1)


def seconds_left(
    wait: float,
    *,
    created_at: datetime,
    boot_id: str | None,
    boot_at: float | None,
    now: datetime,
    boot: tuple[str, float],
) -> float:
    """Seconds until a row written at (`created_at`, `boot_id`/`boot_at`) has waited `wait`,
    seen at wall time `now` and boot clock `boot`. Negative or zero: due."""
    current_boot, boot_now = boot
    if boot_id == current_boot and boot_at is not None:
        elapsed = boot_now - boot_at
    else:
        elapsed = (now - created_at).total_seconds()
    return wait - min(max(elapsed, 0.0), wait)
