"""kiosk.store against real SQLite files: durability settings, failures, retention, backup."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.model import SectionId, StoredScore, sections
from kiosk.store import (
    CODE_ALPHABET,
    DB_FILENAME,
    SCHEMA_VERSION,
    BackupTargetError,
    Store,
    StoreCorruptError,
    StoreError,
    StoreTooNewError,
    StoreUnavailableError,
    VisitNotFoundError,
    check_database,
    repository,
    schema,
)
from kiosk.store.purge import _only_known_children
from tests.support.clock import START, Clock
from tests.support.outbox import outbox_row

CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{3}}-[{CODE_ALPHABET}]{{3}}$")
TABLES = {"visits", "answers", "scores", "print_jobs", "audit", "settings"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


def raw(store: Store) -> sqlite3.Connection:
    """The store's own connection, for looking underneath the API."""
    db = store._db
    assert db is not None
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def score(instrument: str = "phq9", *, urgent: bool = False, band: str = "mild") -> StoredScore:
    return StoredScore(
        instrument=instrument,  # type: ignore[arg-type]
        total=7,
        band=band,
        complete=True,
        skipped=0,
        urgent=urgent,
    )


# --- opening: files, permissions, settings --------------------------------------------------


def test_open_creates_private_folder_and_files(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as store:
        store.create_visit("en")
        assert store.path == folder / DB_FILENAME
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for name in (DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm"):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name


def test_open_tightens_a_loose_database_file(folder: Path) -> None:
    Store.open(folder).close()
    os.chmod(folder / DB_FILENAME, 0o644)
    Store.open(folder).close()
    assert stat.S_IMODE((folder / DB_FILENAME).stat().st_mode) == 0o600


def test_connection_settings(store: Store) -> None:
    conn = raw(store)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names >= TABLES
    # Transactions are only the store's own: no statement opens one behind its back.
    assert conn.isolation_level is None
    store.create_visit("en")
    assert not conn.in_transaction


def test_a_folder_where_the_database_belongs_is_reported(folder: Path) -> None:
    (folder / DB_FILENAME).mkdir(parents=True)
    with pytest.raises(StoreUnavailableError, match="not a file"):
        Store.open(folder)
    assert check_database(folder / DB_FILENAME) != []


def test_closed_store_says_so(folder: Path) -> None:
    store = Store.open(folder)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.create_visit("en")


def test_retention_days_must_be_positive(folder: Path) -> None:
    with pytest.raises(ValueError, match="retention_days"):
        Store.open(folder, retention_days=0)


# --- visits and answers ---------------------------------------------------------------------


def test_visit_round_trip(store: Store, clock: Clock) -> None:
    visit = store.create_visit("es")
    assert CODE_RE.match(visit.code)
    assert (visit.status, visit.urgent, visit.started_at) == ("in_progress", False, START)
    store.set_language(visit.code, "en")
    store.set_name(visit.code, "  J.R. ")
    store.record_answer(visit.code, "phq9", 1, 2)
    store.record_answer(visit.code, "phq9", 2, None)
    store.record_answer(visit.code, "fit", 3, 1)
    clock.advance(minutes=5)
    store.complete_visit(visit.code, {"phq9": score()}, "ask_iop")

    got = store.get_visit(visit.code)
    assert got.id == visit.id
    assert got.language == "en"
    assert got.name == "J.R."
    assert got.status == "completed"
    assert got.completed_at == START + timedelta(minutes=5)
    assert got.answers == {"phq9": {1: 2, 2: None}, "fit": {3: 1}}
    assert got.scores == {"phq9": score()}
    assert got.guidance == "ask_iop"
    assert (got.printed, got.seen, got.print_jobs) == (False, False, ())


def test_codes_are_found_however_staff_type_them(store: Store) -> None:
    code = store.create_visit("en").code
    for typed in (code.lower(), code.replace("-", ""), f" {code[:3]} {code[4:]} "):
        assert store.get_visit(typed).code == code


def test_blank_name_is_no_name(store: Store) -> None:
    code = store.create_visit("en").code
    store.set_name(code, "Ana")
    store.set_name(code, "   ")
    assert store.get_visit(code).name is None
    store.set_name(code, "Ana")
    store.set_name(code, None)
    assert store.get_visit(code).name is None


def test_a_re_answer_replaces_the_earlier_value(store: Store, clock: Clock) -> None:
    code = store.create_visit("en").code
    store.record_answer(code, "gad7", 4, 3)
    clock.advance(seconds=10)
    store.record_answer(code, "gad7", 4, None)
    assert store.get_visit(code).answers == {"gad7": {4: None}}
    rows = raw(store).execute("SELECT value, answered_at FROM answers").fetchall()
    assert rows == [(None, schema._iso(START + timedelta(seconds=10)))]


@pytest.mark.parametrize(
    ("section", "item", "value"),
    [("phq10", 1, 0), ("phq9", 0, 0), ("phq9", True, 0), ("phq9", 1, -1), ("phq9", 1, 1.5)],
)
def test_bad_answers_are_refused(store: Store, section: str, item: object, value: object) -> None:
    code = store.create_visit("en").code
    with pytest.raises(ValueError):
        store.record_answer(code, section, item, value)  # type: ignore[arg-type]
    assert store.get_visit(code).answers == {}


def test_unknown_code_raises_visit_not_found(store: Store) -> None:
    missing = "ZZZ-ZZZ"
    calls: list[Callable[[], object]] = [
        lambda: store.get_visit(missing),
        lambda: store.set_language(missing, "en"),
        lambda: store.set_name(missing, "x"),
        lambda: store.record_answer(missing, "phq9", 1, 0),
        lambda: store.mark_urgent(missing, "talk_now", "acute"),
        lambda: store.complete_visit(missing, {}, "outpatient"),
        lambda: store.abandon_visit(missing),
        lambda: store.mark_seen(missing),
        lambda: store.add_print_job(missing, "lobby"),
    ]
    for call in calls:
        with pytest.raises(VisitNotFoundError, match="ZZZ-ZZZ"):
            call()


def test_complete_is_atomic_and_repeatable(store: Store, clock: Clock) -> None:
    code = store.create_visit("en").code
    store.complete_visit(code, {"phq9": score(), "gad7": score("gad7")}, "outpatient")
    clock.advance(minutes=1)
    store.complete_visit(code, {"phq9": score(band="moderate")}, "ask_iop")  # after "back"
    visit = store.get_visit(code)
    assert visit.status == "completed"
    assert visit.completed_at == START + timedelta(minutes=1)
    assert visit.guidance == "ask_iop"
    assert visit.scores["phq9"].band == "moderate"
    assert visit.scores["gad7"] == score("gad7")


def test_complete_refuses_mismatched_scores(store: Store) -> None:
    code = store.create_visit("en").code
    with pytest.raises(ValueError):
        store.complete_visit(code, {"phq9": score("gad7")}, "outpatient")
    with pytest.raises(ValueError):
        store.complete_visit(code, {}, "maybe")  # type: ignore[arg-type]
    assert store.get_visit(code).status == "in_progress"


def test_abandon_only_touches_visits_in_progress(store: Store) -> None:
    done = store.create_visit("en").code
    store.complete_visit(done, {}, "outpatient")
    store.abandon_visit(done)
    assert store.get_visit(done).status == "completed"
    left = store.create_visit("en").code
    store.abandon_visit(left)
    store.abandon_visit(left)
    assert store.get_visit(left).status == "abandoned"


def test_mark_seen_keeps_the_first_time(store: Store, clock: Clock) -> None:
    code = store.create_visit("en").code
    store.mark_seen(code)
    clock.advance(hours=1)
    store.mark_seen(code)
    assert store.get_visit(code).seen
    seen_at = raw(store).execute("SELECT seen_at FROM visits").fetchone()[0]
    assert seen_at == schema._iso(START)


def test_list_visits_urgent_first_then_newest(store: Store, clock: Clock) -> None:
    clock.advance(days=-1)
    store.create_visit("en")  # yesterday: outside the range
    clock.advance(days=1)
    codes = []
    for _ in range(4):
        codes.append(store.create_visit("en").code)
        clock.advance(minutes=10)
    store.mark_urgent(codes[1], "talk_now", "acute")
    store.record_answer(codes[2], "phq9", 1, 1)
    store.complete_visit(codes[2], {"phq9": score()}, "outpatient")
    job = store.add_print_job(codes[2], "lobby")
    store.update_print_job(job, state="completed")

    day = store.list_visits(START, START + timedelta(days=1))
    assert [v.code for v in day] == [codes[1], codes[3], codes[2], codes[0]]
    by_code = {v.code: v for v in day}
    assert by_code[codes[2]].answers == {"phq9": {1: 1}}
    assert by_code[codes[2]].printed
    assert by_code[codes[2]].scores["phq9"] == score()
    # [start, end): a visit exactly at the end belongs to the next range
    assert [v.code for v in store.list_visits(START - timedelta(days=1), START)] != []
    assert codes[0] not in {v.code for v in store.list_visits(START - timedelta(days=1), START)}


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.list_visits(datetime(2025, 1, 1), datetime(2025, 1, 2))


@settings(
    max_examples=40,
    deadline=None,
    # Each example makes its own visit in the shared store, so examples cannot see each other.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sections()),
            st.integers(min_value=1, max_value=10),
            st.none() | st.integers(min_value=0, max_value=3),
        ),
        max_size=30,
    )
)
def test_answers_read_back_as_last_written(
    store: Store, writes: list[tuple[SectionId, int, int | None]]
) -> None:
    code = store.create_visit("en").code
    expected: dict[str, dict[int, int | None]] = {}
    for section, item, value in writes:
        store.record_answer(code, section, item, value)
        expected.setdefault(section, {})[item] = value
    assert store.get_visit(code).answers == expected


