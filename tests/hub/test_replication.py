"""Kiosks replicating to a real PostgreSQL hub: every change exactly once, nothing lost on the
kiosk, through a hub that is down, killed mid-batch, sent the same batch twice or given a wrong
password; acknowledgements made at a desk come back to the kiosk."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from kiosk.content import Content
from kiosk.hub import queue
from kiosk.hub.admin import add_login
from kiosk.hub.errors import HubError
from kiosk.hub.shipper import send_batch
from kiosk.model import StoredScore
from kiosk.store import Store
from tests.support.clock import Clock
from tests.support.hub import (
    hub_rows,
    hub_visit_state,
    hub_with,
    local_visit_state,
    run_visit,
    shipper_for,
)
from tests.support.postgres import PgServer, make_certificates, wait_until
from tests.support.process import ROOT


def _as_hub_sees(kiosk: str, store: Store) -> dict[tuple[str, str], tuple[object, ...]]:
    return {(kiosk, code): facts for code, facts in local_visit_state(store).items()}


def _quick_visit(store: Store, *, urgent: bool = False) -> str:
    """A finished visit in five commits (the flow's forty would make the big tests slow)."""
    visit = store.create_visit("en")
    for item in (1, 2, 3):
        store.record_answer(visit.code, "phq9", item, 1)
    if urgent:
        store.mark_urgent(visit.code, "talk_now", "acute")
    score = StoredScore(
        instrument="phq9", total=3, band=None, complete=False, skipped=0, urgent=False
    )
    store.complete_visit(visit.code, {"phq9": score}, "outpatient")
    return visit.code


def test_two_kiosks_replicate_every_visit_to_one_hub(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby", "upstairs"))
    with (
        Store.open(tmp_path / "lobby") as lobby,
        Store.open(tmp_path / "upstairs") as upstairs,
        shipper_for(lobby, urls["lobby"], location="Lobby kiosk") as lobby_shipper,
        shipper_for(upstairs, urls["upstairs"], location="2nd floor") as upstairs_shipper,
    ):
        run_visit(lobby, content)
        run_visit(lobby, content, talk_now=True)
        run_visit(upstairs, content, value=3)  # PHQ-9 item 9 answered: urgent (non-acute)
        lobby_shipper.run_once()
        upstairs_shipper.run_once()
        expected = _as_hub_sees("lobby", lobby) | _as_hub_sees("upstairs", upstairs)
        assert hub_visit_state(hub_admin_url) == expected
        assert queue.backlog(lobby) == queue.backlog(upstairs) == 0
    risks = dict(
        hub_rows(
            hub_admin_url,
            "SELECT k.name || v.code, v.risk FROM hub.visits v "
            "JOIN hub.kiosks k ON k.id = v.kiosk_id",
        )
    )
    assert sorted(risks.values()) == ["acute", "non_acute", "none"]
    kiosks = hub_rows(
        hub_admin_url,
        "SELECT name, location, last_contact_at IS NOT NULL, backlog FROM hub.kiosks ORDER BY 1",
    )
    assert kiosks == [("lobby", "Lobby kiosk", True, 0), ("upstairs", "2nd floor", True, 0)]


def test_each_change_is_received_once_and_a_later_change_replaces_the_state(
    hub_admin_url: str, tmp_path: Path
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    with Store.open(tmp_path / "k") as store, shipper_for(store, urls["lobby"]) as shipper:
        code = store.create_visit("en").code
        store.record_answer(code, "phq9", 1, 2)
        shipper.run_once()
        assert hub_visit_state(hub_admin_url)[("lobby", code)][:1] == ("in_progress",)
        store.mark_seen(code)
        store.abandon_visit(code)
        shipper.run_once()
        assert hub_visit_state(hub_admin_url) == _as_hub_sees("lobby", store)
    changes = hub_rows(hub_admin_url, "SELECT code, change_seq FROM hub.visit_changes")
    # Two rounds, two states shipped: the changes in between collapse into the latest.
    assert len(changes) == 2 and len({seq for _, seq in changes}) == 2


def test_the_same_batch_sent_twice_changes_nothing_and_an_older_one_never_wins(
    hub_admin_url: str, tmp_path: Path
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    with Store.open(tmp_path / "k") as store:
        queue.enable(store)
        code = _quick_visit(store)
        old = queue.pending(store, 10)
        store.mark_seen(code)
        new = queue.pending(store, 10)
        assert new[0].seq > old[0].seq
        with psycopg.connect(urls["lobby"], autocommit=True) as conn:
            send_batch(conn, new)
            before = hub_rows(hub_admin_url, "SELECT revision, change_seq FROM hub.visits")
            send_batch(conn, new)  # the kiosk did not hear the commit, and sends again
            send_batch(conn, old)  # an older state arriving late
        after = hub_rows(hub_admin_url, "SELECT revision, change_seq FROM hub.visits")
        assert after == before
        assert hub_rows(hub_admin_url, "SELECT seen_at IS NOT NULL FROM hub.visits") == [(True,)]
        assert hub_rows(hub_admin_url, "SELECT COUNT(*) FROM hub.answers") == [(3,)]
        assert hub_rows(hub_admin_url, "SELECT COUNT(*) FROM hub.visit_changes") == [(2,)]


def test_a_batch_of_many_visits_lands_whole_with_every_time_the_same_instant(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    # The kiosk's hub session in another zone: the store's UTC texts keep their instants.
    with psycopg.connect(hub_admin_url, autocommit=True) as admin:
        admin.execute(
            psycopg.sql.SQL("ALTER ROLE {} SET timezone = 'America/Chicago'").format(
                psycopg.sql.Identifier(
                    hub_rows(hub_admin_url, "SELECT role_name FROM hub.kiosks")[0][0]
                )
            )
        )
    with Store.open(tmp_path / "k") as store, shipper_for(store, urls["lobby"], batch_size=3) as s:
        codes = [run_visit(store, content, value=1) for _ in range(4)]
        codes.append(_quick_visit(store, urgent=True))
        store.add_print_job(codes[0], "lobby")
        assert s.run_once() == 5  # two batches of three, the last one short
        assert hub_visit_state(hub_admin_url) == _as_hub_sees("lobby", store)
        with sqlite3.connect(store.path) as local:
            local_times = sorted(
                local.execute(
                    """
                    SELECT v.code, 'visit', v.started_at, v.completed_at FROM visits v
                    UNION ALL SELECT v.code, a.section || a.item, a.answered_at, NULL
                    FROM answers a JOIN visits v ON v.id = a.visit_id
                    UNION ALL SELECT v.code, 'job', p.created_at, p.updated_at
                    FROM print_jobs p JOIN visits v ON v.id = p.visit_id
                    """
                ).fetchall()
            )
    hub_times = sorted(
        hub_rows(
            hub_admin_url,
            """
            SELECT v.code, 'visit', v.started_at, v.completed_at FROM hub.visits v
            UNION ALL SELECT v.code, a.section || a.item, a.answered_at, NULL
            FROM hub.answers a JOIN hub.visits v ON v.id = a.visit_id
            UNION ALL SELECT v.code, 'job', p.created_at, p.updated_at
            FROM hub.print_jobs p JOIN hub.visits v ON v.id = p.visit_id
            """,
        )
    )

    def instant(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    assert len(hub_times) == len(local_times) > 5 * 3
    assert hub_times == [
        (code, what, instant(first), instant(second)) for code, what, first, second in local_times
    ]


def test_a_hub_down_for_a_whole_visit_is_caught_up_when_it_is_back(
    pg_server_factory: type[PgServer], tmp_path: Path, content: Content
) -> None:
    server = pg_server_factory()  # type: ignore[operator]
    admin = server.admin_url(server.create_database())
    urls = hub_with(admin, kiosks=("lobby",))
    with (
        Store.open(tmp_path / "k") as store,
        shipper_for(
            store, urls["lobby"], idle_seconds=0.1, min_backoff=0.1, max_backoff=0.3
        ) as shipper,
    ):
        shipper.start()
        first = run_visit(store, content)
        assert wait_until(lambda: queue.backlog(store) == 0)
        server.stop()
        second = run_visit(store, content, talk_now=True)  # the kiosk never waits for the hub
        assert wait_until(lambda: "cannot connect to the hub" in (shipper.state.last_error or ""))
        assert shipper.state.failing
        assert queue.backlog(store) == 1
        server.start()
        assert wait_until(lambda: queue.backlog(store) == 0 and not shipper.state.failing)
        assert hub_visit_state(admin) == _as_hub_sees("lobby", store)
        assert {code for _, code in hub_visit_state(admin)} == {first, second}


def test_a_visit_that_becomes_urgent_is_shipped_at_once_not_at_the_next_round(
    hub_admin_url: str, tmp_path: Path
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    with (
        Store.open(tmp_path / "k") as store,
        # An idle round of an hour: only the urgent commit's wake-up can ship it in time.
        shipper_for(store, urls["lobby"], idle_seconds=3600) as shipper,
    ):
        calm = store.create_visit("en")
        shipper.start()
        assert wait_until(lambda: queue.backlog(store) == 0)
        store.record_answer(calm.code, "phq9", 1, 1)  # not urgent: waits for the next round
        urgent = store.create_visit("en")
        store.mark_urgent(urgent.code, "talk_now", "acute")
        assert wait_until(lambda: queue.backlog(store) == 0, timeout=10)
        assert hub_rows(hub_admin_url, "SELECT code, urgent, risk FROM hub.visits ORDER BY id") == [
            (calm.code, False, "none"),
            (urgent.code, True, "acute"),
        ]
        shipper.stop()
        assert shipper.wake not in store.urgent_listeners


def test_an_urgent_visit_goes_in_the_first_batch_ahead_of_a_backlog(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k") as store:
        queue.enable(store)
        calm = [store.create_visit("en").code for _ in range(5)]
        urgent = store.create_visit("en").code
        store.mark_urgent(urgent, "phq9_item9", "non_acute")
        first = queue.pending(store, 2)
        assert [p.visit["code"] for p in first if p.visit is not None] == [urgent, calm[0]]
        queue.confirm(store, [(p.visit_id, p.seq) for p in first])
        rest = queue.pending(store, 10)
        assert [p.visit["code"] for p in rest if p.visit is not None] == calm[1:]


def test_postgresql_killed_mid_batch_loses_and_duplicates_nothing(
    pg_server_factory: type[PgServer], tmp_path: Path
) -> None:
    server = pg_server_factory()  # type: ignore[operator]
    admin = server.admin_url(server.create_database())
    urls = hub_with(admin, kiosks=("lobby",))
    with (
        Store.open(tmp_path / "k") as store,
        shipper_for(
            store, urls["lobby"], batch_size=5, idle_seconds=0.1, min_backoff=0.1, max_backoff=0.3
        ) as shipper,
    ):
        for _ in range(12):
            _quick_visit(store)
        shipper.run_once()  # these are safely at the hub before the crash
        for number in range(30):
            _quick_visit(store, urgent=number % 7 == 0)
        # Hold the batch half-way: its visit rows are written, its change log waits on a lock.
        blocker = psycopg.connect(admin)
        blocker.execute("LOCK TABLE hub.visit_changes IN SHARE ROW EXCLUSIVE MODE")
        shipper.start()

        def waiting_mid_batch() -> bool:
            rows = hub_rows(
                server.admin_url(),
                "SELECT 1 FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock'",
                [urls["lobby"].split("//", 1)[1].split(":", 1)[0]],
            )
            return bool(rows)

        assert wait_until(waiting_mid_batch)
        server.stop("immediate")
        blocker.close()
        assert queue.backlog(store) == 30
        server.start()
        assert wait_until(lambda: queue.backlog(store) == 0, timeout=30)
        assert hub_visit_state(admin) == _as_hub_sees("lobby", store)
    assert hub_rows(admin, "SELECT COUNT(*), COUNT(DISTINCT code) FROM hub.visits") == [(42, 42)]
    assert hub_rows(admin, "SELECT COUNT(*) FROM hub.answers") == [(42 * 3,)]


def test_a_wrong_password_is_said_clearly_and_the_queue_is_kept(
    hub_admin_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    right = urls["lobby"]
    user_and_password = right.split("//", 1)[1].split("@", 1)[0]
    password = user_and_password.split(":", 1)[1]
    wrong_password = "not-" + password
    wrong = right.replace(password, wrong_password)
    caplog.set_level(logging.INFO)
    with Store.open(tmp_path / "k") as store:
        _quick_visit(store)
        with shipper_for(store, wrong, min_backoff=0.1, max_backoff=0.2) as shipper:
            with pytest.raises(HubError) as raised:
                shipper.run_once()
            message = str(raised.value)
            shipper.start()
            assert wait_until(lambda: shipper.state.failing)
        assert "password authentication failed" in message
        assert "***" in message
        assert queue.backlog(store) == 1
        for text in (message, shipper.state.last_error or "", caplog.text):
            assert wrong_password not in text and password not in text
        with shipper_for(store, right) as shipper:
            shipper.run_once()
        assert queue.backlog(store) == 0


def test_an_acknowledgement_at_the_desk_reaches_the_kiosk_once(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",), desks=("front",))
    with Store.open(tmp_path / "k") as store, shipper_for(store, urls["lobby"]) as shipper:
        code = run_visit(store, content, talk_now=True)
        shipper.run_once()
        with psycopg.connect(urls["front"], autocommit=True) as desk:
            desk.execute(
                """
                INSERT INTO hub.acknowledgements (visit_id, staff_role, outcome)
                SELECT id, 'reception', 'clinician' FROM hub.visits WHERE code = %s
                """,
                [code],
            )
        shipper.run_once()
        visit = store.get_visit(code)
        assert (visit.acknowledged_by, visit.outcome) == ("reception", "clinician")
        assert visit.acknowledged_at is not None
        # Back at the hub in the kiosk's own row, so it is not pulled again.
        assert hub_rows(hub_admin_url, "SELECT acknowledged_by, outcome FROM hub.visits") == [
            ("reception", "clinician")
        ]
        shipper.run_once()
        acks = [e for e in store.audit_log() if e.action == "acknowledge"]
        assert len(acks) == 1


def test_the_purge_keeps_what_the_hub_has_not_confirmed(
    hub_admin_url: str, tmp_path: Path, clock: Clock
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    with Store.open(tmp_path / "k", clock=clock) as store:
        queue.enable(store)
        shipped_code = _quick_visit(store)
        with shipper_for(store, urls["lobby"]) as shipper:
            shipper.run_once()
        waiting_code = _quick_visit(store)
        clock.advance(timedelta(days=100).total_seconds())
        assert store.purge(90) == 1
        assert store.get_visit(waiting_code).code == waiting_code
        with pytest.raises(Exception, match="No visit"):
            store.get_visit(shipped_code)
        with shipper_for(store, urls["lobby"]) as shipper:
            shipper.run_once()
        assert store.purge(90) == 1
    assert len(hub_rows(hub_admin_url, "SELECT code FROM hub.visits")) == 2


def test_a_standalone_kiosk_queues_nothing_and_leaving_the_hub_clears_the_queue(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "k") as store:
        _quick_visit(store)
        assert queue.backlog(store) == 0
        assert not queue.is_enabled(store)
        queue.enable(store)
        assert queue.backlog(store) == 1  # the visits kept are queued when a hub is set
        _quick_visit(store)
        assert queue.backlog(store) == 2
        assert queue.disable(store)
        _quick_visit(store)
        assert queue.backlog(store) == 0


def test_a_kiosk_moved_to_a_new_hub_sends_it_every_visit_it_keeps(
    pg_server: PgServer, tmp_path: Path
) -> None:
    first = pg_server.admin_url(pg_server.create_database())
    second = pg_server.admin_url(pg_server.create_database())
    try:
        old = hub_with(first, kiosks=("lobby",))
        new = hub_with(second, kiosks=("lobby",))
        with Store.open(tmp_path / "k") as store:
            codes = {_quick_visit(store) for _ in range(3)}
            with shipper_for(store, old["lobby"]) as shipper:
                shipper.run_once()
            with shipper_for(store, new["lobby"]) as shipper:
                shipper.run_once()
        assert {code for (code,) in hub_rows(second, "SELECT code FROM hub.visits")} == codes
    finally:
        for url in (first, second):
            pg_server.drop_database(url.split("/")[3].split("?")[0])


def test_tls_with_the_clinics_ca_ships_and_a_server_it_cannot_verify_gets_nothing(
    pg_server_factory: type[PgServer], tmp_path: Path
) -> None:
    server = pg_server_factory()  # type: ignore[operator]
    files = make_certificates(tmp_path / "tls", "127.0.0.1")
    server.enable_tls(files["server.crt"], files["server.key"])
    admin = server.admin_url(server.create_database())
    hub_with(admin)
    network = f"127.0.0.1:{server.port}"
    base = add_login(admin, "kiosk", "lobby", host=network)
    verified = f"{base}?sslmode=verify-full&sslrootcert={files['clinic-ca.crt']}"
    impostor = f"{base}?sslmode=verify-full&sslrootcert={files['other-ca.crt']}"
    with Store.open(tmp_path / "k") as store:
        _quick_visit(store)
        with shipper_for(store, impostor) as shipper, pytest.raises(HubError) as raised:
            shipper.run_once()
        assert "certificate verify failed" in str(raised.value)
        assert queue.backlog(store) == 1
        with shipper_for(store, verified) as shipper:
            assert shipper.run_once() == 1
        assert queue.backlog(store) == 0
    with psycopg.connect(verified) as conn:  # the kiosk's own connection is encrypted
        row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert row.fetchone() == (True,)


# A kiosk process: some visits, then one shipping round (blocked by the test, then killed).
KIOSK_SHIPPING = """
import sys
from pathlib import Path
from kiosk.hub.shipper import Shipper
from kiosk.model import StoredScore
from kiosk.store import Store

store = Store.open(Path(sys.argv[1]))
for _ in range(8):
    code = store.create_visit("en").code
    store.record_answer(code, "phq9", 1, 2)
    score = StoredScore(instrument="phq9", total=2, band=None, complete=False, skipped=0,
                        urgent=False)
    store.complete_visit(code, {"phq9": score}, "outpatient")
print("visits made", flush=True)
Shipper(store, sys.argv[2], batch_size=3).run_once()
print("shipped", flush=True)
"""


def test_a_kiosk_killed_mid_batch_sends_everything_once_when_it_starts_again(
    hub_admin_url: str, tmp_path: Path
) -> None:
    urls = hub_with(hub_admin_url, kiosks=("lobby",))
    folder = tmp_path / "k"
    blocker = psycopg.connect(hub_admin_url)
    blocker.execute("LOCK TABLE hub.visit_changes IN SHARE ROW EXCLUSIVE MODE")
    kiosk = subprocess.Popen(
        [sys.executable, "-c", KIOSK_SHIPPING, str(folder), urls["lobby"]],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert kiosk.stdout is not None and kiosk.stdout.readline() == "visits made\n"
        role = urls["lobby"].split("//", 1)[1].split(":", 1)[0]
        assert wait_until(
            lambda: bool(
                hub_rows(
                    hub_admin_url,
                    "SELECT 1 FROM pg_stat_activity WHERE usename = %s"
                    " AND wait_event_type = 'Lock'",
                    [role],
                )
            )
        )
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(10)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait(10)
        if kiosk.stdout is not None:
            kiosk.stdout.close()
        blocker.close()
    with Store.open(folder) as store:
        assert queue.backlog(store) == 8
        with shipper_for(store, urls["lobby"], batch_size=3) as shipper:
            shipper.run_once()
        assert hub_visit_state(hub_admin_url) == _as_hub_sees("lobby", store)
    assert hub_rows(hub_admin_url, "SELECT COUNT(*) FROM hub.visit_changes") == [(8,)]
