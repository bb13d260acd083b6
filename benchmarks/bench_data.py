"""Domain benchmarks (no Qt): answer commit, summary PDF, daily export, yearly purge.

python benchmarks/bench_data.py commit|report|export|purge [--quick]

Each prints one ``BENCH_RESULT {json}`` line. Databases live in a temp folder on a real disk
(never tmpfs: an fsync there is free and would flatter the commit and purge figures).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from _common import bench_main, disk_tmpdir, fs_type, summary_ms
from datagen import Clock, bulk_year, flow_visit, unsynced

from kiosk.config import DEFAULT_CONTENT_DIR, load_config
from kiosk.content import load_content
from kiosk.model import sections
from kiosk.store import DB_FILENAME, Store

CONTENT = load_content(DEFAULT_CONTENT_DIR, ["en", "es"])


def bench_commit(quick: bool) -> dict[str, Any]:
    """Store.record_answer on a real file: WAL, synchronous=FULL, one fsync'd commit each."""
    commits = 120 if quick else 600
    with disk_tmpdir() as folder:
        store = Store.open(folder)
        try:
            mode = store._require_db().execute("PRAGMA journal_mode").fetchone()[0]
            sync = store._require_db().execute("PRAGMA synchronous").fetchone()[0]
            items = [
                (s, i) for s in sections() for i in range(1, {"phq9": 10, "gad7": 8}.get(s, 5) + 1)
            ]
            rng = random.Random(4)
            times: list[float] = []
            floor: list[float] = []
            raw = sqlite3.connect(folder / "floor.db", isolation_level=None)
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA synchronous = FULL")
            raw.execute("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER)")
            code = store.create_visit("en").code
            for n in range(commits + 20):
                if n % len(items) == 0:
                    code = store.create_visit("en").code
                section, item = items[n % len(items)]
                value = rng.randrange(4) if section != "fit" else rng.randrange(3)
                start = time.perf_counter()
                store.record_answer(code, section, item, value)
                elapsed = time.perf_counter() - start
                # Floor: one row into a bare table of another WAL + FULL file, same folder.
                start = time.perf_counter()
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("INSERT INTO t VALUES (?, ?, ?)", (n, section, value))
                raw.execute("COMMIT")
                raw_elapsed = time.perf_counter() - start
                if n >= 20:  # the first few warm the page cache and the statement cache
                    times.append(elapsed)
                    floor.append(raw_elapsed)
        finally:
            store.close()
            raw.close()
        return {
            "commit": summary_ms(times),
            "floor": summary_ms(floor),
            "journal_mode": mode,
            "synchronous": {2: "FULL", 3: "EXTRA"}.get(sync, str(sync)),
            "filesystem": fs_type(folder),
        }


def bench_report(quick: bool) -> dict[str, Any]:
    """render_summary of an urgent, complete visit with a name, every answer and guidance."""
    from kiosk.summary.pdf import render_summary

    renders = 15 if quick else 60
    with disk_tmpdir() as folder:
        config = load_config(None, folder)
        store = Store.open(folder)
        try:
            with unsynced(store):
                code = flow_visit(
                    store, CONTENT, random.Random(9), urgent=True, name="María José", skip_rate=0.0
                )
            visit = store.get_visit(code)
        finally:
            store.close()
    assert visit.urgent and visit.status == "completed", visit
    lc = CONTENT[visit.language]
    start = time.perf_counter()
    pdf = render_summary(visit, lc, config)
    first = time.perf_counter() - start
    times = []
    floor = []
    for _ in range(renders):
        start = time.perf_counter()
        render_summary(visit, lc, config)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        _minimal_pdf(visit.code)
        floor.append(time.perf_counter() - start)
    answers = sum(len(v) for v in visit.answers.values())
    return {
        "render": summary_ms(times),
        "floor": summary_ms(floor),
        "first_render_ms": round(first * 1000, 1),
        "pdf_bytes": len(pdf),
        "answers": answers,
        "urgent": visit.urgent,
    }


