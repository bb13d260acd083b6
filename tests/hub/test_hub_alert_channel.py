"""The hub as a channel of the alerts outbox (kiosk/alerts/hub.py): an alert counts as delivered
only once the hub holds the visit at the alert's level (the desks' banner is then up), and an
attempt that cannot see it there fails and is retried, never claimed. Real PostgreSQL, real
store, real shipper."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk.alerts import AlertNotSentError, first_targets
from kiosk.alerts import hub as hub_channel
from kiosk.alerts.message import compose
from kiosk.config import Config, HubConfig
from kiosk.hub.shipper import Shipper
from kiosk.store import Store
from kiosk.store.repository import OutboxItem
from tests.support.hub import hub_with, shipper_for


@contextmanager
def _lobby(
    hub_admin_url: str, config: Config, folder: Path
) -> Iterator[tuple[Store, Shipper, str, Config]]:
    """A kiosk joined to the hub with the hub as its alert channel; its shipper not started."""
    url = hub_with(hub_admin_url, kiosks=("lobby",))["lobby"]
    config = config.replace(hub=HubConfig(url=url))
    with Store.open(folder) as store, shipper_for(store, url) as shipper:
        store.set_alert_targets(first_targets(config))
        yield store, shipper, url, config


def _hub_item(store: Store, code: str) -> OutboxItem:
    (item,) = [i for i in store.due_alerts() if i.code == code and i.channel == "hub"]
    return item


def test_delivered_only_once_the_hub_has_the_visit_at_the_alerts_level(
    hub_admin_url: str, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_channel, "WAIT_SECONDS", 0.3)
    with _lobby(hub_admin_url, config, tmp_path / "k") as (store, shipper, url, config):
        code = store.create_visit("en").code
        store.mark_urgent(code, "phq9_item9", "non_acute")
        first = compose(_hub_item(store, code), config)
        with pytest.raises(AlertNotSentError, match=f"has not received visit {code}"):
            hub_channel.deliver(first, url, config)
        shipper.run_once()
        hub_channel.deliver(first, url, config)

        # A rise to acute is a new alert: the hub holding the visit as non-acute is not enough.
        store.record_alert_attempt(_hub_item(store, code).id, error=None, next_attempt_at=None)
        store.mark_urgent(code, "asq_acute", "acute")
        second = compose(_hub_item(store, code), config)
        assert second.facts.risk == "acute"
        with pytest.raises(AlertNotSentError):
            hub_channel.deliver(second, url, config)
        shipper.run_once()
        hub_channel.deliver(second, url, config)


def test_an_attempt_under_way_returns_as_soon_as_the_shipper_lands_the_visit(
    hub_admin_url: str, config: Config, tmp_path: Path
) -> None:
    with _lobby(hub_admin_url, config, tmp_path / "k") as (store, shipper, url, config):
        code = store.create_visit("en").code
        store.mark_urgent(code, "talk_now", "acute")
        message = compose(_hub_item(store, code), config)
        outcome: list[BaseException | None] = []

        def attempt() -> None:
            try:
                hub_channel.deliver(message, url, config)
            except BaseException as exc:
                outcome.append(exc)
            else:
                outcome.append(None)

        waiting = threading.Thread(target=attempt)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "claimed before the hub had the visit"
        shipper.run_once()  # the hub's NOTIFY wakes the attempt, long before its 20 s are up
        waiting.join(10)
        assert outcome == [None]


def test_a_hub_that_refuses_the_kiosk_fails_the_attempt_without_showing_the_password(
    hub_admin_url: str, config: Config, tmp_path: Path
) -> None:
    right = hub_with(hub_admin_url, kiosks=("lobby",))["lobby"]
    password = right.split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]
    wrong = right.replace(password, "not-" + password)
    config = config.replace(hub=HubConfig(url=wrong))
    with Store.open(tmp_path / "k") as store:
        store.set_alert_targets(first_targets(config))
        code = store.create_visit("en").code
        store.mark_urgent(code, "talk_now", "acute")
        message = compose(_hub_item(store, code), config)
    with pytest.raises(AlertNotSentError) as raised:
        hub_channel.deliver(message, wrong, config)
    assert "password authentication failed" in str(raised.value)
    assert password not in str(raised.value)
