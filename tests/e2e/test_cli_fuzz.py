"""python -m kiosk with random command lines: never a traceback, exit 0, 1 or 2, errors on stderr.

Dates, codes, formats, flags and paths are drawn at random, paths including the special files a
clumsy or hostile administrator could name: the database's own files, a FIFO, a socket, a
device, links, folders, missing and over-long names. Most runs call kiosk.__main__.main(argv)
in this process, as `python -m kiosk` does, with stdout and stderr caught; a few run as real
processes, for what only a process shows (argv bytes that are not UTF-8, the real streams).
Deterministic (derandomized) and bounded: a few seconds.
"""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import chdir, contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.__main__ import main
from kiosk.config import ENV_DATA_DIR
from kiosk.content import Content
from kiosk.exports import FORMATS
from kiosk.flow import VisitFlow
from kiosk.store import DB_FILENAME, Store
from tests.support.process import ROOT

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class World:
    root: Path
    data: Path
    code: str
    paths: tuple[str, ...]  # every path worth naming, absolute or relative to root
    configs: tuple[str, ...]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, content: Content) -> World:
    root = tmp_path_factory.mktemp("fuzz")
    data = root / "data"
    with Store.open(data) as store:
        flow = VisitFlow(store, content, "en")
        flow.agree()
        flow.set_name("Ana")
        for value in (0, 1, 0, 2, 0, 0, 1, 0, 1):
            flow.answer(value)
        flow.continue_after_safety()
        flow.stop()
        assert flow.code is not None
        code = flow.code
        store.create_visit("es")  # and one still in progress
    for folder in ("usb", "empty"):
        (root / folder).mkdir()
    (root / "notes.txt").write_text("not a database\n")
    os.mkfifo(root / "fifo")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(root / "socket"))
    listener.close()
    (root / "db-link").symlink_to(data / DB_FILENAME)
    (root / "data-link").symlink_to(data)
    (root / "dangling").symlink_to(root / "nowhere")
    special = ["fifo", "socket", "db-link", "data-link", "dangling"]
    if os.geteuid() == 0:
        # Like /dev/full and /dev/zero, made here: the real ones are never at risk.
        os.mknod(root / "full", 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        os.mknod(root / "zero", 0o666 | stat.S_IFCHR, os.makedev(1, 5))
        special += ["full", "zero"]
    os.mkdir(os.fsencode(root) + b"/\xfe-usb")  # a folder name that is not UTF-8
    (root / "good.toml").write_text('[printing]\nprinter = "none"\n', encoding="utf-8")
    (root / "bad.toml").write_text("[clinic\n", encoding="utf-8")
    paths = [
        *(str(root / name) for name in special),
        *(str(data / f"{DB_FILENAME}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")),
        str(data),
        str(data / "copy.db"),
        str(root / "data-link" / "copy.db"),
        str(root / "usb"),
        str(root / "usb" / "copy.db"),
        str(root / "usb" / "summary.pdf"),
        str(root / "empty"),
        str(root / "notes.txt"),
        str(root / "missing" / "copy.db"),
        str(root / "usb" / ("x" * 300)),
        "copy.db",
        ".",
        "..",
        "",
    ]
    # What is inside a config file is the config fuzzer's (tests/kiosk/test_config.py): here,
    # what the file is (so not db-link, a binary file: not UTF-8 text).
    configs = [str(root / n) for n in ("good.toml", "bad.toml", *special) if n != "db-link"]
    return World(root, data, code, tuple(paths), (*configs, str(root / "usb"), "missing.toml"))


@contextmanager
def standard_input(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


@contextmanager
def default_data_dir(folder: Path) -> Iterator[None]:
    """A command line without --data-dir must never reach this user's real data folder."""
    saved = os.environ.get(ENV_DATA_DIR)
    os.environ[ENV_DATA_DIR] = str(folder)
    try:
        yield
    finally:
        if saved is None:
            del os.environ[ENV_DATA_DIR]
        else:
            os.environ[ENV_DATA_DIR] = saved


def run_main(world: World, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        chdir(world.root),
        default_data_dir(world.root / "default-data"),
        standard_input(stdin),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            code: object = main(argv)
        except SystemExit as exc:  # argparse: 2 for a bad command line, 0 for --help
            code = exc.code
    assert isinstance(code, int), (argv, code)
    return code, out.getvalue(), err.getvalue()


def assert_calm(world: World, argv: list[str], stdin: str = "") -> None:
    code, out, err = run_main(world, argv, stdin)
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err + out, argv
    if code != 0:
        assert err.strip(), (argv, out)
    if code == 1 and argv[0] != "check":
        assert len(err.strip().splitlines()) == 1, (argv, err)


# --- what is drawn -------------------------------------------------------------------------------

# Anything an argv can hold: no NUL (exec cannot pass one) and no lone surrogates (see the
# process tests below for bytes that are not UTF-8).
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=16,
)


def paths(world: World) -> st.SearchStrategy[str]:
    named = st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"),
        min_size=1,
        max_size=24,
    ).map(lambda name: str(world.root / "usb" / name))
    return st.one_of(st.sampled_from(world.paths), named)


def folders(world: World) -> st.SearchStrategy[str]:
    """Mostly the export drive, else any path."""
    return st.one_of(st.just(str(world.root / "usb")), paths(world))


def data_dirs(world: World) -> st.SearchStrategy[list[str]]:
    """Mostly the real data folder, else anything."""
    others = [str(world.root / n) for n in ("empty", "missing")]
    others += [p for p in world.paths if not p.endswith("copy.db")]
    return st.one_of(
        st.just(["--data-dir", str(world.data)]),
        st.sampled_from(others).map(lambda folder: ["--data-dir", folder]),
        st.just([]),  # the default: KIOSK_DATA_DIR, set to a folder of this test's
    )


def configs(world: World) -> st.SearchStrategy[list[str]]:
    return st.one_of(
        st.just([]), st.sampled_from(world.configs).map(lambda path: ["--config", path])
    )


DATES = st.one_of(
    st.just("2026-11-27"),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "", "today"]),
    st.sampled_from(["20261127", "2026-11-27T00:00", "٢٠٢٦-١١-٢٧", "+2026-11-27", "2026-W48-5"]),
    TEXT,
)


