"""A clock that wall-clock jumps cannot move: seconds since this machine booted, and which boot.

The alerts' escalation deadline and retry times are measured on it. NTP stepping the time, an
administrator setting the date or a dead RTC battery move `datetime.now()` by minutes or years;
CLOCK_BOOTTIME only ever runs forward (through suspend too), and survives the kiosk's restarts
within one boot. Across a reboot the boot id changes and the stored wall times are all there is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")

# (boot id, seconds on this boot's clock): what the store stamps an alert with.
BootClock = Callable[[], tuple[str, float]]

_boot_id: str | None = None


def _read_boot_id() -> str:
    global _boot_id
    if _boot_id is None:
        try:
            _boot_id = BOOT_ID_FILE.read_text(encoding="ascii").strip()
        except OSError:
            # No /proc (another system): one boot per process start, so only the stored wall
            # times carry over a restart, as across a reboot.
            _boot_id = f"process-{time.time_ns()}"
    return _boot_id


def boot_clock() -> tuple[str, float]:
    clock_id = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)
    return _read_boot_id(), time.clock_gettime(clock_id)
