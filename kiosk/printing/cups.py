"""Hands a PDF to CUPS and follows the job until it is done, failed or too slow.

It talks to CUPS through the `lp`, `lpstat` and `cancel` commands of cups-client (no Python
binding to install). The PDF goes to `lp` on stdin and is never written to a file by the kiosk.
`lpstat` cannot tell a finished job from a cancelled or aborted one, so the final state is read
with one small IPP Get-Job-Attributes request (kiosk/printing/ipp.py) to the same server
`lpstat -H` names; if that request cannot be made, a job that left the queue is taken as printed.

Nothing here raises for a printer problem: every failure (no CUPS, no such queue, a stopped
printer, an aborted job, a timeout) comes back as a failed PrintOutcome whose `error` is one short,
calm line for staff. A job that fails after it was submitted is cancelled, so a summary never
comes out of the printer later, unattended, after the visitor has gone.

Blocks for up to the timeout given: the GUI calls it from a worker thread (kiosk/printing/job.py).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from typing import Final

from kiosk.printing.outcome import PrintOutcome

__all__ = ["PrinterNotReadyError", "check_queue", "print_pdf"]

log = logging.getLogger(__name__)

# One CUPS command never gets longer than this, whatever is left of the overall timeout.
_COMMAND_TIMEOUT: Final = 10.0


# CUPS queue names: printable, no spaces, "/", "#" or quotes (lpadmin refuses those).
_QUEUE_NAME: Final = re.compile(r"^[^\s/#\\'\"-][^\s/#\\'\"]{0,126}$")
_REQUEST_ID: Final = re.compile(r"request id is (?P<queue>\S+)-(?P<id>\d+)")


class PrinterNotReadyError(Exception):
    """CUPS or the queue would not take or finish the job. str() is one line for staff; `queue`
    is the queue it is about (the resolved default, when one was found), or ""."""

    def __init__(self, message: str, queue: str = "") -> None:
        super().__init__(message)
        self.queue = queue


# --- running the CUPS commands ----------------------------------------------------------------


class _Cups:
    """The cups-client commands, run with an English locale so their output can be parsed."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("LC_") and key not in ("LANG", "LANGUAGE")
        }
        self.env["LC_ALL"] = "C"
        self.env["LANG"] = "C"
        self._paths: dict[str, str] = {}
        self._server: str | None = None

    def server(self) -> str:
        """The CUPS server lp and lpstat use: a socket path or host[:port] (`lpstat -H`)."""
        if self._server is None:
            _, output = self.run("lpstat", "-H")
            self._server = output.strip().split("/version=", 1)[0]
        return self._server

    def _binary(self, name: str) -> str:
        if name not in self._paths:
            found = shutil.which(name, path=self.env.get("PATH", os.defpath))
            if found is None:
                raise PrinterNotReadyError(f"CUPS is not installed (no '{name}' command)")
            self._paths[name] = found
        return self._paths[name]

    def run(self, name: str, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
        """Run a CUPS command; returns (exit status, stdout + stderr as text)."""
        budget = min(_COMMAND_TIMEOUT, max(self.deadline - time.monotonic(), 1.0))
        try:
            done = subprocess.run(
                [self._binary(name), *args],
                input=stdin if stdin is not None else b"",
                capture_output=True,
                env=self.env,
                timeout=budget,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PrinterNotReadyError(f"CUPS did not answer within {budget:.0f} s") from None
        except OSError as exc:
            raise PrinterNotReadyError(f"could not run '{name}' ({exc.strerror or exc})") from None
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        return done.returncode, output


def _check_scheduler(cups: _Cups) -> None:
    _, output = cups.run("lpstat", "-r")
    if "scheduler is running" not in output:
        raise PrinterNotReadyError("CUPS is not running")


def _default_queue(cups: _Cups) -> str:
    _, output = cups.run("lpstat", "-d")
    match = re.search(r"system default destination:\s*(\S+)", output, re.IGNORECASE)
    if match is None:
        raise PrinterNotReadyError("no default printer is set in CUPS")
    return match.group(1).split("/", 1)[0]  # "queue/instance" -> the queue


def _printer_line(cups: _Cups, queue: str) -> tuple[str, str]:
    """(canonical queue name, state line) from `lpstat -p`; raises for an unknown queue."""
    _, output = cups.run("lpstat", "-p", queue)
    prefix = f"printer {queue.lower()} "
    for line in output.splitlines():
        if line.lower().startswith(prefix):
            return line.split()[1], line
    if "not running" in output or "connect" in output.lower():
        raise PrinterNotReadyError("CUPS is not running")
    raise PrinterNotReadyError(f"no such printer '{queue}'")


def _check_printer(cups: _Cups, queue: str) -> str:
    """Exists, enabled and accepting jobs; returns the queue's canonical name."""
    name, line = _printer_line(cups, queue)
    if " disabled since" in line:
        raise PrinterNotReadyError(f"printer '{name}' is stopped")
    _, output = cups.run("lpstat", "-a", name)
    for row in output.splitlines():
        if row.lower().startswith(f"{name.lower()} "):
            if "not accepting" in row:
                raise PrinterNotReadyError(f"printer '{name}' is not accepting jobs")
            return name
    raise PrinterNotReadyError(f"no such printer '{queue}'")


def _submit(cups: _Cups, queue: str, pdf: bytes, title: str) -> int:
    status, output = cups.run("lp", "-d", queue, "-t", title, "-", stdin=pdf)
    match = _REQUEST_ID.search(output)
    if status != 0 or match is None:
        detail = output.strip().splitlines()[-1] if output.strip() else f"exit status {status}"
        raise PrinterNotReadyError(
            f"printer '{queue}' refused the job ({detail.removeprefix('lp: ')})"
        )
    return int(match.group("id"))


def _cancel(cups: _Cups, queue: str, job_id: int) -> None:
    # Best effort, and given a little time of its own even when the deadline has passed.
    cups.deadline = max(cups.deadline, time.monotonic() + 5.0)
    try:
        cups.run("cancel", f"{queue}-{job_id}")
    except PrinterNotReadyError as exc:
        log.warning("could not cancel print job %s-%s: %s", queue, job_id, exc)


# --- the job's state ----------------------------------------------------------------------------

# IPP job-state values (RFC 8011 §5.3.7).
_JOB_STATES: Final = {
    3: "pending",
    4: "held",
    5: "processing",
    6: "stopped",
    7: "canceled",
    8: "aborted",
    9: "completed",
}


def _ipp_job_state(cups: _Cups, job_id: int) -> str | None:
    """The job's state from the CUPS server `lpstat -H` names, or None if it cannot be asked."""
    # http.client (and with it email, ssl's friends) only once a job is being followed.
    from kiosk.printing import ipp

    timeout = min(_COMMAND_TIMEOUT, max(cups.deadline - time.monotonic(), 1.0))
    state = ipp.job_state(cups.server(), job_id, timeout)
    return _JOB_STATES.get(state) if state is not None else None


def _lpstat_job_state(cups: _Cups, queue: str, job_id: int) -> str:
    """Fallback when IPP cannot be asked: still queued, or gone (taken as printed)."""
    _, output = cups.run("lpstat", "-W", "not-completed", "-o", queue)
    wanted = f"{queue.lower()}-{job_id} "
    for line in output.splitlines():
        if line.lower().startswith(wanted):
            return "pending"
    return "completed"


def _follow(
    cups: _Cups,
    queue: str,
    job_id: int,
    timeout: float,
    poll: float,
    sleep: Callable[[float], None],
) -> PrintOutcome:
    while True:
        state = _ipp_job_state(cups, job_id) or _lpstat_job_state(cups, queue, job_id)
        if state == "completed":
            return PrintOutcome(True, "completed", job_id, None, queue)
        if state == "canceled":
            return PrintOutcome.failed("job cancelled", queue=queue, cups_job_id=job_id)
        if state == "aborted":
            return PrintOutcome.failed("job aborted", queue=queue, cups_job_id=job_id)
        reason: str | None = None
        if state == "held":
            reason = "job held by CUPS"
        else:
            name, line = _printer_line(cups, queue)
            if state == "stopped" or " disabled since" in line:
                reason = f"printer '{name}' is stopped"
        if reason is None and time.monotonic() >= cups.deadline:
            reason = f"timed out after {timeout:g} s"
        if reason is not None:
            _cancel(cups, queue, job_id)
            return PrintOutcome.failed(reason, queue=queue, cups_job_id=job_id)
        sleep(max(0.0, min(poll, cups.deadline - time.monotonic())))


def _ready_queue(cups: _Cups, queue: str) -> str:
    """The queue a job for `queue` ("" = the default) goes to, once it is known to take one."""
    _check_scheduler(cups)
    wanted = queue or _default_queue(cups)
    try:
        if not _QUEUE_NAME.match(wanted):
            raise PrinterNotReadyError(f"no such printer '{wanted}'")
        return _check_printer(cups, wanted)
    except PrinterNotReadyError as exc:
        exc.queue = exc.queue or wanted  # the attempt is recorded against the queue it tried
        raise


# --- public API ---------------------------------------------------------------------------------


def check_queue(queue: str, timeout: float) -> str:
    """The queue a print would go to, if it would take a job now: the very checks print_pdf
    makes before sending anything. Raises PrinterNotReadyError otherwise. Blocks up to `timeout`
    seconds (lpstat can hang when cupsd is stuck): call it off the GUI thread."""
    return _ready_queue(_Cups(deadline=time.monotonic() + timeout), queue)


def print_pdf(
    pdf: bytes,
    queue: str,
    *,
    title: str,
    timeout: float,
    poll: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> PrintOutcome:
    """Print `pdf` on CUPS queue `queue` ("" = the system default) and wait for the result.

    Checks that CUPS runs and the printer exists, is enabled and accepts jobs before sending
    anything; then follows the job until it completes, is cancelled or aborted, the printer stops,
    or `timeout` seconds pass (then the job is cancelled). Never raises for a printer problem.
    """
    cups = _Cups(deadline=time.monotonic() + timeout)
    resolved = ""
    job_id: int | None = None
    try:
        resolved = _ready_queue(cups, queue)
        job_id = _submit(cups, resolved, pdf, _clean_title(title))
        return _follow(cups, resolved, job_id, timeout, poll, sleep)
    except PrinterNotReadyError as exc:
        if job_id is not None:
            _cancel(cups, resolved, job_id)
        return PrintOutcome.failed(str(exc), queue=resolved or exc.queue, cups_job_id=job_id)


def _clean_title(title: str) -> str:
    # The title shows in queue listings and names cups-pdf's file: one short, plain line.
    cleaned = " ".join(title.split())[:60]
    return cleaned or "summary"
