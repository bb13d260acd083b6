"""A made-up export format that exists only in the tests: one line per visit, code and status.

It proves that a format is one file and one registration: the tests register it, then find it
offered by the command line and the admin page and written by `export_day`, with no other change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import tzinfo

from kiosk.content import Content
from kiosk.exports import LogFormat, register, unregister
from kiosk.model import Visit

TALLY = LogFormat(
    key="tally",
    label="Tally",
    suffix=".tally.txt",
    hint="is a made-up list for the tests",
    implementation=__name__,
)


def render(
    visits: Sequence[Visit], zone: tzinfo, *, with_answers: bool, content: Content | None
) -> bytes:
    return "".join(f"{visit.code} {visit.status}\n" for visit in visits).encode("utf-8")


@contextmanager
def registered(log_format: LogFormat = TALLY) -> Iterator[LogFormat]:
    """`log_format` is offered everywhere for the duration, and withdrawn after."""
    register(log_format)
    try:
        yield log_format
    finally:
        unregister(log_format.key)
