"""deploy/cups-no-job-files.sh, which deploy/install.sh runs on /etc/cups/cupsd.conf: CUPS then
keeps no copy of the summaries the kiosk prints.

Run on copies of this machine's real cupsd.conf (the CUPS here serves other test runs and is not
touched), then checked three ways: the kiosk's own reading (kiosk/printing/spool.py), the real
`cupsd -t` (cupsd's own parser says the file is valid) and the real `cupsctl` listing.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.printing.spool import CUPSD_CONF, check_spool, setting_from_conf
from tests.support.deploy import CI_SYSTEM, DEPLOY, unavailable

SCRIPT = DEPLOY / "cups-no-job-files.sh"
CUPS_FILES = Path("/etc/cups/cups-files.conf")
FALLBACK = (
    "LogLevel warn\nListen /run/cups/cups.sock\n<Location />\n  Order allow,deny\n</Location>\n"
)


def machine_conf() -> str:
    try:
        return CUPSD_CONF.read_text(encoding="utf-8")
    except OSError:
        return FALLBACK


def run_script(conf: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), str(conf)], capture_output=True, text=True, timeout=30
    )


def cupsd_accepts(conf: Path) -> None:
    cupsd = shutil.which("cupsd") or (
        "/usr/sbin/cupsd" if Path("/usr/sbin/cupsd").exists() else None
    )
    if cupsd is None or not CUPS_FILES.is_file():
        return  # no cupsd here to ask
    done = subprocess.run(
        [cupsd, "-t", "-c", str(conf), "-s", str(CUPS_FILES)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def cupsctl_lists(folder: Path) -> str | None:
    if shutil.which("cupsctl") is None:
        return None
    env = {**os.environ, "CUPS_SERVERROOT": str(folder), "LC_ALL": "C"}
    done = subprocess.run(["cupsctl"], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_stock_cupsd_conf_gets_the_line_once(tmp_path: Path) -> None:
    conf = tmp_path / "cupsd.conf"
    original = machine_conf().replace("PreserveJobFiles", "# PreserveJobFiles")
    conf.write_text(original, encoding="utf-8")
    conf.chmod(0o640)
    first = run_script(conf)
    assert (first.returncode, first.stdout.strip()) == (0, "changed"), first.stderr
    text = conf.read_text(encoding="utf-8")
    assert text.startswith(original) and text.endswith("PreserveJobFiles No\n")
    assert stat.S_IMODE(conf.stat().st_mode) == 0o640
    setting = setting_from_conf(text, str(conf))
    assert setting is not None and setting.seconds == 0
    assert check_spool(conf=conf, jobs=False).ok
    cupsd_accepts(conf)
    listed = cupsctl_lists(tmp_path)
    if listed is not None:
        assert "PreserveJobFiles=No" in listed.splitlines()
    # Again: nothing to do (install.sh then leaves CUPS running as it is).
    again = run_script(conf)
    assert (again.returncode, again.stdout.strip()) == (0, "unchanged")
    assert conf.read_text(encoding="utf-8") == text
    assert not list(tmp_path.glob("cupsd.conf.*"))  # no temp file left


def test_an_existing_setting_is_changed_in_place_and_blocks_are_left_alone(tmp_path: Path) -> None:
    conf = tmp_path / "cupsd.conf"
    policy = (
        "<Policy other>\n  PreserveJobFiles Yes\n"
        "  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    conf.write_text(
        "PreserveJobFiles 86400\n" + machine_conf() + policy + "  preservejobfiles Yes\n",
        encoding="utf-8",
    )
    assert not check_spool(conf=conf, jobs=False).ok
    assert run_script(conf).stdout.strip() == "changed"
    text = conf.read_text(encoding="utf-8")
    assert text.startswith("PreserveJobFiles No\n")
    assert policy in text  # a directive inside a block is not the server's
    assert text.count("PreserveJobFiles") == 2 and "preservejobfiles Yes" not in text
    assert check_spool(conf=conf, jobs=False).ok


def test_no_file_is_an_error(tmp_path: Path) -> None:
    done = run_script(tmp_path / "missing.conf")
    assert done.returncode == 1
    assert "no such file" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_ci_install_set_it_in_its_copy() -> None:
    copy = CI_SYSTEM / "cups" / "cupsd.conf"
    if not copy.is_file():
        unavailable(f"the CI install's copy of cupsd.conf ({copy}) is missing")
    assert check_spool(conf=copy, jobs=False).ok
    cupsd_accepts(copy)


@pytest.mark.parametrize("name", ["install.sh", "cups-no-job-files.sh"])
def test_the_scripts_parse(name: str) -> None:
    shell = "bash" if name.endswith("install.sh") else "sh"
    done = subprocess.run([shell, "-n", str(DEPLOY / name)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
