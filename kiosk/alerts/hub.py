"""The `hub` channel: the clinic hub has the urgent visit, so every desk app shows its banner.

The hub gets visits by replication (kiosk/hub/shipper.py, woken by the same commit that wrote
this outbox row), not by a message: what this channel does is find out that the hub *has* the
visit at this level. Once it does, desks were notified by the hub itself (LISTEN/NOTIFY), and
"The front desk has been told." is true. So `deliver` connects as the kiosk (row-level security
shows it its own visits only), listens for the hub's change notices, and returns as soon as the
visit is there at least as urgent as the alert; when it is not there within WAIT_SECONDS (the
shipper failing, the hub refusing it), the attempt fails and the outbox retries it.

Imported by the delivery worker on its first delivery, never on the kiosk's start path.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

import psycopg

from kiosk.alerts import AlertNotSentError
from kiosk.hub.errors import HubError
from kiosk.hub.schema import NOTIFY_CHANNEL, check_version, connect, describe_error
from kiosk.risk import rank

if TYPE_CHECKING:
    from kiosk.alerts.message import AlertMessage
    from kiosk.config import Config
    from kiosk.risk import UrgentLevel

__all__ = ["WAIT_SECONDS", "deliver", "hub_has"]

# How long one attempt waits for replication to bring the visit: the shipper is woken by the
# commit that wrote this row, so it is there in milliseconds when the hub is up; longer means
# the shipper is failing, and its own status line says why.
WAIT_SECONDS: Final = 20.0


def hub_has(conn: psycopg.Connection[tuple[object, ...]], code: str, level: UrgentLevel) -> bool:
    """Whether the hub holds this kiosk's visit ``code`` at ``level`` or above."""
    row = conn.execute("SELECT risk FROM hub.visits WHERE code = %s AND urgent", [code]).fetchone()
    return row is not None and isinstance(row[0], str) and rank(row[0]) >= rank(level)


def deliver(message: AlertMessage, target: str, config: Config) -> None:
    code, level = message.facts.code, message.facts.risk
    try:
        conn = connect(target)
    except HubError as exc:
        raise AlertNotSentError(str(exc)) from None
    try:
        check_version(conn, target)
        # Listening before the first look: a visit that lands between the look and the wait
        # still wakes it.
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        deadline = time.monotonic() + WAIT_SECONDS
        while not hub_has(conn, code, level):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AlertNotSentError(
                    f"the hub has not received visit {code} yet (see the hub sync line)"
                )
            for _ in conn.notifies(timeout=left, stop_after=1):
                pass
    except (psycopg.Error, HubError) as exc:
        raise AlertNotSentError(describe_error(target, exc)) from None
    finally:
        conn.close()
