"""The clinic hub (issue 18): urgent visits to the desk's banner, replication, catch-up, taps.

python benchmarks/bench_hub.py banner [--quick]       urgent answer committed -> desk banner painted
python benchmarks/bench_hub.py replication [--quick]  20 kiosks x 200 visits -> rows/s at the hub
python benchmarks/bench_hub.py catchup [--quick]      a day of 300 visits shipped after a day away
python benchmarks/bench_hub.py taps [--quick]         tap -> painted while the shipper ships

Every figure runs against a real PostgreSQL made for the run (tests/support/postgres.py: initdb +
pg_ctl in a temporary folder, as the unprivileged `postgres` user when we are root), reached over
TCP on loopback with the logins `hub add-kiosk` / `hub add-desk` make (kiosk.hub.admin.add_login),
so row-level security and SCRAM are what a clinic has. Kiosks are real SQLite stores with the
replication queue on (its triggers fill it), each shipped by a real `Shipper`.

`banner`: the desk is a real DeskWindow (offscreen) in this process; the kiosk, a store and its
Shipper thread, is a child process (another machine in a clinic). Each sample: the kiosk answers
PHQ-9 item 9 with a positive value through VisitFlow; from that commit (the store's urgent
listener, CLOCK_MONOTONIC, which both processes share) to the first paint of the red banner for
that visit's code. Floor: a bare psycopg NOTIFY -> LISTEN round trip on the same server (a
kiosk's login notifies, the desk's listens), interleaved with the samples.

`replication`: 20 stores x 200 visits each, made by bulk SQL in the shape the store writes
(benchmarks/datagen.py) with the queue's triggers on; 20 child processes, one per kiosk, each
starting its Shipper at the same signal; the figure is rows at the hub (visits, answers, scores,
print jobs) / seconds until every backlog is 0. Floor: the same rows inserted into a fresh hub
database on the same server by a bare `executemany` (pipelined by psycopg), one connection,
one transaction per kiosk; and, as a reference, by COPY. Afterwards every kiosk's visits are
compared with the hub's, visit by visit: nothing lost, nothing twice.

`catchup`: one store with a day of 300 visits queued while the hub was away; Shipper start ->
backlog 0. Floor: the same rows by bare executemany, as above.

`taps`: the bench_ui.py taps figure (real kiosk window, answers committed) with `[hub] url` set,
so the kiosk's own Shipper runs; a backlog of bulk visits keeps it shipping during the taps
(the figure reports how many it shipped meanwhile and how many taps were made while it had a
backlog). Floor as in bench_ui.py: the same window repainted with nothing changed after each
tap.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, ROOT, bench_main, disk_tmpdir, summary_ms

os.environ["QT_QPA_PLATFORM"] = "offscreen"

PY = sys.executable
WAIT_SECONDS = 60.0


# --- the hub -------------------------------------------------------------------------------------


@contextmanager
def postgres() -> Iterator[Any]:
    from tests.support.postgres import ENABLE_HINT, PostgresUnavailableError, make_server

    try:
        server = make_server()
    except PostgresUnavailableError as exc:
        raise RuntimeError(f"{exc}; {ENABLE_HINT}") from None
    try:
        yield server
    finally:
        server.destroy()


def new_hub(
    server: Any,
    kiosks: list[str],
    desks: list[str] = (),  # type: ignore[assignment]
) -> tuple[str, dict[str, str]]:
    """A fresh database with the hub schema, and the logins of these kiosks and desks (as `hub
    add-kiosk` / `hub add-desk` make them), reaching the server over TCP on loopback."""
    from kiosk.hub.admin import add_login
    from kiosk.hub.schema import init_hub

    admin = server.admin_url(server.create_database())
    init_hub(admin)
    loopback = f"127.0.0.1:{server.port}"
    urls = {name: add_login(admin, "kiosk", name, host=loopback) for name in kiosks}
    urls.update({name: add_login(admin, "desk", name, host=loopback) for name in desks})
    return admin, urls


def _admin_rows(admin: str, query: str, params: list[Any] | None = None) -> list[Any]:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute(query, params or []).fetchall()  # type: ignore[arg-type]


def _wait(condition: Any, what: str, timeout: float = WAIT_SECONDS, step: float = 0.002) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(step)


# --- kiosks' data --------------------------------------------------------------------------------


def queued_day(folder: Path, visits: int, day_start: datetime, seed: int) -> dict[str, int]:
    """A store with ``visits`` complete visits of one day, written with the hub queue on (its
    triggers queue every visit, as on a kiosk with `[hub] url`): by bulk SQL (datagen)."""
    from datagen import bulk_day

    from kiosk.config import DEFAULT_CONTENT_DIR
    from kiosk.content import load_content
    from kiosk.hub import queue
    from kiosk.store import Store

    with Store.open(folder) as store:
        queue.enable(store)
    content = load_content(DEFAULT_CONTENT_DIR, ["en", "es"])
    return bulk_day(folder, content, visits=visits, day_start=day_start, seed=seed)


def local_rows(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    """A store's rows as the hub tables take them (plain tuples, visit ids local)."""
    import sqlite3
    from contextlib import closing

    from kiosk.store import DB_FILENAME

    with closing(sqlite3.connect(folder / DB_FILENAME)) as db:
        rows = {
            "visits": db.execute(
                """
                SELECT id, code, language, started_at, completed_at, status, urgent = 1, risk,
                       urgent_reason, name, guidance, seen_at, acknowledged_at, acknowledged_by,
                       outcome
                FROM visits ORDER BY id
                """
            ).fetchall(),
            "answers": db.execute(
                "SELECT visit_id, section, item, value, answered_at FROM answers"
            ).fetchall(),
            "scores": db.execute(
                """
                SELECT visit_id, instrument, total, band, complete = 1, skipped, urgent = 1
                FROM scores
                """
            ).fetchall(),
            "print_jobs": db.execute(
                """
                SELECT visit_id, id, queue, cups_job_id, state, error, created_at, updated_at
                FROM print_jobs
                """
            ).fetchall(),
        }
    # SQLite's 0/1 as the booleans the hub's columns are.
    rows["visits"] = [(*r[:6], bool(r[6]), *r[7:]) for r in rows["visits"]]
    rows["scores"] = [(*r[:4], bool(r[4]), r[5], bool(r[6])) for r in rows["scores"]]
    return rows


