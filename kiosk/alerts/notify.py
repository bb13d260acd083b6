"""The `notify` channel: Apprise URLs (e-mail, webhooks, Teams, Slack, SMS gateways, …).

Apprise speaks each service (STARTTLS e-mail, JSON webhooks, a hundred more); this module only
hands it the alert and turns Apprise's verdict into "accepted" or one line saying why not.
Imported by the delivery worker on its first delivery, never on the kiosk's start path.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from kiosk.alerts import AlertNotSentError
from kiosk.apprise_urls import redacted

if TYPE_CHECKING:
    from kiosk.alerts.message import AlertMessage
    from kiosk.config import Config

__all__ = ["deliver", "send"]

_ERROR_CHARS = 200


class _ThisThreadsWarnings(logging.Handler):
    """Apprise says why a send failed only in its log: keep the warnings logged by this thread
    (two channels may be sending at once, each on its own thread)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def send(url: str, subject: str, body: str) -> None:
    """Tell `url`; return once its service accepted the message, else raise AlertNotSentError."""
    import apprise

    # The service's plugin itself, not an Apprise() group: the group may send on a thread of its
    # own, and the reason for a failure is logged by the thread that sent.
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise AlertNotSentError(f"{redacted(url)}: Apprise does not understand this URL")
    logger = logging.getLogger("apprise")
    handler = _ThisThreadsWarnings()
    logger.addHandler(handler)
    try:
        accepted = plugin.notify(
            body=body,
            title=subject,
            notify_type=apprise.NotifyType.FAILURE,
            body_format=apprise.NotifyFormat.TEXT,
        )
    except Exception as exc:  # a plugin's own bug must not stop the worker
        raise AlertNotSentError(
            f"{redacted(url)}: {type(exc).__name__}: {exc}"[:_ERROR_CHARS]
        ) from exc
    finally:
        logger.removeHandler(handler)
    if not accepted:
        why = " ".join(handler.lines[-1].split()) if handler.lines else "not accepted"
        raise AlertNotSentError(f"{redacted(url)}: {why}"[:_ERROR_CHARS])


def deliver(message: AlertMessage, target: str, config: Config) -> None:
    send(target, message.subject, message.body)
