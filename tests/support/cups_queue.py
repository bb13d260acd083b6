"""A real cupsd with the cups-pdf test queue, for the tests marked `cups`.

A test asks for the `cups` fixture (loaded for every test by tests/conftest.py). Where cupsd or
the queue is missing the tests skip
and say how to enable them, except in CI (CI=true), where a missing printer stack is a broken
build, so they fail instead.
The queue is made by scripts/cups-test-queue.sh; its PDFs land in the folder named by the `Out`
line of /etc/cups/cups-pdf-<queue>.conf, with names ending in "job_<CUPS job id>.pdf".

Where it may (as root, like CI), each test session prints through a private copy of that queue
(same cups-pdf device, so the same output folder), so tests that stop the queue cannot disturb
another test run on the same machine, and are not disturbed by one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

QUEUE = os.environ.get("KIOSK_TEST_QUEUE", "kiosk-test")
ENABLE_HINT = "start cupsd and create the test queue with: sudo bash scripts/cups-test-queue.sh"
_ENV = {**os.environ, "LC_ALL": "C", "LANG": "C"}


def unavailable(reason: str) -> None:
    """Skip on a developer machine; fail in CI, where the printer stack must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CUPS test queue unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason}; to run the printing tests, {ENABLE_HINT}")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), capture_output=True, text=True, env=_ENV, timeout=30, check=False
    )


def output_dir(queue: str = QUEUE) -> Path | None:
    """Where cups-pdf writes this queue's PDFs (its per-queue config), if set up."""
    conf = Path(f"/etc/cups/cups-pdf-{queue}.conf")
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.strip().partition(" ")
        if key == "Out" and value.strip():
            return Path(value.strip())
    return None


@dataclass(frozen=True)
class CupsQueue:
    name: str
    out_dir: Path
    # Wall-clock time the test began. CUPS job ids start again when cupsd's spool is reset, but the
    # shared output folder outlives it, so an older run's "job_<id>.pdf" can carry the same id.
    since: float = 0.0

    def admin(self, command: str) -> None:
        """cupsenable / cupsdisable / cupsaccept / cupsreject on the test queue."""
        done = run(command, self.name)
        if done.returncode != 0:
            unavailable(f"'{command} {self.name}' failed ({(done.stderr or done.stdout).strip()})")

    def restore(self) -> None:
        run("cupsenable", self.name)
        run("cupsaccept", self.name)

    def output_for(self, cups_job_id: int, timeout: float = 15.0) -> bytes:
        """The PDF cups-pdf made for that job (waits for it to be complete)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._fresh(f"*job_{cups_job_id}.pdf")
            if found is not None:
                data = found.read_bytes()
                if data.rstrip().endswith(b"%%EOF"):
                    with contextlib.suppress(OSError):
                        found.unlink()  # read once; keep the shared folder from growing
                    return data
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no complete PDF for job {cups_job_id} in {self.out_dir} after {timeout} s"
                )
            time.sleep(0.1)

    def output_titled(self, title: str, timeout: float = 15.0) -> bytes:
        """The PDF cups-pdf made for the job titled `title` (its file name starts with it)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._fresh(f"{title}_*job_*.pdf")
            if found is not None:
                data = found.read_bytes()
                if data.rstrip().endswith(b"%%EOF"):
                    with contextlib.suppress(OSError):
                        found.unlink()
                    return data
            if time.monotonic() > deadline:
                raise AssertionError(f"no complete PDF titled {title} in {self.out_dir}")
            time.sleep(0.1)

    def _fresh(self, pattern: str) -> Path | None:
        """The newest file matching pattern written since the test began (1 s clock slack)."""
        stamped: list[tuple[float, Path]] = []
        for path in self.out_dir.glob(pattern):
            with contextlib.suppress(OSError):  # another run may delete it under us
                mtime = path.stat().st_mtime
                if mtime >= self.since - 1.0:
                    stamped.append((mtime, path))
        return max(stamped)[1] if stamped else None


def _check_shared_queue() -> Path:
    if shutil.which("lpstat") is None or shutil.which("lp") is None:
        unavailable("the CUPS client tools (lp, lpstat) are not installed")
    if "scheduler is running" not in run("lpstat", "-r").stdout:
        unavailable("cupsd is not running")
    if run("lpstat", "-p", QUEUE).returncode != 0:
        unavailable(f"there is no CUPS queue '{QUEUE}'")
    out_dir = output_dir()
    if out_dir is None or not out_dir.is_dir():
        unavailable(f"the cups-pdf output folder of '{QUEUE}' is not configured")
    assert out_dir is not None
    return out_dir


def _private_copy() -> str | None:
    """A session's own queue on the test queue's cups-pdf device, or None if not allowed."""
    device = re.search(r"device for \S+: (\S+)", run("lpstat", "-v", QUEUE).stdout)
    ppd = Path(f"/etc/cups/ppd/{QUEUE}.ppd")
    if device is None or not ppd.is_file() or not os.access(ppd, os.R_OK):
        return None
    name = f"{QUEUE}-{os.getpid()}"
    made = run("lpadmin", "-p", name, "-v", device.group(1), "-P", str(ppd), "-E")
    if made.returncode != 0:
        return None
    run("lpadmin", "-p", name, "-o", "pdftops-renderer-default=pdftocairo")
    return name


@pytest.fixture(scope="session", name="cups_session")
def cups_session_fixture() -> Iterator[CupsQueue]:
    out_dir = _check_shared_queue()
    private = _private_copy()
    try:
        yield CupsQueue(private or QUEUE, out_dir)
    finally:
        if private is not None:
            run("lpadmin", "-x", private)


@pytest.fixture(name="cups")
def cups_fixture(cups_session: CupsQueue) -> Iterator[CupsQueue]:
    """The cups-pdf test queue, enabled and accepting; restored that way afterwards."""
    cups_session.restore()
    try:
        yield dataclasses.replace(cups_session, since=time.time())
    finally:
        cups_session.restore()
