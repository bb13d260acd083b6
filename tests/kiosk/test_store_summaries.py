"""Store.list_visit_summaries: reception's list without answers, against a real SQLite file.

It must say exactly what the full Store.list_visits says about each visit's row (code, start,
status, urgent, printed, seen), in the same order, for the same span.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.model import StoredScore
from kiosk.store import Store
from tests.support.clock import START, Clock


def score(urgent: bool = False) -> StoredScore:
    return StoredScore("phq9", total=3, band="minimal", complete=True, skipped=0, urgent=urgent)


def test_summaries_say_what_the_full_visits_say_in_the_same_order(
    store: Store, clock: Clock
) -> None:
    clock.now = START - timedelta(hours=1)
    store.create_visit("en")  # before the span
    codes = []
    for minute in range(8):
        clock.now = START + timedelta(minutes=minute)
        codes.append(store.create_visit("en" if minute % 2 else "es").code)
    clock.now = START + timedelta(days=1)
    store.create_visit("en")  # at the span's end: the next day's
    store.mark_urgent(codes[1], "talk_now", "acute")
    store.complete_visit(codes[2], {"phq9": score(urgent=True)}, "staff_today")  # urgent by score
    store.complete_visit(codes[3], {"phq9": score()}, "outpatient")
    store.abandon_visit(codes[4])
    store.mark_seen(codes[3])
    printed = store.add_print_job(codes[3], "lobby")
    store.update_print_job(printed, state="completed")
    failed = store.add_print_job(codes[5], "lobby")
    store.update_print_job(failed, state="failed", error="no paper")
    store.add_print_job(codes[6], "lobby")  # still pending: not printed

    span = (START, START + timedelta(days=1))
    summaries = store.list_visit_summaries(*span)
    full = store.list_visits(*span)
    assert [s.code for s in summaries] == [v.code for v in full]
    assert len(summaries) == 8 and {s.code for s in summaries} == set(codes)
    for summary, visit in zip(summaries, full, strict=True):
        assert (
            summary.id,
            summary.started_at,
            summary.status,
            summary.urgent,
            summary.risk,
            summary.printed,
            summary.seen,
        ) == (
            visit.id,
            visit.started_at,
            visit.status,
            visit.urgent,
            visit.risk,
            visit.printed,
            visit.seen,
        )
    by_code = {s.code: s for s in summaries}
    # Urgent first, acute before non-acute, then newest first.
    assert [s.code for s in summaries[:2]] == [codes[1], codes[2]]
    assert by_code[codes[3]].printed and by_code[codes[3]].seen
    assert not by_code[codes[5]].printed and not by_code[codes[6]].printed
    assert by_code[codes[4]].status == "abandoned"
    assert by_code[codes[0]].started_at == START and by_code[codes[0]].started_at.tzinfo


def test_an_empty_span_and_naive_times(store: Store) -> None:
    store.create_visit("en")
    assert store.list_visit_summaries(START - timedelta(days=2), START - timedelta(days=1)) == []
    with pytest.raises(ValueError, match="naive"):
        store.list_visit_summaries(datetime(2025, 1, 1), datetime(2025, 1, 2))