def test_writes_from_several_threads(store: Store) -> None:
    codes = [store.create_visit("en").code for _ in range(4)]
    errors: list[BaseException] = []

    def answer(code: str) -> None:
        try:
            for item in range(1, 10):
                store.record_answer(code, "phq9", item, item % 4)
                store.get_visit(code)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for code in codes:
        assert store.get_visit(code).answers == {"phq9": {i: i % 4 for i in range(1, 10)}}


# --- visit codes ----------------------------------------------------------------------------


def test_codes_use_the_unambiguous_alphabet() -> None:
    assert not set("01OIL") & set(CODE_ALPHABET)
    codes = {repository._new_code() for _ in range(5000)}
    # 31^6 possible codes: 5,000 random draws repeat one about 1.4 % of the time (birthday
    # bound), so demanding 5,000 distinct failed CI now and then. The store redraws a code in
    # use (test_codes_are_unique_over_many_visits); here, a poor generator shows as many repeats.
    assert len(codes) >= 4990
    assert all(CODE_RE.match(code) for code in codes)
    # every character shows up: the generator really draws from the whole alphabet
    assert set("".join(codes)) - {"-"} == set(CODE_ALPHABET)


def test_codes_are_unique_over_many_visits(store: Store) -> None:
    codes = [store.create_visit("en").code for _ in range(5000)]
    assert len(set(codes)) == 5000
    assert all(CODE_RE.match(code) for code in codes)
    count = raw(store).execute("SELECT COUNT(DISTINCT code) FROM visits").fetchone()[0]
    assert count == 5000


