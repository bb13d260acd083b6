"""Whether read aloud may say a safety question out loud (UX.md, issue 19).

A visitor listening through a headset hears everything. From a loudspeaker the whole lobby
hears too: a safety question (thoughts of self-harm), the safety screen and the urgent note on
the results are then replaced by a line that says how to hear them, unless the clinic allows
them on the loudspeaker ([speech] safety_on_speaker in kiosk.toml).

Whether a headset is plugged in is read from ALSA, as the sound goes there: a USB headset is a
sound card of its own ("USB-Audio" in /proc/asound/cards); headphones in a jack show as the
card's "Headphone Jack" control being on (read with amixer, alsa-utils). [speech] output says
"headset" or "speaker" where that cannot be known (a handset wired in, a speaker-only kiosk).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from kiosk.config import SpeechConfig

log = logging.getLogger(__name__)
ASOUND = Path("/proc/asound")
JACK_CONTROL = "iface=CARD,name=Headphone Jack"
AMIXER_TIMEOUT_S = 1.0


def headset_plugged_in(asound: Path = ASOUND) -> bool:
    """A USB headset, or headphones in a jack of a sound card that reports its jacks."""
    try:
        cards = (asound / "cards").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False  # no sound card at all: nothing to be heard, privately or not
    if "USB-Audio" in cards:
        return True
    for number in re.findall(r"^\s*(\d+)\s+\[", cards, flags=re.MULTILINE):
        if _jack_on(number):
            return True
    return False


def _jack_on(card: str) -> bool:
    # Here, not at the top: subprocess (with selectors and signal) is ~3.5 ms of a cold start,
    # and nothing asks about a jack before a visitor reaches a safety question with read aloud.
    import subprocess

    try:
        done = subprocess.run(
            ["amixer", "-c", card, "cget", JACK_CONTROL],
            capture_output=True,
            text=True,
            timeout=AMIXER_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False  # no amixer (alsa-utils), or a card that does not answer
    return done.returncode == 0 and ": values=on" in done.stdout


class SpeechPrivacy:
    """What may be said where, by the clinic's [speech] settings."""

    def __init__(self, config: SpeechConfig, asound: Path = ASOUND) -> None:
        self.config = config
        self.asound = asound

    def private(self) -> bool:
        """Is what is said heard only by the visitor (a headset)?"""
        if self.config.output == "auto":
            return headset_plugged_in(self.asound)
        return self.config.output == "headset"

    def may_say_safety(self) -> bool:
        return self.config.safety_on_speaker or self.private()
