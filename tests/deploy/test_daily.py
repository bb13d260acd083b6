"""deploy/daily.py, what clinic-kiosk-purge.timer runs each night: export (optional), then purge."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.store import Store
from tests.support.deploy import DEPLOY

DAY = "2026-11-26"


def kiosk_started_once(tmp_path: Path) -> None:
    """The kiosk makes its database at its first start; the admin commands never do."""
    Store.open(tmp_path / "data").close()


def daily(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    base["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, str(DEPLOY / "daily.py"), *args],
        cwd="/",  # daily.py finds the kiosk from its own place, whatever the folder
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_export_dir_only_purges(tmp_path: Path) -> None:
    kiosk_started_once(tmp_path)
    done = daily(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "daily export: off" in done.stdout
    assert "$ python -m kiosk purge" in done.stdout
    assert "purged 0 visit(s) older than 90 days" in done.stdout
    assert (tmp_path / "data" / "kiosk.db").exists()


def test_exports_each_format_then_purges(tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    kiosk_started_once(tmp_path)
    done = daily(
        tmp_path, "--date", DAY, KIOSK_EXPORT_DIR=str(out), KIOSK_EXPORT_FORMATS="csv json"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"kiosk-log-{DAY}.csv", f"kiosk-log-{DAY}.json"]
    for path in out.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600
    assert done.stdout.index("export") < done.stdout.index("purge")
    # The timer catching up runs it again: the day's files are replaced, not an error.
    again = daily(tmp_path, "--date", DAY, KIOSK_EXPORT_DIR=str(out), KIOSK_EXPORT_FORMATS="csv")
    assert again.returncode == 0, again.stderr


def test_default_day_is_yesterday_in_the_clinic_time_zone(tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    kiosk_started_once(tmp_path)
    zone = ZoneInfo("America/New_York")  # the default config's
    before = datetime.now(zone).date() - timedelta(days=1)
    done = daily(tmp_path, KIOSK_EXPORT_DIR=str(out))
    after = datetime.now(zone).date() - timedelta(days=1)
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert names & {f"kiosk-log-{before}.csv", f"kiosk-log-{after}.csv"}


def test_failed_export_still_purges_and_fails_the_unit(tmp_path: Path) -> None:
    kiosk_started_once(tmp_path)
    done = daily(tmp_path, KIOSK_EXPORT_DIR=str(tmp_path / "unplugged-drive"))
    assert done.returncode == 1
    assert "missing or not writable" in done.stderr
    assert "purged 0 visit(s)" in done.stdout


def test_unknown_export_format_still_purges(tmp_path: Path) -> None:
    kiosk_started_once(tmp_path)
    done = daily(tmp_path, KIOSK_EXPORT_DIR=str(tmp_path), KIOSK_EXPORT_FORMATS="xlsx")
    assert done.returncode == 1
    assert "unknown format xlsx" in done.stderr
    assert "purged 0 visit(s)" in done.stdout


def test_a_data_folder_without_a_database_fails_the_unit(tmp_path: Path) -> None:
    # A wrong KIOSK_DATA_DIR in the unit would otherwise purge nothing, night after night.
    done = daily(tmp_path)
    assert done.returncode == 1
    assert f"no kiosk database in {tmp_path / 'data'}" in done.stderr
    assert not (tmp_path / "data").exists()
