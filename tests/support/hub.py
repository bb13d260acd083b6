"""Helpers for the hub tests: kiosks with their own logins and real stores, visits driven
through the visit flow, and reads of what the hub holds (as its administrator)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from kiosk.content import Content
from kiosk.flow import Step, VisitFlow
from kiosk.hub.admin import add_login
from kiosk.hub.schema import init_hub
from kiosk.hub.shipper import Shipper
from kiosk.store import Store


def hub_with(
    admin_url: str, kiosks: tuple[str, ...] = (), desks: tuple[str, ...] = ()
) -> dict[str, str]:
    """Initialise the hub and add these kiosks and desks; name -> its login URI."""
    init_hub(admin_url)
    urls = {name: add_login(admin_url, "kiosk", name) for name in kiosks}
    urls.update({name: add_login(admin_url, "desk", name) for name in desks})
    return urls


def run_visit(store: Store, content: Content, *, value: int = 0, talk_now: bool = False) -> str:
    """One whole visit through the real flow: agree, answer every question with ``value`` (0
    where a question has fewer options)
    after "I need to talk to someone now" when ``talk_now``; results. Its code."""
    flow = VisitFlow(store, content, "en")
    flow.agree()
    flow.set_name(None)
    state = flow.state()
    if talk_now:
        flow.talk_now()
        state = flow.continue_after_safety()
    while state.step is Step.QUESTION:
        try:
            state = flow.answer(value)
        except ValueError:  # a question with fewer options (the fit questions)
            state = flow.answer(0)
        if state.step is Step.SAFETY:
            state = flow.continue_after_safety()
    assert state.step is Step.RESULTS, state.step
    assert flow.code is not None
    return flow.code


@contextmanager
def shipper_for(store: Store, url: str, **options: Any) -> Iterator[Shipper]:
    """A shipper for ``store`` (not started: the test calls run_once, or starts it)."""
    shipper = Shipper(store, url, **options)
    try:
        yield shipper
    finally:
        shipper.stop()


def hub_rows(admin_url: str, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        return conn.execute(query, params or []).fetchall()  # type: ignore[arg-type]


def hub_visit_state(admin_url: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(kiosk name, code) -> the visit's replicated facts and its children's counts."""
    rows = hub_rows(
        admin_url,
        """
        SELECT k.name, v.code, v.status, v.risk, v.urgent, v.completed_at IS NOT NULL,
               (SELECT COUNT(*) FROM hub.answers a WHERE a.visit_id = v.id),
               (SELECT COUNT(*) FROM hub.scores s WHERE s.visit_id = v.id),
               v.acknowledged_at IS NOT NULL
        FROM hub.visits v JOIN hub.kiosks k ON k.id = v.kiosk_id
        """,
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def local_visit_state(store: Store) -> dict[str, tuple[Any, ...]]:
    """code -> the same facts as hub_visit_state, read from the kiosk's own store."""
    with store.snapshot() as db:
        rows = db.execute(
            """
            SELECT v.code, v.status, v.risk, v.urgent = 1, v.completed_at IS NOT NULL,
                   (SELECT COUNT(*) FROM answers a WHERE a.visit_id = v.id),
                   (SELECT COUNT(*) FROM scores s WHERE s.visit_id = v.id),
                   v.acknowledged_at IS NOT NULL
            FROM visits v
            """
        ).fetchall()
    return {
        row[0]: (row[1], row[2], bool(row[3]), bool(row[4]), row[5], row[6], bool(row[7]))
        for row in rows
    }


def open_store(folder: Path) -> Store:
    return Store.open(folder)
