"""Alert channels: every way staff are told of an urgent visit, declared once.

The outbox (the `alerts` table, written by the store in the same commit that makes a visit urgent)
holds one row per target of each channel; the delivery worker (`worker.py`) hands each row to its
channel's `deliver`. Everyone who lists channels reads this registry: the config's targets, the
worker, `python -m kiosk alerts` and `check`, staff mode's status line.

A declaration is light (names and functions of the config only): the code that delivers (Apprise,
ReportLab, CUPS) is imported by the worker on the first delivery, off the start path.

To add a channel: write `kiosk/alerts/<name>.py` with a `deliver(message, target, config)` that
returns when the far end accepted the message and raises `AlertNotSentError` otherwise, then add one
`register(AlertChannel(...))` line at the bottom of this file (and its key in `[alerts]` of
kiosk/config.py when it is configured).
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Protocol, cast

if TYPE_CHECKING:
    from kiosk.alerts.message import AlertMessage
    from kiosk.config import Config

__all__ = [
    "CHANNELS",
    "AlertChannel",
    "AlertNotSentError",
    "Deliver",
    "channel_label",
    "configured_targets",
    "escalation_targets",
    "first_targets",
    "register",
    "target_id",
    "unregister",
]


class AlertNotSentError(Exception):
    """The far end did not accept the alert; the message says why in one line, without secrets."""


class Deliver(Protocol):
    """A channel's `deliver`: returns once `target` accepted `message`, else raises
    AlertNotSentError. Runs on the delivery worker's thread, never on the GUI thread."""

    def __call__(self, message: AlertMessage, target: str, config: Config) -> None: ...


@dataclass(frozen=True)
class AlertChannel:
    key: str  # stored in alerts.channel; names the channel in `alerts`, `check` and logs
    # What staff read: "Alerts are not reaching <label> since 2:14 PM" (en, es).
    label: Mapping[str, str]
    implementation: str  # the module whose `deliver` sends; imported on the first delivery
    # The configured targets (URLs, a queue name) in the kiosk's config; empty: the channel is off.
    targets: Callable[[Config], Sequence[str]]
    first_alert: bool  # told of every urgent visit (and of each rise of its level)
    escalation: bool  # told when nobody acknowledged in time

    def deliverer(self) -> Deliver:
        return cast(Deliver, importlib.import_module(self.implementation).deliver)


_registered: dict[str, AlertChannel] = {}
CHANNELS: Final[Mapping[str, AlertChannel]] = MappingProxyType(_registered)


def register(channel: AlertChannel) -> AlertChannel:
    if channel.key in _registered or not channel.key.isidentifier():
        raise ValueError(f"alert channel {channel.key!r}: taken, or not a plain word")
    _registered[channel.key] = channel
    return channel


def unregister(key: str) -> None:
    """Withdraw a channel (for tests that declare one of their own)."""
    _registered.pop(key, None)


def target_id(value: str) -> str:
    """A short stable id for a configured target, stored in the outbox instead of the target
    itself (a URL can hold a password). Editing a URL makes a new target."""
    return f"{zlib.crc32(value.encode('utf-8')):08x}"


def configured_targets(config: Config) -> dict[tuple[str, str], str]:
    """(channel, target id) -> the target, for every registered channel's configured ones."""
    return {
        (channel.key, target_id(value)): value
        for channel in _registered.values()
        for value in channel.targets(config)
    }


def _targets_of(config: Config, *, escalation: bool) -> tuple[tuple[str, str], ...]:
    return tuple(
        (channel.key, target_id(value))
        for channel in _registered.values()
        if (channel.escalation if escalation else channel.first_alert)
        for value in channel.targets(config)
    )


def first_targets(config: Config) -> tuple[tuple[str, str], ...]:
    """(channel, target) told when a visit becomes urgent or more urgent."""
    return _targets_of(config, escalation=False)


def escalation_targets(config: Config) -> tuple[tuple[str, str], ...]:
    """(channel, target) told once when nobody acknowledged in time."""
    return _targets_of(config, escalation=True)


def channel_label(key: str, language: str = "en") -> str:
    channel = _registered.get(key)
    if channel is None:
        return key
    return channel.label.get(language, channel.label["en"])


def _printer(config: Config) -> Sequence[str]:
    return (config.alerts.printer,) if config.alerts.printer else ()


def _hub(config: Config) -> Sequence[str]:
    return (config.hub.url,) if config.hub.url else ()


# --- the channels -------------------------------------------------------------------------------

register(
    AlertChannel(
        "notify",
        {"en": "e-mail and messages", "es": "el correo y los mensajes"},
        "kiosk.alerts.notify",
        lambda config: config.alerts.notify,
        first_alert=True,
        escalation=False,
    )
)
register(
    AlertChannel(
        "printer",
        {"en": "the desk printer", "es": "la impresora de recepción"},
        "kiosk.alerts.printer",
        _printer,
        first_alert=True,
        escalation=True,  # the slip again, marked as an escalation
    )
)
register(
    AlertChannel(
        "escalate",
        {"en": "the escalation contacts", "es": "los contactos de escalamiento"},
        "kiosk.alerts.escalate",
        lambda config: config.alerts.escalate,
        first_alert=False,
        escalation=True,
    )
)
register(
    AlertChannel(
        "hub",
        {"en": "the front desk (clinic hub)", "es": "recepción (servidor central)"},
        "kiosk.alerts.hub",
        _hub,
        first_alert=True,
        # The desk's banner stays up until someone acknowledges: nothing to escalate there.
        escalation=False,
    )
)