def _minimal_pdf(code: str) -> bytes:
    """The floor: ReportLab's fixed cost for a one-page PDF with one line, the kiosk's font."""
    import io

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from kiosk.summary.pdf import FONT_REGULAR

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, invariant=True, initialFontName=FONT_REGULAR)
    doc.build([Paragraph(code, ParagraphStyle("p", fontName=FONT_REGULAR, fontSize=12))])
    return buffer.getvalue()


def _export_day_store(folder: Path, visits: int, day: date, zone: Any) -> Store:
    """A store with ``visits`` complete visits on ``day`` (clinic time), made through the flow."""
    start = datetime.combine(day, dtime(0, 2), tzinfo=zone).astimezone(UTC)
    clock = Clock(start)
    store = Store.open(folder, clock=clock)
    spacing = (86400 - 600) / visits  # all within the clinic-local day
    rng = random.Random(2000)
    with unsynced(store):
        for index in range(visits):
            clock.now = start + timedelta(seconds=index * spacing)
            flow_visit(
                store,
                CONTENT,
                rng,
                language="en" if index % 5 else "es",
                urgent=rng.random() < 0.05,
                on_answer=lambda: clock.advance(1.2),
            )
    return store


def _export_floor(
    db_path: Path, span: tuple[datetime, datetime], data: bytes, out: Path, fmt: str
) -> None:
    """The floor: the day's rows read as plain tuples, and the same bytes written and fsync'd."""
    from kiosk.store.schema import _iso

    bounds = [_iso(span[0]), _iso(span[1])]
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        conn.execute(
            "SELECT * FROM visits WHERE started_at >= ? AND started_at < ?", bounds
        ).fetchall()
        for table in ("scores", "print_jobs") + (("answers",) if fmt == "fhir" else ()):
            conn.execute(
                f"SELECT * FROM {table} WHERE visit_id IN "
                "(SELECT id FROM visits WHERE started_at >= ? AND started_at < ?)",
                bounds,
            ).fetchall()
    finally:
        conn.close()
    with open(out, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def bench_export(quick: bool) -> dict[str, Any]:
    from kiosk.exports.csv_log import render_csv
    from kiosk.exports.day_log import day_range, export_day
    from kiosk.exports.fhir_bundle import fhir_bundle, render_fhir

    visits = 400 if quick else 2000
    repeats = 3 if quick else 5
    day = date(2026, 3, 10)
    result: dict[str, Any] = {"visits": visits}
    with disk_tmpdir() as folder:
        config = load_config(None, folder / "data")
        zone = config.zone
        generated = time.perf_counter()
        store = _export_day_store(folder / "data", visits, day, zone)
        result["generate_s"] = round(time.perf_counter() - generated, 2)
        out = folder / "out"
        out.mkdir()
        try:
            span = day_range(day, zone)
            result["floor"] = {}
            for fmt, content in (("csv", None), ("fhir", CONTENT)):
                times = []
                floor = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    path = export_day(store, day, fmt, out, zone=zone, content=content, force=True)
                    times.append(time.perf_counter() - start)
                    data = path.read_bytes()
                    start = time.perf_counter()
                    _export_floor(
                        folder / "data" / DB_FILENAME, span, data, folder / "floor.out", fmt
                    )
                    floor.append(time.perf_counter() - start)
                result[fmt] = summary_ms(times)
                result[fmt]["bytes"] = path.stat().st_size
                result["floor"][fmt] = summary_ms(floor)
            # Where the time goes (one pass each): reading, then rendering each format.
            start = time.perf_counter()
            listed = store.list_visits(*span)
            result["phase_list_visits_ms"] = round((time.perf_counter() - start) * 1000, 1)
            done = [v for v in listed if v.status in ("completed", "abandoned")]
            assert len(done) == visits, (len(done), visits)
            start = time.perf_counter()
            render_csv(done, zone)
            result["phase_render_csv_ms"] = round((time.perf_counter() - start) * 1000, 1)
            start = time.perf_counter()
            fhir = render_fhir(done, zone, content=CONTENT)
            result["phase_render_fhir_ms"] = round((time.perf_counter() - start) * 1000, 1)
            # The file must be exactly what json.dumps(indent=2) makes of the same bundle.
            bundle = fhir_bundle(done, zone, content=CONTENT)
            expected = (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode()
            result["fhir_same_bytes_as_json_dumps"] = fhir == expected
        finally:
            store.close()
    return result


def _purge_floor(db_path: Path, cutoff: datetime) -> float:
    from kiosk.store.schema import _iso

    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA secure_delete = OFF")
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table in ("answers", "scores", "print_jobs"):
            conn.execute(
                f"DELETE FROM {table} WHERE visit_id IN "
                "(SELECT id FROM visits WHERE started_at < ?)",
                [_iso(cutoff)],
            )
        conn.execute("DELETE FROM visits WHERE started_at < ?", [_iso(cutoff)])
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return time.perf_counter() - start
    finally:
        conn.close()


def bench_purge(quick: bool) -> dict[str, Any]:
    """Store.purge over a year: old visits deleted with every answer, score and print job."""
    old, recent = (15_000, 1_000) if quick else (150_000, 10_000)
    retention = 90
    runs = 2 if quick else 3
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    result: dict[str, Any] = {}
    with disk_tmpdir() as folder:
        source = folder / "source"
        generated = time.perf_counter()
        result["rows"] = bulk_year(
            source, CONTENT, old_visits=old, recent_visits=recent, now=now, retention_days=retention
        )
        result["generate_s"] = round(time.perf_counter() - generated, 2)
        result["db_mb"] = round((source / DB_FILENAME).stat().st_size / 2**20, 1)
        times = []
        for run in range(runs):
            target = folder / f"run{run}"
            target.mkdir(mode=0o700)
            shutil.copy2(source / DB_FILENAME, target / DB_FILENAME)
            os.chmod(target / DB_FILENAME, 0o600)
            store = Store.open(target, clock=lambda: now)
            try:
                start = time.perf_counter()
                deleted = store.purge(retention)
                times.append(time.perf_counter() - start)
                db = store._require_db()
                left = db.execute("SELECT count(*) FROM visits").fetchone()[0]
                orphans = sum(
                    db.execute(
                        f"SELECT count(*) FROM {table} "
                        "WHERE visit_id NOT IN (SELECT id FROM visits)"
                    ).fetchone()[0]
                    for table in ("answers", "scores", "print_jobs")
                )
                fk_on = db.execute("PRAGMA foreign_keys").fetchone()[0]
            finally:
                store.close()
            assert deleted == old, (deleted, old)
            assert left == recent and orphans == 0 and fk_on == 1, (left, orphans, fk_on)
            shutil.rmtree(target)
        # Floor: the same rows deleted by plain SQL with nothing extra: no foreign-key
        # bookkeeping, no zeroing of freed space; then the same commit and checkpoint.
        floor = []
        for run in range(runs):
            target = folder / f"floor{run}"
            target.mkdir(mode=0o700)
            shutil.copy2(source / DB_FILENAME, target / DB_FILENAME)
            floor.append(_purge_floor(target / DB_FILENAME, now - timedelta(days=retention)))
            shutil.rmtree(target)
        result["purge"] = summary_ms(times)
        result["floor"] = summary_ms(floor)
        result["deleted"] = old
        result["filesystem"] = fs_type(folder)
    return result


BENCHES = {
    "commit": bench_commit,
    "report": bench_report,
    "export": bench_export,
    "purge": bench_purge,
}


def main() -> None:
    bench_main(__doc__, BENCHES, leave_at_once=False)


if __name__ == "__main__":
    main()
