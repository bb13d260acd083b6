"""The alert outbox end to end, without Qt: the store writes the rows in the commit that makes a
visit urgent, the worker delivers them to real servers on loopback (SMTP and a JSON webhook),
retries, and escalates once on the boot clock whatever the wall clock does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.alerts import escalation_targets, first_targets, target_id
from kiosk.alerts.message import compose, reason_words
from kiosk.alerts.schedule import RETRY_DELAYS, retry_delay
from kiosk.alerts.worker import AlertWorker
from kiosk.config import Config, ConfigError, load_config
from kiosk.store import Store
from tests.support.alert_servers import SmtpServer, Webhook, wait_for
from tests.support.clock import Clock
from tests.support.cups_queue import CupsQueue

ANSWER_WORDS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
NAME = "Zed Quillfeather"


class BootClock:
    """The machine's boot clock as a test moves it: (boot id, seconds since boot)."""

    def __init__(self) -> None:
        self.boot = "boot-1"
        self.seconds = 1000.0

    def __call__(self) -> tuple[str, float]:
        return self.boot, self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    def reboot(self) -> None:
        self.boot, self.seconds = self.boot + "'", 5.0


@pytest.fixture
def boot() -> BootClock:
    return BootClock()


def alert_config(data_dir: Path, **alerts: object) -> Config:
    config = load_config(None, data_dir)
    return config.replace(
        alerts=config.alerts.replace(**alerts),
        kiosk=config.kiosk.replace(location="2nd floor waiting room"),
        printing=config.printing.replace(printer="none"),
    )


@pytest.fixture
def workers() -> Iterator[list[AlertWorker]]:
    started: list[AlertWorker] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(
    store: Store, config: Config, boot: BootClock, workers: list[AlertWorker]
) -> AlertWorker:
    store.boot_clock = boot
    store.set_alert_targets(first_targets(config), escalation_targets(config))
    worker = AlertWorker(store, config, boot_clock=boot, poll_seconds=0.2)
    worker.start()
    workers.append(worker)
    return worker


def urgent_visit(store: Store, reason: str = "phq9_item9", level: str = "non_acute") -> str:
    code = store.create_visit("en").code
    store.set_name(code, NAME)
    for item in range(1, 10):
        store.record_answer(code, "phq9", item, 2)
    assert store.mark_urgent(code, reason, level)  # type: ignore[arg-type]
    return code


def rows(store: Store, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(store.path)) as conn:
        return conn.execute(sql, params).fetchall()


# --- config -------------------------------------------------------------------------------------


def test_a_url_apprise_cannot_use_is_refused_at_load_naming_the_key(
    write_config: object, data_dir: Path
) -> None:
    path = write_config(  # type: ignore[operator]
        '[alerts]\nnotify = ["mailtos://u:secret@smtp.example.org?to=a@b.org", "nosuch://x"]\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path, data_dir)
    message = str(raised.value)
    assert "kiosk.toml" in message and "alerts.notify[1]" in message
    assert "Apprise does not understand nosuch://" in message and "secret" not in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('escalate = ["json://localhost/x"]', "alerts.escalate"),
        ("escalate_after_minutes = 0", "alerts.escalate_after_minutes"),
        ("escalate_after_minutes = 121", "alerts.escalate_after_minutes"),
        ('notify = ["json://localhost/x", "json://localhost/x"]', "alerts.notify"),
        ('printer = "front desk"', "alerts.printer"),
        ("notfy = []", "notfy"),
    ],
)
def test_alerts_settings_are_checked_at_load(
    write_config: object, data_dir: Path, text: str, key: str
) -> None:
    path = write_config(f"[alerts]\n{text}\n")  # type: ignore[operator]
    with pytest.raises(ConfigError, match=key.replace("[", r"\[")):
        load_config(path, data_dir)