def codes(world: World) -> st.SearchStrategy[str]:
    known = [world.code, world.code.lower(), world.code.replace("-", ""), f" {world.code} "]
    return st.one_of(st.sampled_from(known), st.sampled_from(known), TEXT)


def flags(*names: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(names), unique=True, max_size=len(names))


# --- the fuzzers, one per command --------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_fuzz_check(world: World, data: st.DataObject) -> None:
    argv = ["check", *data.draw(configs(world)), *data.draw(data_dirs(world))]
    assert_calm(world, argv)


@FUZZ
@given(data=st.data())
def test_fuzz_backup(world: World, data: st.DataObject) -> None:
    argv = ["backup", "--out", data.draw(paths(world)), *data.draw(flags("--force"))]
    assert_calm(world, [*argv, *data.draw(data_dirs(world))])


@FUZZ
@given(data=st.data())
def test_fuzz_export(world: World, data: st.DataObject) -> None:
    argv = [
        "export",
        "--date",
        data.draw(DATES),
        "--format",
        data.draw(
            st.one_of(st.sampled_from(tuple(FORMATS)), st.sampled_from(tuple(FORMATS)), TEXT)
        ),
        "--out",
        data.draw(folders(world)),
        *data.draw(flags("--force", "--with-answers")),
        *data.draw(configs(world)),
        *data.draw(data_dirs(world)),
    ]
    assert_calm(world, argv)


@FUZZ
@given(data=st.data())
def test_fuzz_reprint(world: World, data: st.DataObject) -> None:
    where = data.draw(
        st.one_of(
            st.just([]),
            st.sampled_from(["none", "no-such-queue", ""]).map(lambda q: ["--printer", q]),
            paths(world).map(lambda path: ["--to-file", path]),
        )
    )
    argv = ["reprint", data.draw(codes(world)), *where, *data.draw(data_dirs(world))]
    assert_calm(world, argv)


@FUZZ
@given(data=st.data())
def test_fuzz_set_pin_and_purge(world: World, data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        role = data.draw(st.sampled_from(["reception", "admin", "janitor", ""]))
        pin = data.draw(st.one_of(st.from_regex(r"\A[0-9]{0,10}\n?\Z"), TEXT))
        assert_calm(world, ["set-pin", role, *data.draw(data_dirs(world))], stdin=pin)
    else:
        assert_calm(world, ["purge", *data.draw(configs(world)), *data.draw(data_dirs(world))])


VOCABULARY = [
    "check", "purge", "backup", "export", "set-pin", "reprint", "--help", "-h", "--out",
    "--force", "--date", "--format", "--with-answers", "--printer", "--to-file", "--config",
    "--data-dir", "csv", "fhir", "admin", "--", "-",
]  # fmt: skip


@FUZZ
@given(data=st.data())
def test_fuzz_any_command_line(world: World, data: st.DataObject) -> None:
    token = st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(world.paths), TEXT)
    argv = data.draw(st.lists(token, max_size=7))
    assert_calm(world, argv)


# --- a few as real processes ---------------------------------------------------------------------


def run_bytes(*argv: bytes | str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["LC_ALL"] = "C.UTF-8"
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["backup", "--out", b"usb/\xff\xfe.db"],
        ["backup", "--out", b"missing/\xff/copy.db"],
        ["export", "--date", "2026-11-27", "--format", "csv", "--out", b"\xfe-not-here"],
        ["export", "--date", "2026-11-27", "--format", "json", "--out", b"\xfe-usb"],
        ["reprint", b"\xff\xfe", "--to-file", b"usb/\xff.pdf"],
        ["check", "--config", "zero"],
        ["backup", "--out", "data/kiosk.db-wal", "--force"],
    ],
    ids=[
        "backup",
        "backup-missing",
        "export-missing",
        "export",
        "reprint",
        "check-device",
        "backup-wal",
    ],
)
def test_real_processes(world: World, argv: list[bytes | str]) -> None:
    absolute = [os.fsencode(world.root) + b"/" + a if isinstance(a, bytes) else a for a in argv]
    if argv[:2] == ["check", "--config"]:
        if not (world.root / "zero").exists():
            pytest.skip("making a device node needs root")  # pragma: no cover
        absolute[2] = str(world.root / "zero")
    if argv[0] == "backup" and isinstance(argv[2], str):
        absolute[2] = str(world.root / argv[2])
    done = run_bytes(*absolute, "--data-dir", str(world.data))
    assert done.returncode in (0, 1, 2), done.stderr
    assert b"Traceback" not in done.stderr + done.stdout
    if done.returncode != 0:
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
