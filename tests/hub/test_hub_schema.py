"""The hub's schema on a real PostgreSQL: `init` idempotent and serialised, a newer schema
refused on both sides, and row-level security keeping each kiosk to its own rows."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from kiosk.content import Content
from kiosk.hub import queue
from kiosk.hub.errors import HubSchemaError, HubSchemaTooNewError
from kiosk.hub.schema import HUB_SCHEMA_VERSION, init_hub
from kiosk.store import Store
from tests.support.hub import hub_rows, hub_with, run_visit, shipper_for


def test_init_creates_the_schema_once_and_again_changes_nothing(hub_admin_url: str) -> None:
    assert init_hub(hub_admin_url) == (0, HUB_SCHEMA_VERSION)
    tables = hub_rows(hub_admin_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'hub'")
    assert {"visits", "answers", "scores", "print_jobs", "acknowledgements", "kiosks"} <= {
        name for (name,) in tables
    }
    hub_id = hub_rows(hub_admin_url, "SELECT hub_id FROM hub.meta")
    assert init_hub(hub_admin_url) == (HUB_SCHEMA_VERSION, HUB_SCHEMA_VERSION)
    assert hub_rows(hub_admin_url, "SELECT hub_id FROM hub.meta") == hub_id
    assert hub_rows(hub_admin_url, "SELECT version FROM hub.schema_migrations ORDER BY 1") == [
        (number,) for number in range(1, HUB_SCHEMA_VERSION + 1)
    ]


def test_two_inits_at_once_take_turns_under_the_lock(hub_admin_url: str) -> None:
    results: list[object] = []

    def init() -> None:
        try:
            results.append(init_hub(hub_admin_url))
        except Exception as exc:  # collected: the assertion below shows it
            results.append(exc)

    threads = [threading.Thread(target=init) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [  # type: ignore[type-var]
        (0, HUB_SCHEMA_VERSION),
        (HUB_SCHEMA_VERSION, HUB_SCHEMA_VERSION),
        (HUB_SCHEMA_VERSION, HUB_SCHEMA_VERSION),
    ]


def test_a_newer_hub_is_refused_by_init_and_by_a_kiosk_and_left_as_it_is(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    newer = HUB_SCHEMA_VERSION + 1
    with psycopg.connect(hub_admin_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO hub.schema_migrations (version, name) VALUES (%s, 'from_the_future')",
            [newer],
        )
    with pytest.raises(HubSchemaTooNewError, match=f"schema {newer}, newer than"):
        init_hub(hub_admin_url)
    with Store.open(tmp_path / "lobby") as store, shipper_for(store, urls["lobby"]) as shipper:
        run_visit(store, content)
        with pytest.raises(HubSchemaTooNewError, match="Install the newer kiosk version"):
            shipper.run_once()
        assert queue.backlog(store) == 1  # kept for when the kiosk is updated
    assert hub_rows(hub_admin_url, "SELECT COUNT(*) FROM hub.visits") == [(0,)]
    assert hub_rows(hub_admin_url, "SELECT MAX(version) FROM hub.schema_migrations") == [(newer,)]


def test_a_kiosk_on_a_database_without_the_schema_is_told_to_run_init(
    hub_admin_url: str, tmp_path: Path
) -> None:
    with (
        Store.open(tmp_path / "k") as store,
        shipper_for(store, hub_admin_url) as shipper,
        pytest.raises(HubSchemaError, match="hub init"),
    ):
        shipper.run_once()


# --- row-level security ------------------------------------------------------------------------


def test_a_kiosk_reads_and_writes_only_its_own_rows(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby", "upstairs"), desks=("front",))
    with Store.open(tmp_path / "lobby") as store, shipper_for(store, urls["lobby"]) as shipper:
        code = run_visit(store, content, talk_now=True)
        shipper.run_once()
    ((lobby_id, visit_id),) = hub_rows(hub_admin_url, "SELECT kiosk_id, id FROM hub.visits")
    with psycopg.connect(urls["front"], autocommit=True) as desk:
        desk.execute(
            "INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome) VALUES (%s, %s, %s)",
            [visit_id, "reception", "spoke"],
        )
    with psycopg.connect(urls["upstairs"], autocommit=True) as other:
        # Reads: nothing of the lobby's, not even that it exists.
        assert other.execute("SELECT COUNT(*) FROM hub.visits").fetchone() == (0,)
        assert other.execute("SELECT COUNT(*) FROM hub.answers").fetchone() == (0,)
        assert other.execute("SELECT COUNT(*) FROM hub.acknowledgements").fetchone() == (0,)
        assert other.execute("SELECT name FROM hub.kiosks").fetchall() == [("upstairs",)]
        # Writes: an update finds no row; an insert in the lobby's name is refused.
        updated = other.execute(
            "UPDATE hub.visits SET status = 'abandoned' WHERE code = %s", [code]
        )
        assert updated.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            other.execute(
                """
                INSERT INTO hub.visits (kiosk_id, code, change_seq, language, started_at,
                    status, urgent, risk)
                VALUES (%s, 'AAA-AAA', 1, 'en', now(), 'completed', false, 'none')
                """,
                [lobby_id],
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            other.execute("INSERT INTO hub.answers VALUES (%s, 'phq9', 1, 3, now())", [visit_id])
        # What desks keep is not a kiosk's business at all.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            other.execute("SELECT * FROM hub.seen_marks")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            other.execute("SELECT * FROM hub.staff_pins")
    with psycopg.connect(urls["lobby"], autocommit=True) as lobby:
        assert lobby.execute("SELECT COUNT(*) FROM hub.acknowledgements").fetchone() == (1,)
    assert hub_rows(hub_admin_url, "SELECT status FROM hub.visits") == [("completed",)]


def test_a_desk_reads_everything_and_may_only_acknowledge_mark_seen_and_record_prints(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",), desks=("front", "back"))
    with Store.open(tmp_path / "lobby") as store, shipper_for(store, urls["lobby"]) as shipper:
        calm = run_visit(store, content)
        urgent = run_visit(store, content, talk_now=True)
        shipper.run_once()
    ids = dict(hub_rows(hub_admin_url, "SELECT code, id FROM hub.visits"))
    with psycopg.connect(urls["front"], autocommit=True) as desk:
        board = desk.execute("SELECT code, kiosk, risk FROM hub.visit_board ORDER BY code")
        assert sorted(board.fetchall()) == sorted(
            [(calm, "lobby", "none"), (urgent, "lobby", "acute")]
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            desk.execute("UPDATE hub.visits SET status = 'abandoned'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            desk.execute("DELETE FROM hub.answers")
        # Only an urgent visit is acknowledged, and in the desk's own name.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            desk.execute(
                "INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome)"
                " VALUES (%s, 'reception', 'spoke')",
                [ids[calm]],
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            desk.execute(
                "INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome, desk)"
                " VALUES (%s, 'reception', 'spoke', %s)",
                [ids[urgent], "someone_else"],
            )
        desk.execute(
            "INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome)"
            " VALUES (%s, 'reception', 'spoke')",
            [ids[urgent]],
        )
        desk.execute(
            "INSERT INTO hub.seen_marks (visit_id, staff_role) VALUES (%s, 'reception')",
            [ids[calm]],
        )
        desk.execute(
            "INSERT INTO hub.desk_prints (visit_id, queue, state, staff_role)"
            " VALUES (%s, 'front-desk', 'completed', 'reception')",
            [ids[calm]],
        )
        row = desk.execute(
            "SELECT seen_at IS NOT NULL, printed FROM hub.visit_board WHERE code = %s", [calm]
        ).fetchone()
        assert row == (True, True)
        # A desk keeps its own wrong-PIN count, and cannot clear another desk's.
        cleared = desk.execute(
            "UPDATE hub.desks SET pin_failures = 0, pin_wait_until = NULL WHERE name = 'back'"
        )
        assert cleared.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            desk.execute("UPDATE hub.desks SET name = 'renamed'")
    # The first acknowledgement is the one kept.
    with (
        psycopg.connect(urls["back"], autocommit=True) as second,
        pytest.raises(psycopg.errors.UniqueViolation),
    ):
        second.execute(
            "INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome)"
            " VALUES (%s, 'admin', 'other')",
            [ids[urgent]],
        )
