"""Staff PINs: stored only as argon2id hashes, strong enough to set, right and wrong PINs, growing
delays and an administrator lock that survive a restart and that no reception sign-in undoes, and
an audit entry for every attempt that never contains the PIN."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from kiosk import staff_pins
from kiosk.staff_pins import (
    ADMIN_LOCK_AFTER,
    ADMIN_LOCK_SECONDS,
    FAILURE_WINDOW_SECONDS,
    MAX_DELAY_SECONDS,
    PinError,
    delay_after,
    has_pin,
    lockout_remaining,
    pin_status,
    set_pin,
    sign_in,
    unlock_pins,
    validate_pin,
    verify_pin,
    weak_pins,
)
from kiosk.store import DB_FILENAME, Store
from tests.support.clock import Clock

# Every test here hashes PINs: at a small argon2id cost (tests/support/pins.py).
pytestmark = pytest.mark.usefixtures("cheap_hashes")

RECEPTION_PIN = "24681357"
ADMIN_PIN = "97531864"
WRONG = "318274"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def pins(store: Store) -> Store:
    set_pin(store, "reception", RECEPTION_PIN)
    set_pin(store, "admin", ADMIN_PIN)
    return store


def audit_actions(store: Store) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.detail) for e in reversed(store.audit_log(1000))]


def wrong_pin(store: Store, clock: Clock, guess: str = WRONG) -> None:
    """A wrong PIN typed as soon as the pad takes one."""
    clock.advance(lockout_remaining(store, clock.now))
    assert verify_pin(store, guess, clock=clock) is None


def right_pin(store: Store, clock: Clock, pin: str) -> str | None:
    clock.advance(lockout_remaining(store, clock.now))
    return verify_pin(store, pin, clock=clock)


def store_old_pin(store: Store, role: str, pin: str) -> None:
    """A PIN as an older version stored it: its hash only, no word on its strength."""
    store.set_setting(f"staff_pin.{role}", staff_pins._hasher.hash(pin))


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
    set_pin(store, "reception", "205938")
    first = store.get_setting("staff_pin.reception")
    set_pin(store, "reception", "205938")
    assert store.get_setting("staff_pin.reception") != first


def test_shipped_parameters_are_argon2ids_defaults(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff_pins, "_hasher", PasswordHasher())
    set_pin(store, "admin", "861304")
    stored = store.get_setting("staff_pin.admin")
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_pin(store, "861304", clock=clock) == "admin"


def test_a_weaker_old_hash_is_upgraded_on_sign_in(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_pin(store, "admin", "861304")
    monkeypatch.setattr(
        staff_pins, "_hasher", PasswordHasher(time_cost=2, memory_cost=128, parallelism=1)
    )
    assert verify_pin(store, "861304", clock=clock) == "admin"
    stored = store.get_setting("staff_pin.admin")
    assert stored is not None
    assert "m=128,t=2,p=1" in stored


def test_has_pin(store: Store) -> None:
    assert not has_pin(store, "reception")
    assert not has_pin(store, "admin")
    set_pin(store, "admin", "861304")
    assert has_pin(store, "admin")
    assert not has_pin(store, "reception")


# --- what a PIN may be -----------------------------------------------------------------------


RULE_MESSAGES = {
    "6 to 12 digits (0-9)": "A PIN is 6 to 12 digits (0-9), nothing else.",
    "6 to 12 digits; this one has 4": "A PIN is 6 to 12 digits; this one has 4.",
    "6 to 12 digits; this one has 5": "A PIN is 6 to 12 digits; this one has 5.",
    "6 to 12 digits; this one has 13": "A PIN is 6 to 12 digits; this one has 13.",
    "a run of digits": (
        "That PIN is a run of digits (like 123456, 654321 or 135791); choose another."
    ),
    "repeats": "That PIN repeats a short pattern (like 111111 or 121212); choose another.",
}


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("", "6 to 12 digits (0-9)"),
        ("12a456", "6 to 12 digits (0-9)"),
        ("12 3456", "6 to 12 digits (0-9)"),
        ("-204863", "6 to 12 digits (0-9)"),
        ("٢٠٤٨٦٣", "6 to 12 digits (0-9)"),
        ("２０４８６３", "6 to 12 digits (0-9)"),
        ("2048.63", "6 to 12 digits (0-9)"),
        ("2048", "6 to 12 digits; this one has 4"),
        ("20486", "6 to 12 digits; this one has 5"),
        ("2048630591736", "6 to 12 digits; this one has 13"),
        ("123456", "a run of digits"),
        ("654321", "a run of digits"),
        ("012345", "a run of digits"),
        ("567890", "a run of digits"),
        ("890123", "a run of digits"),
        ("13579135", "a run of digits"),
        ("864208", "a run of digits"),
        ("000000", "repeats"),
        ("111111", "repeats"),
        ("121212", "repeats"),
        ("123123", "repeats"),
        ("5252525", "repeats"),
        ("90219021", "repeats"),
        ("204820482048", "repeats"),
    ],
)
def test_weak_pins_are_refused_with_a_clear_message(store: Store, pin: str, message: str) -> None:
    with pytest.raises(PinError, match=re.escape(message)) as caught:
        set_pin(store, "reception", pin)
    text = str(caught.value)
    assert "\n" not in text
    # One wording per rule, whatever the PIN: the message never echoes what was typed (its
    # examples may happen to be the PIN).
    assert text == re.sub(r"has \d+", f"has {len(pin)}", RULE_MESSAGES[message])
    assert not has_pin(store, "reception")


@pytest.mark.parametrize(
    "pin", ["204863", "97531864", "482915037261", "112358", "271828", "100200"]
)
def test_good_pins(pin: str) -> None:
    validate_pin(pin)


def test_a_shorter_pin_from_an_older_version_still_signs_in(store: Store, clock: Clock) -> None:
    store_old_pin(store, "admin", "9075")
    store_old_pin(store, "reception", "2468")
    # Stored before this version: the kiosk cannot tell from a hash whether it is weak.
    assert [(w.role, w.known) for w in weak_pins(store)] == [
        ("reception", False),
        ("admin", False),
    ]
    assert verify_pin(store, "9075", clock=clock) == "admin"
    # Signing in showed it: the admin PIN is too weak, and says how to change it.
    (reception, admin) = weak_pins(store)
    assert (reception.role, reception.known) == ("reception", False)
    assert (admin.role, admin.known) == ("admin", True)
    assert "too weak" in admin.message and "python -m kiosk set-pin admin" in admin.message
    assert "9075" not in admin.message
    set_pin(store, "admin", ADMIN_PIN)
    set_pin(store, "reception", RECEPTION_PIN)
    assert weak_pins(store) == []


def test_a_strong_pin_from_an_older_version_is_known_strong_after_a_sign_in(
    store: Store, clock: Clock
) -> None:
    store_old_pin(store, "reception", RECEPTION_PIN)
    assert [w.known for w in weak_pins(store)] == [False]
    assert verify_pin(store, RECEPTION_PIN, clock=clock) == "reception"
    assert weak_pins(store) == []


def test_the_two_roles_need_different_pins(pins: Store) -> None:
    with pytest.raises(PinError, match="must differ from the reception PIN"):
        set_pin(pins, "admin", RECEPTION_PIN)
    set_pin(pins, "admin", "558203")  # changing to another PIN is fine


def test_unknown_role_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown staff role"):
        set_pin(store, "janitor", "205938")  # type: ignore[arg-type]


# --- verifying -------------------------------------------------------------------------------


def test_right_pins_give_their_role(pins: Store, clock: Clock) -> None:
    assert verify_pin(pins, RECEPTION_PIN, clock=clock) == "reception"
    assert verify_pin(pins, ADMIN_PIN, clock=clock) == "admin"


@pytest.mark.parametrize("guess", ["", "0000", WRONG, RECEPTION_PIN[:-1], RECEPTION_PIN + "0", "x"])
def test_wrong_pins_give_nothing(pins: Store, clock: Clock, guess: str) -> None:
    assert verify_pin(pins, guess, clock=clock) is None


def test_no_pin_set_lets_nobody_in(store: Store, clock: Clock) -> None:
    assert verify_pin(store, "205938", clock=clock) is None
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
        assert verify_pin(pins, WRONG, clock=clock) is None
        remaining = lockout_remaining(pins, clock.now)
        waits.append(remaining)
        clock.advance(remaining)
    assert waits == [0, 0, 2, 4, 8, 16, 32, 60, 60]


def test_lockout_counts_down(pins: Store, clock: Clock) -> None:
    for _ in range(4):
        wrong_pin(pins, clock)
    assert lockout_remaining(pins, clock.now) == 4
    clock.advance(1.5)
    assert lockout_remaining(pins, clock.now) == 2.5
    clock.advance(2.5)
    assert lockout_remaining(pins, clock.now) == 0


def test_right_pin_during_the_lockout_is_not_even_checked(pins: Store, clock: Clock) -> None:
    for _ in range(3):
        verify_pin(pins, WRONG, clock=clock)
    assert lockout_remaining(pins, clock.now) == 2
    assert verify_pin(pins, ADMIN_PIN, clock=clock) is None
    assert audit_actions(pins)[-1][1] == "pin_refused"
    assert lockout_remaining(pins, clock.now) == 2  # refusing does not extend it
    clock.advance(2)
    assert verify_pin(pins, ADMIN_PIN, clock=clock) == "admin"


def test_a_reception_sign_in_does_not_give_the_free_tries_back(pins: Store, clock: Clock) -> None:
    for _ in range(2):
        wrong_pin(pins, clock)
    assert right_pin(pins, clock, RECEPTION_PIN) == "reception"
    wrong_pin(pins, clock)
    assert lockout_remaining(pins, clock.now) == 2  # the third wrong PIN, not the first
    assert pin_status(pins, clock.now).failures == 3


def test_an_admin_sign_in_gives_the_free_tries_back(pins: Store, clock: Clock) -> None:
    for _ in range(3):
        wrong_pin(pins, clock)
    assert right_pin(pins, clock, ADMIN_PIN) == "admin"
    for _ in range(2):
        wrong_pin(pins, clock)
        assert lockout_remaining(pins, clock.now) == 0


def test_reception_cannot_walk_through_the_admin_pins(pins: Store, clock: Clock) -> None:
    """Issue 14, 1: two admin guesses, the reception PIN, repeat: unlimited guesses before."""
    guesses = (f"{n:06d}" for n in range(700000, 800000))
    wrong = 0
    for _ in range(ADMIN_LOCK_AFTER):
        for _ in range(2):
            if wrong < ADMIN_LOCK_AFTER:
                wrong_pin(pins, clock, next(guesses))
                wrong += 1
        assert right_pin(pins, clock, RECEPTION_PIN) == "reception"  # the desk keeps working
    status = pin_status(pins, clock.now)
    assert status.failures == ADMIN_LOCK_AFTER
    assert status.admin_locked_until == status.last_failure_at + timedelta(
        seconds=ADMIN_LOCK_SECONDS
    )
    # The guess that would have been right is refused like every wrong one: same wait after it.
    assert right_pin(pins, clock, ADMIN_PIN) is None
    assert lockout_remaining(pins, clock.now) == MAX_DELAY_SECONDS
    assert right_pin(pins, clock, RECEPTION_PIN) == "reception"
    assert pin_status(pins, clock.now).admin_locked
    entries = audit_actions(pins)
    locked = [e for e in entries if e[1] == "admin_pin_locked"]
    assert len(locked) == 1 and locked[0][0] == "system"
    assert "python -m kiosk unlock-pins" in locked[0][2]
    assert ("unknown", "admin_pin_while_locked") in [(a, b) for a, b, _ in entries]


def test_the_admin_pin_while_locked_costs_what_a_wrong_pin_costs(pins: Store, clock: Clock) -> None:
    for _ in range(ADMIN_LOCK_AFTER):
        wrong_pin(pins, clock)
    clock.advance(lockout_remaining(pins, clock.now))
    assert sign_in(pins, ADMIN_PIN, clock=clock).role is None
    after_right = lockout_remaining(pins, clock.now)
    clock.advance(after_right)
    assert sign_in(pins, WRONG, clock=clock).role is None
    assert lockout_remaining(pins, clock.now) == after_right == MAX_DELAY_SECONDS


class CountingHasher(PasswordHasher):
    """argon2id at the tests' cost, counting how many hashes each attempt checks."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


