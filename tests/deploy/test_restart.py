"""Restart=always and the watchdog, with the unit's own ExecStart (cage left out), under a harness.

tests/deploy/test_cage.py does the same inside cage as an unprivileged user; this one needs
neither, so it runs everywhere and shows quickly whether the app side (READY=1, WATCHDOG=1 from
the GUI thread) holds. See tests/support/supervisor.py for what the harness does and does not prove.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

import pytest

from tests.support.deploy import ROOT
from tests.support.kiosk_service import (
    INSTALLED_PYTHON,
    UNIT,
    exercise_restarts,
    service_command,
    service_environment,
    wait_ready,
    write_hang_hook,
)
from tests.support.supervisor import ServiceSettings, Supervisor, parse_timespan, read_unit


def test_unit_settings_the_harness_reads() -> None:
    settings = ServiceSettings.from_unit(UNIT)
    assert settings.type == "notify"
    assert settings.notify_access == "all"
    assert settings.restart == "always"
    assert 10 <= settings.watchdog_sec <= 60
    assert settings.restart_sec <= 5
    assert settings.start_limit_burst >= 3
    assert settings.start_limit_interval_sec >= 60
    assert settings.limit_core == "0"
    assert "cage" in [Path(arg).name for arg in settings.exec_start]
    assert settings.exec_start[-2:] == ["/opt/clinic-kiosk/main.py", "--fullscreen"]
    assert INSTALLED_PYTHON in settings.exec_start


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("10min", 600), ("2", 2), ("1min 30s", 90), ("500ms", 0.5)]
)
def test_parse_timespan(text: str, seconds: float) -> None:
    assert parse_timespan(text) == seconds


def test_read_unit_keeps_repeated_keys(tmp_path: Path) -> None:
    unit = tmp_path / "x.service"
    unit.write_text("[Service]\n# c\nEnvironment=A=1 B=2\nEnvironment=C=3\nType=notify\n")
    assert read_unit(unit) == {
        "Service.Environment": ["A=1 B=2", "C=3"],
        "Service.Type": ["notify"],
    }


def fake_service(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "service.py"
    script.write_text(
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from ui.watchdog import notify\n" + body,
        encoding="utf-8",
    )
    return [sys.executable, str(script)]


def harness_settings(**changes: object) -> ServiceSettings:
    settings = ServiceSettings.from_unit(UNIT)
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def test_start_limit_stops_a_service_that_keeps_dying(tmp_path: Path) -> None:
    """The harness itself: a service that dies at once is started StartLimitBurst times, then
    fails (where systemd would run the OnFailure= unit, clinic-kiosk-failed.service)."""
    settings = harness_settings(restart_sec=0.05, start_limit_burst=3, start_limit_interval_sec=60)
    command = fake_service(tmp_path, "notify('READY=1')\nsys.exit(3)\n")
    supervisor = Supervisor(command, dict(os.environ), settings, tmp_path)
    try:
        supervisor.start()
        assert supervisor.run_until(lambda: supervisor.state == "failed", 30), supervisor.events
        assert [kind for kind, _ in supervisor.events].count("start") == 3
        assert supervisor.events[-1] == ("failed", "start-limit-hit")
    finally:
        supervisor.close()


def test_start_timeout_when_ready_never_comes(tmp_path: Path) -> None:
    settings = harness_settings(timeout_start_sec=0.5, restart_sec=0.1, timeout_stop_sec=2)
    command = fake_service(tmp_path, "time.sleep(60)\n")
    supervisor = Supervisor(command, dict(os.environ), settings, tmp_path)
    try:
        supervisor.start()
        assert supervisor.run_until(
            lambda: [k for k, _ in supervisor.events].count("start") >= 2, 15
        ), supervisor.events
        assert [k for k, _ in supervisor.events][:3] == ["start", "timeout", "exit"]
    finally:
        supervisor.close()


@pytest.mark.slow
def test_kiosk_comes_back_after_a_crash_and_after_a_hang(tmp_path: Path) -> None:
    """main.py under the unit's command (minus cage) and Restart=always/WatchdogSec semantics.

    WatchdogSec is shortened to 3 s so the hang is noticed quickly; the mechanism is the same.
    """
    settings = harness_settings(watchdog_sec=3.0)
    data = tmp_path / "data"
    places = {
        INSTALLED_PYTHON: sys.executable,
        "/opt/clinic-kiosk": str(ROOT),
        "/run/clinic-kiosk": str(tmp_path / "run"),
        "/var/cache/clinic-kiosk": str(tmp_path / "cache"),
    }
    (tmp_path / "run").mkdir(mode=0o700)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "WATCHDOG_"))}
    base.pop("NOTIFY_SOCKET", None)
    env = service_environment(
        settings,
        places,
        {
            "KIOSK_DATA_DIR": str(data),
            "QT_QPA_PLATFORM": "offscreen",  # no compositor in this variant
            "PYTHONPATH": str(write_hang_hook(tmp_path / "hooks")),
        },
    )
    command = service_command(settings, places, with_cage=False)
    supervisor = Supervisor(command, {**base, **env}, settings, tmp_path)
    started = time.monotonic()
    try:
        supervisor.start()
        wait_ready(supervisor, 1, 60)
        for line in exercise_restarts(supervisor, start_timeout=60):
            print(line)
    finally:
        supervisor.close()
    assert (data / "kiosk.db").exists()
    print(f"took {time.monotonic() - started:.1f} s")