def test_good_alerts_settings_load(write_config: object, data_dir: Path) -> None:
    path = write_config(  # type: ignore[operator]
        "[alerts]\n"
        'notify = ["mailtos://kiosk:pw@smtp.office365.com?to=desk@clinic.org", "json://h/x"]\n'
        'printer = "front-desk"\nescalate_after_minutes = 10\n'
        'escalate = ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/%23desk"]\n'
    )
    config = load_config(path, data_dir)
    alerts = config.alerts
    assert (len(alerts.notify), alerts.printer, alerts.escalate_after_minutes) == (
        2,
        "front-desk",
        10,
    )
    assert [channel for channel, _ in first_targets(config)] == ["notify", "notify", "printer"]
    assert [channel for channel, _ in escalation_targets(config)] == ["printer", "escalate"]


# --- the outbox rows ----------------------------------------------------------------------------


def test_the_rows_are_written_in_the_commit_that_makes_the_visit_urgent(
    store: Store, data_dir: Path, webhook: Webhook
) -> None:
    config = alert_config(data_dir, notify=[webhook.url()], printer="desk")
    store.set_alert_targets(first_targets(config))
    calm = store.create_visit("en").code
    code = urgent_visit(store)
    assert not store.mark_urgent(code, "phq9_item9", "non_acute")  # no rise: no second alert
    assert store.mark_urgent(code, "talk_now", "acute")  # a rise: told again, at its level
    found = rows(
        store,
        "SELECT v.code, kind, level, channel, target, state FROM alerts"
        " JOIN visits v ON v.id = visit_id ORDER BY alerts.id",
    )
    webhook_id = target_id(webhook.url())
    assert found == [
        (code, "alert", "non_acute", "notify", webhook_id, "pending"),
        (code, "alert", "non_acute", "printer", target_id("desk"), "pending"),
        (code, "alert", "acute", "notify", webhook_id, "pending"),
        (code, "alert", "acute", "printer", target_id("desk"), "pending"),
    ]
    assert calm not in {row[0] for row in found}


def test_no_channel_configured_writes_no_alert(store: Store) -> None:
    code = urgent_visit(store)
    assert rows(store, "SELECT COUNT(*) FROM alerts") == [(0,)]
    assert not store.alert_accepted(code)


def test_an_urgent_score_at_completion_is_alerted_too(
    store: Store, data_dir: Path, webhook: Webhook
) -> None:
    from kiosk.model import StoredScore

    store.set_alert_targets(first_targets(alert_config(data_dir, notify=[webhook.url()])))
    code = store.create_visit("en").code
    score = StoredScore("phq9", 22, "severe", True, 0, True)
    store.complete_visit(code, {"phq9": score}, "staff_today")
    assert rows(store, "SELECT kind, level FROM alerts") == [("alert", "non_acute")]


# --- delivery -----------------------------------------------------------------------------------


def test_e_mail_and_webhook_receive_the_code_never_the_name_or_answers(
    store: Store,
    data_dir: Path,
    smtp_server: SmtpServer,
    webhook: Webhook,
    boot: BootClock,
    workers: list[AlertWorker],
) -> None:
    config = alert_config(data_dir, notify=[smtp_server.url, webhook.url()])
    start_worker(store, config, boot, workers)
    code = urgent_visit(store)
    wait_for(lambda: smtp_server.received and webhook.received, what="both deliveries")
    mail, posted = smtp_server.received[0], webhook.received[0]
    for text in (mail.subject + mail.body, posted["title"] + posted["message"]):
        assert code in text
        assert "2nd floor waiting room" in text
        assert "a safety answer (PHQ-9 item 9)" in text
        assert "non-acute" in text
        assert NAME not in text and "Quillfeather" not in text
        assert not any(words in text for words in ANSWER_WORDS)
    assert mail.subject == f"URGENT (non-acute): visit {code} at 2nd floor waiting room"
    sent = "SELECT state FROM alerts"
    wait_for(lambda: rows(store, sent) == [("sent",), ("sent",)], what="both rows marked sent")
    assert store.alert_accepted(code) and store.get_visit(code).alerted_at is not None
    assert rows(store, "SELECT ok, error FROM alert_attempts") == [(1, None), (1, None)]