def row_count(rows: dict[str, list[Any]]) -> int:
    return sum(len(table) for table in rows.values())


_VISIT_COLUMNS = (
    "kiosk_id, code, change_seq, language, started_at, completed_at, status, urgent, risk, "
    "urgent_reason, name, guidance, seen_at, acknowledged_at, acknowledged_by, outcome"
)


def bare_insert(admin: str, kiosks: dict[str, dict[str, list[Any]]], *, copy: bool) -> float:
    """The floor: the same rows into the hub's tables at ``admin`` by plain executemany (or
    COPY), one connection, one transaction per kiosk. Seconds."""
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        ids = dict(conn.execute("SELECT name, id FROM hub.kiosks").fetchall())
        start = time.perf_counter()
        for name, rows in kiosks.items():
            kiosk_id = ids[name]
            with conn.transaction(), conn.cursor() as cur:
                visits = [(kiosk_id, row[1], 1, *row[2:]) for row in rows["visits"]]
                if copy:
                    with cur.copy(f"COPY hub.visits ({_VISIT_COLUMNS}) FROM STDIN") as out:
                        for visit in visits:
                            out.write_row(visit)
                    hub_id = dict(
                        cur.execute(
                            "SELECT code, id FROM hub.visits WHERE kiosk_id = %s", [kiosk_id]
                        ).fetchall()
                    )
                    local = {row[0]: hub_id[row[1]] for row in rows["visits"]}
                else:
                    marks = ", ".join(["%s"] * len(visits[0]))
                    cur.executemany(
                        f"INSERT INTO hub.visits ({_VISIT_COLUMNS}) VALUES ({marks}) RETURNING id",
                        visits,
                        returning=True,
                    )
                    made = []
                    while True:
                        made.append(cur.fetchone()[0])  # type: ignore[index]
                        if not cur.nextset():
                            break
                    local = {row[0]: made[index] for index, row in enumerate(rows["visits"])}
                children = {
                    "answers": "visit_id, section, item, value, answered_at",
                    "scores": "visit_id, instrument, total, band, complete, skipped, urgent",
                    "print_jobs": "visit_id, kiosk_job_id, queue, cups_job_id, state, error, "
                    "created_at, updated_at",
                }
                for table, columns in children.items():
                    data = [(local[row[0]], *row[1:]) for row in rows[table]]
                    if not data:
                        continue
                    if copy:
                        with cur.copy(f"COPY hub.{table} ({columns}) FROM STDIN") as out:
                            for item in data:
                                out.write_row(item)
                    else:
                        marks = ", ".join(["%s"] * len(data[0]))
                        cur.executemany(
                            f"INSERT INTO hub.{table} ({columns}) VALUES ({marks})", data
                        )
        return time.perf_counter() - start


