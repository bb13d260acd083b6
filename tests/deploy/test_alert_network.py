"""The network drop-in for alerts (deploy/alert_network.py, written by the installer): outgoing
connections to the configured alert hosts only, no listening port, no secret in the file; and
the unit with it still passes systemd-analyze under the deployed sandbox settings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.alert_servers import SmtpServer
from tests.support.deploy import DEPLOY, ROOT, unavailable

SECRET = "hunter2secret"


def run_dropin(tmp_path: Path, alerts: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[alerts]\n{alerts}\n", encoding="utf-8")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# test\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n", "utf-8")
    return subprocess.run(
        [
            sys.executable,
            str(DEPLOY / "alert_network.py"),
            "--config",
            str(config),
            "--resolv-conf",
            str(resolv),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )


def test_the_drop_in_allows_the_alert_hosts_and_dns_only(tmp_path: Path) -> None:
    done = run_dropin(
        tmp_path,
        f'notify = ["mailto://kiosk:{SECRET}@localhost:2525?from=k@clinic.test&to=d@clinic.test",'
        f' "json://192.0.2.10:8443/{SECRET}"]\n'
        f'escalate = ["slack://T1JJ3T3L2/A1BRTD4JD/{SECRET}xyzxyzxyzxyz/%23desk"]',
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert SECRET not in text + done.stderr and "T1JJ3T3L2" not in text
    values = settings(text)
    assert values["RestrictAddressFamilies"].split() == [
        "AF_UNIX",
        "AF_NETLINK",
        "AF_INET",
        "AF_INET6",
    ]
    allowed = values["IPAddressAllow"].split()
    assert "127.0.0.1" in allowed  # localhost, the mail server
    assert "192.0.2.10" in allowed  # the webhook
    assert "192.0.2.53" in allowed and "fe80::1" in allowed  # DNS, to find the hosts
    assert values["SocketBindDeny"] == "any"  # still no listening port
    assert "IPAddressDeny" not in values  # the unit's "any" stays in force
    assert "# slack://…: hooks.slack.com" in text  # Slack's API host, from its plugin


def test_no_alert_url_no_drop_in(tmp_path: Path) -> None:
    done = run_dropin(tmp_path, 'printer = "front-desk"')
    assert done.returncode == 0 and done.stdout == ""


def test_a_bad_config_is_one_line(tmp_path: Path) -> None:
    done = run_dropin(tmp_path, 'notify = ["nosuch://x"]')
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "alerts.notify[0]" in done.stderr


def _analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        unavailable("systemd-analyze is not installed", "apt-get install systemd")
    assert found is not None
    return found


@pytest.fixture
def unit_with_dropin(tmp_path: Path, smtp_server: SmtpServer) -> Path:
    folder = tmp_path / "units"
    (folder / "clinic-kiosk.service.d").mkdir(parents=True)
    for name in ("clinic-kiosk.service", "clinic-kiosk-failed.service"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace("/opt/clinic-kiosk/.venv/bin/python", sys.executable)
        (folder / name).write_text(text.replace("/opt/clinic-kiosk/", f"{ROOT}/"), "utf-8")
    done = run_dropin(tmp_path, f'notify = ["{smtp_server.url}"]')
    assert done.returncode == 0, done.stderr
    (folder / "clinic-kiosk.service.d" / "50-alerts.conf").write_text(done.stdout, "utf-8")
    return folder / "clinic-kiosk.service"


def test_the_unit_with_the_drop_in_verifies(unit_with_dropin: Path) -> None:
    done = subprocess.run(
        [_analyze(), "verify", str(unit_with_dropin)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_the_sandbox_still_denies_ip_but_the_allow_list(unit_with_dropin: Path) -> None:
    done = subprocess.run(
        [_analyze(), "security", "--offline=yes", "--json=short", str(unit_with_dropin)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    checks = {check["name"]: check for check in json.loads(done.stdout)}
    # systemd reads the merged unit: IP sockets may be made, but only towards the allow list
    # (loopback here: the test's SMTP server); every other address stays denied.
    assert checks["IPAddressDeny="]["description"].startswith("Service defines IP address allow")
    assert checks["RestrictAddressFamilies=~AF_(INET|INET6)"]["exposure"] is not None
    assert checks["RestrictAddressFamilies=~AF_PACKET"]["exposure"] is None
    overall = subprocess.run(
        [_analyze(), "security", "--offline=yes", str(unit_with_dropin)],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    level = float(
        overall.rsplit("Overall exposure level for clinic-kiosk.service:", 1)[1].split()[0]
    )
    assert level <= 2.0, overall
