"""The `escalate` channel: the Apprise URLs told when nobody acknowledged an urgent visit in time.

The same sending as `notify` (kiosk/alerts/notify.py), to other people, with the escalation's
own subject and first line (kiosk/alerts/message.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.alerts.notify import send

if TYPE_CHECKING:
    from kiosk.alerts.message import AlertMessage
    from kiosk.config import Config

__all__ = ["deliver"]


def deliver(message: AlertMessage, target: str, config: Config) -> None:
    send(target, message.subject, message.body)