def hub_counts(admin: str) -> dict[str, dict[str, int]]:
    """Per kiosk: rows of each table at the hub."""
    counts: dict[str, dict[str, int]] = {}
    for table, join in (
        ("visits", "hub.visits v"),
        ("answers", "hub.answers c JOIN hub.visits v ON v.id = c.visit_id"),
        ("scores", "hub.scores c JOIN hub.visits v ON v.id = c.visit_id"),
        ("print_jobs", "hub.print_jobs c JOIN hub.visits v ON v.id = c.visit_id"),
    ):
        for name, count in _admin_rows(
            admin,
            f"SELECT k.name, COUNT(*) FROM {join} JOIN hub.kiosks k ON k.id = v.kiosk_id "
            "GROUP BY k.name",
        ):
            counts.setdefault(name, {})[table] = int(count)
    return counts


def check_replicated(admin: str, stores: dict[str, Path]) -> dict[str, int]:
    """Every kiosk's visits at the hub exactly as the kiosk has them: visits missing at the hub,
    visits differing, rows the hub has more or fewer of."""
    from kiosk.store import Store
    from tests.support.hub import hub_visit_state, local_visit_state

    at_hub = hub_visit_state(admin)
    lost = differing = 0
    local_total = 0
    for name, folder in stores.items():
        with Store.open(folder) as store:
            local = local_visit_state(store)
        local_total += row_count(local_rows(folder))
        for code, facts in local.items():
            hub_facts = at_hub.get((name, code))
            if hub_facts is None:
                lost += 1
            elif hub_facts != facts:
                differing += 1
    counts = hub_counts(admin)
    hub_total = sum(sum(tables.values()) for tables in counts.values())
    # The idempotence key: each (kiosk, code, change sequence) received once.
    (twice,) = _admin_rows(
        admin,
        "SELECT COUNT(*) - COUNT(DISTINCT (kiosk_id, code, change_seq)) FROM hub.visit_changes",
    )[0]
    return {
        "visits_lost": lost,
        "visits_differing": differing,
        "visits_at_hub": len(at_hub),
        "rows_local": local_total,
        "rows_at_hub": hub_total,
        "rows_missing": max(0, local_total - hub_total),
        "rows_extra": max(0, hub_total - local_total),
        "changes_received_twice": int(twice),
    }


# --- child processes: kiosks ---------------------------------------------------------------------


_STDERR: dict[int, Any] = {}