def test_every_checked_attempt_checks_both_hashes(
    pins: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = CountingHasher()
    monkeypatch.setattr(staff_pins, "_hasher", hasher)
    checked = []
    for pin in [RECEPTION_PIN, ADMIN_PIN] + [WRONG] * ADMIN_LOCK_AFTER + [ADMIN_PIN]:
        clock.advance(lockout_remaining(pins, clock.now))
        hasher.verified = 0
        verify_pin(pins, pin, clock=clock)
        checked.append(hasher.verified)
    assert checked == [2] * (ADMIN_LOCK_AFTER + 3)


def test_an_admin_sign_in_is_told_of_the_wrong_pins_since_the_last(
    pins: Store, clock: Clock
) -> None:
    assert sign_in(pins, ADMIN_PIN, clock=clock).wrong_pins is None
    for _ in range(4):
        wrong_pin(pins, clock)
    last = clock.now
    assert right_pin(pins, clock, RECEPTION_PIN) == "reception"
    clock.advance(lockout_remaining(pins, clock.now))
    result = sign_in(pins, ADMIN_PIN, clock=clock)
    assert result.role == "admin"
    report = result.wrong_pins
    assert report is not None
    assert (report.count, report.last_at, report.admin_was_locked) == (4, last, False)
    text = report.text(lambda at: at.strftime("%H:%M:%S"))
    expected = f"4 wrong PINs since the last administrator sign-in, the last at {last:%H:%M:%S}."
    assert text == expected
    reported = audit_actions(pins)[-1]
    assert reported[:2] == ("admin", "wrong_pins_reported")
    assert "4 wrong PINs" in reported[2] and last.isoformat() in reported[2]
    # Told once: the next admin sign-in starts afresh.
    assert sign_in(pins, ADMIN_PIN, clock=clock).wrong_pins is None


def test_unlock_pins_lifts_the_lock_and_the_next_admin_is_still_told(
    pins: Store, clock: Clock
) -> None:
    for _ in range(ADMIN_LOCK_AFTER + 2):
        wrong_pin(pins, clock)
    before = unlock_pins(pins, now=clock.now, actor="admin-cli")
    assert before.admin_locked and before.failures == ADMIN_LOCK_AFTER + 2
    status = pin_status(pins, clock.now)
    assert not status.admin_locked and status.wait_seconds == 0 and status.failures == 0
    assert audit_actions(pins)[-1][:2] == ("admin-cli", "unlock_pins")
    report = sign_in(pins, ADMIN_PIN, clock=clock).wrong_pins
    assert report is not None
    assert report.count == ADMIN_LOCK_AFTER + 2 and report.admin_was_locked
    assert "administrator sign-in was locked" in report.text(str)


def test_unlock_with_nothing_locked_is_audited_too(pins: Store, clock: Clock) -> None:
    before = unlock_pins(pins, now=clock.now, actor="admin-cli")
    assert before.failures == 0 and not before.admin_locked
    assert audit_actions(pins)[-1] == ("admin-cli", "unlock_pins", "nothing was locked")


def test_the_admin_lock_lifts_by_itself_a_day_later(pins: Store, clock: Clock) -> None:
    for _ in range(ADMIN_LOCK_AFTER):
        wrong_pin(pins, clock)
    clock.advance(ADMIN_LOCK_SECONDS - 1)
    assert pin_status(pins, clock.now).admin_locked
    assert verify_pin(pins, ADMIN_PIN, clock=clock) is None
    clock.advance(MAX_DELAY_SECONDS)
    status = pin_status(pins, clock.now)
    assert not status.admin_locked and status.failures == 0
    assert audit_actions(pins)[-1][:2] == ("system", "admin_pin_unlocked")
    report = sign_in(pins, ADMIN_PIN, clock=clock).wrong_pins
    assert report is not None and report.count == ADMIN_LOCK_AFTER and report.admin_was_locked


def test_setting_a_pin_clears_the_wait_and_the_admin_lock(pins: Store, clock: Clock) -> None:
    for _ in range(ADMIN_LOCK_AFTER):
        wrong_pin(pins, clock)
    assert lockout_remaining(pins, clock.now) > 0 and pin_status(pins, clock.now).admin_locked
    set_pin(pins, "admin", "730591")
    status = pin_status(pins, clock.now)
    assert status.wait_seconds == 0 and not status.admin_locked
    assert audit_actions(pins)[-1][:2] == ("admin-cli", "unlock_pins")
    assert verify_pin(pins, "730591", clock=clock) == "admin"


def test_a_restart_does_not_reset_the_throttle_or_the_lock(data: Path, clock: Clock) -> None:
    with Store.open(data, clock=clock) as store:
        set_pin(store, "admin", ADMIN_PIN)
        for _ in range(6):
            wrong_pin(store, clock)
        assert lockout_remaining(store, clock.now) == 16
    with Store.open(data, clock=clock) as store:
        assert lockout_remaining(store, clock.now) == 16
        for _ in range(ADMIN_LOCK_AFTER - 6):
            wrong_pin(store, clock)
        assert pin_status(store, clock.now).admin_locked
    with Store.open(data, clock=clock) as store:
        assert pin_status(store, clock.now).admin_locked
        assert right_pin(store, clock, ADMIN_PIN) is None


def test_a_clock_set_back_cannot_lock_staff_out_for_long(pins: Store, clock: Clock) -> None:
    for _ in range(3):
        verify_pin(pins, WRONG, clock=clock)
    clock.advance(-3 * 3600)
    assert lockout_remaining(pins, clock.now) == MAX_DELAY_SECONDS
    clock.advance(MAX_DELAY_SECONDS)  # a minute later the wait is over, not in three hours
    assert lockout_remaining(pins, clock.now) == 0


def test_a_clock_set_back_cannot_lengthen_the_admin_lock(pins: Store, clock: Clock) -> None:
    for _ in range(ADMIN_LOCK_AFTER):
        wrong_pin(pins, clock)
    clock.advance(-30 * 24 * 3600)
    assert pin_status(pins, clock.now).admin_locked
    clock.advance(ADMIN_LOCK_SECONDS)
    assert not pin_status(pins, clock.now).admin_locked


def test_a_clock_set_back_does_not_reset_the_count(pins: Store, clock: Clock) -> None:
    for _ in range(5):
        wrong_pin(pins, clock)
    for jump in (3 * 3600, -7 * 24 * 3600, -400 * 24 * 3600):
        clock.advance(jump)
        assert pin_status(pins, clock.now).failures == 5
    # Times from before the clock went back count as typed now: they age out a day later,
    # neither never nor at once.
    clock.advance(FAILURE_WINDOW_SECONDS - 60)
    assert pin_status(pins, clock.now).failures == 5
    clock.advance(120)
    assert pin_status(pins, clock.now).failures == 0


def test_a_receptionists_typos_spread_over_days_never_pile_up(pins: Store, clock: Clock) -> None:
    """Reception signs in every day, an administrator rarely: two typos a day for a month
    never cost a wait or lock the admin role, but the next admin is told of every one."""
    for _ in range(30):
        for _ in range(2):
            assert lockout_remaining(pins, clock.now) == 0
            wrong_pin(pins, clock)
        assert right_pin(pins, clock, RECEPTION_PIN) == "reception"
        clock.advance(FAILURE_WINDOW_SECONDS)
    status = pin_status(pins, clock.now)
    assert not status.admin_locked and status.failures == 0
    report = sign_in(pins, ADMIN_PIN, clock=clock)
    assert report.role == "admin"
    assert report.wrong_pins is not None and report.wrong_pins.count == 60


def test_a_damaged_throttle_state_keeps_the_count_high(pins: Store, clock: Clock) -> None:
    pins.set_setting("staff_pin.throttle", "{not json")
    assert lockout_remaining(pins, clock.now) == 0
    verify_pin(pins, WRONG, clock=clock)
    assert lockout_remaining(pins, clock.now) == MAX_DELAY_SECONDS


def test_the_throttle_of_an_older_version_is_read(pins: Store, clock: Clock) -> None:
    until = clock.now + timedelta(seconds=8)
    pins.set_setting(
        "staff_pin.throttle", f'{{"failures": 5, "locked_until": "{until.isoformat()}"}}'
    )
    status = pin_status(pins, clock.now)
    assert (status.failures, status.wait_seconds, status.admin_locked) == (5, 8, False)


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
    assert f"3 of {ADMIN_LOCK_AFTER}" in entries[6][2]
    assert "next try in 2 s" in entries[6][2]
    for _, _, detail in entries:
        for pin in (RECEPTION_PIN, ADMIN_PIN, "13579"):
            assert pin not in detail


def test_set_pin_is_audited_as_set_then_changed(store: Store) -> None:
    set_pin(store, "reception", "205938", actor="admin")
    set_pin(store, "reception", "730591", actor="admin")
    assert audit_actions(store) == [
        ("admin", "set_pin", "reception PIN set"),
        ("admin", "set_pin", "reception PIN changed"),
    ]
