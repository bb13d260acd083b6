"""python -m kiosk reprint CODE [--printer QUEUE | --to-file PATH], rebuilt from the database."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.content import Content
from kiosk.flow import VisitFlow
from kiosk.store import Store
from tests.support.cups_queue import CupsQueue
from tests.support.process import run_kiosk as kiosk


def make_visit(data_dir: Path, content: Content, language: str = "es") -> str:
    with Store.open(data_dir) as store:
        flow = VisitFlow(store, content, language)
        flow.agree()
        flow.set_name("Ñandú")
        for value in (1, 2, 1, 0, 0, 1, 0, 0, 1):
            flow.answer(value)
        flow.continue_after_safety()
        flow.stop()
        assert flow.code is not None
        return flow.code


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_reprint_to_file(tmp_path: Path, content: Content) -> None:
    code = make_visit(tmp_path / "data", content)
    out = tmp_path / "summary.pdf"
    done = kiosk(
        "reprint",
        code.lower().replace("-", ""),
        "--to-file",
        str(out),
        "--data-dir",
        str(tmp_path / "data"),
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    text = pdf_text(out.read_bytes())
    assert code in text
    assert "POR FAVOR, HABLE CON EL PERSONAL AHORA" in text
    assert "Ñandú" in text
    again = kiosk("reprint", code, "--to-file", str(out), "--data-dir", str(tmp_path / "data"))
    assert again.returncode == 1
    assert "already exists" in again.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--to-file", "/no/such/folder/x.pdf"], "folder does not exist"),
        (["--printer", "none"], "no printer is configured"),
    ],
)
def test_reprint_bad_input(
    tmp_path: Path, content: Content, extra: list[str], message: str
) -> None:
    code = make_visit(tmp_path / "data", content)
    done = kiosk("reprint", code, *extra, "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 1
    assert message in (done.stderr + done.stdout)


def test_reprint_unknown_code(tmp_path: Path, content: Content) -> None:
    make_visit(tmp_path / "data", content)
    done = kiosk(
        "reprint",
        "ZZZ-ZZZ",
        "--to-file",
        str(tmp_path / "x.pdf"),
        "--data-dir",
        str(tmp_path / "data"),
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert "ZZZ-ZZZ" in done.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.cups
def test_reprint_through_cups(tmp_path: Path, content: Content, cups: CupsQueue) -> None:
    code = make_visit(tmp_path / "data", content, language="en")
    done = kiosk("reprint", code, "--printer", cups.name, "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    job = int(re.search(r"\(job (\d+)\)", done.stdout).group(1))  # type: ignore[union-attr]
    text = pdf_text(cups.output_for(job))
    assert code in text
    assert "PLEASE SEE STAFF NOW" in text
    with Store.open(tmp_path / "data") as store:
        visit = store.get_visit(code)
    assert visit.printed
    assert [j.state for j in visit.print_jobs] == ["completed"]


@pytest.mark.cups
def test_reprint_stopped_printer_fails_cleanly(
    tmp_path: Path, content: Content, cups: CupsQueue
) -> None:
    code = make_visit(tmp_path / "data", content, language="en")
    cups.admin("cupsdisable")
    done = kiosk("reprint", code, "--printer", cups.name, "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 1
    assert "stopped" in done.stderr
    with Store.open(tmp_path / "data") as store:
        visit = store.get_visit(code)
    assert visit.status == "completed" and not visit.printed
    assert [j.state for j in visit.print_jobs] == ["failed"]