def test_a_code_collision_draws_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = store.create_visit("en").code
    draws = iter([first, first, "XYZ-234"])
    monkeypatch.setattr(repository, "_new_code", lambda: next(draws))
    assert store.create_visit("en").code == "XYZ-234"


# --- urgency --------------------------------------------------------------------------------


def test_urgent_is_sticky_through_everything(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as store:
        code = store.create_visit("en").code
        assert store.mark_urgent(code, "phq9_item9", "non_acute")
        assert store.mark_urgent(code, "talk_now", "acute")
        store.record_answer(code, "phq9", 9, None)
        store.abandon_visit(code)
        assert store.get_visit(code).urgent
    with Store.open(folder, clock=clock) as store:
        assert store.get_visit(code).urgent
        store.complete_visit(code, {"phq9": score(urgent=False)}, "outpatient")
        visit = store.get_visit(code)
        assert visit.urgent
        assert visit.status == "completed"
        assert (visit.risk, visit.reason) == ("acute", "phq9_item9+talk_now")


def test_the_level_only_rises_and_every_reason_is_kept(store: Store) -> None:
    code = store.create_visit("en").code
    assert store.get_visit(code).risk == "none"
    assert store.mark_urgent(code, "talk_now", "acute")
    # A milder trigger afterwards adds its reason but neither lowers the level nor counts as a
    # rise (no second safety screen, no second alert); the same trigger twice is kept once.
    assert not store.mark_urgent(code, "phq9_item9", "non_acute")
    assert not store.mark_urgent(code, "phq9_item9", "non_acute")
    visit = store.get_visit(code)
    assert (visit.urgent, visit.risk, visit.reason) == (True, "acute", "talk_now+phq9_item9")
    with pytest.raises(ValueError, match="urgent level"):
        store.mark_urgent(code, "talk_now", "none")  # type: ignore[arg-type]


def test_acute_visits_are_listed_before_non_acute_ones(store: Store) -> None:
    acute = store.create_visit("en").code
    store.mark_urgent(acute, "talk_now", "acute")
    non_acute = store.create_visit("en").code  # newer, so it would come first by time alone
    store.mark_urgent(non_acute, "phq9_item9", "non_acute")
    calm = store.create_visit("en").code
    start = store.get_visit(acute).started_at
    listed = [v.code for v in store.list_visits(start, start + timedelta(1))]
    summaries = store.list_visit_summaries(start, start + timedelta(1))
    assert listed == [acute, non_acute, calm]
    assert [(s.code, s.risk) for s in summaries] == [
        (acute, "acute"),
        (non_acute, "non_acute"),
        (calm, "none"),
    ]


def test_an_urgent_score_makes_the_visit_urgent(store: Store) -> None:
    code = store.create_visit("en").code
    store.complete_visit(code, {"phq9": score(urgent=True)}, "staff_today")
    visit = store.get_visit(code)
    assert (visit.urgent, visit.risk, visit.reason) == (True, "non_acute", "score_urgent")


def test_urgent_listeners_hear_each_rise_once_after_its_commit(store: Store) -> None:
    heard: list[str | None] = []
    code = store.create_visit("en").code
    # Called after the commit: a reader on another connection already sees the rise.
    store.urgent_listeners.append(lambda: heard.append(_risk_on_disk(store, code)))
    store.record_answer(code, "phq9", 1, 1)
    store.mark_urgent(code, "phq9_item9", "non_acute")
    store.mark_urgent(code, "phq9_item9", "non_acute")  # the same level again: no rise
    store.complete_visit(code, {"phq9": score(urgent=True)}, "staff_today")  # no rise either
    store.mark_urgent(code, "talk_now", "acute")
    assert heard == ["non_acute", "acute"]
    other = store.create_visit("en").code
    with sqlite3.connect(store.path) as db:  # the scores insert fails after the rise
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON scores BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
    with pytest.raises(sqlite3.IntegrityError):
        store.complete_visit(other, {"phq9": score(urgent=True)}, "staff_today")
    store.record_answer(other, "phq9", 1, 0)  # the rolled-back rise is not heard later
    assert heard == ["non_acute", "acute"]
    assert store.get_visit(other).risk == "none"


def _risk_on_disk(store: Store, code: str) -> str | None:
    with sqlite3.connect(store.path) as db:
        row = db.execute("SELECT risk FROM visits WHERE code = ?", [code]).fetchone()
    return None if row is None else str(row[0])


def test_urgent_survives_restart_while_in_progress(folder: Path) -> None:
    with Store.open(folder) as store:
        code = store.create_visit("en").code
        store.mark_urgent(code, "talk_now", "acute")
    with Store.open(folder) as store:
        visit = store.get_visit(code)
        assert (visit.status, visit.urgent) == ("abandoned", True)
        assert store.list_visits(visit.started_at, visit.started_at + timedelta(1))[0].urgent


# --- recovery at open -----------------------------------------------------------------------


def test_visits_left_in_progress_become_abandoned_at_open(folder: Path, clock: Clock) -> None:
    with Store.open(folder, clock=clock) as store:
        left = store.create_visit("en").code
        done = store.create_visit("en").code
        store.complete_visit(done, {}, "outpatient")
    with Store.open(folder, clock=clock) as store:
        assert store.get_visit(left).status == "abandoned"
        assert store.get_visit(done).status == "completed"
        entry = store.audit_log()[0]
        assert (entry.actor, entry.action) == ("system", "abandoned_at_open")
        assert entry.detail.startswith("1 visit")
        assert left not in entry.detail
    with Store.open(folder, clock=clock) as store:
        assert [e.action for e in store.audit_log()] == ["abandoned_at_open"]


def test_a_second_process_does_not_abandon_the_live_visit(folder: Path) -> None:
    # e.g. `python -m kiosk backup` while someone is halfway through the screening
    with Store.open(folder) as kiosk:
        code = kiosk.create_visit("en").code
        with Store.open(folder) as admin:
            assert admin.get_visit(code).status == "in_progress"
        kiosk.record_answer(code, "phq9", 1, 1)
        assert kiosk.get_visit(code).status == "in_progress"
    with Store.open(folder) as kiosk:
        assert kiosk.get_visit(code).status == "abandoned"


# --- corruption, newer schemas --------------------------------------------------------------


def make_database(folder: Path, visits: int = 1) -> Path:
    with Store.open(folder) as store:
        for _ in range(visits):
            code = store.create_visit("en").code
            for item in range(1, 10):
                store.record_answer(code, "phq9", item, 1)
    return folder / DB_FILENAME


def assert_refused_untouched(folder: Path, error: type[StoreError], match: str) -> None:
    path = folder / DB_FILENAME
    before = digest(path)
    listing = sorted(os.listdir(folder))
    with pytest.raises(error, match=match) as raised:
        Store.open(folder)
    assert digest(path) == before
    assert sorted(os.listdir(folder)) == listing
    assert "\n" not in str(raised.value)
    problems = check_database(path)
    assert problems
    assert re.search(match, problems[0])
    assert digest(path) == before
    assert sorted(os.listdir(folder)) == listing


def test_random_bytes_are_refused_and_left_alone(folder: Path) -> None:
    folder.mkdir()
    (folder / DB_FILENAME).write_bytes(os.urandom(16384))
    assert_refused_untouched(folder, StoreCorruptError, "damaged")
    message = check_database(folder / DB_FILENAME)[0]
    assert "python -m kiosk backup" in message
    assert "Move it aside" in message


def test_a_truncated_database_is_refused_and_left_alone(folder: Path) -> None:
    path = make_database(folder, visits=100)
    data = path.read_bytes()
    assert len(data) > 8 * 4096
    path.write_bytes(data[: len(data) // 2])
    assert_refused_untouched(folder, StoreCorruptError, "damaged")


def test_a_crashed_database_with_a_damaged_page_is_refused(folder: Path) -> None:
    path = make_database(folder, visits=100)
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 4 * page] = os.urandom(page)  # wreck one b-tree page in the middle
    path.write_bytes(bytes(data))
    assert_refused_untouched(folder, StoreCorruptError, "damaged")


def test_a_newer_schema_is_refused(folder: Path) -> None:
    path = make_database(folder)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    assert_refused_untouched(folder, StoreTooNewError, "newer version")


def test_an_unknown_migration_is_refused(folder: Path) -> None:
    path = make_database(folder)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('kiosk', '9999_from_the_future', 'now')"
        )
    conn.close()
    assert_refused_untouched(folder, StoreTooNewError, "newer version")


def test_check_database_on_healthy_and_missing_files(folder: Path) -> None:
    assert check_database(folder / DB_FILENAME) == []
    path = make_database(folder, visits=3)
    before = digest(path)
    assert check_database(path) == []
    assert digest(path) == before
    assert os.listdir(folder) == [DB_FILENAME]  # no -wal or -shm left behind by the check


def test_check_database_while_the_kiosk_runs(folder: Path) -> None:
    with Store.open(folder) as store:
        store.create_visit("en")
        assert check_database(store.path) == []


# --- disk full, read-only -------------------------------------------------------------------


def fill_the_disk(store: Store) -> None:
    conn = raw(store)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def test_disk_full_is_calm_and_leaves_nothing_half_written(store: Store) -> None:
    code = store.create_visit("en").code
    fill_the_disk(store)
    with pytest.raises(StoreUnavailableError, match="full") as raised:
        store.set_name(code, "x" * 50_000)
    assert "\n" not in str(raised.value)
    # The visits row changes in its page, then the huge band needs pages there are none of:
    # the whole completion must roll back.
    with pytest.raises(StoreUnavailableError, match="full"):
        store.complete_visit(code, {"phq9": score(band="b" * 50_000)}, "outpatient")
    raw(store).execute("PRAGMA max_page_count = 1073741823")
    visit = store.get_visit(code)
    assert (visit.name, visit.status, visit.scores, visit.guidance) == (
        None,
        "in_progress",
        {},
        None,
    )
    store.set_name(code, "Ana")  # space again: writes work
    assert store.get_visit(code).name == "Ana"


def test_read_only_database_raises_unavailable(store: Store) -> None:
    # Works as root too, unlike chmod: SQLite itself refuses the write.
    code = store.create_visit("en").code
    raw(store).execute("PRAGMA query_only = ON")
    with pytest.raises(StoreUnavailableError, match="read-only"):
        store.record_answer(code, "phq9", 1, 2)
    raw(store).execute("PRAGMA query_only = OFF")
    assert store.get_visit(code).answers == {}


def test_read_only_connection_raises_unavailable(store: Store) -> None:
    code = store.create_visit("en").code
    db = store._db
    assert db is not None
    uri = store.path.resolve().as_uri() + "?mode=ro"
    store._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        with pytest.raises(StoreUnavailableError, match="read-only"):
            store.complete_visit(code, {"phq9": score()}, "outpatient")
        with pytest.raises(StoreUnavailableError, match="read-only"):
            store.create_visit("en")
        assert store.get_visit(code).status == "in_progress"
    finally:
        store._db.close()
        store._db = db


def test_unusable_folder_refuses_to_open_calmly(folder: Path) -> None:
    # Root can write anywhere, but not make a file where a folder stands: SQLite cannot set up
    # its shared-memory file, the same failure as a read-only folder.
    path = make_database(folder)
    before = digest(path)
    (folder / f"{DB_FILENAME}-shm").mkdir()
    with pytest.raises(StoreUnavailableError) as raised:
        Store.open(folder)
    assert "\n" not in str(raised.value)
    assert digest(path) == before


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes through chmod; the read-only path is covered by the query_only test",
)
def test_read_only_folder_refuses_to_open_calmly(folder: Path) -> None:
    make_database(folder)
    os.chmod(folder / DB_FILENAME, 0o400)
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(StoreUnavailableError) as raised:
            Store.open(folder)
        assert "\n" not in str(raised.value)
    finally:
        os.chmod(folder, 0o700)
        os.chmod(folder / DB_FILENAME, 0o600)


