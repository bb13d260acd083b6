"""A small stand-in for systemd, for the settings of deploy/clinic-kiosk.service that it acts on.

The tests run where systemd is not PID 1 (CI containers), so the unit cannot be started with
systemctl. This harness reads the unit file and applies the parts that keep a lobby kiosk alive,
with systemd's semantics (systemd.service(5), sd_notify(3)):

- Type=notify + NotifyAccess=all: a NOTIFY_SOCKET datagram socket; READY=1 from any process of
  the service counts (the kiosk app is cage's child, not the main process);
- WatchdogSec=: WATCHDOG_USEC and WATCHDOG_PID (the main process) in the environment; no
  WATCHDOG=1 for that long -> the whole service gets SIGABRT (WatchdogSignal), SIGCONT (as
  systemd sends with it), then SIGKILL after TimeoutStopSec;
- Restart=always + RestartSec=: any end of the main process, clean or not, starts it again;
- StartLimitIntervalSec= + StartLimitBurst=: more starts than that within the interval -> failed,
  and the OnFailure= unit would run;
- LimitCORE=0; Environment= (EnvironmentFile= is given by the caller).

KillMode=control-group is approximated by the process tree: the main process starts a session of
its own, and signals go to that session and every descendant found in /proc.

What it does not prove: that systemd itself honours these settings the same way (systemd's own
tests do), PAM/logind/TTY handling, and the hardening options (`systemd-analyze verify` and
`systemd-analyze security --offline` check those files; the running effect is not tested here).
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import select
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}


def parse_timespan(text: str) -> float:
    """systemd.time(7) spans as used in our units: "30s", "10min", "2", "1min 30s" -> seconds."""
    text = text.strip()
    if text == "infinity":
        return float("inf")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", text):
        if unit not in _UNITS:
            raise ValueError(f"unknown time unit {unit!r} in {text!r}")
        total += float(number) * _UNITS[unit]
    return total


def read_unit(path: Path) -> dict[str, list[str]]:
    """Maps "Section.Key" to every value given, in order (a key may repeat, e.g. Environment=)."""
    values: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, _, value = line.partition("=")
        values.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return values


@dataclass(frozen=True)
class ServiceSettings:
    exec_start: list[str]
    environment: dict[str, str]
    type: str
    notify_access: str
    restart: str
    restart_sec: float
    watchdog_sec: float
    timeout_start_sec: float
    timeout_stop_sec: float
    start_limit_interval_sec: float
    start_limit_burst: int
    limit_core: str

    @classmethod
    def from_unit(cls, path: Path) -> ServiceSettings:
        unit = read_unit(path)

        def last(key: str, default: str) -> str:
            return unit.get(key, [default])[-1]

        environment: dict[str, str] = {}
        for line in unit.get("Service.Environment", []):
            for item in shlex.split(line):
                name, _, value = item.partition("=")
                environment[name] = value
        starts = unit.get("Service.ExecStart", [])
        if len(starts) != 1:
            raise ValueError(f"{path}: expected one ExecStart=, found {len(starts)}")
        return cls(
            exec_start=shlex.split(starts[0]),
            environment=environment,
            type=last("Service.Type", "simple"),
            notify_access=last("Service.NotifyAccess", "none"),
            restart=last("Service.Restart", "no"),
            restart_sec=parse_timespan(last("Service.RestartSec", "100ms")),
            watchdog_sec=parse_timespan(last("Service.WatchdogSec", "0")),
            timeout_start_sec=parse_timespan(last("Service.TimeoutStartSec", "90s")),
            timeout_stop_sec=parse_timespan(last("Service.TimeoutStopSec", "90s")),
            start_limit_interval_sec=parse_timespan(last("Unit.StartLimitIntervalSec", "10s")),
            start_limit_burst=int(last("Unit.StartLimitBurst", "5")),
            limit_core=last("Service.LimitCORE", ""),
        )


def descendants(pid: int) -> list[int]:
    """Every process below pid, from /proc (children before grandchildren)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the fields after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    queue = [pid]
    while queue:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


