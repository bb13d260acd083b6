"""The alert commands as whole processes: `alerts` (the day's reconciliation), `ack` (a staff PIN
on standard input, audited), what `check` says of each channel, and the purge that keeps an
urgent visit nobody acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.alerts import first_targets
from kiosk.config import load_config
from kiosk.staff_pins import set_pin
from kiosk.store import Store
from tests.support.process import run_kiosk as run

pytestmark = pytest.mark.usefixtures("cheap_hashes")

RECEPTION_PIN = "24681357"
WEBHOOK = "json://127.0.0.1:9/alert"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[alerts]\nnotify = ["{WEBHOOK}"]\nprinter = "desk"\n', encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path, config_file: Path) -> Path:
    folder = tmp_path / "data"
    with Store.open(folder) as store:
        set_pin(store, "reception", RECEPTION_PIN)
    return folder


def args(config_file: Path, data: Path) -> list[str]:
    return ["--config", str(config_file), "--data-dir", str(data)]


def urgent_today(data: Path, config_file: Path, reason: str, level: str) -> str:
    with Store.open(data) as store:
        store.set_alert_targets(first_targets(load_config(config_file, data)))
        code = store.create_visit("en").code
        store.mark_urgent(code, reason, level)  # type: ignore[arg-type]
        for item in store.due_alerts():
            if item.channel == "notify" and item.code == code:
                store.record_alert_attempt(item.id, error=None)
            elif item.code == code:
                store.record_alert_attempt(
                    item.id, error="desk: the printer is out of paper", next_attempt_at=None
                )
    return code


def test_ack_with_the_reception_pin_acknowledges_once_and_audits(
    data: Path, config_file: Path
) -> None:
    code = urgent_today(data, config_file, "talk_now", "acute")
    wrong = run("ack", code, "--outcome", "spoke", *args(config_file, data), stdin="11112222\n")
    assert wrong.returncode == 1 and "wrong PIN" in wrong.stderr
    done = run(
        "ack",
        code.lower(),
        "--outcome",
        "spoke",
        *args(config_file, data),
        stdin=f"{RECEPTION_PIN}\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{code} acknowledged by reception: spoke"
    again = run(
        "ack", code, "--outcome", "left", *args(config_file, data), stdin=f"{RECEPTION_PIN}\n"
    )
    assert again.returncode == 0 and "acknowledged already by reception" in again.stdout
    with Store.open_existing(data) as store:
        visit = store.get_visit(code)
        assert (visit.acknowledged_by, visit.outcome) == ("reception", "spoke")
        acks = [e for e in store.audit_log() if e.action == "acknowledge"]
    assert [(e.actor, e.detail) for e in acks] == [("reception", f"{code} spoke")]


def test_ack_refuses_a_visit_that_is_not_urgent_and_a_missing_pin(
    data: Path, config_file: Path
) -> None:
    with Store.open(data) as store:
        calm = store.create_visit("en").code
    result = run(
        "ack", calm, "--outcome", "spoke", *args(config_file, data), stdin=f"{RECEPTION_PIN}\n"
    )
    assert result.returncode == 1 and "not urgent" in result.stderr
    empty = run("ack", calm, "--outcome", "spoke", *args(config_file, data), stdin="")
    assert empty.returncode == 1 and "no PIN" in empty.stderr
    bad = run("ack", calm, "--outcome", "waved", *args(config_file, data), stdin="")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_alerts_lists_the_day_s_urgent_visits_with_each_channel(
    data: Path, config_file: Path
) -> None:
    acute = urgent_today(data, config_file, "talk_now", "acute")
    other = urgent_today(data, config_file, "phq9_item9", "non_acute")
    assert (
        run(
            "ack",
            other,
            "--outcome",
            "clinician",
            *args(config_file, data),
            stdin=f"{RECEPTION_PIN}\n",
        ).returncode
        == 0
    )
    result = run("alerts", *args(config_file, data))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": 2")
    text = result.stdout
    first = lines.index(next(line for line in lines if line.startswith(acute)))
    assert "acute  asked to talk to someone now" in lines[first]
    assert "notify: sent" in lines[first + 1]
    assert "printer: NOT SENT after 1 attempt(s), desk: the printer is out of paper" in text
    assert lines[first + 2] == "  NOT ACKNOWLEDGED"
    assert "by reception: clinician" in text
    assert "alerts are not reaching the desk printer since" in text


def test_check_shows_each_channel_in_one_line(data: Path, config_file: Path) -> None:
    urgent_today(data, config_file, "talk_now", "acute")
    result = run("check", *args(config_file, data))
    lines = [line for line in result.stdout.splitlines() if line.startswith("alerts:")]
    assert len(lines) == 2, result.stdout
    notify, printer = lines
    assert notify.startswith("alerts: notify (1 target): last success ")
    assert "last error none; 0 waiting" in notify
    assert "desk: the printer is out of paper; 1 waiting; FAILING since" in printer
    assert WEBHOOK not in result.stdout  # a URL may hold a password: never printed


def test_check_says_when_no_channel_is_configured(tmp_path: Path) -> None:
    result = run("check", "--data-dir", str(tmp_path / "data"))
    assert "alerts: none configured" in result.stdout


def test_purge_keeps_an_urgent_visit_nobody_acknowledged(
    data: Path, config_file: Path, tmp_path: Path
) -> None:
    old = datetime.now(UTC) - timedelta(days=200)
    with Store.open(data, clock=lambda: old) as store:
        kept = store.create_visit("en").code
        store.mark_urgent(kept, "phq9_item9", "non_acute")
        handled = store.create_visit("en").code
        store.mark_urgent(handled, "talk_now", "acute")
        store.acknowledge(handled, "reception", "spoke")
        calm = store.create_visit("en").code
    result = run("purge", *args(config_file, data))
    assert result.returncode == 0, result.stderr
    assert "purged 2 visit(s)" in result.stdout
    assert f"kept 1 urgent visit(s) older than that nobody has acknowledged ({kept})" in (
        result.stdout
    )
    with Store.open_existing(data) as store:
        assert store.get_visit(kept).urgent
        [entry] = [e for e in store.audit_log() if e.action == "purge"]
    assert "kept 1 urgent visit(s) not yet acknowledged" in entry.detail
    assert kept not in entry.detail and calm not in entry.detail


def test_the_kiosk_refuses_to_start_with_a_url_apprise_cannot_use(tmp_path: Path) -> None:
    from tests.support.process import run_python

    config = tmp_path / "kiosk.toml"
    config.write_text('[alerts]\nnotify = ["nosuch://secret-token"]\n', encoding="utf-8")
    done = run_python(
        "main.py", "--self-check", "--config", str(config), "--data-dir", str(tmp_path / "d")
    )
    assert done.returncode == 1
    assert "Cannot start the kiosk" in done.stderr and "alerts.notify[0]" in done.stderr
    assert "secret-token" not in done.stderr
    assert not (tmp_path / "d").exists()  # stopped before anything was made
