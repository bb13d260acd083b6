"""The network drop-in (deploy/outbound_network.py, written by the installer): outgoing
connections to the configured alert hosts and hub only, no listening port, no secret in the file;
and the unit with it still passes systemd-analyze under the deployed sandbox settings. Its effect
under a running systemd is tested in test_outbound_sandbox.py."""

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


def run_dropin(tmp_path: Path, alerts: str, hub: str = "") -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[alerts]\n{alerts}\n[hub]\n{hub}\n", encoding="utf-8")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# test\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n", "utf-8")
    return subprocess.run(
        [
            sys.executable,
            str(DEPLOY / "outbound_network.py"),
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


def test_the_hub_hosts_are_allowed_too(tmp_path: Path) -> None:
    # Two hosts tried in turn (the second by name), and a unix socket that needs no address.
    done = run_dropin(
        tmp_path,
        "",
        f'url = "postgresql://kiosk_lobby:{SECRET}@192.0.2.20:5432,localhost:5433,'
        '/run/postgresql/clinic_hub?sslmode=verify-full"',
    )
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    allowed = settings(done.stdout)["IPAddressAllow"].split()
    assert allowed[:2] == ["192.0.2.20", "127.0.0.1"]  # the hub's hosts, as resolved
    assert "192.0.2.53" in allowed  # localhost is a name: DNS to find it
    assert settings(done.stdout)["SocketBindDeny"] == "any"
    assert "postgresql://kiosk_lobby:***@192.0.2.20" in done.stdout  # the comment says who


def test_hostaddr_is_allowed_as_given_without_dns(tmp_path: Path) -> None:
    done = run_dropin(
        tmp_path,
        "",
        f'url = "postgresql://kiosk_lobby:{SECRET}@hub.invalid/clinic_hub?hostaddr=198.51.100.7"',
    )
    assert done.returncode == 0, done.stderr
    # libpq connects to hostaddr without looking hub.invalid up: no DNS server either.
    assert settings(done.stdout)["IPAddressAllow"].split() == ["198.51.100.7"]
    assert SECRET not in done.stdout + done.stderr


def test_a_hub_on_the_local_socket_needs_no_drop_in(tmp_path: Path) -> None:
    done = run_dropin(
        tmp_path, "", f'url = "postgresql://kiosk:{SECRET}@/clinic_hub?host=/run/postgresql"'
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_alerts_and_hub_share_one_allow_list(tmp_path: Path) -> None:
    done = run_dropin(
        tmp_path,
        'notify = ["json://192.0.2.10:8443/alert"]',
        'url = "postgresql://kiosk@192.0.2.20/clinic_hub"',
    )
    assert done.returncode == 0, done.stderr
    # Addresses only: no name to resolve, so no DNS server is let through.
    assert settings(done.stdout)["IPAddressAllow"].split() == ["192.0.2.10", "192.0.2.20"]
    assert done.stdout.count("[Service]") == 1


def test_a_hub_url_libpq_refuses_is_one_line_without_its_password(tmp_path: Path) -> None:
    done = run_dropin(
        tmp_path, "", f'url = "postgresql://kiosk:{SECRET}@hub.clinic.lan/clinic_hub?bogus=1"'
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "kiosk.toml: hub.url: postgresql://kiosk:***@hub.clinic.lan" in done.stderr
    assert '"bogus"' in done.stderr and SECRET not in done.stderr


def test_host_and_hostaddr_lists_that_do_not_pair_are_refused(tmp_path: Path) -> None:
    done = run_dropin(
        tmp_path, "", 'url = "postgresql://kiosk@a.lan,b.lan/clinic_hub?hostaddr=192.0.2.1"'
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "hub.url" in done.stderr and "2 host name(s) but 1 hostaddr value(s)" in done.stderr


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
    (folder / "clinic-kiosk.service.d" / "50-outbound.conf").write_text(done.stdout, "utf-8")
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
