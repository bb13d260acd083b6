"""A kiosk driven through its window tells staff: the item-9 answer and the "talk now" tap reach
a real SMTP server and a real webhook on loopback, and the screen never waits for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from pytestqt.qtbot import QtBot

from kiosk.config import Config
from kiosk.flow import QuestionRef
from kiosk.staff_pins import set_pin
from kiosk.store import Store
from tests.support.alert_servers import SmtpServer, Webhook
from tests.support.checkin import ALL_ZERO, code_of, start, walk
from tests.support.staff_mode import ADMIN_PIN, enter_as
from tests.support.touch import tap
from tests.support.windows import MakeWindow
from ui.shell.navigator import ScreenId

NAME_LETTERS = "ZED"
ANSWER_WORDS = ("Not at all", "Several days", "More than half the days", "Nearly every day")


def alerting(config: Config, *urls: str) -> Config:
    return config.replace(
        alerts=config.alerts.replace(notify=list(urls)),
        kiosk=config.kiosk.replace(location="Lobby kiosk B"),
    )


def test_item_9_reaches_e_mail_and_webhook_with_the_code_only(
    qtbot: QtBot,
    make_window: MakeWindow,
    config: Config,
    smtp_server: SmtpServer,
    webhook: Webhook,
) -> None:
    window = make_window(alerting(config, smtp_server.url, webhook.url()))
    nav = window.navigator
    start(nav, letters=NAME_LETTERS)
    walk(nav, ALL_ZERO, until=QuestionRef("phq9", 9))
    delivered: list[str] = []
    window.alert_delivered.connect(delivered.append)
    tap(nav.question.option_buttons[1])  # "Several days" on item 9
    assert nav.current is ScreenId.SAFETY
    code = code_of(nav)
    qtbot.waitUntil(lambda: bool(smtp_server.received and webhook.received), timeout=15000)
    mail, posted = smtp_server.received[0], webhook.received[0]
    for text in (mail.subject + "\n" + mail.body, posted["title"] + "\n" + posted["message"]):
        assert code in text and "Lobby kiosk B" in text
        assert "a safety answer (PHQ-9 item 9)" in text
        assert NAME_LETTERS not in text.replace(code, "")  # the typed name, nowhere
        assert not any(words in text for words in ANSWER_WORDS)
    # The GUI thread hears of it (a queued signal from the worker's thread).
    qtbot.waitUntil(lambda: code in delivered, timeout=5000)
    assert window.store is not None and window.store.alert_accepted(code)
    # And the visitor is told the truth, from the real delivery (the safety screen's own tests
    # write the outbox rows themselves).
    qtbot.waitUntil(
        lambda: "The front desk has been told." in nav.safety.speech_text(), timeout=5000
    )


def test_talk_now_is_sent_as_acute(
    qtbot: QtBot, make_window: MakeWindow, config: Config, webhook: Webhook
) -> None:
    window = make_window(alerting(config, webhook.url()))
    nav = window.navigator
    start(nav)
    nav.question.talk_button.click()
    assert nav.current is ScreenId.SAFETY
    qtbot.waitUntil(lambda: bool(webhook.received), timeout=15000)
    message = webhook.received[0]
    assert message["title"] == f"URGENT (ACUTE): visit {code_of(nav)} at Lobby kiosk B"
    assert "asked to talk to someone now" in message["message"]


def test_the_screen_keeps_its_beat_while_a_channel_hangs(
    qtbot: QtBot, make_window: MakeWindow, config: Config, webhook: Webhook
) -> None:
    webhook.hang()  # accepts the connection, never answers
    window = make_window(alerting(config, webhook.url()))
    nav = window.navigator
    start(nav)
    beat_ms = 50
    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()

    def beat() -> None:
        gaps.append(int(clock.restart()))

    timer = QTimer()
    timer.setInterval(beat_ms)
    timer.timeout.connect(beat)
    timer.start()
    nav.question.talk_button.click()  # the alert is written; its delivery hangs
    assert nav.current is ScreenId.SAFETY
    tap(nav.safety.continue_button)
    qtbot.wait(600)
    walk(nav, ALL_ZERO)  # the visitor goes on answering while the webhook hangs
    qtbot.wait(1500)
    timer.stop()
    assert window.alert_worker is not None and webhook.received == []
    assert len(gaps) >= 30
    # Never more than one beat missed: no gap reaches two intervals (and a half, for the test
    # machine's own hiccups).
    assert max(gaps[1:]) < beat_ms * 2.5, gaps


@pytest.mark.usefixtures("cheap_hashes")
def test_the_staff_purge_keeps_an_unacknowledged_urgent_visit_and_says_so(
    qtbot: QtBot, make_window: MakeWindow, config: Config
) -> None:
    window = make_window(config)
    store = window.store
    assert store is not None
    set_pin(store, "admin", ADMIN_PIN)
    past = datetime.now(UTC) - timedelta(days=100)
    with Store.open(config.data_dir, clock=lambda: past) as old_store:
        kept = old_store.create_visit("en").code
        old_store.mark_urgent(kept, "talk_now", "acute")
        old_store.create_visit("en")
    staff = enter_as(qtbot, window, ADMIN_PIN)
    section = staff.admin.sections["purge"]
    staff.admin.tabs["purge"].click()
    section.purge_button.click()
    section.purge_confirm.click()
    qtbot.waitUntil(lambda: section.purge_result.text().startswith("Deleted"), timeout=10000)
    assert section.purge_result.text() == (
        f"Deleted 1 visit older than 90 days. Kept 1 urgent visit nobody has acknowledged yet "
        f"({kept}): acknowledge it and the next purge deletes it."
    )
    assert store.get_visit(kept).urgent