# --- print jobs, audit, settings ------------------------------------------------------------


def test_print_jobs(store: Store, clock: Clock) -> None:
    code = store.create_visit("en").code
    job = store.add_print_job(code, "lobby")
    clock.advance(seconds=3)
    store.update_print_job(job, state="submitted", cups_job_id=42)
    store.update_print_job(job, state="failed", error="paper jam")
    visit = store.get_visit(code)
    assert not visit.printed
    (got,) = visit.print_jobs
    assert (got.id, got.queue, got.state, got.cups_job_id, got.error) == (
        job,
        "lobby",
        "failed",
        42,
        "paper jam",
    )
    assert (got.created_at, got.updated_at) == (START, START + timedelta(seconds=3))
    again = store.add_print_job(code, "lobby")
    store.update_print_job(again, state="completed", cups_job_id=43)
    visit = store.get_visit(code)
    assert visit.printed
    assert [j.id for j in visit.print_jobs] == [job, again]
    with pytest.raises(StoreError, match="No print job"):
        store.update_print_job(999, state="completed")
    with pytest.raises(ValueError):
        store.update_print_job(job, state="lost")  # type: ignore[arg-type]


def test_audit_log_newest_first(store: Store, clock: Clock) -> None:
    for n in range(5):
        store.audit("reception", "reprint", f"job {n}")
        clock.advance(seconds=1)
    log = store.audit_log(limit=3)
    assert [e.detail for e in log] == ["job 4", "job 3", "job 2"]
    assert log[0].at == START + timedelta(seconds=4)
    assert log[0].actor == "reception"


