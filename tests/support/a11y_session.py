"""A desktop session for assistive technology, private to one test: an X server (Xvfb), a D-Bus
session bus, and the accessibility bus on it (at-spi-bus-launcher, as a desktop session starts
it; the registry daemon is started by that bus when first asked). Nothing is shared with the
machine's own session, and everything is stopped at the end.

Debian packages: xvfb, dbus, at-spi2-core, and python3-pyatspi for the system Python that drives
the tree. `require_a11y_tools` skips without them, except in CI (CI=true), where they must be
there (.ci/run installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.process import ROOT, stop

SYSTEM_PYTHON = "/usr/bin/python3"
BUS_LAUNCHERS = ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher")


def bus_launcher() -> str | None:
    return next((path for path in BUS_LAUNCHERS if os.access(path, os.X_OK)), None)


def require_a11y_tools() -> None:
    missing = [tool for tool in ("Xvfb", "dbus-daemon") if shutil.which(tool) is None]
    if bus_launcher() is None:
        missing.append("at-spi-bus-launcher (at-spi2-core)")
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        missing.append(f"pyatspi for {SYSTEM_PYTHON} (python3-pyatspi)")
    if not missing:
        return
    reason = (
        f"the accessibility tree walk needs {', '.join(missing)}: "
        "apt-get install xvfb dbus at-spi2-core python3-pyatspi"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class A11ySession:
    env: dict[str, str]  # DISPLAY and DBUS_SESSION_BUS_ADDRESS for what runs in the session


@contextmanager
def a11y_session(size: str = "1280x800x24") -> Iterator[A11ySession]:
    require_a11y_tools()
    launcher = bus_launcher()
    assert launcher is not None
    home = Path(tempfile.mkdtemp(prefix="a11y-"))
    runtime = home / "runtime"
    runtime.mkdir(mode=0o700)
    started: list[subprocess.Popen[bytes]] = []
    try:
        # -displayfd: the server picks a free display number and writes it when it is ready.
        read_fd, write_fd = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", size, "-nolisten", "tcp"],
            pass_fds=(write_fd,),
            stderr=subprocess.DEVNULL,
        )
        started.append(xvfb)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            display = f":{pipe.readline().strip()}"
        env = {"DISPLAY": display, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(home)}
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            env={**os.environ, **env},
        )
        started.append(bus)
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        a11y = subprocess.Popen(
            [launcher, "--launch-immediately"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(a11y)
        _wait_for_a11y_bus(env)
        yield A11ySession(env)
    finally:
        for process in reversed(started):
            stop(process)
            if process.stdout is not None:
                process.stdout.close()
        shutil.rmtree(home, ignore_errors=True)


def walk_app(
    app: list[str],
    walk: Path,
    plan: Path,
    *,
    app_env: dict[str, str] | None = None,
    size: str = "1280x800x24",
    timeout: float = 120,
) -> tuple[dict[str, Any], str]:
    """Start ``app`` (run from the repository, on X with Qt's accessibility always on, as the
    deployed unit runs the kiosk) in a private session, run the ``walk`` script over the
    accessibility tree with ``plan``, and stop the app. The walk's report (its last line, as
    JSON) and the app's log; fails the test with both when the walk failed."""
    with a11y_session(size) as session:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "QT_"))}
        env.update(session.env)
        env.update(QT_QPA_PLATFORM="xcb", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1")
        env.update(app_env or {})
        process = subprocess.Popen(
            app, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            walked = subprocess.run(
                [SYSTEM_PYTHON, str(walk), str(plan)],
                env={**os.environ, **session.env},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        finally:
            process.terminate()
            _, log = process.communicate(timeout=20)
    assert walked.returncode == 0, f"{walked.stderr}\n--- the application's log ---\n{log}"
    report: dict[str, Any] = json.loads(walked.stdout.strip().splitlines()[-1])
    return report, log


def _wait_for_a11y_bus(env: dict[str, str], seconds: float = 10.0) -> None:
    """Until the session bus answers for org.a11y.Bus (the launcher has registered it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        asked = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.a11y.Bus",
                "/org/a11y/bus",
                "org.a11y.Bus.GetAddress",
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        if asked.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("the accessibility bus did not start (at-spi-bus-launcher)")