def _child(*args: str) -> subprocess.Popen[str]:
    # Its stderr into a file, not a pipe nobody reads until the end (a full pipe would stall it).
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the child
    child = subprocess.Popen(
        [PY, str(BENCH_DIR / "bench_hub.py"), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        bufsize=1,
        cwd=ROOT,
    )
    _STDERR[child.pid] = errors
    return child


def _expect(child: subprocess.Popen[str], word: str) -> list[str]:
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith(word):
        child.kill()
        child.wait(10)
        errors = _STDERR[child.pid]
        errors.seek(0)
        said = errors.read().strip()[-600:]
        raise RuntimeError(f"a kiosk process said {line.strip()!r}: {said}")
    return line.split()[1:]


def _say(child: subprocess.Popen[str], line: str) -> None:
    assert child.stdin is not None
    child.stdin.write(line + "\n")
    child.stdin.flush()


def kiosk_shipping(folder: str, url: str) -> None:
    """Child: one kiosk. Opens its store, says `ready`, starts its Shipper on `go`, says
    `drained T` (CLOCK_MONOTONIC) once its backlog is 0, and stops on `stop`."""
    from kiosk.hub import queue
    from kiosk.hub.shipper import Shipper
    from kiosk.store import Store

    with Store.open(Path(folder)) as store:
        shipper = Shipper(store, url)
        print("ready", queue.backlog(store), flush=True)
        sys.stdin.readline()
        shipper.start()
        while queue.backlog(store) > 0 or shipper.state.last_success is None:
            if shipper.state.failing:
                print("failed", shipper.state.last_error, flush=True)
                return
            time.sleep(0.005)
        print("drained", time.monotonic(), flush=True)
        sys.stdin.readline()
        shipper.stop()


def kiosk_urgent(folder: str, url: str) -> None:
    """Child: the kiosk of the banner figure, its Shipper running as in the kiosk. On `visit`
    it runs a visitor up to PHQ-9 item 9 and says `at CODE`; on `urgent` it answers item 9
    positively and says `committed T`, T the moment that commit returned to the store."""
    from kiosk.config import DEFAULT_CONTENT_DIR
    from kiosk.content import load_content
    from kiosk.flow import Step, VisitFlow
    from kiosk.hub import queue
    from kiosk.hub.shipper import Shipper
    from kiosk.store import Store

    content = load_content(DEFAULT_CONTENT_DIR, ["en"])
    rng = random.Random(18)
    with Store.open(Path(folder)) as store:
        queue.enable(store)
        shipper = Shipper(store, url)
        shipper.start()
        committed: list[float] = []
        store.urgent_listeners.insert(0, lambda: committed.append(time.monotonic()))
        print("ready", flush=True)
        flow: Any = None
        for line in sys.stdin:
            command = line.strip()
            if command == "visit":
                flow = VisitFlow(store, content, "en")
                flow.agree()
                state = flow.set_name(None)
                while True:
                    ref = state.question
                    if state.step is not Step.QUESTION or ref is None:
                        raise RuntimeError(f"the visit went to {state.step} before item 9")
                    if ref.section == "phq9" and ref.item == 9:
                        break
                    options = 2 if ref.section == "asq" else 4
                    if ref.section == "fit":
                        options = len(content["en"].screening.fit.questions[ref.item - 1].options)
                    state = flow.answer(0 if ref.section == "asq" else rng.randrange(options))
                print("at", flow.code, flush=True)
            elif command == "urgent":
                committed.clear()
                state = flow.answer(rng.randint(1, 3))
                if state.step is not Step.SAFETY or not committed:
                    raise RuntimeError("the item 9 answer did not make the visit urgent")
                print("committed", committed[0], flush=True)
            elif command == "stop":
                break
        shipper.stop()


# --- 1. urgent answer -> the desk's banner -------------------------------------------------------


def bench_banner(quick: bool) -> dict[str, Any]:
    import psycopg
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.config import HubConfig, load_config
    from kiosk.hub import desk
    from ui.desk import create_desk_window
    from ui.desk.window import UrgentBanner

    _app = QApplication.instance() or QApplication(sys.argv[:1])  # alive for the whole run
    runs = 8 if quick else 40
    samples: list[float] = []
    floor: list[float] = []

    class PaintWatch(QObject):
        """Stamps the first paint of each urgent banner, by the visit code it shows."""

        def __init__(self, window: Any) -> None:
            super().__init__()
            self.window = window
            self.painted: dict[str, float] = {}
            self.loop: QEventLoop | None = None
            self.awaited: str | None = None

        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt override
            kind = event.type()
            if kind == QEvent.Type.ChildAdded and isinstance(event.child(), UrgentBanner):
                event.child().installEventFilter(self)
            elif kind == QEvent.Type.Paint and isinstance(obj, UrgentBanner):
                row = self.window.rows.get(obj.visit_id)
                if row is not None and row.code not in self.painted:
                    self.painted[row.code] = time.monotonic()
                    if row.code == self.awaited and self.loop is not None:
                        self.loop.quit()
            return False

    def run_until(condition: Any, what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            loop = QEventLoop()
            watch.loop = loop
            QTimer.singleShot(20, loop.quit)
            loop.exec()
            watch.loop = None

    with postgres() as server, disk_tmpdir() as folder:
        _admin, urls = new_hub(server, ["lobby"], ["front"])
        config = load_config(None, folder)
        window = create_desk_window(config.replace(hub=HubConfig(url=urls["front"])))
        watch = PaintWatch(window)
        window.banner_box.installEventFilter(watch)  # the banners' own widget, above the pages
        window.resize(1366, 768)
        window.show()
        kiosk = _child("_kiosk_urgent", str(folder / "kiosk"), urls["lobby"])
        try:
            _expect(kiosk, "ready")
            run_until(lambda: window.live, "the desk's first board")
            notifier = psycopg.connect(urls["lobby"], autocommit=True)
            listener = psycopg.connect(urls["front"], autocommit=True)
            listener.execute("LISTEN bench_floor")
            for index in range(runs + 1):
                _say(kiosk, "visit")
                (code,) = _expect(kiosk, "at")
                time.sleep(random.uniform(0.0, 0.3))  # any moment of the shipper's idle round
                watch.awaited = code
                _say(kiosk, "urgent")
                run_until(lambda: code in watch.painted, f"the banner of {code}")  # noqa: B023
                (committed,) = _expect(kiosk, "committed")
                if index > 0:  # the first banner (styles, fonts, the chime's set-up): not counted
                    samples.append(watch.painted[code] - float(committed))
                # Reception acknowledges: the banner goes, ready for the next.
                visit_id = next(r.id for r in window.rows.values() if r.code == code)
                desk.acknowledge(urls["front"], visit_id, "reception", "spoke")
                run_until(lambda: visit_id not in window.banners, "the banner to go")  # noqa: B023
                # The floor, interleaved: NOTIFY on the kiosk's login -> the desk's LISTEN.
                start = time.monotonic()
                notifier.execute("NOTIFY bench_floor, 'x'")
                got = next(listener.notifies(timeout=10, stop_after=1), None)
                if got is None:
                    raise RuntimeError("the floor's NOTIFY never arrived")
                floor.append(time.monotonic() - start)
            notifier.close()
            listener.close()
            _say(kiosk, "stop")
            kiosk.wait(30)
        finally:
            if kiosk.poll() is None:
                kiosk.kill()
            window.shutdown()
            window.close()
    return {"banner": summary_ms(samples), "floor": summary_ms(floor)}


# --- 2. twenty kiosks at once --------------------------------------------------------------------


def _ship_all(urls: dict[str, str], stores: dict[str, Path]) -> float:
    """Start every kiosk's Shipper at once, each in its own process; seconds until the last
    backlog is 0."""
    children = {name: _child("_kiosk_ship", str(stores[name]), urls[name]) for name in stores}
    try:
        for child in children.values():
            _expect(child, "ready")
        start = time.monotonic()
        for child in children.values():
            _say(child, "go")
        ends = [float(_expect(child, "drained")[0]) for child in children.values()]
        for child in children.values():
            _say(child, "stop")
        for child in children.values():
            child.wait(30)
        return max(ends) - start
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()


def _fleet(
    folder: Path, kiosks: int, visits: int
) -> tuple[dict[str, Path], dict[str, dict[str, list[Any]]]]:
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    stores: dict[str, Path] = {}
    rows: dict[str, dict[str, list[Any]]] = {}
    for index in range(kiosks):
        name = f"kiosk{index + 1:02d}"
        stores[name] = folder / name
        queued_day(stores[name], visits, day, seed=100 + index)
        rows[name] = local_rows(stores[name])
    return stores, rows


def bench_replication(quick: bool) -> dict[str, Any]:
    kiosks, visits = (5, 60) if quick else (20, 200)
    with postgres() as server, disk_tmpdir() as folder:
        stores, rows = _fleet(folder, kiosks, visits)
        total = sum(row_count(r) for r in rows.values())
        # Floors on fresh hub databases of the same server, before and after the figure.
        floor_admin, _ = new_hub(server, list(stores))
        floor_before = bare_insert(floor_admin, rows, copy=False)
        copy_admin, _ = new_hub(server, list(stores))
        copy_seconds = bare_insert(copy_admin, rows, copy=True)
        admin, urls = new_hub(server, list(stores))
        seconds = _ship_all(urls, stores)
        check = check_replicated(admin, stores)
        floor_admin, _ = new_hub(server, list(stores))
        floor_after = bare_insert(floor_admin, rows, copy=False)
    floor_seconds = min(floor_before, floor_after)
    return {
        "kiosks": kiosks,
        "visits_per_kiosk": visits,
        "rows": total,
        "seconds": round(seconds, 3),
        "rows_per_second": round(total / seconds),
        "floor_seconds": [round(floor_before, 3), round(floor_after, 3)],
        "floor_rows_per_second": round(total / floor_seconds),
        "copy_seconds": round(copy_seconds, 3),
        "copy_rows_per_second": round(total / copy_seconds),
        "ratio": round(floor_seconds / seconds, 3),
        **check,
    }


# --- 3. catch-up after a day away ----------------------------------------------------------------


def bench_catchup(quick: bool) -> dict[str, Any]:
    visits = 300
    runs = 2 if quick else 5
    drains: list[float] = []
    floors: list[float] = []
    checks: list[dict[str, int]] = []
    with postgres() as server, disk_tmpdir() as folder:
        day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        template = folder / "template"
        queued_day(template, visits, day - timedelta(days=1), seed=7)
        rows = {"lobby": local_rows(template)}
        total = row_count(rows["lobby"])
        import shutil

        for run in range(runs):
            # A fresh copy of the same day each time (the shipper empties the queue).
            store = folder / f"run{run}"
            shutil.copytree(template, store)
            admin, urls = new_hub(server, ["lobby"])
            drains.append(_ship_all(urls, {"lobby": store}))
            checks.append(check_replicated(admin, {"lobby": store}))
            floor_admin, _ = new_hub(server, ["lobby"])
            floors.append(bare_insert(floor_admin, rows, copy=False))
    return {
        "visits": visits,
        "rows": total,
        "drain": summary_ms(drains),
        "floor": summary_ms(floors),
        "visits_lost": sum(c["visits_lost"] + c["visits_differing"] for c in checks),
        "rows_missing": sum(c["rows_missing"] + c["rows_extra"] for c in checks),
    }


# --- 4. taps while the shipper ships -------------------------------------------------------------


def bench_taps(quick: bool) -> dict[str, Any]:
    import sqlite3

    from bench_ui import close_window, open_window, tap_visits

    from kiosk.config import HubConfig, load_config

    taps_wanted = 60 if quick else 400
    backlog_visits = 1500 if quick else 6000  # enough to keep it shipping through the taps
    busy_taps = 0
    with postgres() as server, disk_tmpdir() as folder:
        admin, urls = new_hub(server, ["lobby"])
        data = folder / "kiosk"
        day = datetime.now(UTC) - timedelta(days=1)
        queued_day(data, backlog_visits, day, seed=3)
        config = load_config(None, data)
        config = config.replace(
            printing=config.printing.replace(printer="none"), hub=HubConfig(url=urls["lobby"])
        )
        window = open_window(data, config)
        store = window.store
        assert store is not None and window.hub_shipper is not None
        # Read on a connection of its own: the store's lock is the screen's and the shipper's.
        watcher = sqlite3.connect(store.path)

        def pending_now() -> int:
            sql = "SELECT COUNT(*) FROM hub_changes WHERE seq > shipped_seq"
            return int(watcher.execute(sql).fetchone()[0])

        def count_busy() -> None:
            nonlocal busy_taps
            # More than the visitor's own visit: the bulk backlog is still going.
            busy_taps += pending_now() > 2

        backlog_at_start = pending_now()
        try:
            run = tap_visits(
                window,
                random.Random(33),
                taps_wanted,
                urgent=lambda visit: visit % 10 == 1,
                before_tap=count_busy,
            )
            backlog_at_end = pending_now()
            shipped = len(_admin_rows(admin, "SELECT 1 FROM hub.visits"))
        finally:
            watcher.close()
            close_window(window)
    return {
        "tap_to_paint": summary_ms(run.samples),
        "floor": summary_ms(run.floor),
        "visits": run.visits,
        "backlog_at_start": backlog_at_start,
        "backlog_at_end": backlog_at_end,
        "visits_at_hub_after": shipped,
        "taps_while_shipping": busy_taps,
    }


BENCHES = {
    "banner": bench_banner,
    "replication": bench_replication,
    "catchup": bench_catchup,
    "taps": bench_taps,
}
CHILDREN = {"_kiosk_ship": kiosk_shipping, "_kiosk_urgent": kiosk_urgent}


def main() -> None:
    bench_main(__doc__, BENCHES, CHILDREN)


if __name__ == "__main__":
    main()