def test_the_message_is_in_the_staff_language(store: Store, data_dir: Path) -> None:
    config = alert_config(data_dir)
    config = config.replace(clinic=config.clinic.replace(staff_language="es"))
    store.set_alert_targets((("notify", "x"),))
    code = urgent_visit(store, "talk_now", "acute")
    [item] = store.due_alerts()
    message = compose(item, config)
    assert message.subject == f"URGENTE (AGUDO): visita {code} en 2nd floor waiting room"
    assert "Motivo: pidió hablar con alguien ahora" in message.body
    english = alert_config(data_dir)
    assert reason_words("phq9_item9+talk_now", english) == (
        "a safety answer (PHQ-9 item 9); asked to talk to someone now"
    )
    # A reason from a newer kiosk is said by its stored name (never an answer).
    assert reason_words("something_new", english) == "something_new"


def test_a_channel_down_when_the_alert_fires_is_delivered_by_the_retry(
    store: Store,
    data_dir: Path,
    webhook: Webhook,
    boot: BootClock,
    workers: list[AlertWorker],
) -> None:
    webhook.status = 503
    config = alert_config(data_dir, notify=[webhook.url()])
    start_worker(store, config, boot, workers)
    code = urgent_visit(store)
    wait_for(lambda: rows(store, "SELECT attempts FROM alerts") == [(1,)], what="a first attempt")
    [status] = store.alert_channel_status()
    assert status.failing_since is not None and "503" in (status.last_error or "")
    assert not store.alert_accepted(code)
    webhook.status = 200  # the service is back a minute later
    boot.advance(RETRY_DELAYS[0] - 1)
    workers[0].wake()
    assert rows(store, "SELECT attempts FROM alerts") == [(1,)]  # not due yet: not tried
    boot.advance(1)
    workers[0].wake()
    wait_for(lambda: store.alert_accepted(code), what="the retry")
    assert len(webhook.received) == 1
    assert rows(store, "SELECT ok FROM alert_attempts ORDER BY rowid") == [(0,), (1,)]
    [status] = store.alert_channel_status()
    assert status.failing_since is None and status.last_success is not None


def test_an_acknowledged_visit_s_undelivered_alert_is_not_sent_any_more(
    store: Store,
    data_dir: Path,
    webhook: Webhook,
    boot: BootClock,
    workers: list[AlertWorker],
) -> None:
    webhook.status = 503
    start_worker(store, alert_config(data_dir, notify=[webhook.url()]), boot, workers)
    code = urgent_visit(store)
    wait_for(lambda: rows(store, "SELECT attempts FROM alerts") == [(1,)], what="a first attempt")
    assert store.acknowledge(code, "reception", "spoke")  # seen at the desk meanwhile
    webhook.status = 200
    boot.advance(RETRY_DELAYS[-1])
    workers[0].wake()
    later = urgent_visit(store)  # the next urgent visit still goes out
    wait_for(lambda: store.alert_accepted(later), what="the next visit's alert")
    assert [message["title"] for message in webhook.received] == [
        f"URGENT (non-acute): visit {later} at 2nd floor waiting room"
    ]
    assert rows(store, "SELECT attempts, state FROM alerts ORDER BY id") == [
        (1, "pending"),
        (1, "sent"),
    ]


def test_the_retry_schedule_is_capped() -> None:
    assert [retry_delay(n) for n in range(1, 8)] == [10, 30, 60, 120, 300, 300, 300]


def test_a_hanging_target_holds_up_no_other(
    store: Store,
    data_dir: Path,
    smtp_server: SmtpServer,
    webhook: Webhook,
    boot: BootClock,
    workers: list[AlertWorker],
) -> None:
    webhook.hang()
    config = alert_config(data_dir, notify=[webhook.url(), smtp_server.url])
    start_worker(store, config, boot, workers)
    code = urgent_visit(store)
    wait_for(lambda: smtp_server.received, what="the e-mail, while the webhook hangs")
    assert store.alert_accepted(code)


# --- escalation ---------------------------------------------------------------------------------


