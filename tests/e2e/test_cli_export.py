"""python -m kiosk export and set-pin as whole processes, the way administrators run them.

Every bad input gives a non-zero exit, exactly one line on stderr and writes nothing.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from kiosk.content import Content
from kiosk.exports import FORMATS
from kiosk.flow import Step, VisitFlow
from kiosk.staff_pins import has_pin, verify_pin
from kiosk.store import DB_FILENAME, Store
from tests.support.process import run_kiosk as run

DAY = "2026-11-27"


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def data(tmp_path: Path, content: Content) -> Path:
    """A data folder with two visits on DAY (09:00 and 09:05 in New York), one of them urgent."""
    folder = tmp_path / "data"
    moment = [datetime(2026, 11, 27, 14, 0, tzinfo=UTC)]

    def clock() -> datetime:
        moment[0] += timedelta(seconds=1)
        return moment[0]

    with Store.open(folder, clock=clock) as store:
        for item9 in (0, 2):
            flow = VisitFlow(store, content, "en")
            flow.agree()
            state = flow.set_name("Zelda")
            while state.step in (Step.QUESTION, Step.SAFETY):
                if state.step is Step.SAFETY:
                    state = flow.continue_after_safety()
                    continue
                assert state.question is not None
                is_item9 = (state.question.section, state.question.item) == ("phq9", 9)
                state = flow.answer(item9 if is_item9 else 0)
            moment[0] += timedelta(minutes=5)
    return folder


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot create files in (root ignores permission bits)."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    # sysfs refuses new files even to root.
    sysfs = Path("/sys")
    probe = sysfs / "kiosk-export-probe"
    try:
        probe.touch()
    except OSError:
        yield sysfs
        return
    probe.unlink()
    pytest.skip("no folder here refuses writes to root")


def export(
    data: Path, out: Path, *extra: str, fmt: str = "csv"
) -> subprocess.CompletedProcess[str]:
    return run(
        "export", "--date", DAY, "--format", fmt, "--out", str(out), "--data-dir", str(data), *extra
    )


# --- export ----------------------------------------------------------------------------------


def test_export_csv(data: Path, out: Path) -> None:
    result = export(data, out)
    assert result.returncode == 0, result.stderr
    path = out / f"kiosk-log-{DAY}.csv"
    assert result.stdout == f"wrote {path}\n"
    assert listing(out) == [path.name]
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["urgent"] for row in rows] == ["0", "1"]
    assert rows[0]["started_at"].startswith(f"{DAY}T09:00:")
    assert rows[0]["started_at"].endswith("-05:00")
    assert "phq9_1" not in rows[0]
    assert path.stat().st_mode & 0o777 == 0o600
    with Store.open(data) as store:
        entry = store.audit_log(1)[0]
    assert (entry.actor, entry.action) == ("admin-cli", "export")
    assert str(path) in entry.detail


def test_export_csv_with_answers(data: Path, out: Path) -> None:
    result = export(data, out, "--with-answers")
    assert result.returncode == 0, result.stderr
    with (out / f"kiosk-log-{DAY}.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["phq9_9"] for row in rows] == ["0", "2"]
    assert list(rows[0])[-1] == "fit_5"


def test_export_json(data: Path, out: Path) -> None:
    result = export(data, out, "--with-answers", fmt="json")
    assert result.returncode == 0, result.stderr
    records = json.loads((out / f"kiosk-log-{DAY}.json").read_text("utf-8"))
    assert [r["urgent"] for r in records] == [False, True]
    assert records[1]["answers"]["phq9"]["9"] == 2


def test_export_fhir(data: Path, out: Path) -> None:
    result = export(data, out, fmt="fhir")
    assert result.returncode == 0, result.stderr
    text = (out / f"kiosk-log-{DAY}.fhir.json").read_text("utf-8")
    bundle = Bundle.model_validate(json.loads(text))
    assert bundle.entry is not None
    assert len(bundle.entry) == 6  # PHQ-9, ASQ and GAD-7 of each of the two visits
    assert "Zelda" not in text
    assert "Little interest or pleasure in doing things" in text  # wording from the content


def test_visits_in_progress_are_left_out_with_a_note(
    data: Path, out: Path, content: Content
) -> None:
    # The kiosk is running (this test holds the store open) with a visitor mid-screening.
    with Store.open(data, clock=lambda: datetime(2026, 11, 27, 15, 0, tzinfo=UTC)) as store:
        flow = VisitFlow(store, content, "en")
        flow.agree()
        flow.set_name(None)
        result = export(data, out)
    assert result.returncode == 0, result.stderr
    assert "note: 1 visit(s) still in progress were left out" in result.stdout
    with (out / f"kiosk-log-{DAY}.csv").open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 2


def test_existing_file_needs_force(data: Path, out: Path) -> None:
    target = out / f"kiosk-log-{DAY}.csv"
    target.write_text("keep me\n")
    line = one_line(export(data, out))
    assert line == f"{target} already exists (use --force to replace it)"
    assert target.read_text() == "keep me\n"
    assert listing(out) == [target.name]

    result = export(data, out, "--force")
    assert result.returncode == 0, result.stderr
    assert target.read_text().startswith("code,started_at,")
    assert listing(out) == [target.name]


@pytest.mark.parametrize("bad", ["27/11/2026", "2026-11-5", "20261127", "2026-02-30", "today", ""])
def test_unknown_date_format(data: Path, out: Path, bad: str) -> None:
    result = run(
        "export", "--date", bad, "--format", "csv", "--out", str(out), "--data-dir", str(data)
    )
    line = one_line(result)
    assert "YYYY-MM-DD" in line
    assert listing(out) == []


def test_missing_folder(data: Path, tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted"
    line = one_line(export(data, missing))
    assert line.startswith(f"{missing}: folder does not exist")
    assert not missing.exists()


def test_out_is_a_file(data: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    assert one_line(export(data, a_file)) == f"{a_file}: not a folder"


def test_unwritable_folder(data: Path, unwritable: Path) -> None:
    before = listing(unwritable)
    line = one_line(export(data, unwritable))
    assert line.startswith(f"cannot write to {unwritable}")
    assert "nothing was written" in line
    assert listing(unwritable) == before


def test_no_database_in_the_data_folder(tmp_path: Path, out: Path) -> None:
    empty = tmp_path / "wrong-data-dir"
    line = one_line(export(empty, out))
    assert line == f"no kiosk database in {empty} (check --data-dir)"
    assert not empty.exists()
    assert listing(out) == []


def test_unknown_format_is_a_usage_error(data: Path, out: Path) -> None:
    result = export(data, out, fmt="xml")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert listing(out) == []


def test_the_command_offers_the_registered_formats() -> None:
    result = run("export", "--help")
    assert result.returncode == 0, result.stderr
    assert f"--format {{{','.join(FORMATS)}}}" in " ".join(result.stdout.split())


# --- set-pin ---------------------------------------------------------------------------------


def test_set_pin_from_stdin(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run("set-pin", "admin", "--data-dir", str(data), stdin="864205\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "admin PIN set\n"
    assert "864205" not in result.stdout + result.stderr
    with Store.open(data) as store:
        assert has_pin(store, "admin")
        assert not has_pin(store, "reception")
        assert verify_pin(store, "864205", clock=lambda: datetime.now(UTC)) == "admin"
        entries = [(e.actor, e.action, e.detail) for e in store.audit_log(10)]
    assert ("admin-cli", "set_pin", "admin PIN set") in entries
    assert all("864205" not in detail for _, _, detail in entries)
    assert b"864205" not in (data / DB_FILENAME).read_bytes()


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("12\n", "6 to 12 digits"),
        ("2048\n", "6 to 12 digits; this one has 4"),
        ("2048630591736\n", "6 to 12 digits"),
        ("12ab56\n", "6 to 12 digits"),
        ("123456\n", "a run of digits"),
        ("121212\n", "repeats a short pattern"),
        ("", "no PIN on standard input"),
        ("\n", "no PIN on standard input"),
    ],
)
def test_set_pin_bad_input(tmp_path: Path, stdin: str, message: str) -> None:
    data = tmp_path / "data"
    line = one_line(run("set-pin", "reception", "--data-dir", str(data), stdin=stdin))
    assert message in line
    assert not data.exists()  # refused before the database was even opened


def test_set_pin_roles_must_differ(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("set-pin", "reception", "--data-dir", str(data), stdin="204863\n").returncode == 0
    line = one_line(run("set-pin", "admin", "--data-dir", str(data), stdin="204863\n"))
    assert "must differ" in line
    with Store.open(data) as store:
        assert not has_pin(store, "admin")


def test_set_pin_unknown_role(tmp_path: Path) -> None:
    result = run("set-pin", "janitor", "--data-dir", str(tmp_path / "data"), stdin="204863\n")
    assert result.returncode == 2
    assert not (tmp_path / "data").exists()
