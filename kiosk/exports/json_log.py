"""The day's log as JSON: a list of the very records the CSV holds, answers optional."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from kiosk.content import Content
from kiosk.exports.records import answer_items, json_text, visit_record
from kiosk.model import Visit

__all__ = ["render", "render_json"]


def render_json(visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool = False) -> bytes:
    items = answer_items(visits)  # the same keys in every record
    return json_text(
        [visit_record(v, zone, with_answers=with_answers, items=items) for v in visits]
    )


def render(
    visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool, content: Content | None
) -> bytes:
    return render_json(visits, zone, with_answers=with_answers)