def escalation_config(data_dir: Path, webhook: Webhook, minutes: int = 4) -> Config:
    return alert_config(
        data_dir,
        notify=[webhook.url("desk")],
        escalate=[webhook.url("manager")],
        escalate_after_minutes=minutes,
    )


def escalations(store: Store) -> int:
    return int(rows(store, "SELECT COUNT(*) FROM alerts WHERE kind = 'escalation'")[0][0])


def pass_at(worker: AlertWorker, boot: BootClock, seconds: float) -> None:
    boot.advance(seconds)
    worker.run_once()


@pytest.mark.parametrize("jump", [timedelta(0), timedelta(hours=-3), timedelta(days=2)])
def test_nobody_acknowledged_means_exactly_one_escalation_whatever_the_wall_clock(
    store: Store,
    clock: Clock,
    data_dir: Path,
    webhook: Webhook,
    boot: BootClock,
    workers: list[AlertWorker],
    jump: timedelta,
) -> None:
    worker = start_worker(store, escalation_config(data_dir, webhook), boot, workers)
    code = urgent_visit(store)  # non-acute: 4 minutes
    clock.advance(jump.total_seconds())  # the wall clock set back or forward meanwhile
    pass_at(worker, boot, 239)
    assert escalations(store) == 0
    pass_at(worker, boot, 1)
    assert escalations(store) == 1
    for _ in range(3):
        pass_at(worker, boot, 600)
        clock.advance(-jump.total_seconds())
    assert escalations(store) == 1
    wait_for(lambda: webhook.paths.count("/manager") == 1, what="the escalation delivered")
    message = webhook.received[webhook.paths.index("/manager")]
    assert message["title"].startswith(f"ESCALATION, not acknowledged: visit {code}")
    assert "within 4 minutes" in message["message"]
    [audit] = [e for e in store.audit_log() if e.action == "escalate"]
    assert code in audit.detail


def test_acute_escalates_after_half_the_time(
    store: Store, data_dir: Path, webhook: Webhook, boot: BootClock, workers: list[AlertWorker]
) -> None:
    worker = start_worker(store, escalation_config(data_dir, webhook, minutes=5), boot, workers)
    urgent_visit(store, "talk_now", "acute")
    pass_at(worker, boot, 149)
    assert escalations(store) == 0
    pass_at(worker, boot, 1)
    assert escalations(store) == 1


def test_an_acknowledgement_stops_the_escalation(
    store: Store, data_dir: Path, webhook: Webhook, boot: BootClock, workers: list[AlertWorker]
) -> None:
    worker = start_worker(store, escalation_config(data_dir, webhook), boot, workers)
    code = urgent_visit(store)
    pass_at(worker, boot, 120)
    assert store.acknowledge(code, "reception", "spoke")
    for _ in range(5):
        pass_at(worker, boot, 600)
    assert escalations(store) == 0
    assert not [e for e in store.audit_log() if e.action == "escalate"]


def test_the_deadline_survives_a_restart_on_the_same_boot_and_after_a_reboot(
    data_dir: Path, clock: Clock, webhook: Webhook, boot: BootClock, workers: list[AlertWorker]
) -> None:
    config = escalation_config(data_dir, webhook)
    with Store.open(data_dir, clock=clock) as store:
        start_worker(store, config, boot, workers)
        code = urgent_visit(store)
        workers.pop().stop()
    # Restarted on the same boot 3 minutes later, the wall clock meanwhile set back a day: the
    # boot clock says one minute is left.
    boot.advance(180)
    clock.advance(days=-1)
    with Store.open(data_dir, clock=clock) as store:
        worker = start_worker(store, config, boot, workers)
        pass_at(worker, boot, 59)
        assert escalations(store) == 0
        pass_at(worker, boot, 1)
        assert escalations(store) == 1
        workers.pop().stop()
    # After a reboot only the wall clock is left: a second urgent visit written 3 minutes ago
    # (wall) has one minute left, counted from the restart on the new boot clock.
    with Store.open(data_dir, clock=clock) as store:
        store.boot_clock = boot
        store.set_alert_targets(first_targets(config), escalation_targets(config))
        second = urgent_visit(store)
    clock.advance(180)
    boot.reboot()
    with Store.open(data_dir, clock=clock) as store:
        worker = start_worker(store, config, boot, workers)
        pass_at(worker, boot, 0)
        clock.advance(days=5)  # a jump after the restart changes nothing any more
        pass_at(worker, boot, 59)
        assert escalations(store) == 1
        pass_at(worker, boot, 1)
        assert escalations(store) == 2
        assert store.get_visit(second).urgent and code != second


