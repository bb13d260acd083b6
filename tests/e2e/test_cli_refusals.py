"""python -m kiosk refusing what it must not do, as whole processes: a backup onto the running
database's files or onto a device, a mistyped data folder, a database the kiosk could not run
on. Each refusal is one line on stderr and exit 1, and nothing is touched."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.content import Content
from kiosk.flow import VisitFlow
from kiosk.store import DB_FILENAME, Store, StoreError, readiness
from tests.support.process import ROOT
from tests.support.process import run_kiosk as kiosk
from tests.support.store_scenarios import (
    SCENARIOS,
    Scenario,
    kiosk_process,
    make_database,
    remount_read_only,
    snapshot,
    tmpfs,
)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def finished_visit(data: Path, content: Content) -> str:
    with Store.open(data) as store:
        flow = VisitFlow(store, content, "en")
        flow.agree()
        flow.set_name("Ana")
        for value in (1, 2, 1, 0, 0, 1, 0, 0, 1):
            flow.answer(value)
        flow.continue_after_safety()
        flow.stop()
        assert flow.code is not None
        return flow.code


# --- defect 4: backup never destroys the database or a special file ---------------------------


def test_backup_onto_the_wal_of_a_running_kiosk_is_refused(data: Path) -> None:
    with kiosk_process(data) as running:
        running.answer(1)
        before = snapshot(data)
        line = one_line(
            kiosk(
                "backup", "--out", str(data / f"{DB_FILENAME}-wal"), "--force",
                "--data-dir", str(data),
            )
        )  # fmt: skip
        assert f"{DB_FILENAME}-wal" in line
        assert "nothing was written" in line
        assert snapshot(data) == before
        running.answer(2)
        running.kill()  # a crash right after: every answer it saved must still be there
    with Store.open(data) as store:
        assert store.get_visit(running.code).answers == {"phq9": {1: 2, 2: 2}}


@pytest.mark.parametrize(
    "target",
    [
        f"data/{DB_FILENAME}",
        f"data/{DB_FILENAME}-shm",
        "data/another-name.db",
        "link-to-data/copy.db",
    ],
)
def test_backup_into_the_data_folder_is_refused(tmp_path: Path, data: Path, target: str) -> None:
    make_database(data)
    (tmp_path / "link-to-data").symlink_to(data)
    before = snapshot(data)
    out = tmp_path / target
    line = one_line(kiosk("backup", "--out", str(out), "--force", "--data-dir", str(data)))
    assert line.startswith(f"{out}: ")
    assert snapshot(data) == before


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A character device like /dev/full (1, 7), made in tmp: /dev itself is never at risk."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")  # pragma: no cover - CI runs as root
    path = tmp_path / "full"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    return path


def special_file(tmp_path: Path, kind: str, device: Path | None) -> Path:
    path = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
        listener.close()
    elif kind == "symlink":
        (tmp_path / "precious.db").write_bytes(b"someone's file")
        path.symlink_to(tmp_path / "precious.db")
    elif kind == "folder":
        path.mkdir()
    else:
        assert device is not None
        return device
    return path


@pytest.mark.parametrize("kind", ["device", "fifo", "socket", "symlink", "folder"])
def test_backup_never_replaces_a_special_file(
    tmp_path: Path, data: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    make_database(data)
    target = special_file(
        tmp_path, kind, request.getfixturevalue("device") if kind == "device" else None
    )
    before = target.lstat()
    line = one_line(kiosk("backup", "--out", str(target), "--force", "--data-dir", str(data)))
    assert line.startswith(f"{target}: ")
    assert "not a regular file" in line
    after = target.lstat()
    assert (after.st_mode, after.st_rdev, after.st_ino) == (
        before.st_mode,
        before.st_rdev,
        before.st_ino,
    )
    if kind == "symlink":
        assert (tmp_path / "precious.db").read_bytes() == b"someone's file"


def test_backup_to_a_new_file_then_force_replaces_it(tmp_path: Path, data: Path) -> None:
    make_database(data, visits=2)
    out = tmp_path / "usb" / "kiosk-backup.db"
    out.parent.mkdir()
    done = kiosk("backup", "--out", str(out), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"backup written to {out}\n"
    line = one_line(kiosk("backup", "--out", str(out), "--data-dir", str(data)))
    assert line == f"{out} already exists (use --force to replace it)"
    done = kiosk("backup", "--out", str(out), "--force", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(os.listdir(out.parent)) == [out.name]


def test_backup_onto_the_database_itself_is_one_line(data: Path) -> None:
    # Was a ValueError traceback (defect 9).
    make_database(data)
    line = one_line(
        kiosk("backup", "--out", str(data / DB_FILENAME), "--force", "--data-dir", str(data))
    )
    assert "own files" in line


# --- defect 10: a mistyped data folder ----------------------------------------------------------


def command_line(command: str, tmp_path: Path) -> list[str]:
    usb = tmp_path / "usb"
    usb.mkdir(exist_ok=True)
    return {
        "backup": ["backup", "--out", str(usb / "copy.db")],
        "purge": ["purge"],
        "reprint": ["reprint", "ABC-234", "--to-file", str(usb / "summary.pdf")],
        "export": ["export", "--date", "2026-11-27", "--format", "csv", "--out", str(usb)],
    }[command]


@pytest.mark.parametrize("made", [False, True], ids=["missing folder", "empty folder"])
@pytest.mark.parametrize("command", ["backup", "purge", "reprint", "export"])
def test_admin_commands_refuse_a_folder_without_a_database(
    tmp_path: Path, command: str, made: bool
) -> None:
    wrong = tmp_path / "dta"  # a typo for "data"
    if made:
        wrong.mkdir()
    line = one_line(kiosk(*command_line(command, tmp_path), "--data-dir", str(wrong)))
    assert line == f"no kiosk database in {wrong} (check --data-dir)"
    assert wrong.exists() == made
    assert snapshot(wrong) == {}
    assert os.listdir(tmp_path / "usb") == []  # and no empty backup or export


def test_check_on_a_folder_without_a_database_creates_nothing(tmp_path: Path) -> None:
    wrong = tmp_path / "dta"
    done = kiosk("check", "--data-dir", str(wrong))
    assert done.returncode == 0, done.stderr
    assert f"database: none yet in {wrong}" in done.stdout
    assert not wrong.exists()


# --- defect 7: `check` and the kiosk agree --------------------------------------------------


@pytest.mark.parametrize(
    ("build", "match"), [(b, m) for _, m, b in SCENARIOS], ids=[n for n, *_ in SCENARIOS]
)
def test_check_refuses_what_the_kiosk_refuses(
    tmp_path: Path,
    data: Path,
    build: Scenario,
    match: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(readiness, "LOCK_PATIENCE_SECONDS", 0.3)
    with build(data, tmp_path / "scratch"):
        before = snapshot(data)
        done = kiosk("check", "--data-dir", str(data))
        assert done.returncode == 1, done.stdout
        assert "Traceback" not in done.stderr
        assert match in done.stderr
        assert "database: ok" not in done.stdout
        assert snapshot(data) == before
        with pytest.raises(StoreError, match=match):
            Store.open(data)
        assert snapshot(data) == before


def test_check_says_how_much_free_space_the_kiosk_needs(data: Path) -> None:
    make_database(data)
    done = kiosk("check", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert f"database: ok ({data / DB_FILENAME})" in done.stdout
    disk = [line for line in done.stdout.splitlines() if line.startswith("disk: ")]
    assert len(disk) == 1
    assert "needs at least 1.0 MB free; has " in disk[0]


# --- defect 9: one line, never a traceback -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "zone"), [("9999-12-31", "America/New_York"), ("0001-01-01", "Asia/Tokyo")]
)
def test_export_at_the_ends_of_the_calendar(
    tmp_path: Path, data: Path, day: str, zone: str
) -> None:
    # The clinic's day in UTC runs past the last or before the first date Python has.
    make_database(data)
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[clinic]\ntimezone = "{zone}"\n', encoding="utf-8")
    usb = tmp_path / "usb"
    usb.mkdir()
    line = one_line(
        kiosk(
            "export", "--date", day, "--format", "csv", "--out", str(usb),
            "--data-dir", str(data), "--config", str(config),
        )
    )  # fmt: skip
    assert day in line
    assert os.listdir(usb) == []


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder no file can be created in, even by root."""
    where = tmp_path / "read-only"
    if os.geteuid() != 0:
        where.mkdir()
        where.chmod(0o555)
        yield where
        where.chmod(0o755)
        return
    with tmpfs(where, "1m"):
        remount_read_only(where)
        yield where


