"""Staff PINs: argon2id hashes in the store's settings, throttling, and the audit trail.

Two roles, each with its own PIN: reception and admin. A PIN is only ever kept as an argon2id
hash (argon2-cffi's defaults, RFC 9106's low-memory profile); comparing goes through argon2's own
verify, which is constant-time. A 4-8 digit PIN is guessable offline from its hash in little
time, so the hash's real job is to keep the PIN out of backups and exports in plain text; the
guard against guessing at the kiosk is the throttle: after wrong PINs the pad waits longer and
longer (0, 0, 2, 4, 8 ... s, at most 60 s). Its state lives in the settings table, so restarting
the kiosk does not reset it. Every attempt is audited with its outcome and role, never the PIN.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.store import Store

__all__ = [
    "MAX_DELAY_SECONDS",
    "ROLES",
    "PinError",
    "Role",
    "delay_after",
    "has_pin",
    "lockout_remaining",
    "set_pin",
    "validate_pin",
    "verify_pin",
]

Role = Literal["reception", "admin"]
# Reception first: were both PINs ever equal, the less powerful role is the one granted.
ROLES: Final[tuple[Role, ...]] = get_args(Role)
PIN_MIN_DIGITS: Final = 4
PIN_MAX_DIGITS: Final = 8
FREE_ATTEMPTS: Final = 2  # wrong PINs allowed before any wait (fingers slip on a touch pad)
MAX_DELAY_SECONDS: Final = 60.0

_PIN_KEY: Final = "staff_pin.{role}"
_THROTTLE_KEY: Final = "staff_pin.throttle"
_UNKNOWN_ACTOR: Final = "unknown"

# Module-level so tests can swap in cheaper parameters; production uses argon2-cffi's defaults.
_hasher = PasswordHasher()
_dummy: tuple[PasswordHasher, str] | None = None


class PinError(ValueError):
    """A PIN that cannot be set; the message is one line and never contains the PIN."""


def validate_pin(pin: str) -> None:
    """Raise PinError unless ``pin`` is 4 to 8 ASCII digits."""
    if not (pin.isascii() and pin.isdigit()):
        raise PinError(f"A PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits (0-9), nothing else.")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        raise PinError(
            f"A PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits; this one has {len(pin)}."
        )


def _check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise ValueError(f"unknown staff role {role!r}; expected one of {ROLES}")


def _stored_hash(store: Store, role: Role) -> str | None:
    return store.get_setting(_PIN_KEY.format(role=role)) or None


def has_pin(store: Store, role: Role) -> bool:
    return _stored_hash(store, _check_role(role)) is not None


def _matches(stored: str, pin: str) -> bool:
    try:
        return _hasher.verify(stored, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_pin(store: Store, role: Role, pin: str, *, actor: str = "admin-cli") -> None:
    """Set (or change) ``role``'s PIN. Raises PinError for a bad PIN; nothing changes then.

    The two roles' PINs must differ, or typing the admin PIN could not tell which role is
    meant. Setting a PIN also clears the wrong-PIN throttle.
    """
    role = _check_role(role)
    validate_pin(pin)
    for other in ROLES:
        stored = _stored_hash(store, other)
        if other != role and stored is not None and _matches(stored, pin):
            raise PinError(f"The {role} PIN must differ from the {other} PIN; nothing changed.")
    changed = has_pin(store, role)
    store.set_setting(_PIN_KEY.format(role=role), _hasher.hash(pin))
    _save_throttle(store, 0, None)
    store.audit(actor, "set_pin", f"{role} PIN {'changed' if changed else 'set'}")


# --- throttling ----------------------------------------------------------------------------


def delay_after(failures: int) -> float:
    """Seconds to wait after ``failures`` wrong PINs in a row: 0, 0, 2, 4, 8 ... at most 60."""
    if failures <= FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY_SECONDS, float(2 ** (failures - FREE_ATTEMPTS)))


def _load_throttle(store: Store) -> tuple[int, datetime | None]:
    raw = store.get_setting(_THROTTLE_KEY)
    if not raw:
        return 0, None
    try:
        state = json.loads(raw)
        failures = int(state["failures"])
        until = state.get("locked_until")
        locked_until = datetime.fromisoformat(until) if until else None
    except (ValueError, KeyError, TypeError, AttributeError):
        # A damaged state must not reset the count: the next wrong PIN waits the longest.
        return FREE_ATTEMPTS + 6, None
    if locked_until is not None and locked_until.tzinfo is None:
        return failures, None
    return failures, locked_until


def _save_throttle(store: Store, failures: int, locked_until: datetime | None) -> None:
    # One setting, one write: the count and the deadline never disagree after a crash.
    state = {
        "failures": failures,
        "locked_until": locked_until.isoformat() if locked_until else None,
    }
    store.set_setting(_THROTTLE_KEY, json.dumps(state))


def lockout_remaining(store: Store, now: datetime) -> float:
    """Seconds before the PIN pad accepts another try; 0.0 when it does now.

    Capped at the longest delay, so a clock set back (or forward) cannot lock staff out for
    longer than that.
    """
    _, locked_until = _load_throttle(store)
    if locked_until is None:
        return 0.0
    remaining = (locked_until - now).total_seconds()
    return max(0.0, min(MAX_DELAY_SECONDS, remaining))


def _dummy_hash() -> str:
    # Verified against when a role has no PIN, so an attempt takes as long whichever is set.
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash("no PIN set"))
    return _dummy[1]


def verify_pin(store: Store, pin: str, *, clock: Callable[[], datetime]) -> Role | None:
    """The role whose PIN this is, or None. Every attempt is audited (never the PIN).

    While locked out (see ``lockout_remaining``) the PIN is not even checked and None comes
    back, so guessing gains nothing from trying faster; the UI should show the wait instead
    of the pad. Both roles' hashes are always checked, so timing does not tell which matched.
    """
    now = clock()
    remaining = lockout_remaining(store, now)
    if remaining > 0:
        store.audit(
            _UNKNOWN_ACTOR,
            "pin_refused",
            f"PIN attempt during the lockout ({math.ceil(remaining)} s left); not checked",
        )
        return None
    matched: list[Role] = []
    for role in ROLES:
        stored = _stored_hash(store, role)
        if _matches(stored or _dummy_hash(), pin) and stored is not None:
            matched.append(role)
    if matched:
        role = matched[0]
        stored = _stored_hash(store, role)
        if stored is not None and _hasher.check_needs_rehash(stored):
            store.set_setting(_PIN_KEY.format(role=role), _hasher.hash(pin))
        _save_throttle(store, 0, None)
        store.audit(role, "pin_ok", f"{role} signed in with the PIN")
        return role
    failures, _ = _load_throttle(store)
    failures += 1
    delay = delay_after(failures)
    _save_throttle(store, failures, now + timedelta(seconds=delay) if delay else None)
    store.audit(
        _UNKNOWN_ACTOR,
        "pin_failed",
        f"wrong PIN ({failures} in a row); next try in {delay:.0f} s",
    )
    return None
