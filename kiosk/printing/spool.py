"""Does CUPS keep a copy of every summary the kiosk prints?

CUPS keeps each job's document in its spool folder (/var/spool/cups, files ``dNNNNN-001``) for
``PreserveJobFiles`` after the job is printed: a day (86400 s) when cupsd.conf does not say, for
ever with ``Yes``, not at all with ``No``. For the kiosk each document is a visitor's summary:
answers, scores, a first name, outside the kiosk's retention and its permissions.

The kiosk's user cannot always read that setting, so this asks in turn and says when it cannot
tell, never "ok" by default:

1. ``/etc/cups/cupsd.conf``, when readable (Debian installs it 0644; cupsd rewrites it 0640
   root:lp when it is changed through cupsctl or the web interface);
2. ``cupsctl``, which asks cupsd for its settings (allowed to root and the lpadmin group);
3. CUPS itself, about this user's newest printed job that it still remembers: its IPP attribute
   ``job-preserved`` says whether the document is still on disk. Only a "yes" is taken as an
   answer (a document no longer kept may have been kept for a while). ``check_spool(jobs=True)``
   and ``job_kept``; they load http.client, so the kiosk asks only off its start path (the staff
   printer page, `check`, after a print).

Used at start (a log line), on the staff printer page, by ``python -m kiosk check`` and after
the kiosk's own prints (``warn_once_if_kept``).
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "CUPSD_CONF",
    "SpoolCheck",
    "check_line",
    "check_spool",
    "job_kept",
    "log_check",
    "parse_duration",
    "print_check_line",
    "setting_from_conf",
    "setting_from_cupsctl",
    "warn_once_if_kept",
]

log = logging.getLogger(__name__)

CUPSD_CONF: Final = Path("/etc/cups/cupsd.conf")
DEFAULT_SECONDS: Final = 86400  # cupsd.conf(5): "The default is 86400 (preserve 1 day)"
FIX: Final = (
    "set PreserveJobFiles No in /etc/cups/cupsd.conf and restart CUPS "
    "(docs/deploy.md, 'The printer')"
)
_TIMEOUT: Final = 5.0
_UNITS: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION: Final = re.compile(r"^(\d+)\s*([smhdw]?)$", re.IGNORECASE)


def parse_duration(value: str) -> int | None:
    """PreserveJobFiles' value as seconds a document is kept: -1 for ever (Yes), 0 not at all
    (No), or the time given (CUPS takes plain seconds and 30m, 12h, 1d, 1w). None: not valid."""
    word = value.strip().lower()
    if word in ("yes", "on", "true"):
        return -1
    if word in ("no", "off", "false"):
        return 0
    match = _DURATION.match(word)
    if match is None:
        return None
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


@dataclass(frozen=True)
class Setting:
    """PreserveJobFiles as found: seconds (-1 for ever, 0 never), the text, where."""

    seconds: int
    text: str  # "No", "86400", or "" when not set (the default then applies)
    source: str


def setting_from_conf(text: str, source: str) -> Setting | None:
    """The PreserveJobFiles that cupsd takes from this cupsd.conf text: the last top-level line
    (outside <Location>, <Policy> … blocks); the default when there is none; None when its value
    is not one cupsd understands."""
    depth = 0
    found: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("</"):
            depth = max(0, depth - 1)
            continue
        if line.startswith("<"):
            depth += 1
            continue
        name, _, value = line.partition(" ")
        if depth == 0 and name.lower() == "preservejobfiles":
            found = value.strip()
    return _setting(found, source)


def setting_from_cupsctl(output: str) -> Setting | None:
    """From `cupsctl`'s listing of cupsd's settings (one ``Name=value`` a line; a setting that
    cupsd.conf does not name is not listed, and its default applies)."""
    found: str | None = None
    for line in output.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip().lower() == "preservejobfiles":
            found = value.strip()
    return _setting(found, "cupsctl's listing of cupsd.conf")


def _setting(value: str | None, source: str) -> Setting | None:
    if value is None:
        return Setting(DEFAULT_SECONDS, "", source)
    seconds = parse_duration(value)
    return None if seconds is None else Setting(seconds, value, source)


@dataclass(frozen=True)
class SpoolCheck:
    """The answer: ``keeps`` True (copies are kept), False (they are not) or None (could not
    tell); ``message`` is one line for a log, `check` or the admin page."""

    keeps: bool | None
    message: str

    @property
    def ok(self) -> bool:
        return self.keeps is False


def _how_long(seconds: int) -> str:
    if seconds < 0:
        return "for good"
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"for {days} day{'s' if days != 1 else ''} after printing"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"for {hours} hour{'s' if hours != 1 else ''} after printing"
    return f"for {seconds} s after printing"


def _said(setting: Setting) -> str:
    if setting.text:
        return f"PreserveJobFiles {setting.text}, read from {setting.source}"
    return (
        f"{setting.source} does not set PreserveJobFiles, so the default of "
        f"{DEFAULT_SECONDS} s applies"
    )


def _keeps(setting: Setting) -> SpoolCheck:
    return SpoolCheck(
        True,
        f"CUPS keeps a copy of every printed summary in /var/spool/cups "
        f"{_how_long(setting.seconds)} ({_said(setting)}): {FIX}",
    )


def _run(command: list[str], timeout: float) -> tuple[int, str] | None:
    path = shutil.which(command[0])
    if path is None:
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LANGUAGE"}
    env["LC_ALL"] = env["LANG"] = "C"  # parsed below
    try:
        done = subprocess.run(
            [path, *command[1:]],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.returncode, (done.stdout + done.stderr).strip()


def _read_setting(conf: Path, timeout: float) -> tuple[Setting | None, list[str]]:
    """The setting from cupsd.conf, else from cupsctl; and why each could not be used."""
    why: list[str] = []
    try:
        text = conf.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        why.append(f"there is no {conf}")
    except OSError as exc:
        user = getpass.getuser()
        why.append(f"{conf} is not readable by user {user} ({exc.strerror or exc})")
    else:
        found = setting_from_conf(text, str(conf))
        if found is not None:
            return found, why
        why.append(f"{conf} has a PreserveJobFiles value CUPS does not take")
    ran = _run(["cupsctl"], timeout)
    if ran is None:
        why.append("cupsctl is not installed or did not answer")
    elif ran[0] != 0:
        last = ran[1].splitlines()[-1] if ran[1] else f"exit status {ran[0]}"
        why.append(f"cupsctl was refused ({last})")
    else:
        found = setting_from_cupsctl(ran[1])
        if found is not None:
            return found, why
        why.append("cupsctl lists a PreserveJobFiles value CUPS does not take")
    return None, why


def _server(timeout: float) -> str | None:
    """The CUPS server lp and lpstat use (`lpstat -H`): a socket path or host[:port]."""
    ran = _run(["lpstat", "-H"], timeout)
    if ran is None or ran[0] != 0 or not ran[1]:
        return None
    return ran[1].splitlines()[0].strip().split("/version=", 1)[0]


def _newest_job(timeout: float) -> tuple[int, bool | None] | None:
    server = _server(timeout)
    if server is None:
        return None
    from kiosk.printing import ipp  # http.client: not on the kiosk's start path

    return ipp.newest_completed_job(server, timeout)


def job_kept(job_id: int, timeout: float = _TIMEOUT) -> bool | None:
    """After a print: does CUPS keep this job's document? None if it cannot be asked."""
    server = _server(timeout)
    if server is None:
        return None
    from kiosk.printing import ipp

    return ipp.job_preserved(server, job_id, timeout)


