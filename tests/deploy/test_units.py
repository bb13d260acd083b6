"""The systemd units as files: what they promise, and what systemd-analyze says of them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import load_config
from tests.support.deploy import DEPLOY, ROOT, unavailable
from tests.support.supervisor import read_unit

UNITS = [
    "clinic-kiosk.service",
    "clinic-kiosk-failed.service",
    "clinic-kiosk-purge.service",
    "clinic-kiosk-purge.timer",
]
KIOSK = read_unit(DEPLOY / "clinic-kiosk.service")
PURGE = read_unit(DEPLOY / "clinic-kiosk-purge.service")


def one(unit: dict[str, list[str]], key: str) -> str:
    values = unit.get(key, [])
    assert values, f"{key} is not set"
    return values[-1]


def words(unit: dict[str, list[str]], key: str) -> list[str]:
    return [word for value in unit.get(key, []) for word in value.split()]


def test_kiosk_unit_runs_cage_fullscreen_as_the_kiosk_user() -> None:
    start = one(KIOSK, "Service.ExecStart").split()
    assert start[start.index("/usr/bin/cage") :] == [
        "/usr/bin/cage",
        "-d",
        "--",
        "/opt/clinic-kiosk/.venv/bin/python",
        "/opt/clinic-kiosk/main.py",
        "--fullscreen",
    ]
    assert one(KIOSK, "Service.User") == "kiosk"
    assert one(KIOSK, "Service.EnvironmentFile") == "/etc/clinic-kiosk/environment"
    assert "QT_QPA_PLATFORM=wayland" in words(KIOSK, "Service.Environment")


def test_kiosk_unit_is_open_to_screen_readers_and_can_play_sound() -> None:
    # Issue 19: Qt exposes the widgets over AT-SPI only with the variable and an accessibility
    # bus, started on a private session bus before cage; speech-dispatcher plays through ALSA.
    assert "QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1" in words(KIOSK, "Service.Environment")
    start = one(KIOSK, "Service.ExecStart").split()
    cage = start.index("/usr/bin/cage")
    assert start[:cage][-3:] == [
        "--dbus-daemon=/opt/clinic-kiosk/deploy/session-bus.sh",
        "--",
        "/opt/clinic-kiosk/deploy/a11y-bus.sh",
    ]
    assert "/usr/bin/dbus-run-session" in start[:cage]
    assert one(KIOSK, "Service.SupplementaryGroups") == "audio"
    for script in ("session-bus.sh", "a11y-bus.sh"):
        assert os.access(ROOT / "deploy" / script, os.X_OK), script
    # dbus-daemon would tell systemd READY=1 itself: the wrapper takes NOTIFY_SOCKET away.
    assert "unset NOTIFY_SOCKET" in (ROOT / "deploy" / "session-bus.sh").read_text()


def test_kiosk_unit_restarts_and_escalates() -> None:
    assert one(KIOSK, "Service.Type") == "notify"
    assert one(KIOSK, "Service.NotifyAccess") == "all"
    assert one(KIOSK, "Service.Restart") == "always"
    assert one(KIOSK, "Service.WatchdogSec")
    assert int(one(KIOSK, "Unit.StartLimitBurst")) >= 3
    assert one(KIOSK, "Unit.StartLimitIntervalSec")
    failed = one(KIOSK, "Unit.OnFailure")
    assert (DEPLOY / failed).is_file()
    assert "on-failure.sh" in one(read_unit(DEPLOY / failed), "Service.ExecStart")


@pytest.mark.parametrize("unit", [KIOSK, PURGE], ids=["kiosk", "purge"])
def test_hardening(unit: dict[str, list[str]]) -> None:
    assert one(unit, "Service.User") == "kiosk"
    assert one(unit, "Service.NoNewPrivileges") == "yes"
    assert one(unit, "Service.ProtectSystem") == "strict"
    assert "/var/lib/clinic-kiosk" in words(unit, "Service.ReadWritePaths")
    assert one(unit, "Service.ProtectHome") == "yes"
    assert one(unit, "Service.PrivateTmp") == "yes"
    assert one(unit, "Service.IPAddressDeny") == "any"
    # No IP sockets at all: no listening port, no connection out. CUPS is its unix socket.
    assert set(words(unit, "Service.RestrictAddressFamilies")) <= {"AF_UNIX", "AF_NETLINK"}
    assert one(unit, "Service.UMask") == "0077"
    assert one(unit, "Service.LimitCORE") == "0"
    assert one(unit, "Service.CapabilityBoundingSet") == ""


def test_environment_example_matches_the_units() -> None:
    env = dict(
        line.split("=", 1)
        for line in (DEPLOY / "environment.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["KIOSK_DATA_DIR"] == "/var/lib/clinic-kiosk"
    assert env["KIOSK_DATA_DIR"] in words(KIOSK, "Service.ReadWritePaths")
    assert env["KIOSK_CONFIG"] == "/etc/clinic-kiosk/kiosk.toml"
    assert set(env) == {
        "KIOSK_DATA_DIR",
        "KIOSK_CONFIG",
        "KIOSK_EXPORT_DIR",
        "KIOSK_EXPORT_FORMATS",
        "KIOSK_REBOOT_MIN_UPTIME",
        "KIOSK_REBOOT_ON_FAILURE",
    }


def test_config_example_is_valid_and_fullscreen(tmp_path: Path) -> None:
    example = DEPLOY / "kiosk.toml.example"
    config = load_config(example, tmp_path)
    assert config.kiosk.fullscreen is True
    assert "data_dir" not in tomllib.loads(example.read_text())["storage"]


def test_timer_is_daily_and_catches_up() -> None:
    timer = read_unit(DEPLOY / "clinic-kiosk-purge.timer")
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", one(timer, "Timer.OnCalendar"))
    assert one(timer, "Timer.Persistent") == "true"
    assert one(PURGE, "Service.ExecStart").split()[-1] == "/opt/clinic-kiosk/deploy/daily.py"


def test_shell_scripts_parse() -> None:
    scripts = {
        DEPLOY / "install.sh": "bash",
        ROOT / "tests" / "deploy" / "setup-ci.sh": "bash",
        DEPLOY / "on-failure.sh": "sh",
        DEPLOY / "clinic-kiosk-admin": "sh",
    }
    for script, shell in scripts.items():
        done = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, f"{script}: {done.stderr}"


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        unavailable("systemd-analyze is not installed", "apt-get install systemd")
    assert found is not None
    return found


def relocated_units(target: Path) -> list[Path]:
    """The units with the installed Python pointed at one that exists, so verify can check
    every other path; the rest as shipped."""
    paths = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/opt/clinic-kiosk/.venv/bin/python", sys.executable)
        text = text.replace("/opt/clinic-kiosk/", f"{ROOT}/")
        (target / name).write_text(text)
        paths.append(target / name)
    return paths


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    done = subprocess.run(
        [analyze, "verify", *map(str, relocated_units(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip() == "", done.stderr


@pytest.mark.parametrize(
    ("name", "most"),
    [("clinic-kiosk.service", 2.0), ("clinic-kiosk-purge.service", 1.0)],
)
def test_systemd_analyze_security_exposure(tmp_path: Path, name: str, most: float) -> None:
    analyze = _systemd_analyze()
    relocated_units(tmp_path)
    done = subprocess.run(
        [analyze, "security", "--offline=true", "--no-pager", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_COLORS": "0"},
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert match, done.stdout + done.stderr
    assert float(match.group(1)) <= most, done.stdout


def fake_commands(folder: Path, *names: str) -> Path:
    """Stand-ins that log their arguments to folder/calls."""
    folder.mkdir()
    for name in names:
        tool = folder / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> "{folder}/calls"\n')
        tool.chmod(0o755)
    return folder


def run_on_failure(tmp_path: Path, **env: str) -> tuple[int, str, str]:
    tools = fake_commands(tmp_path / "bin", "systemctl", "sleep")
    done = subprocess.run(
        ["sh", str(DEPLOY / "on-failure.sh")],
        env={"PATH": f"{tools}:/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    calls = tools / "calls"
    return done.returncode, done.stdout, calls.read_text() if calls.exists() else ""


def uptime() -> int:
    return int(float(Path("/proc/uptime").read_text().split()[0]))


def test_on_failure_reboots_when_up_long_enough(tmp_path: Path) -> None:
    code, out, calls = run_on_failure(tmp_path, KIOSK_REBOOT_MIN_UPTIME="0")
    assert code == 0, out
    assert calls == "systemctl --no-block reboot\n"


def test_on_failure_waits_before_rebooting_again_soon_after_boot(tmp_path: Path) -> None:
    code, out, calls = run_on_failure(tmp_path, KIOSK_REBOOT_MIN_UPTIME=str(uptime() + 600))
    assert code == 0, out
    first, second = calls.splitlines()
    assert first.startswith("sleep ") and 590 <= int(first.split()[1]) <= 600
    assert second == "systemctl --no-block reboot"


def test_on_failure_can_be_told_never_to_reboot(tmp_path: Path) -> None:
    code, out, calls = run_on_failure(tmp_path, KIOSK_REBOOT_ON_FAILURE="no")
    assert code == 0
    assert calls == ""
    assert "systemctl start clinic-kiosk" in out


def config_lines(path: Path) -> list[str]:
    """The settings of a speech-dispatcher (dotconf) file, without comments and blank lines."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_speech_dispatchers_log_is_small_and_in_memory() -> None:
    # Read aloud's speech-dispatcher is autospawned by libspeechd with the app's environment and
    # no options of ours: only its settings file can be the kiosk's. It reads
    # $XDG_CONFIG_HOME/speech-dispatcher/speechd.conf when that exists, instead of the system's.
    environment = dict(word.split("=", 1) for word in words(KIOSK, "Service.Environment"))
    installed = "/opt/clinic-kiosk/deploy/xdg-config"
    assert environment["XDG_CONFIG_HOME"] == installed
    folder = ROOT / "deploy" / "xdg-config" / "speech-dispatcher"  # copied there by install.sh
    settings = config_lines(folder / "speechd.conf")
    # The system's settings first (voices, audio, modules), then the kiosk's: dotconf applies
    # them in order, so the kiosk's log level is the one in force. At 1 and above,
    # speech-dispatcher 0.11 logs every voice of every module at each start and connection
    # (~1.2 MB each time); at 0 a line per start.
    assert settings[0] == 'Include "/etc/speech-dispatcher/speechd.conf"'
    assert [s for s in settings if s.split()[0].lower() == "loglevel"] == ["LogLevel 0"]
    assert settings.index("LogLevel 0") > 0
    # Its log stays where "default" puts it, $XDG_RUNTIME_DIR/speech-dispatcher/log/: nothing
    # here sends it (or a protocol log of what is spoken) anywhere else.
    keys = {s.split()[0].lower() for s in settings}
    assert not keys & {"logdir", "logfile", "customlogfile"}
    # The system's settings include clients/*.conf and name modules/*.conf from this folder.
    for name in ("modules", "clients"):
        assert os.readlink(folder / name) == f"/etc/speech-dispatcher/{name}"
    # $XDG_RUNTIME_DIR is the unit's RuntimeDirectory: in memory (/run), emptied at every stop
    # and restart (no RuntimeDirectoryPreserve=), never on the data folder's disk. Unset, GLib
    # would fall back to $XDG_CACHE_HOME (/var/cache/clinic-kiosk, on disk): it must stay set.
    start = one(KIOSK, "Service.ExecStart").split()
    assert "XDG_RUNTIME_DIR=/run/clinic-kiosk" in start[: start.index("/usr/bin/cage")]
    assert one(KIOSK, "Service.RuntimeDirectory") == "clinic-kiosk"
    assert "Service.RuntimeDirectoryPreserve" not in KIOSK
