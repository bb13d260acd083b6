"""Schema migrations: from nothing, and from every earlier version to the current one.

Written against the migration list, not version 1 in particular: adding a migration adds a
case here without touching the tests.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils.migrations import Migrations

import kiosk.store.schema as store_schema
from kiosk.store import APPLICATION_ID, DB_FILENAME, SCHEMA_VERSION, Store, StoreForeignError


def schema(path: Path) -> list[tuple[str, str, str | None]]:
    """Everything that makes up the schema, in a stable order (not the migration records)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE name NOT LIKE '_sqlite_migrations%' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
    conn.close()
    return rows


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.close()
    return version


def build_at(folder: Path, version: int) -> Path:
    """A database as a kiosk at ``version`` would have left it."""
    folder.mkdir(parents=True)
    path = folder / DB_FILENAME
    conn = sqlite3.connect(path)
    store_schema._migrate(conn, version)
    conn.close()
    assert user_version(path) == version
    return path


def test_plain_sql_reads_the_table_sqlite_utils_writes() -> None:
    # An ordinary start checks the applied migrations with plain SQL (no sqlite-utils import).
    assert Migrations.migrations_table == store_schema.MIGRATIONS_TABLE
    assert store_schema._migrations().name == store_schema.MIGRATION_SET


def test_ordinary_start_does_not_import_sqlite_utils(tmp_path: Path) -> None:
    Store.open(tmp_path / "data").close()  # created: migrations run here
    code = (
        "import sys; from pathlib import Path; from kiosk.store import Store; "
        f"Store.open(Path({str(tmp_path / 'data')!r})).close(); "
        "print('sqlite_utils' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_there_is_a_migration_per_version() -> None:
    names = store_schema._MIGRATION_NAMES
    assert len(names) == SCHEMA_VERSION >= 1
    assert [name[:4] for name in names] == [f"{v:04d}" for v in range(1, SCHEMA_VERSION + 1)]


def test_migrate_from_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data") as store:
        path = store.path
    assert user_version(path) == SCHEMA_VERSION
    with sqlite3.connect(path) as conn:
        applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    conn.close()
    assert applied == store_schema._MIGRATION_NAMES


def application_id(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        found = int(conn.execute("PRAGMA application_id").fetchone()[0])
    conn.close()
    return found


# From 1: a kiosk never leaves a database at version 0 (it creates its database complete,
# under another name), and a file without the kiosk's tables is not the kiosk's to adopt.
@pytest.mark.parametrize("start", range(1, SCHEMA_VERSION))
def test_upgrade_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    fresh = Store.open(tmp_path / "fresh")
    fresh.close()

    path = build_at(tmp_path / "old", start)
    # Columns present since version 1; later migrations must keep old visits readable.
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO visits (code, language, started_at) "
            "VALUES ('ABC-234', 'es', '2025-01-02T03:04:05.000+00:00')"
        )
    conn.close()

    with Store.open(tmp_path / "old") as store:
        visit = store.get_visit("ABC-234")
        assert (visit.language, visit.status) == ("es", "abandoned")
        store.create_visit("en")  # and the upgraded database takes new visits

    assert user_version(path) == SCHEMA_VERSION
    assert schema(path) == schema(fresh.path)
    assert application_id(path) == application_id(fresh.path) == APPLICATION_ID


def test_a_database_from_before_the_mark_is_recognised_and_marked(tmp_path: Path) -> None:
    path = build_at(tmp_path / "old", 1)  # what every kiosk so far has left
    assert application_id(path) == 0
    Store.open(tmp_path / "old").close()
    assert application_id(path) == APPLICATION_ID


def test_a_version_zero_file_is_not_adopted(tmp_path: Path) -> None:
    path = build_at(tmp_path / "old", 0)
    before = path.read_bytes()
    with pytest.raises(StoreForeignError):
        Store.open(tmp_path / "old")
    assert path.read_bytes() == before


def test_opening_twice_applies_nothing_again(tmp_path: Path) -> None:
    Store.open(tmp_path / "data").close()
    Store.open(tmp_path / "data").close()
    with sqlite3.connect(tmp_path / "data" / DB_FILENAME) as conn:
        count = conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
    conn.close()
    assert count == SCHEMA_VERSION


def test_urgent_visits_from_before_levels_get_the_level_of_their_reason(tmp_path: Path) -> None:
    before_levels = store_schema._MIGRATION_NAMES.index("0004_risk_level")
    path = build_at(tmp_path / "old", before_levels)
    with sqlite3.connect(path) as conn:
        for code, urgent, reason in [
            ("TLK-234", 1, "talk_now"),
            ("ITM-234", 1, "phq9_item9"),
            ("SCR-234", 1, "score_urgent"),
            ("CLM-234", 0, None),
        ]:
            conn.execute(
                "INSERT INTO visits (code, language, started_at, urgent, urgent_reason) "
                "VALUES (?, 'en', '2025-01-02T03:04:05.000+00:00', ?, ?)",
                [code, urgent, reason],
            )
    conn.close()
    with Store.open(tmp_path / "old") as store:
        levels = {code: store.get_visit(code).risk for code in ("TLK-234", "ITM-234", "SCR-234")}
        calm = store.get_visit("CLM-234")
    assert levels == {"TLK-234": "acute", "ITM-234": "non_acute", "SCR-234": "non_acute"}
    assert (calm.urgent, calm.risk, calm.reason) == (False, "none", None)


def test_outbox_rows_from_before_targets_are_kept_with_an_empty_target(
    tmp_path: Path,
) -> None:
    before_targets = store_schema._MIGRATION_NAMES.index("0007_alert_targets")
    path = build_at(tmp_path / "old", before_targets)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO visits (code, language, started_at, urgent, risk, urgent_reason) "
            "VALUES ('OLD-234', 'en', '2025-01-02T03:04:05.000+00:00', 1, 'acute', 'talk_now')"
        )
        conn.execute(
            "INSERT INTO alerts (visit_id, kind, level, channel, created_at, next_attempt_at) "
            "VALUES (1, 'alert', 'acute', 'notify', '2025-01-02T03:04:05.000+00:00', "
            "'2025-01-02T03:04:05.000+00:00')"
        )
    conn.close()
    with Store.open(tmp_path / "old") as store:
        [item] = store.due_alerts()
        [candidate] = store.escalation_candidates()
    assert (item.code, item.channel, item.target) == ("OLD-234", "notify", "")
    assert candidate.stamps[0].boot_id is None  # measured from the wall clock, as after a reboot