def check_spool(
    *, conf: Path = CUPSD_CONF, jobs: bool = True, timeout: float = _TIMEOUT
) -> SpoolCheck:
    """Whether CUPS keeps copies of printed summaries. Blocks up to a few ``timeout``s (cupsctl
    and lpstat can hang when cupsd is stuck): call it off the GUI thread."""
    setting, why = _read_setting(conf, timeout)
    newest = _newest_job(timeout) if jobs else None
    if newest is not None and newest[1]:
        # What CUPS does, whatever its file says (a cupsd not restarted since the file changed).
        said = f" ({_said(setting)})" if setting else ""
        stale = setting is not None and setting.seconds == 0
        restart = "; CUPS was not restarted since" if stale else ""
        return SpoolCheck(
            True,
            f"CUPS still keeps the document of print job {newest[0]} in /var/spool/cups"
            f"{said}{restart}: {FIX}",
        )
    if setting is not None:
        if setting.seconds == 0:
            return SpoolCheck(False, f"CUPS keeps no copy of printed summaries ({_said(setting)})")
        return _keeps(setting)
    if newest is not None:
        why.append(f"the newest printed job ({newest[0]}) is no longer kept, which proves nothing")
    return SpoolCheck(
        None,
        f"could not tell whether CUPS keeps copies of printed summaries ({'; '.join(why)}); {FIX}",
    )


def check_line(printer: str, *, conf: Path = CUPSD_CONF, timeout: float = _TIMEOUT) -> str | None:
    """`python -m kiosk check`'s line about it; None when the kiosk has no printer."""
    if printer == "none":
        return None
    result = check_spool(conf=conf, timeout=timeout)
    return f"cups spool: {'ok' if result.ok else 'WARNING'}: {result.message}"


def print_check_line(printer: str) -> None:
    """For `python -m kiosk check`: a line that warns (it never fails the check: the kiosk runs)
    unless CUPS is known to keep no copy of the summaries it prints."""
    line = check_line(printer)
    if line is not None:
        print(line)


def log_check(printer: str, *, conf: Path = CUPSD_CONF) -> SpoolCheck | None:
    """At the kiosk's start (on a thread of its own): a warning in the log unless CUPS is known
    to keep no copies. Only the settings are read, not the job history (that needs http.client,
    which the kiosk does not load until it prints)."""
    if printer == "none":
        return None
    result = check_spool(conf=conf, jobs=False)
    if result.ok:
        log.info("cups spool: %s", result.message)
    else:
        log.warning("cups spool: %s", result.message)
    return result


_warned_after_print = False  # once per run: every print after it would say the same


def warn_once_if_kept(job_id: int) -> None:
    """After the kiosk printed job `job_id` (on the print worker's thread): a warning in the log,
    once, when CUPS itself says it kept the document, whatever cupsd.conf says or whether the
    kiosk could read it."""
    global _warned_after_print
    if _warned_after_print or not job_kept(job_id):
        return
    _warned_after_print = True
    log.warning(
        "cups spool: CUPS keeps a copy of the summary it printed (job %s) in /var/spool/cups: %s",
        job_id,
        FIX,
    )
