"""Staff PINs: argon2id hashes in the store's settings, strength rules, throttling, the
administrator lock, and the audit trail.

Two roles, each with its own PIN: reception and admin. A PIN is only ever kept as an argon2id
hash (argon2-cffi's defaults, RFC 9106's low-memory profile); comparing goes through argon2's own
verify, which is constant-time. A new PIN is 6 to 12 digits and no run (123456, 975319) or short
repeat (111111, 121212). Even so a PIN's space is small: the hash keeps the PIN out of backups and
exports in plain text, but whoever has a copy of the database can try every 6-digit PIN against
it offline (docs/admin.md says how long). The guard against guessing at the kiosk is here.

A wrong PIN matched nobody, so it cannot be charged to a role. Every wrong PIN therefore counts
toward one tally that only an administrator clears (an admin sign-in, or `unlock-pins` / `set-pin`
at the command line) -- never a reception sign-in, so knowing the reception PIN does not buy fresh
guesses at the admin PIN. Each counts for FAILURE_WINDOW_SECONDS (a day), so a receptionist's
occasional slip never piles up between administrator sign-ins. The pad waits longer after each one
(0, 0, 2, 4, 8 ... s, at most 60 s); at ADMIN_LOCK_AFTER the admin role is locked: its PIN is then
refused exactly like a wrong one (same wait, so the pad never tells a guesser they found it), while
reception still signs in so the front desk can work. The lock lifts with `python -m kiosk unlock-
pins`, or by itself ADMIN_LOCK_SECONDS later (audited either way). The next admin to sign in is
told how many wrong PINs were typed since the last admin sign-in.

The state lives in one setting, so a restart changes nothing. Times in it are capped on reading (a
wait at MAX_DELAY_SECONDS, the lock at ADMIN_LOCK_SECONDS from now), so a clock set back cannot
stretch them, and a wrong PIN that seems to lie in the future counts as typed now, so setting the
clock back resets nothing. A clock set far forward does age the count out and lift the lock early:
setting it needs the kiosk computer, which is more than the lock guards. Every attempt is audited
with its outcome, never the PIN.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, Final, Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.store import Store

__all__ = [
    "ADMIN_LOCK_AFTER",
    "ADMIN_LOCK_SECONDS",
    "FAILURE_WINDOW_SECONDS",
    "MAX_DELAY_SECONDS",
    "PIN_MAX_DIGITS",
    "PIN_MIN_DIGITS",
    "ROLES",
    "SIGN_IN_MIN_DIGITS",
    "PinError",
    "PinStatus",
    "Role",
    "SignIn",
    "StoredPins",
    "WeakPin",
    "WrongPins",
    "delay_after",
    "has_pin",
    "hash_pin",
    "lockout_remaining",
    "pin_matches",
    "pin_status",
    "read_pins",
    "set_pin",
    "sign_in",
    "unlock_pins",
    "validate_pin",
    "verify_pin",
    "weak_pins",
]

Role = Literal["reception", "admin"]
# Reception first: were both PINs ever equal, the less powerful role is the one granted.
ROLES: Final[tuple[Role, ...]] = get_args(Role)
PIN_MIN_DIGITS: Final = 6
PIN_MAX_DIGITS: Final = 12
# Versions before 6 digits were required took 4: such a PIN still signs in (a clinic must not be
# locked out by an upgrade), and `check` and the admin page ask for a new one.
SIGN_IN_MIN_DIGITS: Final = 4
FREE_ATTEMPTS: Final = 2  # wrong PINs allowed before any wait (fingers slip on a touch pad)
MAX_DELAY_SECONDS: Final = 60.0
ADMIN_LOCK_AFTER: Final = 10  # wrong PINs since the last admin sign-in that lock the admin role
ADMIN_LOCK_SECONDS: Final = 24 * 3600
# A wrong PIN counts toward the wait and the lock for this long. Without it a receptionist's
# occasional typo would pile up between administrator sign-ins, until every typo cost a minute
# and the admin role locked; a guesser still gets at most ADMIN_LOCK_AFTER tries a day.
FAILURE_WINDOW_SECONDS: Final = 24 * 3600
_RECENT_KEPT: Final = 4 * ADMIN_LOCK_AFTER

_PIN_KEY: Final = "staff_pin.{role}"
_STRENGTH_KEY: Final = "staff_pin.{role}.strength"
_THROTTLE_KEY: Final = "staff_pin.throttle"
_UNKNOWN_ACTOR: Final = "unknown"
_WEAK_RULE: Final = f"fewer than {PIN_MIN_DIGITS} digits, or a pattern like 123456 or 121212"

# Module-level so tests can swap in cheaper parameters; production uses argon2-cffi's defaults.
_hasher = PasswordHasher()
_dummy: tuple[PasswordHasher, str] | None = None


class PinError(ValueError):
    """A PIN that cannot be set; the message is one line and never contains the PIN."""


# --- what a PIN may be -----------------------------------------------------------------------


def _smallest_period(pin: str) -> int:
    return next(p for p in range(1, len(pin) + 1) if pin[p:] == pin[:-p])


def validate_pin(pin: str) -> None:
    """Raise PinError unless ``pin`` is 6 to 12 ASCII digits with no run or short repeat."""
    if not (pin.isascii() and pin.isdigit()):
        raise PinError(f"A PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits (0-9), nothing else.")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        raise PinError(
            f"A PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits; this one has {len(pin)}."
        )
    # Whatever repeats within half its length (111111, 121212, 123123) is among the first
    # PINs anyone tries.
    if _smallest_period(pin) <= len(pin) // 2:
        raise PinError("That PIN repeats a short pattern (like 111111 or 121212); choose another.")
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    if len(steps) == 1:
        raise PinError(
            "That PIN is a run of digits (like 123456, 654321 or 135791); choose another."
        )


def _is_weak(pin: str) -> bool:
    try:
        validate_pin(pin)
    except PinError:
        return True
    return False


@dataclass(frozen=True)
class WeakPin:
    """A role whose PIN is too weak (``known``) or was set by an older version and may be."""

    role: Role
    known: bool

    @property
    def message(self) -> str:
        change = f"python -m kiosk set-pin {self.role}"
        if self.known:
            return f"The {self.role} PIN is too weak ({_WEAK_RULE}): change it with {change}"
        # The kiosk can tell once that PIN signs in again; until then it can only ask.
        return (
            f"The {self.role} PIN dates from an older version and may be too weak "
            f"({_WEAK_RULE}): set it again with {change}"
        )


def _weak_pins(setting: Callable[[str], str | None]) -> list[WeakPin]:
    found = []
    for role in ROLES:
        if not setting(_PIN_KEY.format(role=role)):
            continue
        strength = setting(_STRENGTH_KEY.format(role=role))
        if strength != "strong":
            found.append(WeakPin(role, known=strength == "weak"))
    return found


def weak_pins(store: Store) -> list[WeakPin]:
    """The roles whose PIN is, or may be, too weak (reception first)."""
    return _weak_pins(store.get_setting)


# --- storing ---------------------------------------------------------------------------------


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


def hash_pin(pin: str) -> str:
    """``pin`` as kept: an argon2id hash (the clinic hub keeps its PINs this way too)."""
    return _hasher.hash(pin)


def pin_matches(stored: str, pin: str) -> bool:
    """Whether ``pin`` is the one ``stored`` (a hash from hash_pin) was made from."""
    return _matches(stored, pin)


def _note_strength(store: Store, role: Role, pin: str) -> None:
    # Only a sign-in or set-pin sees the PIN itself; `check` and the admin page read this.
    strength = "weak" if _is_weak(pin) else "strong"
    key = _STRENGTH_KEY.format(role=role)
    if store.get_setting(key) != strength:
        store.set_setting(key, strength)


def set_pin(store: Store, role: Role, pin: str, *, actor: str = "admin-cli") -> None:
    """Set (or change) ``role``'s PIN. Raises PinError for a bad PIN; nothing changes then.

    The two roles' PINs must differ, or typing the admin PIN could not tell which role is
    meant. Setting a PIN is an administrator's act, so it also clears the wrong-PIN wait and
    lifts the admin lock (audited when there was one).
    """
    role = _check_role(role)
    validate_pin(pin)
    for other in ROLES:
        stored = _stored_hash(store, other)
        if other != role and stored is not None and _matches(stored, pin):
            raise PinError(f"The {role} PIN must differ from the {other} PIN; nothing changed.")
    changed = has_pin(store, role)
    store.set_setting(_PIN_KEY.format(role=role), _hasher.hash(pin))
    _note_strength(store, role, pin)
    store.audit(actor, "set_pin", f"{role} PIN {'changed' if changed else 'set'}")
    state = _load(store)
    if state.failures or state.wait_until or state.admin_locked_until:
        _save(store, _cleared(state))
        store.audit(actor, "unlock_pins", f"{_lift_detail(state)} (the {role} PIN was set)")


# --- throttling ------------------------------------------------------------------------------


def delay_after(failures: int) -> float:
    """Seconds to wait after ``failures`` wrong PINs: 0, 0, 2, 4, 8 ... at most 60."""
    if failures <= FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY_SECONDS, float(2 ** (failures - FREE_ATTEMPTS)))


@dataclass(frozen=True)
class _State:
    failures: int = 0  # since an administrator last cleared them: drive the wait and the lock
    wait_until: datetime | None = None  # no attempt is checked before this
    admin_locked_until: datetime | None = None
    unreported: int = 0  # wrong PINs the next admin sign-in is told of
    last_failure_at: datetime | None = None
    admin_was_locked: bool = False  # since the last admin sign-in
    # When the counted wrong PINs were typed: each stops counting FAILURE_WINDOW_SECONDS later.
    recent: tuple[datetime, ...] = ()

    def to_json(self) -> str:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return json.dumps(
            {
                "failures": self.failures,
                "locked_until": iso(self.wait_until),  # the name older versions read
                "admin_locked_until": iso(self.admin_locked_until),
                "unreported": self.unreported,
                "last_failure_at": iso(self.last_failure_at),
                "admin_was_locked": self.admin_was_locked,
                "recent": [moment.isoformat() for moment in self.recent],
            }
        )


# A damaged state must not reset the count: the next wrong PIN waits the longest.
_DAMAGED: Final = _State(failures=FREE_ATTEMPTS + 6, unreported=FREE_ATTEMPTS + 6)


def _moment(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("a time must be a string")
    moment = datetime.fromisoformat(value)
    # Without a zone it cannot be compared with "now"; older versions never wrote one.
    return moment if moment.tzinfo is not None else None


def _parse(raw: str | None) -> _State:
    if not raw:
        return _State()
    try:
        state: Mapping[str, Any] = json.loads(raw)
        failures = int(state["failures"])
        if failures < 0:
            raise ValueError("negative count")
        return _State(
            failures=failures,
            wait_until=_moment(state.get("locked_until")),
            admin_locked_until=_moment(state.get("admin_locked_until")),
            # Older versions kept no separate tally: what they counted is what was missed.
            unreported=int(state.get("unreported", failures)),
            last_failure_at=_moment(state.get("last_failure_at")),
            admin_was_locked=bool(state.get("admin_was_locked", False)),
            recent=tuple(
                moment
                for moment in (_moment(value) for value in state.get("recent", []))
                if moment is not None
            ),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return _DAMAGED


def _load(store: Store) -> _State:
    return _parse(store.get_setting(_THROTTLE_KEY))


def _save(store: Store, state: _State) -> None:
    # One setting, one write: the count and the deadlines never disagree after a crash.
    store.set_setting(_THROTTLE_KEY, state.to_json())


def _cleared(state: _State) -> _State:
    """Wait and lock lifted by an administrator; what the next admin sign-in is told stays."""
    return replace(state, failures=0, wait_until=None, admin_locked_until=None, recent=())


def _lift_detail(state: _State) -> str:
    parts = []
    if state.admin_locked_until is not None:
        parts.append("administrator sign-in unlocked")
    if state.wait_until is not None:
        parts.append("wrong-PIN wait cleared")
    if state.failures:
        parts.append(f"{state.failures} wrong PINs no longer counted")
    return "; ".join(parts) or "nothing was locked"


def _aged(state: _State, now: datetime) -> _State:
    """Only the wrong PINs of the last FAILURE_WINDOW_SECONDS count. A time after ``now`` (the
    clock went back) counts as now, so it ages out like the others rather than never."""
    window = timedelta(seconds=FAILURE_WINDOW_SECONDS)
    # Older versions (and a damaged state) counted without times: those count from now.
    times = state.recent + (now,) * max(0, state.failures - len(state.recent))
    recent = tuple(min(moment, now) for moment in times if now - moment < window)
    if recent == state.recent and len(recent) == state.failures:
        return state
    return replace(state, recent=recent, failures=len(recent))


def _current(store: Store, now: datetime) -> _State:
    """The stored state as of ``now``: deadlines capped, an expired admin lock lifted."""
    state = _load(store)
    fresh = _aged(state, now)
    if fresh.wait_until is not None and fresh.wait_until - now > timedelta(
        seconds=MAX_DELAY_SECONDS
    ):
        # The clock went back: count the wait from now, not from a "now" in the future.
        fresh = replace(fresh, wait_until=now + timedelta(seconds=MAX_DELAY_SECONDS))
    locked_until = fresh.admin_locked_until
    lifted = False
    if locked_until is not None:
        if locked_until <= now:
            fresh = replace(fresh, failures=0, admin_locked_until=None)
            lifted = True
        elif locked_until - now > timedelta(seconds=ADMIN_LOCK_SECONDS):
            fresh = replace(fresh, admin_locked_until=now + timedelta(seconds=ADMIN_LOCK_SECONDS))
    if fresh != state:
        _save(store, fresh)
    if lifted:
        store.audit(
            "system",
            "admin_pin_unlocked",
            f"administrator sign-in unlocked by itself {ADMIN_LOCK_SECONDS // 3600} h after it "
            f"locked; {state.failures} wrong PINs no longer counted",
        )
    return fresh


@dataclass(frozen=True)
class PinStatus:
    """What the PIN pad must show now."""

    wait_seconds: float  # before the pad takes another try; 0.0 when it does now
    failures: int  # wrong PINs counted toward the admin lock
    admin_locked_until: datetime | None  # set while admin sign-in is locked
    last_failure_at: datetime | None

    @property
    def admin_locked(self) -> bool:
        return self.admin_locked_until is not None


def _status(state: _State, now: datetime) -> PinStatus:
    wait = 0.0
    if state.wait_until is not None:
        wait = max(0.0, min(MAX_DELAY_SECONDS, (state.wait_until - now).total_seconds()))
    return PinStatus(wait, state.failures, state.admin_locked_until, state.last_failure_at)


def pin_status(store: Store, now: datetime) -> PinStatus:
    """The wait, the count and the admin lock as of ``now``.

    May write: it caps a deadline the clock went back past, and lifts (and audits) an admin
    lock whose time is up.
    """
    return _status(_current(store, now), now)


def lockout_remaining(store: Store, now: datetime) -> float:
    """Seconds before the PIN pad accepts another try; 0.0 when it does now."""
    return pin_status(store, now).wait_seconds


def unlock_pins(store: Store, *, now: datetime, actor: str = "admin-cli") -> PinStatus:
    """Lift the admin lock and the wait, and stop counting the wrong PINs (always audited).

    Returns the status before. The next admin sign-in is still told of the wrong PINs.
    """
    state = _current(store, now)
    _save(store, _cleared(state))
    store.audit(actor, "unlock_pins", _lift_detail(state))
    return _status(state, now)


# --- signing in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrongPins:
    """Told to an administrator at sign-in: the wrong PINs since the last admin sign-in."""

    count: int
    last_at: datetime
    admin_was_locked: bool

    def text(self, when: Callable[[datetime], str]) -> str:
        plural = "PIN" if self.count == 1 else "PINs"
        text = (
            f"{self.count} wrong {plural} since the last administrator sign-in, "
            f"the last at {when(self.last_at)}."
        )
        if self.admin_was_locked:
            text += (
                f" After {ADMIN_LOCK_AFTER} of them administrator sign-in was locked. "
                "If that was not you, change both PINs with python -m kiosk set-pin."
            )
        return text


@dataclass(frozen=True)
class SignIn:
    role: Role | None  # None: refused (wrong PIN, waiting, or the admin role locked)
    wrong_pins: WrongPins | None = None  # only for an admin, when there were any


def _dummy_hash() -> str:
    # Verified against when a role has no PIN, so an attempt takes as long whichever is set.
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash("no PIN set"))
    return _dummy[1]


def _fail(store: Store, state: _State, now: datetime, *, admin_pin: bool) -> None:
    """Count a refused PIN. The admin PIN typed while locked costs exactly what a wrong one
    does (the pad must not tell a guesser they found it); only the audit trail says which."""
    recent = (*state.recent, now)[-_RECENT_KEPT:]
    failures = state.failures + 1
    delay = delay_after(failures)
    state = replace(
        state,
        failures=failures,
        recent=recent,
        wait_until=now + timedelta(seconds=delay) if delay else None,
    )
    if not admin_pin:
        state = replace(state, unreported=state.unreported + 1, last_failure_at=now)
    newly_locked = failures >= ADMIN_LOCK_AFTER and state.admin_locked_until is None
    if newly_locked:
        state = replace(
            state,
            admin_locked_until=now + timedelta(seconds=ADMIN_LOCK_SECONDS),
            admin_was_locked=True,
        )
    _save(store, state)
    if admin_pin:
        store.audit(
            _UNKNOWN_ACTOR,
            "admin_pin_while_locked",
            f"the admin PIN was typed while administrator sign-in is locked; refused like a "
            f"wrong PIN; next try in {delay:.0f} s",
        )
        return
    if state.admin_locked_until is not None and not newly_locked:
        count = f"{failures} counted; administrator sign-in is locked"
    else:
        count = f"{failures} of {ADMIN_LOCK_AFTER} before administrator sign-in locks"
    store.audit(_UNKNOWN_ACTOR, "pin_failed", f"wrong PIN ({count}); next try in {delay:.0f} s")
    if newly_locked:
        assert state.admin_locked_until is not None
        store.audit(
            "system",
            "admin_pin_locked",
            f"administrator sign-in locked after {failures} wrong PINs; it unlocks by itself at "
            f"{state.admin_locked_until.isoformat()}, or at once with python -m kiosk unlock-pins",
        )


def sign_in(store: Store, pin: str, *, clock: Callable[[], datetime]) -> SignIn:
    """Check a PIN typed at the pad. Every attempt is audited (never the PIN).

    While the pad must wait (see ``pin_status``) the PIN is not even checked, so guessing gains
    nothing from trying faster; the UI should show the wait instead of the pad. Otherwise both
    roles' hashes are always checked, so timing does not tell which matched.
    """
    now = clock()
    state = _current(store, now)
    remaining = _status(state, now).wait_seconds
    if remaining > 0:
        store.audit(
            _UNKNOWN_ACTOR,
            "pin_refused",
            f"PIN attempt during the wait ({math.ceil(remaining)} s left); not checked",
        )
        return SignIn(None)
    matched: list[Role] = []
    for role in ROLES:
        stored = _stored_hash(store, role)
        if _matches(stored or _dummy_hash(), pin) and stored is not None:
            matched.append(role)
    if not matched:
        _fail(store, state, now, admin_pin=False)
        return SignIn(None)
    role = matched[0]
    if role == "admin" and state.admin_locked_until is not None:
        _fail(store, state, now, admin_pin=True)
        return SignIn(None)
    stored = _stored_hash(store, role)
    if stored is not None and _hasher.check_needs_rehash(stored):
        store.set_setting(_PIN_KEY.format(role=role), _hasher.hash(pin))
    _note_strength(store, role, pin)
    report = None
    if role == "admin":
        # The one success that clears the count: the person the lock protects is here.
        if state.unreported and state.last_failure_at is not None:
            report = WrongPins(state.unreported, state.last_failure_at, state.admin_was_locked)
        if state != _State():
            _save(store, _State())
    store.audit(role, "pin_ok", f"{role} signed in with the PIN")
    if report is not None:
        locked = "; administrator sign-in was locked meanwhile" if report.admin_was_locked else ""
        store.audit(
            role,
            "wrong_pins_reported",
            f"{report.count} wrong PINs since the last administrator sign-in, the last at "
            f"{report.last_at.isoformat()}{locked}; shown at this sign-in",
        )
    return SignIn(role, report)


def verify_pin(store: Store, pin: str, *, clock: Callable[[], datetime]) -> Role | None:
    """The role whose PIN this is, or None (see ``sign_in``)."""
    return sign_in(store, pin, clock=clock).role


# --- for `python -m kiosk check`, which must not change the database -------------------------


def _read_pin_settings(db_path: Path) -> dict[str, str]:
    from kiosk.store.repository import read_only

    with read_only(db_path) as conn:
        rows = conn.execute(
            "SELECT key, value FROM settings WHERE key LIKE 'staff\\_pin.%' ESCAPE '\\'"
        ).fetchall()
    return {str(key): str(value) for key, value in rows}


@dataclass(frozen=True)
class StoredPins:
    """The PINs as a database file holds them: for `check`, which reads without changing it."""

    roles: list[Role]  # with a PIN set
    weak: list[WeakPin]
    status: PinStatus


def read_pins(db_path: Path, now: datetime) -> StoredPins:
    """The PINs in the database file at ``db_path``, read only. Raises sqlite3.Error."""
    settings = _read_pin_settings(db_path)
    state = _parse(settings.get(_THROTTLE_KEY))
    if state.admin_locked_until is not None and state.admin_locked_until <= now:
        state = replace(state, admin_locked_until=None)  # the kiosk lifts it at its next look
    roles = [role for role in ROLES if settings.get(_PIN_KEY.format(role=role))]
    return StoredPins(roles, _weak_pins(settings.get), _status(state, now))
