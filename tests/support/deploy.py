"""Shared bits of the deployment tests: where things are, and skip-or-fail."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"

# The throwaway installation made by tests/deploy/setup-ci.sh (deploy/install.sh, relocated).
CI_USER = "kiosk-ci"
CI_PREFIX = Path("/opt/clinic-kiosk-ci")
CI_DATA = Path("/var/lib/clinic-kiosk-ci")
CI_ETC = Path("/etc/clinic-kiosk-ci")
CI_BACKUPS = Path("/var/backups/clinic-kiosk-ci")
CI_SYSTEM = Path("/opt/clinic-kiosk-ci-system")
SETUP_HINT = "sudo bash tests/deploy/setup-ci.sh"


def unavailable(reason: str, hint: str = SETUP_HINT) -> None:
    """Skip on a developer machine, saying how to enable the test; fail in CI (CI=true)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"deployment test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason}; to run it: {hint}")


TABLES = ("tcp", "tcp6", "udp", "udp6")
TCP_LISTEN = "0A"


def socket_inodes(pids: Iterable[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            fds = list(fd_dir.iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def listening_sockets(pids: Iterable[int]) -> list[str]:
    """IP sockets of these processes that accept traffic: TCP in LISTEN, and any UDP socket
    (an unconnected UDP socket receives from anyone). One line per socket, for the message."""
    mine = socket_inodes(pids)
    found = []
    for table in TABLES:
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode not in mine:
                continue
            if table.startswith("udp") or state == TCP_LISTEN:
                found.append(f"{table} {local} state {state} inode {inode}")
    return found
