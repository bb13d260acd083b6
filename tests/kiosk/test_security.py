"""Staff PINs: stored only as argon2id hashes, right and wrong PINs, growing delays that survive a
restart, and an audit entry for every attempt that never contains the PIN."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from kiosk import security
from kiosk.security import (
    MAX_DELAY_SECONDS,
    PinError,
    delay_after,
    has_pin,
    lockout_remaining,
    set_pin,
    validate_pin,
    verify_pin,
)
from kiosk.store import DB_FILENAME, Store
from tests.staff_support import Clock, cheap_hashes_fixture  # noqa: F401 (fixture)

# Every test here hashes PINs: at a small argon2id cost (tests/staff_support.py).
pytestmark = pytest.mark.usefixtures("cheap_hashes")

RECEPTION_PIN = "24681357"
ADMIN_PIN = "97531864"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data: Path, clock: Clock) -> Iterator[Store]:
    with Store.open(data, clock=clock) as opened:
        yield opened


@pytest.fixture
def pins(store: Store) -> Store:
    set_pin(store, "reception", RECEPTION_PIN)
    set_pin(store, "admin", ADMIN_PIN)
    return store


def audit_actions(store: Store) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.detail) for e in reversed(store.audit_log(1000))]


# --- storing ---------------------------------------------------------------------------------


def test_only_an_argon2id_hash_is_stored(pins: Store, data: Path) -> None:
    stored = pins.get_setting("staff_pin.reception")
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert RECEPTION_PIN not in stored
    assert pins.get_setting("staff_pin.admin") != stored
    pins.close()
    for path in data.iterdir():
        if path.name.startswith(DB_FILENAME):
            raw = path.read_bytes()
            assert RECEPTION_PIN.encode() not in raw
            assert ADMIN_PIN.encode() not in raw


def test_same_pin_gets_a_new_salt_each_time(store: Store) -> None:
    set_pin(store, "reception", "1234")
    first = store.get_setting("staff_pin.reception")
    set_pin(store, "reception", "1234")
    assert store.get_setting("staff_pin.reception") != first


def test_shipped_parameters_are_argon2ids_defaults(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "_hasher", PasswordHasher())
    set_pin(store, "admin", "4321")
    stored = store.get_setting("staff_pin.admin")
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_pin(store, "4321", clock=clock) == "admin"


def test_a_weaker_old_hash_is_upgraded_on_sign_in(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_pin(store, "admin", "4321")
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=2, memory_cost=128, parallelism=1)
    )
    assert verify_pin(store, "4321", clock=clock) == "admin"
    stored = store.get_setting("staff_pin.admin")
    assert stored is not None
    assert "m=128,t=2,p=1" in stored


def test_has_pin(store: Store) -> None:
    assert not has_pin(store, "reception")
    assert not has_pin(store, "admin")
    set_pin(store, "admin", "4321")
    assert has_pin(store, "admin")
    assert not has_pin(store, "reception")


@pytest.mark.parametrize(
    "pin", ["", "123", "123456789", "12a4", "12 34", "-1234", "١٢٣٤", "１２３４", "12.5"]
)
def test_bad_pins_are_refused_with_a_clear_message(store: Store, pin: str) -> None:
    with pytest.raises(PinError, match="4 to 8 digits") as caught:
        set_pin(store, "reception", pin)
    if pin:
        assert pin not in str(caught.value)
    assert not has_pin(store, "reception")


@pytest.mark.parametrize("pin", ["0000", "1234", "12345678", "90817"])
def test_good_pins(pin: str) -> None:
    validate_pin(pin)


def test_the_two_roles_need_different_pins(pins: Store) -> None:
    with pytest.raises(PinError, match="must differ from the reception PIN"):
        set_pin(pins, "admin", RECEPTION_PIN)
    set_pin(pins, "admin", "5555")  # changing to another PIN is fine


def test_unknown_role_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown staff role"):
        set_pin(store, "janitor", "1234")  # type: ignore[arg-type]


# --- verifying -------------------------------------------------------------------------------


def test_right_pins_give_their_role(pins: Store, clock: Clock) -> None:
    assert verify_pin(pins, RECEPTION_PIN, clock=clock) == "reception"
    assert verify_pin(pins, ADMIN_PIN, clock=clock) == "admin"


@pytest.mark.parametrize("guess", ["", "0000", RECEPTION_PIN[:-1], RECEPTION_PIN + "0", "x"])
def test_wrong_pins_give_nothing(pins: Store, clock: Clock, guess: str) -> None:
    assert verify_pin(pins, guess, clock=clock) is None


def test_no_pin_set_lets_nobody_in(store: Store, clock: Clock) -> None:
    assert verify_pin(store, "1234", clock=clock) is None
    assert verify_pin(store, "", clock=clock) is None


def test_a_damaged_hash_is_just_a_wrong_pin(pins: Store, clock: Clock) -> None:
    pins.set_setting("staff_pin.admin", "not a hash")
    assert verify_pin(pins, ADMIN_PIN, clock=clock) is None
    assert verify_pin(pins, RECEPTION_PIN, clock=clock) == "reception"


# --- throttling ------------------------------------------------------------------------------


def test_delay_schedule() -> None:
    assert [delay_after(n) for n in range(10)] == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert delay_after(1000) == MAX_DELAY_SECONDS


def test_delays_grow_after_wrong_pins(pins: Store, clock: Clock) -> None:
    waits = []
    for _ in range(9):
        assert lockout_remaining(pins, clock.now) == 0
        assert verify_pin(pins, "0000", clock=clock) is None
        remaining = lockout_remaining(pins, clock.now)
        waits.append(remaining)
        clock.advance(remaining)
    assert waits == [0, 0, 2, 4, 8, 16, 32, 60, 60]


def test_lockout_counts_down(pins: Store, clock: Clock) -> None:
    for _ in range(4):
        clock.advance(lockout_remaining(pins, clock.now))
        verify_pin(pins, "0000", clock=clock)
    assert lockout_remaining(pins, clock.now) == 4
    clock.advance(1.5)
    assert lockout_remaining(pins, clock.now) == 2.5
    clock.advance(2.5)
    assert lockout_remaining(pins, clock.now) == 0


def test_right_pin_during_the_lockout_is_not_even_checked(pins: Store, clock: Clock) -> None:
    for _ in range(3):
        verify_pin(pins, "0000", clock=clock)
    assert lockout_remaining(pins, clock.now) == 2
    assert verify_pin(pins, ADMIN_PIN, clock=clock) is None
    assert audit_actions(pins)[-1][1] == "pin_refused"
    assert lockout_remaining(pins, clock.now) == 2  # refusing does not extend it
    clock.advance(2)
    assert verify_pin(pins, ADMIN_PIN, clock=clock) == "admin"


def test_a_right_pin_resets_the_count(pins: Store, clock: Clock) -> None:
    for _ in range(3):
        verify_pin(pins, "0000", clock=clock)
    clock.advance(2)
    assert verify_pin(pins, RECEPTION_PIN, clock=clock) == "reception"
    for _ in range(2):
        verify_pin(pins, "0000", clock=clock)
        assert lockout_remaining(pins, clock.now) == 0  # the free tries are back


def test_setting_a_pin_clears_the_lockout(pins: Store, clock: Clock) -> None:
    for _ in range(6):
        verify_pin(pins, "0000", clock=clock)
        clock.advance(lockout_remaining(pins, clock.now))
    verify_pin(pins, "0000", clock=clock)
    assert lockout_remaining(pins, clock.now) > 0
    set_pin(pins, "admin", "2468")
    assert lockout_remaining(pins, clock.now) == 0


def test_a_restart_does_not_reset_the_throttle(data: Path, clock: Clock) -> None:
    with Store.open(data, clock=clock) as store:
        set_pin(store, "admin", ADMIN_PIN)
        for _ in range(5):
            verify_pin(store, "0000", clock=clock)
            clock.advance(lockout_remaining(store, clock.now))
        verify_pin(store, "0000", clock=clock)
        assert lockout_remaining(store, clock.now) == 16
    with Store.open(data, clock=clock) as store:
        assert lockout_remaining(store, clock.now) == 16
        clock.advance(16)
        verify_pin(store, "0000", clock=clock)
        assert lockout_remaining(store, clock.now) == 32


def test_a_clock_set_back_cannot_lock_staff_out_for_long(pins: Store, clock: Clock) -> None:
    for _ in range(3):
        verify_pin(pins, "0000", clock=clock)
    clock.advance(-3 * 3600)
    assert lockout_remaining(pins, clock.now) == MAX_DELAY_SECONDS


def test_a_damaged_throttle_state_keeps_the_count_high(pins: Store, clock: Clock) -> None:
    pins.set_setting("staff_pin.throttle", "{not json")
    assert lockout_remaining(pins, clock.now) == 0
    verify_pin(pins, "0000", clock=clock)
    assert lockout_remaining(pins, clock.now) == MAX_DELAY_SECONDS


# --- the audit trail -------------------------------------------------------------------------


def test_every_attempt_is_audited_without_the_pin(pins: Store, clock: Clock) -> None:
    verify_pin(pins, RECEPTION_PIN, clock=clock)
    verify_pin(pins, ADMIN_PIN, clock=clock)
    for _ in range(3):
        verify_pin(pins, "13579", clock=clock)
    verify_pin(pins, ADMIN_PIN, clock=clock)  # refused: locked out
    entries = audit_actions(pins)
    assert [(actor, action) for actor, action, _ in entries] == [
        ("admin-cli", "set_pin"),
        ("admin-cli", "set_pin"),
        ("reception", "pin_ok"),
        ("admin", "pin_ok"),
        ("unknown", "pin_failed"),
        ("unknown", "pin_failed"),
        ("unknown", "pin_failed"),
        ("unknown", "pin_refused"),
    ]
    assert "3 in a row" in entries[6][2]
    assert "next try in 2 s" in entries[6][2]
    for _, _, detail in entries:
        for pin in (RECEPTION_PIN, ADMIN_PIN, "13579"):
            assert pin not in detail


def test_set_pin_is_audited_as_set_then_changed(store: Store) -> None:
    set_pin(store, "reception", "1234", actor="admin")
    set_pin(store, "reception", "5678", actor="admin")
    assert audit_actions(store) == [
        ("admin", "set_pin", "reception PIN set"),
        ("admin", "set_pin", "reception PIN changed"),
    ]
