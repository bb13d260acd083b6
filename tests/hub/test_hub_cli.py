"""`python -m kiosk hub ...` as whole processes against a real PostgreSQL: the set-up an
administrator follows in docs/hub.md, the lines it prints, and its messages."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from kiosk.config import load_config
from kiosk.content import Content
from kiosk.hub import queue
from kiosk.hub.schema import HUB_SCHEMA_VERSION
from kiosk.store import Store
from tests.support.hub import hub_rows, run_visit, shipper_for
from tests.support.postgres import PgServer
from tests.support.process import run_kiosk, run_python


def _url_line(stdout: str) -> str:
    (line,) = stdout.splitlines()
    assert re.fullmatch(r'url = "postgresql://[^"]+"', line), line
    return line


def test_init_then_init_again(hub_admin_url: str) -> None:
    first = run_kiosk("hub", "init", "--url", hub_admin_url)
    assert first.returncode == 0, first.stderr
    assert f"schema 0 -> {HUB_SCHEMA_VERSION}" in first.stdout
    again = run_kiosk("hub", "init", "--url", hub_admin_url)
    assert again.returncode == 0, again.stderr
    assert "is current; nothing to do" in again.stdout


def test_add_kiosk_prints_the_line_a_kiosk_config_takes_and_it_logs_in(
    hub_admin_url: str, pg_server: PgServer, tmp_path: Path, content: Content
) -> None:
    assert run_kiosk("hub", "init", "--url", hub_admin_url).returncode == 0
    # The kiosks reach the server over the network, not through the server's socket.
    added = run_kiosk(
        "hub", "add-kiosk", "lobby", "--url", hub_admin_url, "--host", f"127.0.0.1:{pg_server.port}"
    )
    assert added.returncode == 0, added.stderr
    line = _url_line(added.stdout)
    assert "shown only now" in added.stderr
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(f"[hub]\n{line}\n", encoding="utf-8")
    config = load_config(config_file, tmp_path / "data")
    assert config.hub.url == tomllib.loads(config_file.read_text())["hub"]["url"]
    assert config.hub.url.startswith("postgresql://") and "@127.0.0.1:" in config.hub.url
    with Store.open(config.data_dir) as store, shipper_for(store, config.hub.url) as shipper:
        code = run_visit(store, content)
        assert shipper.run_once() == 1
    assert hub_rows(hub_admin_url, "SELECT code FROM hub.visits") == [(code,)]
    # A second add of the same name is refused; --new-password replaces the old line's.
    twice = run_kiosk("hub", "add-kiosk", "lobby", "--url", hub_admin_url)
    assert twice.returncode == 1
    assert "exists already" in twice.stderr and "--new-password" in twice.stderr
    renewed = run_kiosk("hub", "add-kiosk", "lobby", "--new-password", "--url", hub_admin_url)
    assert renewed.returncode == 0, renewed.stderr
    new_url = tomllib.loads(f"[hub]\n{_url_line(renewed.stdout)}\n")["hub"]["url"]
    with psycopg.connect(new_url) as conn:
        assert conn.execute("SELECT name FROM hub.kiosks").fetchall() == [("lobby",)]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(config.hub.url).close()


def test_add_desk_and_bad_names_and_urls(hub_admin_url: str) -> None:
    assert run_kiosk("hub", "init", "--url", hub_admin_url).returncode == 0
    desk = run_kiosk("hub", "add-desk", "front-1", "--url", hub_admin_url)
    assert desk.returncode == 0, desk.stderr
    url = tomllib.loads(f"[hub]\n{_url_line(desk.stdout)}\n")["hub"]["url"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT name FROM hub.desks").fetchall() == [("front-1",)]
    bad_name = run_kiosk("hub", "add-kiosk", "Lobby Kiosk!", "--url", hub_admin_url)
    assert bad_name.returncode == 1
    assert "lower-case letters" in bad_name.stderr
    secret = "s3cret-Pass"
    bad_url = run_kiosk("hub", "status", "--url", f"mysql://admin:{secret}@db/clinic")
    assert bad_url.returncode == 1
    assert "postgresql://" in bad_url.stderr and secret not in bad_url.stderr + bad_url.stdout


def test_an_unreachable_hub_is_one_line_without_the_password(pg_server: PgServer) -> None:
    secret = "Tr0ub4dor-and-3"
    url = f"postgresql://admin:{secret}@127.0.0.1:1/clinic?connect_timeout=3"
    result = run_kiosk("hub", "init", "--url", url)
    assert result.returncode == 1
    assert result.stderr.startswith("hub: cannot connect to the hub postgresql://admin:***@")
    assert len(result.stderr.strip().splitlines()) == 1
    assert secret not in result.stderr + result.stdout
    wrong = pg_server.admin_url().replace("hubadmin@", f"nobody_here:{secret}@")
    result = run_kiosk("hub", "status", "--url", wrong)
    assert result.returncode == 1 and secret not in result.stderr


def test_set_pin_keeps_an_argon2id_hash_and_refuses_what_the_kiosk_refuses(
    hub_admin_url: str,
) -> None:
    assert run_kiosk("hub", "init", "--url", hub_admin_url).returncode == 0
    done = run_kiosk("hub", "set-pin", "reception", "--url", hub_admin_url, stdin="583920\n")
    assert done.returncode == 0, done.stderr
    assert "reception PIN set" in done.stdout
    ((stored,),) = hub_rows(hub_admin_url, "SELECT pin_hash FROM hub.staff_pins")
    assert stored.startswith("$argon2id$") and "583920" not in stored
    weak = run_kiosk("hub", "set-pin", "admin", "--url", hub_admin_url, stdin="123456\n")
    assert weak.returncode == 1 and "run of digits" in weak.stderr
    same = run_kiosk("hub", "set-pin", "admin", "--url", hub_admin_url, stdin="583920\n")
    assert same.returncode == 1 and "must differ" in same.stderr
    again = run_kiosk("hub", "set-pin", "reception", "--url", hub_admin_url, stdin="640271\n")
    assert again.returncode == 0 and "reception PIN changed" in again.stdout


def test_status_lists_each_kiosk_with_last_contact_and_backlog(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    assert run_kiosk("hub", "init", "--url", hub_admin_url).returncode == 0
    urls = {}
    for name in ("lobby", "upstairs"):
        added = run_kiosk("hub", "add-kiosk", name, "--url", hub_admin_url)
        urls[name] = tomllib.loads(f"[hub]\n{_url_line(added.stdout)}\n")["hub"]["url"]
    with (
        Store.open(tmp_path / "lobby") as store,
        shipper_for(store, urls["lobby"], location="Lobby kiosk") as shipper,
    ):
        run_visit(store, content)
        shipper.run_once()
    status = run_kiosk("hub", "status", "--url", hub_admin_url)
    assert status.returncode == 0, status.stderr
    lobby, upstairs = status.stdout.splitlines()
    assert lobby.startswith("lobby (Lobby kiosk): last contact 20")
    assert "backlog 0; 1 visit(s) at the hub" in lobby
    assert upstairs == "upstairs: last contact never; backlog unknown; 0 visit(s) at the hub"


def test_export_writes_every_kiosks_day_with_a_kiosk_column(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    assert run_kiosk("hub", "init", "--url", hub_admin_url).returncode == 0
    codes: dict[str, str] = {}
    for name in ("lobby", "upstairs"):
        added = run_kiosk("hub", "add-kiosk", name, "--url", hub_admin_url)
        url = tomllib.loads(f"[hub]\n{_url_line(added.stdout)}\n")["hub"]["url"]
        with Store.open(tmp_path / name) as store, shipper_for(store, url) as shipper:
            codes[run_visit(store, content)] = name
            shipper.run_once()
    out = tmp_path / "usb"
    out.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text('[clinic]\ntimezone = "UTC"\n', encoding="utf-8")
    today = datetime.now(UTC).date().isoformat()
    for fmt in ("csv", "json", "fhir"):
        result = run_kiosk(
            "hub", "export", "--url", hub_admin_url, "--config", str(config),
            "--date", today, "--format", fmt, "--out", str(out),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "exported 2 visit(s)" in result.stdout
    rows = list(csv.reader((out / f"hub-log-{today}.csv").read_text("utf-8").splitlines()))
    header = rows[0]
    assert header[:4] == ["code", "started_at", "completed_at", "status"]
    assert header[-1] == "kiosk"
    assert {row[0]: row[-1] for row in rows[1:]} == codes
    records = json.loads((out / f"hub-log-{today}.json").read_text(encoding="utf-8"))
    assert {record["code"]: record["kiosk"] for record in records} == codes
    bundle = json.loads((out / f"hub-log-{today}.fhir.json").read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    exists = run_kiosk(
        "hub", "export", "--url", hub_admin_url, "--date", today, "--format", "csv",
        "--out", str(out),
    )  # fmt: skip
    assert exists.returncode == 1 and "already exists" in exists.stderr


def test_the_url_can_come_from_the_environment(hub_admin_url: str) -> None:
    result = run_python("-m", "kiosk", "hub", "init", env={"KIOSK_HUB_URL": hub_admin_url})
    assert result.returncode == 0, result.stderr
    missing = run_kiosk("hub", "status")
    assert missing.returncode == 1 and "--url" in missing.stderr


def test_check_says_whether_the_hub_answers_and_what_waits_for_it(
    hub_admin_url: str, tmp_path: Path
) -> None:
    assert run_kiosk("hub", "init", "--url", hub_admin_url).returncode == 0
    line = _url_line(run_kiosk("hub", "add-kiosk", "lobby", "--url", hub_admin_url).stdout)
    kiosk_url = tomllib.loads(line)["url"]
    password = kiosk_url.split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]
    data = tmp_path / "data"
    with Store.open(data) as store:
        queue.enable(store)
        store.create_visit("en")
    alone = run_kiosk("check", "--data-dir", str(data))
    assert "hub: none (this kiosk stands alone)" in alone.stdout

    config = tmp_path / "kiosk.toml"
    config.write_text(f"[hub]\n{line}\n", encoding="utf-8")
    good = run_kiosk("check", "--config", str(config), "--data-dir", str(data))
    assert good.returncode == 0, good.stderr
    (hub_line,) = [text for text in good.stdout.splitlines() if text.startswith("hub: ")]
    assert hub_line.startswith("hub: ok (postgresql://")
    assert hub_line.endswith(f", schema {HUB_SCHEMA_VERSION}); 1 visit waiting to be sent")
    assert password not in good.stdout + good.stderr

    # A hub that refuses the kiosk is worth a warning; the kiosk itself runs on without it.
    config.write_text(f"[hub]\n{line.replace(password, 'not-' + password)}\n", encoding="utf-8")
    refused = run_kiosk("check", "--config", str(config), "--data-dir", str(data))
    assert refused.returncode == 0, refused.stderr
    assert "hub: warning: cannot connect to the hub postgresql://" in refused.stderr
    assert "password authentication failed" in refused.stderr
    assert "1 visit waiting to be sent" in refused.stderr
    assert password not in refused.stdout + refused.stderr