def test_settings(store: Store) -> None:
    assert store.get_setting("pin.reception") is None
    store.set_setting("pin.reception", "hash-1")
    store.set_setting("pin.reception", "hash-2")
    assert store.get_setting("pin.reception") == "hash-2"


# --- retention ------------------------------------------------------------------------------


def test_purge_deletes_old_visits_with_everything_attached(store: Store, clock: Clock) -> None:
    clock.advance(days=-100)
    old = [store.create_visit("en").code for _ in range(3)]
    for code in old:
        store.record_answer(code, "phq9", 1, 1)
        store.complete_visit(code, {"phq9": score()}, "outpatient")
        store.add_print_job(code, "lobby")
        store.mark_urgent(code, "talk_now", "acute")
        store.acknowledge(code, "reception", "spoke")
        outbox_row(store, code, "notify", created=clock.now, error="refused")
    raw(store).execute("INSERT INTO alert_attempts SELECT id, created_at, 0, 'refused' FROM alerts")
    raw(store).commit()
    clock.advance(days=100)
    new = store.create_visit("en").code
    store.record_answer(new, "gad7", 1, 0)
    store.complete_visit(new, {"gad7": score("gad7")}, "outpatient")
    store.add_print_job(new, "lobby")
    store.mark_urgent(new, "talk_now", "acute")
    outbox_row(store, new, "notify", created=clock.now, error="refused")
    raw(store).execute(
        "INSERT INTO alert_attempts SELECT id, created_at, 0, 'refused' FROM alerts"
        " WHERE visit_id = (SELECT id FROM visits WHERE code = ?)",
        [new],
    )
    raw(store).commit()
    store.audit("admin", "export", "csv")
    # The schema is the one the purge's fast path knows (else it falls back to the cascade).
    assert _only_known_children(raw(store))

    assert store.purge(90, actor="admin") == 3

    conn = raw(store)
    for table in ("visits", "answers", "scores", "print_jobs", "alerts", "alert_attempts"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 1, table
    for code in old:
        with pytest.raises(VisitNotFoundError):
            store.get_visit(code)
    assert store.get_visit(new).answers == {"gad7": {1: 0}}
    entry = store.audit_log()[0]
    assert (entry.actor, entry.action) == ("admin", "purge")
    assert "deleted 3 visit" in entry.detail
    assert not any(code in entry.detail for code in old)
    # The audit is never purged.
    assert [e.action for e in store.audit_log()][1:] == ["export"] + ["acknowledge"] * 3
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_purge_boundary_and_empty_run(store: Store, clock: Clock) -> None:
    clock.advance(days=-90)
    exactly = store.create_visit("en").code
    clock.advance(days=90)
    assert store.purge(90) == 0  # exactly 90 days old is kept
    clock.advance(milliseconds=1)
    assert store.purge(90) == 1
    with pytest.raises(VisitNotFoundError):
        store.get_visit(exactly)
    assert [e.detail.split(" ")[1] for e in store.audit_log()] == ["1", "0"]


def test_open_with_retention_purges(folder: Path, clock: Clock) -> None:
    clock.advance(days=-31)
    with Store.open(folder, clock=clock) as store:
        old = store.create_visit("en").code
    clock.advance(days=31)
    with Store.open(folder, clock=clock, retention_days=30) as store:
        with pytest.raises(VisitNotFoundError):
            store.get_visit(old)
        assert store.audit_log()[0].action == "purge"


def test_open_with_nothing_due_writes_nothing(folder: Path, clock: Clock) -> None:
    """The purge at every start runs only when a visit is due: a kiosk restarted all day long
    must not write (and fsync) an audit line each time, nor grow its trail with them."""
    with Store.open(folder, clock=clock) as store:
        store.complete_visit(store.create_visit("en").code, {}, "outpatient")
        before = store.audit_log()
    size = (folder / DB_FILENAME).stat().st_size
    for _ in range(3):
        with Store.open(folder, clock=clock, retention_days=30) as store:
            assert store.audit_log() == before
    assert (folder / DB_FILENAME).stat().st_size == size


# --- backup ---------------------------------------------------------------------------------


def test_backup_is_a_private_complete_copy(store: Store, tmp_path: Path) -> None:
    codes = [store.create_visit("en").code for _ in range(20)]
    store.record_answer(codes[0], "phq9", 9, 2)
    store.mark_urgent(codes[0], "phq9_item9", "non_acute")
    out = tmp_path / "backups" / "kiosk-2025-03-14.db"
    out.parent.mkdir()
    store.backup(out)
    store.backup(out)  # replacing an earlier copy is fine

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert os.listdir(out.parent) == [out.name]  # no partial files left
    assert check_database(out) == []
    with sqlite3.connect(out.resolve().as_uri() + "?mode=ro", uri=True) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        got = {r[0] for r in copy.execute("SELECT code FROM visits")}
        assert copy.execute("SELECT value FROM answers").fetchall() == [(2,)]
    copy.close()
    assert got == set(codes)

    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / DB_FILENAME).write_bytes(out.read_bytes())
    with Store.open(restored) as again:
        assert again.get_visit(codes[0]).urgent


