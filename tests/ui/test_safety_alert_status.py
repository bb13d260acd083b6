"""The safety screen tells the truth about the alert (UX.md): "The front desk has been told."
only once a channel has accepted this visit's alert, never while it is pending or failing, never
when no channel is configured; "Someone from the front desk is coming to you." once staff
acknowledged it. Real window, real store file; outbox rows written as the delivery worker does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import AlertsConfig, Config
from kiosk.content import Content
from tests.support.checkin import (
    safety_alert_line,
    shown_texts,
    talk_now_at_first_question,
)
from tests.support.outbox import mark_sent, outbox_row
from tests.support.windows import MakeWindow
from ui.app import MainWindow
from ui.shell.navigator import Navigator, ScreenId

EMAIL = AlertsConfig(notify=["mailtos://desk:secret@mail.example.org?to=desk@example.org"])


def with_alerts(config: Config, alerts: AlertsConfig) -> Config:
    return config.replace(alerts=alerts)


def to_safety(window: MainWindow, language: str = "en") -> str:
    return talk_now_at_first_question(window.navigator, language)


def answered(qtbot: QtBot, nav: Navigator) -> None:
    """Wait for the store to be asked again (a whole poll, from after this call)."""
    with qtbot.waitSignal(nav.alert_watch.read, timeout=5000):
        pass
    with qtbot.waitSignal(nav.alert_watch.read, timeout=5000):
        pass


line = safety_alert_line


@pytest.mark.parametrize(
    ("language", "told", "coming"),
    [
        ("en", "The front desk has been told.", "Someone from the front desk is coming to you."),
        ("es", "La recepción ya está avisada.", "Alguien de la recepción viene a atenderle."),
    ],
)
def test_told_only_after_a_channel_accepted_then_coming_once_acknowledged(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    qtbot: QtBot,
    language: str,
    told: str,
    coming: str,
) -> None:
    window = make_window(with_alerts(config, EMAIL))
    # The test writes the outbox rows as the delivery worker leaves them; the real worker's
    # path to the told line is tested with a real SMTP server in test_alerts_ui.py.
    window._stop_alerts()
    nav, store = window.navigator, window.store
    assert store is not None
    code = to_safety(window, language)
    watch = nav.alert_watch
    assert watch.watching
    watch.timer.setInterval(20)
    answered(qtbot, nav)
    assert line(nav) == ""
    now = datetime.now(UTC)
    # Written, tried, failing: the alert is not out, so nothing is claimed.
    row = outbox_row(store, code, "notify", created=now, error="connection refused")
    answered(qtbot, nav)
    assert line(nav) == "" and told not in shown_texts(nav.safety)
    mark_sent(store, row, now)
    qtbot.waitUntil(lambda: line(nav) == told, timeout=5000)
    lc = content[language]
    # Under the message, above the crisis lines.
    texts = shown_texts(nav.safety)
    assert texts.index(lc.screening.safety.message) < texts.index(told) < texts.index("911")
    assert told in nav.safety.speech_text()
    assert store.acknowledge(code, "reception", "spoke")
    qtbot.waitUntil(lambda: line(nav) == coming, timeout=5000)
    assert not watch.watching  # nothing truer to say: the store is no longer asked
    # Leaving the screen stops the watch; the next visitor starts with nothing claimed.
    nav.safety.continue_button.click()
    assert nav.current is ScreenId.QUESTION and not watch.watching
    nav.reset()
    to_safety(window, language)
    assert line(nav) == ""


def test_nothing_is_claimed_when_no_channel_is_configured(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    assert not config.alerts_configured
    window = make_window(config)
    nav, store = window.navigator, window.store
    assert store is not None
    code = to_safety(window)
    nav.alert_watch.timer.setInterval(20)
    # Even a row marked sent (a channel since removed from the config) is not claimed: the
    # kiosk as configured tells nobody.
    outbox_row(store, code, "notify", created=datetime.now(UTC), sent=datetime.now(UTC))
    answered(qtbot, nav)
    answered(qtbot, nav)
    assert line(nav) == ""
    assert "The front desk has been told." not in shown_texts(nav.safety)
    # Staff came over and acknowledged it: that is true whatever is configured.
    assert store.acknowledge(code, "admin", "clinician")
    qtbot.waitUntil(
        lambda: line(nav) == "Someone from the front desk is coming to you.", timeout=5000
    )


def test_the_line_follows_a_language_switch(
    make_window: MakeWindow, config: Config, qtbot: QtBot
) -> None:
    window = make_window(with_alerts(config, AlertsConfig(printer="desk")))
    window._stop_alerts()  # as above: the rows are the test's own
    nav, store = window.navigator, window.store
    assert store is not None
    code = to_safety(window)
    nav.alert_watch.timer.setInterval(20)
    outbox_row(store, code, "printer", created=datetime.now(UTC), sent=datetime.now(UTC))
    qtbot.waitUntil(lambda: line(nav) == "The front desk has been told.", timeout=5000)
    nav.top_bar.language_buttons["es"].click()
    assert line(nav) == "La recepción ya está avisada."
