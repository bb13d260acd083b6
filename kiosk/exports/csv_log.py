"""The day's log as CSV: the contract's columns, then (with answers) one column per item."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import tzinfo

from kiosk.content import Content
from kiosk.exports.records import answer_items, csv_columns, visit_record
from kiosk.model import Visit

__all__ = ["render", "render_csv"]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def render_csv(visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool = False) -> bytes:
    # Every value is a code, a number, an ISO time or a fixed word (no free text such as the
    # name), so no cell can start a spreadsheet formula.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = csv_columns()
    # One column per item as asked: each instrument's from its spec, the fit questions' from
    # the day's visits (as many as the content held).
    items = answer_items(visits) if with_answers else {}
    answer_columns = tuple(
        f"{section}_{item}" for section, count in items.items() for item in range(1, count + 1)
    )
    writer.writerow(columns + answer_columns)
    for visit in visits:
        record = visit_record(visit, zone, with_answers=False)
        row = [_cell(record[column]) for column in columns]
        if with_answers:
            row += [
                _cell(visit.answers.get(section, {}).get(item))
                for section, count in items.items()
                for item in range(1, count + 1)
            ]
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def render(
    visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool, content: Content | None
) -> bytes:
    return render_csv(visits, zone, with_answers=with_answers)
