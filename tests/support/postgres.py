"""A real PostgreSQL for the hub tests: Debian's server, started in a temporary folder.

`initdb` + `pg_ctl` make a throwaway cluster listening on a free loopback port and on a unix
socket in its own folder. PostgreSQL refuses to run as root, and CI runs as root: then the
cluster belongs to the unprivileged `postgres` user that Debian's package creates (or
$KIOSK_TEST_PG_USER), and its commands run through `runuser`. Local socket connections of the
cluster's superuser are trusted (the tests' administrator); every other login, and everything
over TCP, needs its password (SCRAM), as on a clinic's server.

Fixtures (loaded for every test by tests/conftest.py):

- ``pg_server``: one cluster for the session;
- ``hub_admin_url``: a fresh, empty database on it per test, as its administrator's URI;
- ``pg_server_factory``: a cluster of a test's own (the tests that stop or kill it).

Where PostgreSQL is not installed the tests skip and say how to install it, except in CI
(CI=true), where they fail. Outside pytest (benchmarks/bench_hub.py), ``make_server`` raises
``PostgresUnavailableError`` instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

ENABLE_HINT = "install Debian's server: sudo apt-get install -y postgresql"
SUPERUSER = "hubadmin"


class PostgresUnavailableError(RuntimeError):
    """No cluster can be made here (no server installed, no unprivileged user to run it as)."""


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine; fail in CI, where PostgreSQL must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason}; to run the hub tests, {ENABLE_HINT}")


def _bin_dir() -> Path | None:
    chosen = os.environ.get("KIOSK_TEST_PG_BIN")
    if chosen:
        return Path(chosen)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run_as() -> list[str]:
    """The prefix that runs a server command as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    user = os.environ.get("KIOSK_TEST_PG_USER", "postgres")
    return ["runuser", "-u", user, "--"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PgServer:
    """One throwaway PostgreSQL cluster; start, stop (even `-m immediate`) and start again."""

    bin_dir: Path
    folder: Path
    port: int
    # The loopback addresses it listens on (TCP logins need a password from each).
    addresses: tuple[str, ...] = ("127.0.0.1",)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "server.log"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _server(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*_run_as(), *args], capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr}{log}"
            )
        return result

    def init(self) -> None:
        self._server(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        hba = self.data / "pg_hba.conf"
        # The superuser through the socket only (trusted); every other login needs its password.
        hba.write_text(
            f"local all {SUPERUSER} trust\n"
            "local all all scram-sha-256\n"
            # A client connecting to any loopback address comes from 127.0.0.1.
            + "".join(
                f"host all all {address}/32 scram-sha-256\n"
                for address in dict.fromkeys(("127.0.0.1", *self.addresses))
            )
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '{','.join(self.addresses)}'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "fsync = on\nmax_connections = 60\nshared_buffers = 16MB\n"
            )

    def start(self) -> None:
        self._server(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast` closes sessions cleanly; `immediate` is a crash (no shutdown checkpoint)."""
        self._server(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            mode,
            "-w",
            "stop",
            check=False,
        )

    def enable_tls(self, cert: Path, key: Path) -> None:
        """Serve TLS with this certificate and key (restarts the server)."""
        for source, name, mode in ((cert, "server.crt", 0o644), (key, "server.key", 0o600)):
            target = self.data / name
            shutil.copyfile(source, target)
            os.chmod(target, mode)
            if os.geteuid() == 0:
                shutil.chown(target, user=os.environ.get("KIOSK_TEST_PG_USER", "postgres"))
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
        self.stop()
        self.start()

    def admin_url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.folder}&port={self.port}"

    def create_database(self) -> str:
        import psycopg

        name = f"hub_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def make_server(addresses: tuple[str, ...] = ("127.0.0.1",)) -> PgServer:
    """A started cluster of its own; PostgresUnavailableError when none can be made here."""
    bin_dir = _bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        raise PostgresUnavailableError("PostgreSQL's initdb was not found")
    # Not under pytest's own temporary folder: that one is private to root, and the server's
    # user must reach its folder.
    folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    if os.geteuid() == 0:
        user = os.environ.get("KIOSK_TEST_PG_USER", "postgres")
        try:
            shutil.chown(folder, user=user)
        except (LookupError, OSError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise PostgresUnavailableError(
                f"cannot hand {folder} to the unprivileged user {user!r} ({exc})"
            ) from None
    server = PgServer(bin_dir=bin_dir, folder=folder, port=_free_port(), addresses=addresses)
    try:
        server.init()
        server.start()
    except Exception:
        server.destroy()
        raise
    return server


def _server_or_skip() -> PgServer:
    try:
        return make_server()
    except PostgresUnavailableError as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL for the whole session (each test has its own database on it)."""
    server = _server_or_skip()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def hub_admin_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh empty database for this test, as its administrator's URI."""
    name = pg_server.create_database()
    try:
        yield pg_server.admin_url(name)
    finally:
        with contextlib.suppress(Exception):
            pg_server.drop_database(name)


@pytest.fixture
def pg_server_factory() -> Iterator[Callable[[], PgServer]]:
    """Clusters of this test's own, destroyed after it: for tests that stop or kill one."""
    made: list[PgServer] = []

    def make() -> PgServer:
        server = _server_or_skip()
        made.append(server)
        return server

    try:
        yield make
    finally:
        for server in made:
            server.destroy()


def make_certificates(folder: Path, host: str) -> dict[str, Path]:
    """A clinic CA and a server certificate for ``host`` signed by it (openssl, as docs/hub.md
    shows), plus a second CA that signed nothing: paths by name."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    for ca in ("clinic-ca", "other-ca"):
        openssl(
            "req", "-new", "-x509", "-days", "30", "-nodes", "-newkey", "rsa:2048",
            "-subj", f"/CN={ca}", "-keyout", f"{ca}.key", "-out", f"{ca}.crt",
        )  # fmt: skip
    openssl(
        "req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", f"/CN={host}",
        "-keyout", "server.key", "-out", "server.csr",
    )  # fmt: skip
    (folder / "server.ext").write_text(f"subjectAltName=IP:{host},DNS:localhost\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-days", "30", "-CA", "clinic-ca.crt",
        "-CAkey", "clinic-ca.key", "-CAcreateserial", "-extfile", "server.ext",
        "-out", "server.crt",
    )  # fmt: skip
    return {
        name: folder / name
        for name in ("clinic-ca.crt", "other-ca.crt", "server.crt", "server.key")
    }


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll ``condition`` until true or ``timeout`` seconds have passed; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
