"""deploy/install.sh: refuses without root; the throwaway CI install it made is what it promises;
running it again changes nothing that matters (idempotent); the admin command works."""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.deploy import (
    CI_BACKUPS,
    CI_DATA,
    CI_ETC,
    CI_PREFIX,
    CI_SYSTEM,
    CI_USER,
    DEPLOY,
    ROOT,
    unavailable,
)

ADMIN = CI_SYSTEM / "sbin" / "clinic-kiosk-admin"


def test_refuses_to_run_without_root() -> None:
    script = (DEPLOY / "install.sh").read_bytes()
    command = ["bash", "-s", "--", "--no-apt"]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    done = subprocess.run(command, input=script, capture_output=True, cwd="/", timeout=30)
    assert done.returncode == 1
    assert b"must run as root" in done.stderr
    assert done.stdout == b""


@pytest.fixture(scope="module")
def ci_install() -> Path:
    if os.geteuid() != 0:
        unavailable("the install tests need root")
    if not (CI_PREFIX / ".venv" / "bin" / "python").exists():
        unavailable(f"the CI install in {CI_PREFIX} is missing")
    return CI_PREFIX


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def owner(path: Path) -> tuple[str, str]:
    info = path.stat()
    return pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name


def test_user_is_a_system_account_without_login(ci_install: Path) -> None:
    entry = pwd.getpwnam(CI_USER)
    assert entry.pw_uid < 1000
    assert entry.pw_shell == "/usr/sbin/nologin"
    assert entry.pw_dir == str(CI_DATA)


def test_venv_is_made_from_debians_python(ci_install: Path) -> None:
    cfg = (ci_install / ".venv" / "pyvenv.cfg").read_text()
    assert "home = /usr/bin\n" in cfg
    target = os.path.realpath(ci_install / ".venv" / "bin" / "python")
    assert target.startswith("/usr/bin/python3")


def test_code_is_root_owned_and_read_only_for_the_kiosk(ci_install: Path) -> None:
    for path in [ci_install, ci_install / "main.py", ci_install / "kiosk", ci_install / ".venv"]:
        assert owner(path)[0] == "root", path
        assert not mode(path) & 0o022, f"{path} is writable by others"
    assert (ci_install / "main.py").read_bytes() == (ROOT / "main.py").read_bytes(), (
        "the CI install is older than this checkout: run tests/deploy/setup-ci.sh again"
    )


def test_private_folders_and_config(ci_install: Path) -> None:
    for folder in (CI_DATA, CI_BACKUPS):
        assert owner(folder) == (CI_USER, CI_USER)
        assert mode(folder) == 0o700
    assert owner(CI_ETC) == ("root", CI_USER)
    assert mode(CI_ETC) == 0o750
    for name in ("kiosk.toml", "environment"):
        assert owner(CI_ETC / name) == ("root", CI_USER)
        assert mode(CI_ETC / name) == 0o640
    environment = (CI_ETC / "environment").read_text()
    assert f"KIOSK_DATA_DIR={CI_DATA}\n" in environment
    assert f"KIOSK_CONFIG={CI_ETC}/kiosk.toml\n" in environment


def test_units_are_installed_relocated_and_verify(ci_install: Path) -> None:
    units = sorted((CI_SYSTEM / "systemd").glob("clinic-kiosk*"))
    assert [u.name for u in units] == [
        "clinic-kiosk-failed.service",
        "clinic-kiosk-purge.service",
        "clinic-kiosk-purge.timer",
        "clinic-kiosk.service",
    ]
    kiosk = (CI_SYSTEM / "systemd" / "clinic-kiosk.service").read_text()
    assert f"User={CI_USER}\n" in kiosk
    assert f"{CI_PREFIX}/.venv/bin/python {CI_PREFIX}/main.py --fullscreen" in kiosk
    assert "/opt/clinic-kiosk/" not in kiosk
    assert (CI_SYSTEM / "pam.d" / "clinic-kiosk").is_file()
    done = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def admin(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ADMIN), *args], input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_admin_command_runs_as_the_kiosk_user(ci_install: Path) -> None:
    check = admin("check")
    assert check.returncode == 0, check.stderr
    assert f"config: ok ({CI_ETC}/kiosk.toml)" in check.stdout

    pin = admin("set-pin", "reception", stdin="246813\n")
    assert pin.returncode == 0, pin.stderr
    db = CI_DATA / "kiosk.db"
    assert owner(db) == (CI_USER, CI_USER)
    assert mode(db) == 0o600

    backup = CI_BACKUPS / "test-backup.db"
    done = admin("backup", "--out", str(backup), "--force")
    assert done.returncode == 0, done.stderr
    assert owner(backup)[0] == CI_USER
    assert mode(backup) == 0o600


@pytest.mark.slow
def test_installing_again_changes_nothing_that_matters(ci_install: Path) -> None:
    (CI_ETC / "kiosk.toml").write_text(
        (CI_ETC / "kiosk.toml").read_text().replace("Resilience", "Changed by the clinic")
    )
    before = {p: (p.read_bytes(), mode(p), owner(p)) for p in CI_ETC.iterdir()}
    stamp = (ci_install / ".venv" / ".clinic-kiosk-installed").read_text()
    # The outbound drop-in's name before it covered the hub: an update removes it.
    old_dropin = CI_SYSTEM / "systemd" / "clinic-kiosk.service.d" / "50-alerts.conf"
    old_dropin.parent.mkdir(exist_ok=True)
    old_dropin.write_text("[Service]\nIPAddressAllow=192.0.2.1\n")
    done = subprocess.run(
        ["bash", str(ROOT / "tests" / "deploy" / "setup-ci.sh"), "--no-apt"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kept the existing" in done.stdout
    assert "installing the Python packages" not in done.stdout  # nothing to do: no pip
    after = {p: (p.read_bytes(), mode(p), owner(p)) for p in CI_ETC.iterdir()}
    assert after == before
    assert (ci_install / ".venv" / ".clinic-kiosk-installed").read_text() == stamp
    assert mode(CI_DATA) == 0o700
    assert not old_dropin.exists()
