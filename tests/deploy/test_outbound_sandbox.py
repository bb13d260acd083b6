"""The outbound drop-in under systemd's own enforcement, not just its text: a real systemd
(tests/support/nested_systemd.py: PID 1 of private namespaces, on CI's VM whose PID 1 is not
systemd) runs the kiosk's own delivery code as a service with clinic-kiosk.service's sandbox
settings, read from deploy/, plus the drop-in deploy/outbound_network.py writes for a config whose
alert webhook is on 127.0.0.2 and whose hub is on 127.0.0.4. Real servers listen there and on
127.0.0.3, an address the config does not name (a webhook on .2 and .3, one PostgreSQL on .4 and
.3): from inside, the alert channel (kiosk.alerts.notify) reaches .2 and the hub connection
(kiosk.hub.schema.connect) reaches .4, neither reaches .3; a port opened inside cannot be
reached from outside; and without the drop-in no IP socket can even be made.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.alert_servers import Webhook
from tests.support.deploy import CI_PREFIX, CI_USER, DEPLOY, ROOT, unavailable
from tests.support.nested_systemd import (
    NestedSystemd,
    nested_systemd,
    systemd_features,
    why_not,
)
from tests.support.postgres import PgServer, make_server

pytestmark = pytest.mark.slow

# Loopback addresses, each a "host" of its own: the alert webhook's, the hub's (each allowed by
# its own part of the config), and one the config does not name.
ALERT_HOST = "127.0.0.2"
HUB_HOST = "127.0.0.4"
ELSEWHERE = "127.0.0.3"
PASSWORD = "probe-" + uuid.uuid4().hex[:12]
# clinic-kiosk.service's [Service] settings that say what to run and how (cage on tty1 through
# PAM, as the kiosk user, notify and watchdog, its log); every other one is its sandbox, and
# the probe runs under all of those as they are in deploy/.
LAUNCH_SETTINGS = frozenset(
    {
        "Type", "NotifyAccess", "WatchdogSec", "TimeoutStartSec", "TimeoutStopSec", "Restart",
        "RestartSec", "User", "Group", "SupplementaryGroups", "PAMName", "TTYPath", "TTYReset",
        "TTYVHangup", "TTYVTDisallocate", "StandardInput", "StandardOutput", "StandardError",
        "UtmpIdentifier", "UtmpMode", "EnvironmentFile", "Environment", "ExecStart",
        "WorkingDirectory",
    }
)  # fmt: skip
# Inside the nested systemd: its /run is its own tmpfs, visible to the sandboxed service
# (ProtectSystem=strict: read-only) where PrivateTmp= and ProtectHome= hide /tmp and /root.
INSIDE = "/run/kiosk-test"
PYTHON = CI_PREFIX / ".venv" / "bin" / "python"
LISTEN_SECONDS = 6.0


def sandbox_settings() -> list[str]:
    """clinic-kiosk.service's sandbox: its [Service] lines but LAUNCH_SETTINGS, in order."""
    lines, section = [], ""
    for raw in (DEPLOY / "clinic-kiosk.service").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and line.split("=", 1)[0] not in LAUNCH_SETTINGS:
            lines.append(line)
    return lines


def probe_unit(name: str) -> str:
    return "\n".join(
        [
            "[Unit]",
            "Description=The kiosk's network code, in the kiosk's sandbox",
            "DefaultDependencies=no",
            "[Service]",
            "Type=oneshot",
            f"User={CI_USER}",
            f"Group={CI_USER}",
            f"Environment=PYTHONPATH={INSIDE}/app PYTHONDONTWRITEBYTECODE=1",
            f"ExecStart={PYTHON} {INSIDE}/app/outbound_probe.py {INSIDE}/plan.json",
            f"StandardOutput=file:{INSIDE}/{name}.out",
            f"StandardError=file:{INSIDE}/{name}.err",
            "TimeoutStartSec=60",
            *sandbox_settings(),
            "",
        ]
    )


@dataclass
class Servers:
    allowed_hook: Webhook
    elsewhere_hook: Webhook
    postgres: PgServer
    database: str

    def hub_url(self, host: str) -> str:
        return f"postgresql://probe:{PASSWORD}@{host}:{self.postgres.port}/{self.database}"


@dataclass
class Run:
    results: dict[str, dict[str, Any]]
    shown: dict[str, str]  # what the nested systemd says of the unit (systemctl show)
    from_outside: dict[str, str]  # a connection from here to the port opened inside
    arrived: tuple[int, int]  # alerts received during the run: (allowed, elsewhere) webhook


