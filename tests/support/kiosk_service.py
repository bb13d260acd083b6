"""clinic-kiosk.service's own ExecStart= and Environment=, moved into a test's folders.

The restart tests run exactly the unit's command line and environment, with the installed
places (/opt/clinic-kiosk, /run/clinic-kiosk, ...) replaced by the test's, and then the same
crash and hang scenarios against it (`exercise_restarts`).
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Mapping
from pathlib import Path

from tests.support.deploy import DEPLOY
from tests.support.supervisor import ServiceSettings, Supervisor, cmdline

UNIT = DEPLOY / "clinic-kiosk.service"
INSTALLED_PYTHON = "/opt/clinic-kiosk/.venv/bin/python"

# A GUI-thread hang on demand, loaded by Python at start (PYTHONPATH=<this folder>): SIGUSR1 makes
# the main thread sleep for good. Python runs signal handlers in the main thread the next time it
# runs Python code there -- a Qt slot, at the latest the watchdog's own QTimer -- so from then on
# the Qt event loop is stuck exactly as in a deadlocked slot, while the process lives on.
HANG_HOOK = """\
import signal
import time


def _hang(signum, frame):
    while True:
        time.sleep(3600)


signal.signal(signal.SIGUSR1, _hang)
"""


def write_hang_hook(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(HANG_HOOK, encoding="utf-8")
    return folder


def relocate(value: str, places: Mapping[str, str]) -> str:
    """Replace installed paths by the test's, in one pass (a replacement is never replaced)."""
    if not places:
        return value
    pattern = "|".join(re.escape(old) for old in sorted(places, key=len, reverse=True))
    return re.sub(pattern, lambda match: places[match.group(0)], value)


def service_command(
    settings: ServiceSettings, places: Mapping[str, str], *, with_cage: bool = True
) -> list[str]:
    command = [relocate(arg, places) for arg in settings.exec_start]
    if not with_cage:
        cage = next(i for i, arg in enumerate(command) if Path(arg).name == "cage")
        end = command.index("--", cage)
        command = command[:cage] + command[end + 1 :]
    return command


def service_environment(
    settings: ServiceSettings, places: Mapping[str, str], extra: Mapping[str, str]
) -> dict[str, str]:
    """Environment= of the unit (relocated), then the EnvironmentFile's values given in extra."""
    env = {key: relocate(value, places) for key, value in settings.environment.items()}
    env.update(extra)
    return env


def app_pid(supervisor: Supervisor, timeout: float = 10.0) -> int:
    """The kiosk app's process (python main.py) inside the service."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for pid in supervisor.pids():
            args = cmdline(pid)
            if any(arg.endswith("main.py") for arg in args) and "python" in Path(args[0]).name:
                return pid
        supervisor.step(0.05)
    raise AssertionError(f"no kiosk app process found; log:\n{supervisor.output()}")


def wait_ready(supervisor: Supervisor, count: int, timeout: float) -> None:
    ok = supervisor.run_until(lambda: supervisor.ready_count >= count, timeout)
    assert ok, (
        f"READY=1 #{count} did not come within {timeout} s; events {supervisor.events}\n"
        f"log:\n{supervisor.output()[-4000:]}"
    )


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def exercise_restarts(supervisor: Supervisor, *, start_timeout: float) -> list[str]:
    """Kill the app, then hang its GUI thread; each time the service must come back.

    Expects the service ready once already. Returns one line per step, for the test's output.
    """
    report: list[str] = []
    settings = supervisor.settings
    restart_budget = start_timeout + settings.restart_sec + 10
    assert supervisor.run_until(lambda: supervisor.watchdog_count >= 1, 10), (
        f"no WATCHDOG=1 after READY=1; messages {supervisor.messages}"
    )
    report.append(f"ready; WATCHDOG=1 every {settings.watchdog_sec / 2:g} s")

    # 1. A crash: the app process dies. The service ends, and Restart=always starts it again.
    first = app_pid(supervisor)
    os.kill(first, signal.SIGKILL)
    wait_ready(supervisor, 2, restart_budget)
    kinds = [kind for kind, _ in supervisor.events]
    assert kinds == ["start", "ready", "exit", "start", "ready"], supervisor.events
    second = app_pid(supervisor)
    assert second != first
    assert not alive(first)
    report.append(f"app {first} killed -> service ended -> restarted -> app {second} ready")

    # 2. A hang: the GUI thread stops, the process lives on. Only the watchdog can tell.
    pings = supervisor.watchdog_count
    os.kill(second, signal.SIGUSR1)
    fired = supervisor.run_until(
        lambda: "watchdog" in [kind for kind, _ in supervisor.events],
        settings.watchdog_sec + 10,
    )
    assert fired, f"the watchdog did not fire; events {supervisor.events}"
    assert supervisor.watchdog_count - pings <= 1  # at most one ping was already on its way
    wait_ready(supervisor, 3, restart_budget)
    kinds = [kind for kind, _ in supervisor.events]
    assert kinds[5:] == ["watchdog", "exit", "start", "ready"], supervisor.events
    third = app_pid(supervisor)
    assert third not in (first, second)
    assert not alive(second)
    report.append(
        f"app {second}: GUI thread hung -> no WATCHDOG=1 for {settings.watchdog_sec:g} s -> "
        f"SIGABRT -> restarted -> app {third} ready"
    )
    return report