def test_reprint_to_a_file_it_cannot_write(
    data: Path, content: Content, read_only_folder: Path
) -> None:
    code = finished_visit(data, content)
    out = read_only_folder / "summary.pdf"
    line = one_line(kiosk("reprint", code, "--to-file", str(out), "--data-dir", str(data)))
    assert str(out) in line
    assert "nothing was written" in line
    assert not out.exists()


def test_reprint_without_a_printer_says_so_on_stderr(data: Path, content: Content) -> None:
    code = finished_visit(data, content)
    done = kiosk("reprint", code, "--printer", "none", "--data-dir", str(data))
    assert "no printer is configured" in one_line(done)
    assert done.stdout == ""


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_a_config_that_is_not_a_file_is_one_line(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    # A FIFO used to block the command for good, a device to be read without end.
    config = special_file(
        tmp_path, kind, request.getfixturevalue("device") if kind == "device" else None
    )
    line = one_line(kiosk("check", "--config", str(config), "--data-dir", str(tmp_path / "d")))
    assert line.startswith(f"config: {config}")


def test_an_unforeseen_os_error_is_still_one_line(tmp_path: Path, data: Path) -> None:
    # Standard input open for writing only: reading the PIN fails with EBADF, which no command
    # expects; main()'s last resort turns it into one line.
    make_database(data)
    write_only = os.open(tmp_path / "stdin", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk", "set-pin", "admin", "--data-dir", str(data)],
            cwd=ROOT,
            stdin=write_only,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_only)
    assert one_line(done) == "set-pin: Bad file descriptor"
