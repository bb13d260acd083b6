"""kiosk.printing.spool: does CUPS keep a copy of every printed summary (PreserveJobFiles)?

Against the real CUPS of this machine: its cupsd.conf and the real `cupsctl` (pointed at a
private copy of that file through CUPS_SERVERROOT, so the machine's own setting is never
changed: other test runs print through this cupsd at the same time), a real print through the
cups-pdf queue and what CUPS then says about the job over IPP. Reading the setting as a user who
may not is done as `nobody` (root only).
"""

from __future__ import annotations

import logging
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from kiosk.printing import print_pdf
from kiosk.printing.spool import (
    CUPSD_CONF,
    FIX,
    check_line,
    check_spool,
    job_kept,
    log_check,
    parse_duration,
    setting_from_conf,
    setting_from_cupsctl,
)
from tests.support.cups_queue import CupsQueue
from tests.support.process import run_kiosk

ROOT = Path(__file__).resolve().parents[2]
needs_cupsctl = pytest.mark.skipif(shutil.which("cupsctl") is None, reason="no cupsctl here")
needs_conf = pytest.mark.skipif(not CUPSD_CONF.is_file(), reason="no /etc/cups/cupsd.conf here")


def real_conf() -> str:
    return CUPSD_CONF.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("No", 0),
        ("off", 0),
        ("FALSE", 0),
        ("Yes", -1),
        ("on", -1),
        ("86400", 86400),
        ("0", 0),
        ("30m", 1800),
        ("12h", 43200),
        ("1d", 86400),
        ("1w", 604800),
        ("soon", None),
        ("-5", None),
        ("", None),
    ],
)
def test_preserve_job_files_values(value: str, seconds: int | None) -> None:
    assert parse_duration(value) == seconds


def test_the_value_cupsd_takes_from_a_cupsd_conf() -> None:
    base = "LogLevel warn\n<Location />\n  Order allow,deny\n</Location>\n"
    unset = setting_from_conf(base, "f")
    assert unset is not None and (unset.seconds, unset.text) == (86400, "")
    off = setting_from_conf(base + "# PreserveJobFiles Yes\n  preservejobfiles   No  \n", "f")
    assert off is not None and (off.seconds, off.text) == (0, "No")
    # The last top-level line wins; lines inside a block are not the server's setting.
    last = setting_from_conf("PreserveJobFiles No\nPreserveJobFiles 2h\n", "f")
    assert last is not None and last.seconds == 7200
    nested = setting_from_conf(
        "<Policy default>\n  <Limit All>\n    PreserveJobFiles No\n  </Limit>\n</Policy>\n", "f"
    )
    assert nested is not None and nested.seconds == 86400
    assert setting_from_conf("PreserveJobFiles whenever\n", "f") is None


def private_server_root(tmp_path: Path, extra: str) -> Path:
    """A copy of this machine's cupsd.conf (plus ``extra``) in a folder of its own."""
    root = tmp_path / "cups"
    root.mkdir()
    (root / "cupsd.conf").write_text(real_conf() + extra, encoding="utf-8")
    return root


