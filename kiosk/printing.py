"""Hands a PDF to CUPS and follows the job until it is done, failed or too slow.

It talks to CUPS through the `lp`, `lpstat` and `cancel` commands of cups-client (no Python
binding to install). The PDF goes to `lp` on stdin and is never written to a file by the kiosk.
`lpstat` cannot tell a finished job from a cancelled or aborted one, so the final state is read
with one small IPP Get-Job-Attributes request to the same server `lpstat -H` names; if that
request cannot be made, a job that left the queue is taken as printed.

Nothing here raises for a printer problem: every failure (no CUPS, no such queue, a stopped
printer, an aborted job, a timeout) comes back as a failed PrintOutcome whose `error` is one short,
calm line for staff. A job that fails after it was submitted is cancelled, so a summary never
comes out of the printer later, unattended, after the visitor has gone.

Threads: `print_visit` blocks for up to the configured timeout. The GUI uses the split API
instead: `prepare_job` (GUI thread, store), `submit_and_follow` (worker thread, no store),
`record_outcome` (GUI thread, store).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from kiosk.config import Config
from kiosk.content import LanguageContent
from kiosk.model import Visit
from kiosk.store import Store

__all__ = [
    "NO_PRINTER",
    "OutcomeState",
    "PrintOutcome",
    "prepare_job",
    "print_pdf",
    "print_visit",
    "record_outcome",
    "submit_and_follow",
    "summary_title",
]

log = logging.getLogger(__name__)

# config.printing.printer == "none": the kiosk has no printer; summaries stay in the kiosk.
NO_PRINTER: Final = "none"

OutcomeState = Literal["completed", "failed", "saved"]

# One CUPS command never gets longer than this, whatever is left of the overall timeout.
_COMMAND_TIMEOUT: Final = 10.0


def render_summary(visit: Visit, lc: LanguageContent, config: Config) -> bytes:
    """kiosk.report.render_summary, imported on first use.

    ReportLab takes about as long to import as the rest of the kiosk's start-up; the welcome
    screen needs none of it, so the first summary pays for it instead (see docs/performance.md).
    """
    from kiosk.report import render_summary as render

    return render(visit, lc, config)


# CUPS queue names: printable, no spaces, "/", "#" or quotes (lpadmin refuses those).
_QUEUE_NAME: Final = re.compile(r"^[^\s/#\\'\"-][^\s/#\\'\"]{0,126}$")
_REQUEST_ID: Final = re.compile(r"request id is (?P<queue>\S+)-(?P<id>\d+)")


@dataclass(frozen=True)
class PrintOutcome:
    """What became of one print attempt.

    - "completed": CUPS reports the job completed (ok=True).
    - "failed": not printed; `error` says why in one staff-readable line (ok=False).
    - "saved": the kiosk is set up without a printer (printer = "none"); nothing was sent, the
      visit and its summary stay in the kiosk for reception to reprint (ok=True, nothing failed).
    """

    ok: bool
    state: OutcomeState
    cups_job_id: int | None
    error: str | None
    queue: str = ""  # the CUPS queue actually used ("" when none was resolved)

    @property
    def printed(self) -> bool:
        return self.state == "completed"

    @classmethod
    def failed(cls, error: str, *, queue: str = "", cups_job_id: int | None = None) -> PrintOutcome:
        return cls(False, "failed", cups_job_id, error, queue)

    @classmethod
    def saved(cls) -> PrintOutcome:
        return cls(True, "saved", None, None, NO_PRINTER)


class _PrintError(Exception):
    """Internal: stop here with this staff-readable reason (and the queue it is about)."""

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
                raise _PrintError(f"CUPS is not installed (no '{name}' command)")
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
            raise _PrintError(f"CUPS did not answer within {budget:.0f} s") from None
        except OSError as exc:
            raise _PrintError(f"could not run '{name}' ({exc.strerror or exc})") from None
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        return done.returncode, output


def _check_scheduler(cups: _Cups) -> None:
    _, output = cups.run("lpstat", "-r")
    if "scheduler is running" not in output:
        raise _PrintError("CUPS is not running")


def _default_queue(cups: _Cups) -> str:
    _, output = cups.run("lpstat", "-d")
    match = re.search(r"system default destination:\s*(\S+)", output, re.IGNORECASE)
    if match is None:
        raise _PrintError("no default printer is set in CUPS")
    return match.group(1).split("/", 1)[0]  # "queue/instance" -> the queue


def _printer_line(cups: _Cups, queue: str) -> tuple[str, str]:
    """(canonical queue name, state line) from `lpstat -p`; raises for an unknown queue."""
    _, output = cups.run("lpstat", "-p", queue)
    prefix = f"printer {queue.lower()} "
    for line in output.splitlines():
        if line.lower().startswith(prefix):
            return line.split()[1], line
    if "not running" in output or "connect" in output.lower():
        raise _PrintError("CUPS is not running")
    raise _PrintError(f"no such printer '{queue}'")


def _check_printer(cups: _Cups, queue: str) -> str:
    """Exists, enabled and accepting jobs; returns the queue's canonical name."""
    name, line = _printer_line(cups, queue)
    if " disabled since" in line:
        raise _PrintError(f"printer '{name}' is stopped")
    _, output = cups.run("lpstat", "-a", name)
    for row in output.splitlines():
        if row.lower().startswith(f"{name.lower()} "):
            if "not accepting" in row:
                raise _PrintError(f"printer '{name}' is not accepting jobs")
            return name
    raise _PrintError(f"no such printer '{queue}'")


