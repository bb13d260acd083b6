"""What the PIN tests (tests/kiosk/test_security.py) and staff-mode tests (tests/ui/test_staff.py)
share: a clock they move by hand, and argon2id at a small cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from kiosk import security


class Clock:
    """A "now" that moves only when told to (the wrong-PIN delays are walked through)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(name="cheap_hashes")
def cheap_hashes_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with a small cost: the tests verify dozens of PINs. The shipped
    parameters are checked on their own in test_security.py."""
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
