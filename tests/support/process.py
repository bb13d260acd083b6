"""Run the project's entry points as whole processes, without the caller's KIOSK_* settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def run_python(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str = "",
    wrapper: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` from the project root; ``wrapper`` goes in front (e.g. xvfb-run)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    base.update(env or {})
    return subprocess.run(
        [*(wrapper or []), sys.executable, *args],
        cwd=ROOT,
        env=base,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_kiosk(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """python -m kiosk ARGS"""
    return run_python("-m", "kiosk", *args, stdin=stdin)


def stop(process: subprocess.Popen[bytes]) -> None:
    """A helper daemon of a test (Xvfb, a bus, PulseAudio) asked to end, then killed after 5 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