def _submit(cups: _Cups, queue: str, pdf: bytes, title: str) -> int:
    status, output = cups.run("lp", "-d", queue, "-t", title, "-", stdin=pdf)
    match = _REQUEST_ID.search(output)
    if status != 0 or match is None:
        detail = output.strip().splitlines()[-1] if output.strip() else f"exit status {status}"
        raise _PrintError(f"printer '{queue}' refused the job ({detail.removeprefix('lp: ')})")
    return int(match.group("id"))


def _cancel(cups: _Cups, queue: str, job_id: int) -> None:
    # Best effort, and given a little time of its own even when the deadline has passed.
    cups.deadline = max(cups.deadline, time.monotonic() + 5.0)
    try:
        cups.run("cancel", f"{queue}-{job_id}")
    except _PrintError as exc:
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
    from kiosk import ipp

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
            raise _PrintError(f"no such printer '{wanted}'")
        return _check_printer(cups, wanted)
    except _PrintError as exc:
        exc.queue = exc.queue or wanted  # the attempt is recorded against the queue it tried
        raise


# --- public API ---------------------------------------------------------------------------------


class PrinterNotReadyError(Exception):
    """The queue would not take a job now. str() is one line for staff; `queue` is the queue
    that was checked (the resolved default, when one was found), or ""."""

    def __init__(self, message: str, queue: str) -> None:
        super().__init__(message)
        self.queue = queue


def check_queue(queue: str, timeout: float) -> str:
    """The queue a print would go to, if it would take a job now: the very checks print_pdf
    makes before sending anything. Raises PrinterNotReadyError otherwise. Blocks up to `timeout`
    seconds (lpstat can hang when cupsd is stuck): call it off the GUI thread."""
    cups = _Cups(deadline=time.monotonic() + timeout)
    try:
        return _ready_queue(cups, queue)
    except _PrintError as exc:
        raise PrinterNotReadyError(str(exc), exc.queue) from None


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
    except _PrintError as exc:
        if job_id is not None:
            _cancel(cups, resolved, job_id)
        return PrintOutcome.failed(str(exc), queue=resolved or exc.queue, cups_job_id=job_id)


def _clean_title(title: str) -> str:
    # The title shows in queue listings and names cups-pdf's file: one short, plain line.
    cleaned = " ".join(title.split())[:60]
    return cleaned or "summary"


def summary_title(code: str) -> str:
    """The CUPS job title for a visit's summary: the code only, never a name or a score."""
    return f"summary-{code}"


def prepare_job(store: Store, code: str, queue: str) -> int:
    """GUI thread: record a pending print job for the visit; returns its id for record_outcome."""
    return store.add_print_job(code, queue)


def submit_and_follow(
    pdf: bytes,
    queue: str,
    *,
    title: str,
    timeout: float,
    poll: float = 0.5,
) -> PrintOutcome:
    """Worker thread: like print_pdf, and `queue` "none" means no printer (a "saved" outcome).

    Touches neither the store nor any widget, so it is safe to run off the GUI thread.
    """
    if queue == NO_PRINTER:
        return PrintOutcome.saved()
    return print_pdf(pdf, queue, title=title, timeout=timeout, poll=poll)


def record_outcome(store: Store, job_id: int, outcome: PrintOutcome) -> None:
    """GUI thread: write the outcome to the print job made by prepare_job."""
    store.update_print_job(
        job_id, state=outcome.state, cups_job_id=outcome.cups_job_id, error=outcome.error
    )


def print_visit(
    store: Store,
    code: str,
    lc: LanguageContent,
    config: Config,
    *,
    queue_override: str | None = None,
) -> PrintOutcome:
    """Render the visit's summary, print it and record the attempt and its outcome. Blocks.

    With printer "none" nothing is rendered or sent: the job is recorded as "saved" and the
    outcome is ok (the summary can be reprinted from the kiosk at any time). A visit that does not
    exist raises VisitNotFoundError; printer problems never raise.
    """
    queue = config.printing.printer if queue_override is None else queue_override
    visit = store.get_visit(code)
    job_id = prepare_job(store, visit.code, queue)
    if queue == NO_PRINTER:
        outcome = PrintOutcome.saved()
    else:
        try:
            pdf = render_summary(visit, lc, config)
        except Exception:
            # A rendering bug must not leave the job pending or take the kiosk down.
            log.exception("could not render the summary of visit %s", visit.code)
            outcome = PrintOutcome.failed("could not make the summary (see the kiosk log)")
        else:
            outcome = submit_and_follow(
                pdf,
                queue,
                title=summary_title(visit.code),
                timeout=config.printing.timeout_seconds,
            )
    record_outcome(store, job_id, outcome)
    return outcome
