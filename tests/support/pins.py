"""Staff PINs in tests: argon2id at a small cost (the `cheap_hashes` fixture), for the PIN tests
(tests/kiosk/test_staff_pins.py), staff mode (tests/ui/) and the PIN commands (tests/e2e/)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from kiosk import staff_pins


@pytest.fixture(name="cheap_hashes")
def cheap_hashes_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with a small cost: the tests verify dozens of PINs. The shipped
    parameters are checked on their own in test_staff_pins.py."""
    monkeypatch.setattr(
        staff_pins, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