def test_backup_failures(store: Store, tmp_path: Path) -> None:
    with pytest.raises(BackupTargetError, match="folder does not exist"):
        store.backup(tmp_path / "no-such-folder" / "copy.db")
    with pytest.raises(BackupTargetError, match="own files"):
        store.backup(store.path)


# --- acknowledgement --------------------------------------------------------------------------


def test_the_first_acknowledgement_is_kept_and_audited(store: Store, clock: Clock) -> None:
    code = store.create_visit("en").code
    store.mark_urgent(code, "talk_now", "acute")
    assert store.get_visit(code).acknowledged_at is None
    assert store.acknowledge(code, "reception", "spoke")
    acknowledged_at = clock.now
    clock.now += timedelta(minutes=1)
    assert not store.acknowledge(code, "admin", "other")  # a second tap changes nothing
    visit = store.get_visit(code)
    assert (visit.acknowledged_at, visit.acknowledged_by, visit.outcome) == (
        acknowledged_at,
        "reception",
        "spoke",
    )
    entries = [(e.actor, e.action, e.detail) for e in store.audit_log()]
    assert entries.count(("reception", "acknowledge", f"{code} spoke")) == 1
    assert not [e for e in entries if e[0] == "admin"]


def test_only_an_urgent_visit_is_acknowledged_with_a_known_outcome(store: Store) -> None:
    calm = store.create_visit("en").code
    with pytest.raises(ValueError, match="not urgent"):
        store.acknowledge(calm, "reception", "spoke")
    urgent = store.create_visit("en").code
    store.mark_urgent(urgent, "phq9_item9", "non_acute")
    with pytest.raises(ValueError, match="unknown outcome"):
        store.acknowledge(urgent, "reception", "waved")  # type: ignore[arg-type]
    assert store.get_visit(urgent).acknowledged_at is None