@dataclass
class Supervisor:
    """Runs one service the way systemd would, as far as ServiceSettings go.

    Drive it with `run_until(predicate, timeout)`; `events` records what happened, in order:
    ("start", pid), ("ready", pid), ("watchdog", pid), ("timeout", pid), ("exit", returncode),
    ("failed", reason).
    """

    command: Sequence[str]
    environment: Mapping[str, str]
    settings: ServiceSettings
    socket_dir: Path
    socket_owner: int | None = None  # uid allowed to send to the socket (the service's user)
    events: list[tuple[str, object]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    cwd: str | None = None  # WorkingDirectory=

    def __post_init__(self) -> None:
        self.socket_path = self.socket_dir / "notify.sock"
        self.socket_path.unlink(missing_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.bind(str(self.socket_path))
        if self.socket_owner is not None:
            os.chown(self.socket_path, self.socket_owner, -1)
        self.process: subprocess.Popen[bytes] | None = None
        self.state = "inactive"
        self.start_times: list[float] = []
        self.ready_count = 0
        self.watchdog_count = 0
        self._deadline = float("inf")  # next watchdog or start timeout
        self._restart_at: float | None = None
        self._kill_at: float | None = None
        self.log_path = self.socket_dir / "service.log"
        self._log = self.log_path.open("ab")

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        now = time.monotonic()
        window = self.settings.start_limit_interval_sec
        recent = [t for t in self.start_times if now - t < window]
        if len(recent) >= self.settings.start_limit_burst:
            self.state = "failed"
            self.events.append(("failed", "start-limit-hit"))
            return
        self.start_times.append(now)
        env = dict(self.environment)
        env["NOTIFY_SOCKET"] = str(self.socket_path)
        if self.settings.watchdog_sec:
            env["WATCHDOG_USEC"] = str(int(self.settings.watchdog_sec * 1_000_000))
        no_core = self.settings.limit_core in ("0", "0:0")

        def before_exec() -> None:
            if no_core:
                resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        # WATCHDOG_PID is the main process, as systemd sets it: the shell's pid, which exec keeps.
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", 'export WATCHDOG_PID=$$; exec "$@"', "sh", *self.command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=before_exec,
        )
        self.state = "activating"
        self._deadline = now + (
            self.settings.timeout_start_sec if self.settings.type == "notify" else float("inf")
        )
        self.events.append(("start", self.process.pid))

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *descendants(self.process.pid)]

    def _signal_all(self, signum: int) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def _kill(self, signum: int) -> None:
        """KillMode=control-group: the signal to every process, SIGCONT so stopped ones act."""
        self._signal_all(signum)
        self._signal_all(signal.SIGCONT)
        self._kill_at = time.monotonic() + self.settings.timeout_stop_sec
        self._deadline = float("inf")

    def stop(self) -> None:
        """systemctl stop: SIGTERM to all, SIGKILL after TimeoutStopSec; no restart."""
        self._restart_at = None
        if self.process is not None and self.process.poll() is None:
            self._kill(signal.SIGTERM)
            try:
                self.process.wait(timeout=min(self.settings.timeout_stop_sec, 10))
            except subprocess.TimeoutExpired:
                self._signal_all(signal.SIGKILL)
                self.process.wait(timeout=10)
        self.state = "inactive"

    def close(self) -> None:
        self.stop()
        self.sock.close()
        self._log.close()
        self.socket_path.unlink(missing_ok=True)

    # -- the loop ---------------------------------------------------------------------------

    def _handle(self, message: str) -> None:
        self.messages.append(message)
        fields = dict(
            line.split("=", 1) for line in message.splitlines() if "=" in line
        )  # sd_notify: newline-separated KEY=value
        pid = self.process.pid if self.process else 0
        if fields.get("READY") == "1" and self.state == "activating":
            self.state = "running"
            self.ready_count += 1
            self.events.append(("ready", pid))
            self._deadline = time.monotonic() + (self.settings.watchdog_sec or float("inf"))
        if fields.get("WATCHDOG") == "1" and self.state == "running":
            self.watchdog_count += 1
            if self.settings.watchdog_sec:
                self._deadline = time.monotonic() + self.settings.watchdog_sec

    def step(self, timeout: float = 0.1) -> None:
        readable, _, _ = select.select([self.sock], [], [], timeout)
        if readable:
            data = self.sock.recv(4096)
            self._handle(data.decode(errors="replace"))
        now = time.monotonic()
        process = self.process
        if process is not None and process.poll() is not None:
            self.events.append(("exit", process.returncode))
            self.process = None
            self._kill_at = None
            self._deadline = float("inf")
            if self.state != "inactive" and self.settings.restart == "always":
                self.state = "auto-restart"
                self._restart_at = now + self.settings.restart_sec
            else:
                self.state = "inactive"
        if process is not None and self.process is not None and now >= self._deadline:
            reason = "watchdog" if self.state == "running" else "timeout"
            self.events.append((reason, process.pid))
            self._kill(signal.SIGABRT if reason == "watchdog" else signal.SIGTERM)
        if self._kill_at is not None and now >= self._kill_at:
            self._signal_all(signal.SIGKILL)
            self._kill_at = None
        if self._restart_at is not None and now >= self._restart_at:
            self._restart_at = None
            self.start()

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            self.step()
        return predicate()

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")
