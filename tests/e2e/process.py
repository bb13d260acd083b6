"""Run the project's entry points as whole processes, without the caller's KIOSK_* settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def run_python(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    base.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
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