# --- alerts: the reads of the outbox --------------------------------------------------------


def test_the_day_s_urgent_visits_carry_their_deliveries(store: Store, clock: Clock) -> None:
    calm = store.create_visit("en").code
    urgent = store.create_visit("en").code
    store.mark_urgent(urgent, "talk_now", "acute")
    t0 = clock.now
    outbox_row(store, urgent, "notify", created=t0, sent=t0 + timedelta(seconds=2))
    outbox_row(store, urgent, "printer", created=t0, error="printer is out of paper")
    outbox_row(store, urgent, "escalate", created=t0 + timedelta(minutes=3), kind="escalation")
    assert not store.alert_accepted(calm)
    assert store.alert_accepted(urgent)
    [found] = store.urgent_visits(t0 - timedelta(hours=1), t0 + timedelta(hours=1))
    assert (found.code, found.risk, found.reason) == (urgent, "acute", "talk_now")
    assert found.alerted_at == t0 + timedelta(seconds=2)
    assert found.escalated_at == t0 + timedelta(minutes=3)
    assert [(d.channel, d.state) for d in found.deliveries] == [
        ("notify", "sent"),
        ("printer", "pending"),
        ("escalate", "pending"),
    ]


def test_a_channel_is_failing_until_it_delivers_again(store: Store, clock: Clock) -> None:
    code = store.create_visit("en").code
    store.mark_urgent(code, "phq9_item9", "non_acute")
    t0 = clock.now
    outbox_row(store, code, "notify", created=t0, sent=t0)
    outbox_row(store, code, "printer", created=t0 + timedelta(minutes=1), error="no paper")
    statuses = {s.channel: s for s in store.alert_channel_status()}
    assert statuses["notify"].failing_since is None
    assert statuses["notify"].last_success == t0
    printer = statuses["printer"]
    assert (printer.failing_since, printer.last_error, printer.pending) == (
        t0 + timedelta(minutes=1),
        "no paper",
        1,
    )
    outbox_row(
        store, code, "printer", created=t0 + timedelta(minutes=2), sent=t0 + timedelta(minutes=3)
    )
    assert {s.channel: s for s in store.alert_channel_status()}["printer"].failing_since is None