def real_cupsctl(server_root: Path, *, user: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real cupsctl: for the local server it reads ServerRoot/cupsd.conf when it may,
    else asks cupsd for /admin/conf/cupsd.conf (administrators only)."""
    command = ["cupsctl"]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *command]
    env = {**os.environ, "CUPS_SERVERROOT": str(server_root), "LC_ALL": "C"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=30)


@needs_cupsctl
@needs_conf
@pytest.mark.parametrize(
    ("extra", "seconds"),
    [("", 86400), ("PreserveJobFiles No\n", 0), ("PreserveJobFiles 3h\n", 10800)],
)
def test_real_cupsctl_listing_gives_what_the_file_says(
    tmp_path: Path, extra: str, seconds: int
) -> None:
    root = private_server_root(tmp_path, extra)
    done = real_cupsctl(root)
    assert done.returncode == 0, done.stderr
    listed = setting_from_cupsctl(done.stdout)
    read = setting_from_conf((root / "cupsd.conf").read_text(encoding="utf-8"), "file")
    assert listed is not None and read is not None
    assert listed.seconds == read.seconds == seconds


@needs_conf
def test_the_real_setting_of_this_machine(tmp_path: Path) -> None:
    """What this machine's CUPS is set to, read the way the kiosk reads it: never "ok" unless
    PreserveJobFiles says No."""
    setting = setting_from_conf(real_conf(), str(CUPSD_CONF))
    assert setting is not None, "this machine's cupsd.conf has a value CUPS does not take"
    result = check_spool(jobs=False)
    assert result.keeps is (setting.seconds != 0)
    assert result.ok is (setting.seconds == 0)
    if not result.ok:
        assert result.message.endswith(FIX)


def run_as_nobody(code: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", ""), "HOME": "/tmp"}
    return subprocess.run(
        [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd="/",
    )


@needs_cupsctl
@needs_conf
def test_a_cupsd_conf_the_kiosk_may_not_read_is_a_could_not_tell(
    request: pytest.FixtureRequest,
) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("reading as another user needs root and setpriv")
    # Where nobody may look (pytest's tmp_path is below a 0700 folder).
    folder = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
    folder.chmod(0o755)
    root = private_server_root(folder, "PreserveJobFiles No\n")
    root.chmod(0o755)
    conf = root / "cupsd.conf"
    code = (
        "import os, json; from pathlib import Path; from kiosk.printing.spool import check_spool; "
        f"os.environ['CUPS_SERVERROOT'] = {str(root)!r}; "
        f"r = check_spool(conf=Path({str(conf)!r}), jobs=False); "
        "print(json.dumps([r.keeps, r.message]))"
    )
    # Readable: the file answers, and it says No.
    conf.chmod(0o644)
    done = run_as_nobody(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("[false, ")
    # As cupsd writes it after cupsctl (0640 root:lp): neither the file nor cupsctl answers.
    conf.chmod(0o600)
    denied = real_cupsctl(root, user="nobody")
    assert denied.returncode != 0  # the real refusal: "cupsctl: Forbidden"
    done = run_as_nobody(code)
    assert done.returncode == 0, done.stderr
    keeps, message = __import__("json").loads(done.stdout)
    assert keeps is None
    assert message.startswith("could not tell whether CUPS keeps copies of printed summaries (")
    assert "is not readable by user nobody" in message and "cupsctl was refused" in message
    assert message.endswith(FIX)


def test_no_printer_no_check(caplog: pytest.LogCaptureFixture) -> None:
    assert check_line("none") is None
    with caplog.at_level(logging.INFO, logger="kiosk.printing.spool"):
        assert log_check("none") is None
    assert caplog.records == []


@needs_conf
def test_the_start_logs_a_warning_unless_copies_are_known_not_to_be_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = private_server_root(tmp_path, "PreserveJobFiles No\n")
    with caplog.at_level(logging.INFO, logger="kiosk.printing.spool"):
        result = log_check("", conf=root / "cupsd.conf")
    assert result is not None and result.ok
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    caplog.clear()
    (root / "cupsd.conf").write_text(real_conf() + "PreserveJobFiles Yes\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="kiosk.printing.spool"):
        result = log_check("lobby", conf=root / "cupsd.conf")
    assert result is not None and result.keeps is True
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "for good" in record.getMessage() and FIX in record.getMessage()


@pytest.mark.cups
def test_a_real_print_says_what_the_setting_says(cups: CupsQueue) -> None:
    """CUPS's own answer about a job the kiosk printed (job-preserved) agrees with the setting
    read from cupsd.conf; and as root, the document is in /var/spool/cups exactly when kept."""
    setting = check_spool(jobs=False)
    assert setting.keeps is not None, setting.message
    outcome = print_pdf(tiny_pdf(), cups.name, title="summary-SPL-001", timeout=30)
    assert outcome.printed, outcome.error
    job = outcome.cups_job_id
    assert job is not None
    assert job_kept(job) is setting.keeps
    if os.geteuid() == 0:
        document = Path("/var/spool/cups") / f"d{job:05d}-001"
        assert document.exists() is setting.keeps
    result = check_spool()
    if setting.keeps:
        # The job's own attribute is the strongest evidence: it is named.
        assert result.keeps is True and "still keeps the document of print job" in result.message
    else:
        assert result.ok
    cups.output_for(job)  # cups-pdf's copy, read and removed


def tiny_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, "spool check")
    page.save()
    return buffer.getvalue()


def test_check_command_prints_a_warning_line_and_still_passes(tmp_path: Path) -> None:
    expected = check_spool(jobs=True)
    done = run_kiosk("check", "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stdout.splitlines() if ln.startswith("cups spool: ")]
    assert line.startswith("cups spool: ok: " if expected.ok else "cups spool: WARNING: ")
    if not expected.ok:
        assert line.endswith(FIX)
    config = tmp_path / "kiosk.toml"
    config.write_text('[printing]\nprinter = "none"\n', encoding="utf-8")
    quiet = run_kiosk("check", "--config", str(config), "--data-dir", str(tmp_path / "data"))
    assert quiet.returncode == 0, quiet.stderr
    assert "cups spool" not in quiet.stdout


def test_the_kiosk_logs_it_once_started(tmp_path: Path) -> None:
    """main.py as a process: once start-up has settled, the warning is in its log (stderr, the
    journal under systemd), from a thread of its own."""
    expected = check_spool(jobs=False)
    if expected.ok:
        pytest.skip("this machine's CUPS keeps no copies: the start logs at INFO, not shown")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    process = subprocess.Popen(
        [sys.executable, "main.py", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stderr is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stderr, selectors.EVENT_READ)
            deadline = time.monotonic() + 60
            while not any("cups spool:" in line for line in lines):
                assert time.monotonic() < deadline, "no cups spool line in 60 s:\n" + "".join(lines)
                if selector.select(timeout=1):
                    line = process.stderr.readline()
                    assert line, "the kiosk exited:\n" + "".join(lines)
                    lines.append(line)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()
    (line,) = [line for line in lines if "cups spool:" in line]
    assert expected.message in line
