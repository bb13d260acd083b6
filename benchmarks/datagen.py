"""Test data for the benchmarks, made the way the kiosk makes it.

- ``flow_visit`` runs one visitor through ``kiosk.flow.VisitFlow`` (which writes through the
  store's API, exactly as the kiosk does): used for the export day and the urgent summary.
- ``bulk_year`` fills a store-created database with a year of visits by plain SQL, mirroring
  the rows the store writes (see kiosk/store/schema.py): only used for the 150,000-visit purge,
  where going through the API would take minutes.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ROOT  # noqa: F401 - puts the project root on sys.path

from kiosk import instruments
from kiosk.content import Content
from kiosk.flow import FlowState, Step, VisitFlow
from kiosk.guidance import evaluate
from kiosk.instruments import ids as instrument_ids
from kiosk.scoring import DIFFICULTY_ITEM, SCORED_ITEMS, score
from kiosk.store import CODE_ALPHABET, DB_FILENAME, Store


class Clock:
    """A settable clock for Store.open(clock=...): visits land on the day we choose."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@contextmanager
def unsynced(store: Store) -> Iterator[None]:
    """Generation only: skip fsync while filling the database, then restore FULL.

    The rows written are the same; only their durability during set-up is given up.
    """
    db = store._require_db()  # benchmark set-up, not kiosk code
    db.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        db.execute("PRAGMA synchronous = FULL")


def _fit_options(content: Content, language: str, item: int) -> int:
    return len(content[language].screening.fit.questions[item - 1].options)


def flow_visit(
    store: Store,
    content: Content,
    rng: random.Random,
    *,
    language: str = "en",
    urgent: bool = False,
    name: str | None = None,
    skip_rate: float = 0.03,
    on_answer: Callable[[], None] | None = None,
) -> str:
    """One complete visit through VisitFlow; returns its code.

    Every question is answered (a few skipped); item 9 is positive only when ``urgent``, and the
    visitor then continues past the safety screen, so an urgent visit is still a full one.
    """
    flow = VisitFlow(store, content, language)
    flow.agree()
    state: FlowState = flow.set_name(name)
    while state.step is not Step.RESULTS:
        if state.step is Step.SAFETY:
            state = flow.continue_after_safety()
            continue
        ref = state.question
        assert ref is not None
        if ref.section == "phq9" and ref.item == 9:
            value: int | None = rng.randint(1, 3) if urgent else 0
        elif ref.section != "fit" and instruments.get(ref.section).max_value == 1:
            value = 0  # a yes/no screen (the ASQ): No, so only item 9 makes a visit urgent
        elif ref.section == "fit":
            value = rng.randrange(_fit_options(content, language, ref.item))
        else:
            value = None if rng.random() < skip_rate else rng.choice((0, 1, 1, 2, 2, 3))
        state = flow.answer(value) if value is not None else flow.skip()
        if on_answer is not None:
            on_answer()
    assert flow.code is not None
    return flow.code


# --- bulk SQL for the purge -----------------------------------------------------------------


def _code(index: int) -> str:
    chars = []
    for _ in range(6):
        index, digit = divmod(index, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars[:3]) + "-" + "".join(chars[3:])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def bulk_year(
    data_dir: Path,
    content: Content,
    *,
    old_visits: int,
    recent_visits: int,
    now: datetime,
    retention_days: int,
    seed: int = 8,
) -> dict[str, int]:
    """``old_visits`` started in the year before the retention cutoff, ``recent_visits`` after it.

    The database is created and migrated by Store.open; rows then go in with executemany, in the
    shape the store writes them (complete visits with every answer, both scores, and a print job
    for most). Returns the row counts.
    """
    rng = random.Random(seed)
    cutoff = now - timedelta(days=retention_days)
    # Old visits spread over the year before the cutoff, recent ones over the retention window.
    starts = [
        cutoff - timedelta(seconds=rng.uniform(60, 365 * 86400)) for _ in range(old_visits)
    ] + [
        cutoff + timedelta(seconds=rng.uniform(60, (retention_days - 1) * 86400))
        for _ in range(recent_visits)
    ]
    counts = _bulk_insert(data_dir, content, starts, rng)
    return {"old_visits": old_visits, "recent_visits": recent_visits, **counts}


def bulk_day(
    data_dir: Path, content: Content, *, visits: int, day_start: datetime, seed: int = 11
) -> dict[str, int]:
    """``visits`` complete visits (every answer, scores, most printed, ~4 % urgent) started in
    the 24 hours from ``day_start``: a very busy day for reception's list."""
    rng = random.Random(seed)
    starts = [day_start + timedelta(seconds=rng.uniform(0, 86399)) for _ in range(visits)]
    return _bulk_insert(data_dir, content, starts, rng)


