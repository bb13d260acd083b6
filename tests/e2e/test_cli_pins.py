"""The PIN commands as whole processes: unlock-pins, what check says about the PINs, and set-pin
at a real terminal (a pseudo-terminal, so getpass reads from it the way it does for an admin)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import staff_pins
from kiosk.staff_pins import (
    ADMIN_LOCK_AFTER,
    lockout_remaining,
    pin_status,
    set_pin,
    sign_in,
    verify_pin,
)
from kiosk.store import Store
from tests.support.clock import Clock
from tests.support.process import ROOT
from tests.support.process import run_kiosk as run

pytestmark = pytest.mark.usefixtures("cheap_hashes")

RECEPTION_PIN = "24681357"
ADMIN_PIN = "97531864"


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    with Store.open(folder) as store:
        set_pin(store, "reception", RECEPTION_PIN)
        set_pin(store, "admin", ADMIN_PIN)
    return folder


def lock_admin(data: Path, clock: Clock) -> None:
    """Reception's walk through admin guesses, until the admin role locks."""
    with Store.open(data, clock=clock) as store:
        for n in range(ADMIN_LOCK_AFTER):
            clock.advance(lockout_remaining(store, clock.now))
            assert verify_pin(store, f"{700000 + n}", clock=clock) is None
            clock.advance(lockout_remaining(store, clock.now))
            assert verify_pin(store, RECEPTION_PIN, clock=clock) == "reception"
        assert pin_status(store, clock.now).admin_locked


# --- unlock-pins -----------------------------------------------------------------------------


def test_unlock_pins_lifts_the_admin_lock(data: Path) -> None:
    clock = Clock()
    lock_admin(data, clock)
    result = run("unlock-pins", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("administrator sign-in unlocked;"), line
    assert f"{ADMIN_LOCK_AFTER} wrong PINs no longer counted" in line
    assert "the next administrator sign-in is told of them" in line
    with Store.open(data, clock=clock) as store:
        status = pin_status(store, clock.now)
        assert not status.admin_locked and status.failures == 0
        entries = [(e.actor, e.action) for e in store.audit_log(5)]
        assert entries[0] == ("admin-cli", "unlock_pins")
        clock.advance(lockout_remaining(store, clock.now))
        signed = sign_in(store, ADMIN_PIN, clock=clock)
    assert signed.role == "admin"
    assert signed.wrong_pins is not None and signed.wrong_pins.count == ADMIN_LOCK_AFTER


def test_unlock_pins_with_nothing_locked_says_so(data: Path) -> None:
    result = run("unlock-pins", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "nothing was locked; no wrong PINs counted\n"


def test_unlock_pins_without_a_database_names_the_folder(tmp_path: Path) -> None:
    empty = tmp_path / "mistyped"
    line = one_line(run("unlock-pins", "--data-dir", str(empty)))
    assert line == f"no kiosk database in {empty} (check --data-dir)"
    assert not empty.exists()


def test_the_command_list_offers_unlock_pins() -> None:
    result = run("--help")
    assert "unlock-pins" in result.stdout
    for command in ("check", "purge", "backup", "export", "set-pin", "reprint"):
        assert command in result.stdout


# --- check -----------------------------------------------------------------------------------


def check(data: Path) -> subprocess.CompletedProcess[str]:
    return run("check", "--data-dir", str(data))


def test_check_says_the_pins_are_ok(data: Path) -> None:
    result = check(data)
    assert result.returncode == 0, result.stderr
    assert "pins: ok (reception and admin set)\n" in result.stdout


def test_check_without_pins_says_how_to_set_them(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    Store.open(folder).close()
    result = check(folder)
    assert result.returncode == 0, result.stderr
    assert "pins: none set yet; staff mode needs python -m kiosk set-pin" in result.stdout


def test_check_asks_for_a_new_pin_when_an_old_one_is_weak(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with Store.open(folder) as store:
        # As an older version stored a 4-digit PIN: the hash only.
        store.set_setting("staff_pin.admin", staff_pins._hasher.hash("9075"))
    before = check(folder)
    assert before.returncode == 0, before.stderr
    assert "pins: note: The admin PIN dates from an older version" in before.stdout
    assert "set it again with python -m kiosk set-pin admin" in before.stdout
    with Store.open(folder) as store:
        assert verify_pin(store, "9075", clock=Clock()) == "admin"  # it still signs in
    known = check(folder)
    assert known.returncode == 1
    assert known.stderr.strip() == (
        "pins: The admin PIN is too weak (fewer than 6 digits, or a pattern like 123456 or "
        "121212): change it with python -m kiosk set-pin admin"
    )
    assert run("set-pin", "admin", "--data-dir", str(folder), stdin="204863\n").returncode == 0
    after = check(folder)
    assert after.returncode == 0, after.stderr
    assert "pins: ok (admin set; no reception PIN yet)" in after.stdout


def test_check_says_when_admin_sign_in_is_locked(data: Path) -> None:
    lock_admin(data, Clock())
    result = check(data)
    assert result.returncode == 0, result.stderr
    assert f"pins: note: administrator sign-in is locked after {ADMIN_LOCK_AFTER} wrong PINs" in (
        result.stdout
    )
    assert "python -m kiosk unlock-pins" in result.stdout


def test_check_leaves_the_database_as_found(data: Path) -> None:
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in data.iterdir()}
    assert check(data).returncode == 0
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in data.iterdir()} == before


# --- set-pin at a terminal -------------------------------------------------------------------


def _read_until(fd: int, wanted: str, seen: list[str]) -> None:
    deadline = time.monotonic() + 60
    while wanted not in "".join(seen):
        assert time.monotonic() < deadline, f"never saw {wanted!r} in {''.join(seen)!r}"
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the terminal closed: the child exited
                chunk = b""
            assert chunk, f"the terminal closed before {wanted!r}: {''.join(seen)!r}"
            seen.append(chunk.decode(errors="replace"))


def test_set_pin_at_a_terminal_asks_for_6_to_12_digits_twice(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pseudo-terminal is its controlling terminal
        os.chdir(ROOT)
        os.execve(
            sys.executable,
            [sys.executable, "-m", "kiosk", "set-pin", "admin", "--data-dir", str(folder)],
            env,
        )
    seen: list[str] = []
    try:
        _read_until(fd, "New admin PIN (6-12 digits): ", seen)
        os.write(fd, b"204863\n")
        _read_until(fd, "Type it again: ", seen)
        os.write(fd, b"204863\n")
        _read_until(fd, "admin PIN set", seen)
    finally:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:  # still waiting at a prompt: the test failed already, do not hang on it
            time.sleep(2)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, "".join(seen)
    assert "204863" not in "".join(seen)  # not echoed
    with Store.open(folder) as store:
        assert verify_pin(store, "204863", clock=Clock()) == "admin"
