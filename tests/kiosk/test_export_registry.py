"""kiosk.exports, the registry of export formats: a format is one file and one registration.

The made-up format of tests/support/tally_format.py is registered here only; everything else
(the file name, the write, the audit line, the command line) comes from the shared code.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.__main__ import main
from kiosk.content import Content
from kiosk.exports import FORMATS, LogFormat, register
from kiosk.exports.day_log import export_day, export_filename
from kiosk.flow import VisitFlow
from kiosk.store import Store
from tests.support.process import run_python
from tests.support.tally_format import TALLY, registered

ZONE = ZoneInfo("America/New_York")


def finished_visit(store: Store, content: Content) -> str:
    flow = VisitFlow(store, content, "en")
    flow.agree()
    flow.talk_now()
    flow.stop()
    assert flow.code is not None
    return flow.code


def test_the_built_in_formats() -> None:
    assert [(f.key, f.label, f.suffix) for f in FORMATS.values()] == [
        ("csv", "CSV", ".csv"),
        ("json", "JSON", ".json"),
        ("fhir", "FHIR", ".fhir.json"),
    ]
    assert [f.key for f in FORMATS.values() if f.needs_content] == ["fhir"]


@pytest.mark.parametrize(
    ("clash", "message"),
    [
        (replace(TALLY, key="csv"), "clashes with 'csv'"),
        (replace(TALLY, suffix=".json"), r"clashes with 'json' \(\.json\)"),
        (replace(TALLY, key="Tally Sheet"), "use a short lower-case word"),
        (replace(TALLY, suffix="txt"), "must start with '.'"),
    ],
)
def test_a_format_that_would_clash_is_refused(clash: LogFormat, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        register(clash)
    assert tuple(FORMATS) == ("csv", "json", "fhir")


def test_a_registered_format_is_written_audited_and_withdrawn(
    store: Store, content: Content, tmp_path: Path
) -> None:
    code = finished_visit(store, content)
    day = store.get_visit(code).started_at.astimezone(ZONE).date()
    with registered(TALLY):
        path = export_day(store, day, "tally", tmp_path, zone=ZONE, with_answers=True)
        assert path == tmp_path / f"kiosk-log-{day.isoformat()}.tally.txt"
        assert path.read_text() == f"{code} completed\n"
        assert path.stat().st_mode & 0o777 == 0o600
        detail = store.audit_log(1)[0].detail
        assert detail.startswith(f"{day.isoformat()} as tally with answers: 1 visit(s)")
    with pytest.raises(ValueError, match="unknown export format 'tally'"):
        export_filename(date(2026, 11, 27), "tally")


def test_the_command_line_exports_a_registered_format(
    store: Store, content: Content, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = finished_visit(store, content)
    day = store.get_visit(code).started_at.astimezone(ZONE).date().isoformat()
    out = tmp_path / "usb"
    out.mkdir()
    argv = ["export", "--date", day, "--format", "tally", "--out", str(out)]
    argv += ["--data-dir", str(tmp_path / "data")]
    config = tmp_path / "kiosk.toml"
    config.write_text('[clinic]\ntimezone = "America/New_York"\n')
    with registered(TALLY):
        assert main([*argv, "--config", str(config)]) == 0
    assert (out / f"kiosk-log-{day}.tally.txt").read_text() == f"{code} completed\n"
    assert capsys.readouterr().out.startswith("wrote ")


def test_offering_the_formats_does_not_load_the_code_that_writes_them() -> None:
    # The command line builds its parser for every command, `check` included.
    probe = (
        "import json, sys; from kiosk.__main__ import build_parser; build_parser(); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('kiosk.', 'reportlab')))))"
    )
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert "kiosk.exports" in loaded
    assert [m for m in loaded if m.startswith("kiosk.exports.")] == []
    assert "kiosk.store" not in loaded and "kiosk.export" not in loaded