@pytest.fixture(scope="module")
def systemd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NestedSystemd]:
    reason = why_not()
    if reason:
        unavailable(reason, "run the deployment tests as root (CI does)")
    if not PYTHON.exists():
        unavailable(f"the CI install's venv {PYTHON} is missing")
    with nested_systemd(tmp_path_factory.mktemp("nested-systemd")) as nested:
        inside = nested.path(INSIDE)
        inside.mkdir(mode=0o755)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "kiosk", inside / "app" / "kiosk", ignore=ignore)
        shutil.copy(ROOT / "tests" / "support" / "outbound_probe.py", inside / "app")
        yield nested


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    allowed, elsewhere = Webhook(ALERT_HOST), Webhook(ELSEWHERE)
    postgres = make_server(addresses=(HUB_HOST, ELSEWHERE))
    try:
        database = postgres.create_database()
        import psycopg

        with psycopg.connect(postgres.admin_url(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE probe LOGIN PASSWORD '{PASSWORD}'")
        yield Servers(allowed, elsewhere, postgres, database)
    finally:
        allowed.stop()
        elsewhere.stop()
        postgres.destroy()


@pytest.fixture(scope="module")
def dropin(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> str:
    """What the installer would write for this kiosk.toml: webhook on .2, hub on .4."""
    folder = tmp_path_factory.mktemp("outbound-config")
    config = folder / "kiosk.toml"
    config.write_text(
        f'[alerts]\nnotify = ["{servers.allowed_hook.url()}"]\n'
        f'[hub]\nurl = "{servers.hub_url(HUB_HOST)}"\n',
        encoding="utf-8",
    )
    (folder / "resolv.conf").write_text("nameserver 192.0.2.53\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(DEPLOY / "outbound_network.py"),
            *("--config", str(config), "--resolv-conf", str(folder / "resolv.conf")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout
    # Addresses only, no names: the allow list is those two and no DNS server.
    assert f"\nIPAddressAllow={ALERT_HOST} {HUB_HOST}\n" in done.stdout, done.stdout
    return done.stdout


def plan(servers: Servers) -> list[dict[str, Any]]:
    return [
        {"name": "alert", "notify": servers.allowed_hook.url("alert")},
        {"name": "alert elsewhere", "notify": servers.elsewhere_hook.url("alert")},
        {"name": "hub", "hub": servers.hub_url(HUB_HOST)},
        {"name": "hub elsewhere", "hub": servers.hub_url(ELSEWHERE)},
        {"name": "listen", "listen": LISTEN_SECONDS},
    ]


def read_results(path: Path) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        return []


def connect_from(source: str, port: int) -> str:
    """A TCP connection from `source` to the port opened inside: "connected" or the error."""
    with socket.socket() as client:
        client.settimeout(2)
        client.bind((source, 0))
        try:
            client.connect((source, port))
        except OSError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "connected"


def run_probe(systemd: NestedSystemd, servers: Servers, name: str, dropins: dict[str, str]) -> Run:
    inside = systemd.path(INSIDE)
    (inside / "plan.json").write_text(json.dumps(plan(servers)))
    systemd.add_unit(name, probe_unit(name), dropins)
    output = inside / f"{name}.out"
    before = len(servers.allowed_hook.received), len(servers.elsewhere_hook.received)
    started = systemd.systemctl_popen("start", name)
    from_outside: dict[str, str] = {}
    try:
        deadline = time.monotonic() + 30
        while started.poll() is None and time.monotonic() < deadline:
            listening = [r for r in read_results(output) if "listening" in r]
            if listening:
                port = int(listening[0]["listening"])
                # Loopback as this kiosk's own machine would see it, and the address that the
                # allow list does not hold: neither may reach a port opened inside.
                from_outside = {
                    source: connect_from(source, port) for source in ("127.0.0.1", ELSEWHERE)
                }
                break
            time.sleep(0.05)
        out, _ = started.communicate(timeout=60)
    finally:
        if started.poll() is None:
            started.kill()
            started.wait()
    errors = (inside / f"{name}.err").read_text() if (inside / f"{name}.err").exists() else ""
    assert started.returncode == 0, f"systemctl start {name}: {out}{errors}"
    shown = systemd.systemctl(
        "show",
        name,
        "-p",
        "IPAddressAllow,IPAddressDeny,RestrictAddressFamilies,SocketBindDeny,ExecMainStatus",
    ).stdout
    return Run(
        results={r["name"]: r for r in read_results(output) if "ok" in r},
        shown=dict(line.split("=", 1) for line in shown.splitlines() if "=" in line),
        from_outside=from_outside,
        arrived=(
            len(servers.allowed_hook.received) - before[0],
            len(servers.elsewhere_hook.received) - before[1],
        ),
    )


@pytest.fixture(scope="module")
def with_dropin(systemd: NestedSystemd, servers: Servers, dropin: str) -> Run:
    return run_probe(
        systemd, servers, "kiosk-sandbox-outbound.service", {"50-outbound.conf": dropin}
    )


@pytest.fixture(scope="module")
def without_dropin(systemd: NestedSystemd, servers: Servers) -> Run:
    return run_probe(systemd, servers, "kiosk-sandbox-closed.service", {})


def test_the_probe_runs_under_the_deployed_units_sandbox() -> None:
    settings = sandbox_settings()
    # Guards against LAUNCH_SETTINGS swallowing the settings this file is about.
    for expected in ("IPAddressDeny=any", "RestrictAddressFamilies=AF_UNIX AF_NETLINK"):
        assert expected in settings
    for key in ("ProtectSystem", "ProtectHome", "PrivateTmp", "SystemCallFilter", "UMask"):
        assert any(line.startswith(f"{key}=") for line in settings), key


def test_the_alert_reaches_the_allowed_host_and_no_other(
    with_dropin: Run, servers: Servers
) -> None:
    results = with_dropin.results
    assert with_dropin.shown["ExecMainStatus"] == "0"
    # systemd's own view of the merged unit (it lists each set in no fixed order).
    allowed = set(with_dropin.shown["IPAddressAllow"].split())
    assert allowed == {f"{ALERT_HOST}/32", f"{HUB_HOST}/32"}
    assert set(with_dropin.shown["IPAddressDeny"].split()) == {"0.0.0.0/0", "::/0"}
    assert results["alert"]["ok"], results["alert"]
    assert with_dropin.arrived[0] == 1
    assert servers.allowed_hook.received[-1]["title"] == "Sandbox probe"
    # The same channel code towards an address that is not on the list: nothing arrives.
    assert not results["alert elsewhere"]["ok"], results["alert elsewhere"]
    assert with_dropin.arrived[1] == 0


def test_the_hub_is_reached_and_no_other_address(with_dropin: Run) -> None:
    results = with_dropin.results
    assert results["hub"] == {"name": "hub", "ok": True, "answer": 1}, results["hub"]
    # The same server, listening on an address the list does not hold: the connection never
    # gets through (libpq gives up after the kiosk's connect timeout).
    assert not results["hub elsewhere"]["ok"]
    assert "cannot connect to the hub" in results["hub elsewhere"]["error"]
    assert PASSWORD not in results["hub elsewhere"]["error"]


def test_no_port_opened_inside_can_be_reached(with_dropin: Run) -> None:
    listen = with_dropin.results["listen"]
    if not listen["ok"]:
        # systemd built with its BPF framework enforces SocketBindDeny=any: bind() is refused.
        assert "PermissionError" in listen["error"], listen
        return
    # Debian 12's systemd 252 is built without it (-BPF_FRAMEWORK): SocketBindDeny= is ignored
    # and the bind succeeds; IPAddressDeny=any still drops every packet from an address not on
    # the list, so nothing reaches the port (docs/deploy.md, section 11).
    assert "-BPF_FRAMEWORK" in systemd_features(), "SocketBindDeny=any should refuse the bind"
    assert listen["accepted"] is None, listen
    assert set(with_dropin.from_outside) == {"127.0.0.1", ELSEWHERE}, "no port was announced"
    for source, outcome in with_dropin.from_outside.items():
        assert outcome != "connected", f"a connection from {source} reached the port inside"


def test_without_the_drop_in_no_ip_socket_at_all(without_dropin: Run, servers: Servers) -> None:
    results = without_dropin.results
    assert without_dropin.shown["ExecMainStatus"] == "0"
    assert sorted(without_dropin.shown["RestrictAddressFamilies"].split()) == [
        "AF_NETLINK",
        "AF_UNIX",
    ]
    assert set(results) == {"alert", "alert elsewhere", "hub", "hub elsewhere", "listen"}
    for name, result in results.items():
        assert not result["ok"], f"{name} got through without the drop-in: {result}"
    # RestrictAddressFamilies= refuses the socket itself: no port, not even briefly.
    assert "Address family not supported" in results["listen"]["error"]
    assert "cannot connect to the hub" in results["hub"]["error"]
    assert without_dropin.arrived == (0, 0)


def test_the_nested_systemd_ends_with_the_process_that_started_it(tmp_path: Path) -> None:
    # A test killed halfway (a timeout, Ctrl+C twice) must not leave a systemd running that
    # would outlive the suite: its PID 1 dies with the process that started it.
    reason = why_not()
    if reason:
        unavailable(reason, "run the deployment tests as root (CI does)")
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from tests.support.nested_systemd import NestedSystemd\n"
            "nested = NestedSystemd(Path(sys.argv[1])); nested.start()\n"
            "print(nested.pid, nested.cgroup, flush=True); time.sleep(120)",
            str(tmp_path / "nested"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as starter:
        try:
            assert starter.stdout is not None
            pid_text, cgroup_text = starter.stdout.readline().split()
            pid, cgroup = int(pid_text), Path(cgroup_text)
            assert Path(f"/proc/{pid}/root/run/systemd/private").exists()
        finally:
            starter.kill()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    gone = not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    # Its cgroup is left empty (only stop() removes it): remove it here.
    for folder in sorted(cgroup.rglob("*/"), key=lambda p: len(p.parts), reverse=True):
        folder.rmdir()
    cgroup.rmdir()
    assert gone, f"the nested systemd (pid {pid}) outlived the process that started it"