# --- the day's log ------------------------------------------------------------------------------


def test_the_export_carries_when_staff_were_told_and_what_they_did(
    store: Store, clock: Clock, data_dir: Path
) -> None:
    import csv
    import io
    import json
    from zoneinfo import ZoneInfo

    from kiosk.exports.csv_log import render_csv
    from kiosk.exports.json_log import render

    zone = ZoneInfo("America/New_York")
    store.set_alert_targets((("notify", "a"), ("printer", "b")))
    code = urgent_visit(store, "talk_now", "acute")
    calm = store.create_visit("en").code
    clock.advance(5)
    for item in store.due_alerts():
        store.record_alert_attempt(item.id, error="down" if item.channel == "notify" else None)
    clock.advance(60)
    store.acknowledge(code, "reception", "clinician")
    for visit_code in (code, calm):
        store.complete_visit(visit_code, {}, "outpatient")
    visits = store.list_visits(clock.now - timedelta(days=1), clock.now + timedelta(days=1))
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(render_csv(visits, zone).decode()))}
    urgent_row = rows[code]
    assert urgent_row["alerted_at"] == "2025-03-14T11:00:05-04:00"  # the slip, the first taken
    assert urgent_row["acknowledged_at"] == "2025-03-14T11:01:05-04:00"
    assert urgent_row["outcome"] == "clinician"
    assert [rows[calm][k] for k in ("alerted_at", "acknowledged_at", "outcome")] == ["", "", ""]
    records = json.loads(render(visits, zone, with_answers=False, content=None))
    assert {r["code"]: r["outcome"] for r in records} == {code: "clinician", calm: None}


# --- the desk printer ---------------------------------------------------------------------------


@pytest.mark.cups
def test_the_alert_slip_prints_on_the_desk_queue_and_the_escalation_again(
    cups: CupsQueue,
    store: Store,
    data_dir: Path,
    webhook: Webhook,
    boot: BootClock,
    workers: list[AlertWorker],
) -> None:
    import io

    from pypdf import PdfReader

    config = alert_config(
        data_dir, printer=cups.name, escalate=[webhook.url("manager")], escalate_after_minutes=2
    )
    config = config.replace(printing=config.printing.replace(timeout_seconds=20))
    worker = start_worker(store, config, boot, workers)
    code = urgent_visit(store, "talk_now", "acute")

    def text_of(pdf: bytes) -> str:
        return " ".join((PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or "").split())

    slip = text_of(cups.output_titled(f"alert-{code}", timeout=30))
    assert slip.startswith(f"URGENT {code}")
    for words in ("Where: 2nd floor waiting room", "Level: ACUTE", "Reason: asked to talk to"):
        assert words in slip
    assert "Quillfeather" not in slip and not any(w in slip for w in ANSWER_WORDS)
    wait_for(lambda: store.alert_accepted(code), timeout=30, what="the slip accepted")
    pass_at(worker, boot, 60)  # acute: half of two minutes
    assert escalations(store) == 2  # the escalation contacts, and the desk printer again
    again = text_of(cups.output_titled(f"alert-{code}", timeout=30))
    assert again.startswith(f"ESCALATION {code}")
    assert "within 1 minute." in again


def test_a_refused_url_s_secret_reaches_no_log(
    write_config: object, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_config(  # type: ignore[operator]
        '[alerts]\nnotify = ["msteams://team/hunter2secret/tokenB"]\n'
    )
    with caplog.at_level("DEBUG"), pytest.raises(ConfigError) as raised:
        load_config(path, data_dir)
    assert "hunter2secret" not in caplog.text + str(raised.value)
