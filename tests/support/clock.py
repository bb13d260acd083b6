"""The one test clock: a "now" that moves only when a test moves it.

The `clock` fixture starts at START and stands still; a module or test that needs another start
(`start=None`: the real time when the test begins), or a clock that moves on by itself at each
reading (each row then gets its own time), says so with
`@pytest.mark.clock(start=..., tick=timedelta(...))`. The `store` fixture (tests/conftest.py)
opens its database with this clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

START = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


class Clock:
    """Called like `datetime.now(UTC)` by the store and the PIN rules; moved by the test."""

    def __init__(self, start: datetime | None = None, *, tick: timedelta = timedelta(0)) -> None:
        # No start: the real time now, for tests whose visits must fall on today.
        self.now = start if start is not None else datetime.now(UTC)
        self.tick = tick

    def __call__(self) -> datetime:
        self.now += self.tick
        return self.now

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        """Move on (or back, with a negative amount): `advance(5)`, `advance(days=91)`."""
        self.now += timedelta(seconds=seconds, **delta)

    def at(self, moment: datetime) -> None:
        self.now = moment


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "clock(start, tick): where the `clock` fixture starts (a datetime, None for the real "
        "time now; default tests.support.clock.START) and how far it moves at each reading (a "
        "timedelta; default: not at all)",
    )


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Clock:
    marker = request.node.get_closest_marker("clock")
    settings = marker.kwargs if marker is not None else {}
    return Clock(settings.get("start", START), tick=settings.get("tick", timedelta(0)))