def _bulk_insert(
    data_dir: Path, content: Content, starts: list[datetime], rng: random.Random
) -> dict[str, int]:
    Store.open(data_dir).close()  # schema, WAL, permissions: exactly as the kiosk makes them
    fit = content["en"].screening.fit
    rules = content.rules
    total = len(starts)
    starts = sorted(starts)  # ids grow with time, as they do on a kiosk

    conn = sqlite3.connect(data_dir / DB_FILENAME)
    counts = {"answers": 0, "scores": 0, "print_jobs": 0}
    try:
        conn.execute("PRAGMA synchronous = OFF")  # set-up only
        with conn:
            chunk = 5000
            for first in range(0, total, chunk):
                rows = _bulk_rows(starts[first : first + chunk], first + 1, rng, fit, rules)
                conn.executemany(
                    "INSERT INTO visits (id, code, language, started_at, completed_at, status, "
                    "urgent, urgent_reason, name, guidance, seen_at, risk, acknowledged_at, "
                    "acknowledged_by, outcome) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows[0],
                )
                conn.executemany(
                    "INSERT INTO answers (visit_id, section, item, value, answered_at) "
                    "VALUES (?,?,?,?,?)",
                    rows[1],
                )
                conn.executemany(
                    "INSERT INTO scores (visit_id, instrument, total, band, complete, skipped, "
                    "urgent) VALUES (?,?,?,?,?,?,?)",
                    rows[2],
                )
                conn.executemany(
                    "INSERT INTO print_jobs (visit_id, queue, cups_job_id, state, error, "
                    "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                    rows[3],
                )
                counts["answers"] += len(rows[1])
                counts["scores"] += len(rows[2])
                counts["print_jobs"] += len(rows[3])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()
    return {"visits": total, **counts}


_GUIDANCE_CACHE: dict[tuple[object, ...], str] = {}


def _bulk_rows(
    starts: list[datetime], first_id: int, rng: random.Random, fit: object, rules: object
) -> tuple[list[tuple[object, ...]], ...]:
    visits_rows: list[tuple[object, ...]] = []
    answer_rows: list[tuple[object, ...]] = []
    score_rows: list[tuple[object, ...]] = []
    job_rows: list[tuple[object, ...]] = []
    fit_sizes = [len(q.options) for q in fit.questions]
    for offset, started in enumerate(starts):
        visit_id = first_id + offset
        urgent_item9 = rng.random() < 0.04
        answers: dict[str, dict[int, int | None]] = {i: {} for i in (*instrument_ids(), "fit")}
        for instrument in instrument_ids():
            spec = instruments.get(instrument)
            for item in range(1, SCORED_ITEMS[instrument] + 1):
                if not spec.asked(item, answers[instrument]):
                    continue  # the ASQ's acuity question after four Nos
                if instrument == "phq9" and item == 9:
                    value: int | None = rng.randint(1, 3) if urgent_item9 else 0
                elif spec.max_value == 1:  # a yes/no screen: mostly No
                    value = 1 if rng.random() < 0.03 else 0
                else:
                    value = None if rng.random() < 0.03 else rng.choice((0, 1, 1, 2, 2, 3))
                answers[instrument][item] = value
            if spec.difficulty_item is not None and any(
                (v or 0) > 0 for v in answers[instrument].values()
            ):
                answers[instrument][DIFFICULTY_ITEM[instrument]] = rng.randrange(4)
        for item, size in enumerate(fit_sizes, start=1):
            answers["fit"][item] = rng.randrange(size)
        # One answer every ~8 s: the same fixed-width UTC text the store writes.
        base = started.timestamp()
        step = 0
        for section, items in answers.items():
            for item, value in items.items():
                step += 1
                moment = datetime.fromtimestamp(base + 8 * step, UTC)
                answer_rows.append((visit_id, section, item, value, _iso(moment)))
        results = {i: score(i, answers[i]) for i in instrument_ids()}
        urgent = urgent_item9 or any(r.urgent for r in results.values())
        key = (
            urgent,
            *((r.total, r.band, r.complete) for r in results.values()),
            tuple(answers["fit"].values()),
        )
        guidance = _GUIDANCE_CACHE.get(key)
        if guidance is None:
            guidance = evaluate(
                rules,
                urgent=urgent,
                scores=results,
                fit_answers=answers["fit"],
                fit=fit,
            )
            _GUIDANCE_CACHE[key] = guidance
        for instrument, result in results.items():
            stored = result.to_stored(instrument)
            score_rows.append(
                (
                    visit_id,
                    instrument,
                    stored.total,
                    stored.band,
                    int(stored.complete),
                    stored.skipped,
                    int(stored.urgent),
                )
            )
        completed = datetime.fromtimestamp(base + 8 * step + 5, UTC)
        visits_rows.append(
            (
                visit_id,
                _code(visit_id * 7919 % 887503681),
                "en" if rng.random() < 0.8 else "es",
                _iso(started),
                _iso(completed),
                "completed",
                int(urgent),
                ("phq9_item9" if urgent_item9 else "score_urgent") if urgent else None,
                None,
                guidance,
                _iso(completed + timedelta(minutes=10)) if rng.random() < 0.7 else None,
                "non_acute" if urgent else "none",
                # Staff acknowledged every urgent visit (the day's reconciliation), so the
                # purge may delete it once it is old (it keeps an unacknowledged one).
                _iso(completed + timedelta(minutes=5)) if urgent else None,
                "reception" if urgent else None,
                "spoke" if urgent else None,
            )
        )
        if rng.random() < 0.7:
            at = _iso(completed + timedelta(seconds=2))
            job_rows.append((visit_id, "lobby", rng.randint(1, 10**6), "completed", None, at, at))
    return visits_rows, answer_rows, score_rows, job_rows
