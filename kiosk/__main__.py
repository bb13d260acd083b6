"""The administrators' command line: python -m kiosk COMMAND [--config FILE] [--data-dir DIR].

Every command prints one clear line per problem and exits non-zero on any fault.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO, cast

from kiosk.config import Config, ConfigError, load_config
from kiosk.content.data_file import ContentError


def _text(argument: str) -> str:
    """``argument`` as text the database can hold: bytes typed that are not UTF-8 (which
    Python keeps as lone surrogates) become \\xNN escapes."""
    return os.fsencode(argument).decode("utf-8", "backslashreplace")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help="kiosk.toml (default: $KIOSK_CONFIG or defaults)"
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data folder (default: $KIOSK_DATA_DIR or config)"
    )


def cmd_check(config: Config, args: argparse.Namespace) -> int:
    from kiosk.content import load_content
    from kiosk.printing.spool import print_check_line as print_cups_spool_line
    from kiosk.store import MIN_FREE_BYTES, assess_database, format_bytes

    problems: list[str] = []
    source = config.source or "built-in defaults"
    print(f"config: ok ({source})")
    try:
        content = load_content(config.content_dir, config.languages)
        print(f"content: ok ({', '.join(content.languages)} in {config.content_dir})")
    except ContentError as exc:
        problems += [f"content: {line}" for line in str(exc).splitlines()]
    # The very verdict Store.open acts on, so that `check` and the kiosk never disagree.
    readiness = assess_database(config.data_dir, thorough=True)
    if readiness.fatal:
        problems += [f"database: {p}" for p in readiness.fatal]
    elif readiness.exists:
        print(f"database: ok ({readiness.path})")
    else:
        print(f"database: none yet in {config.data_dir} (the kiosk creates it at first start)")
    if readiness.exists and readiness.ok:
        problems += _check_pins(config, readiness.path)
    free = readiness.free_bytes
    if free is not None and free >= MIN_FREE_BYTES:
        needed, has = format_bytes(MIN_FREE_BYTES), format_bytes(free)
        print(f"disk: ok (needs at least {needed} free; has {has})")
    print_cups_spool_line(config.printing.printer)
    _print_alert_lines(config, readiness.path if readiness.exists and readiness.ok else None)
    _print_hub_line(config, readiness.path if readiness.exists and readiness.ok else None)
    for problem in problems:
        print(problem, file=sys.stderr)
    # Warnings are worth a look but the kiosk runs with them, so they do not fail the check.
    for warning in readiness.warnings:
        print(f"database: warning: {warning}", file=sys.stderr)
    return 1 if problems else 0


def _check_pins(config: Config, db_path: Path) -> list[str]:
    """Print what is fine or worth knowing about the staff PINs; return the problems."""
    import sqlite3

    from kiosk.staff_pins import read_pins

    now = datetime.now(UTC)
    try:
        pins = read_pins(db_path, now)
    except sqlite3.Error as exc:
        return [f"pins: could not be read from {db_path} ({exc})"]
    if not pins.roles:
        print("pins: none set yet; staff mode needs python -m kiosk set-pin reception (and admin)")
        return []
    problems = [f"pins: {weak.message}" for weak in pins.weak if weak.known]
    notes = [weak.message for weak in pins.weak if not weak.known]
    locked_until = pins.status.admin_locked_until
    if locked_until is not None:
        notes.append(
            f"administrator sign-in is locked after {pins.status.failures} wrong PINs until "
            f"{_clinic_time(config, locked_until)}; python -m kiosk unlock-pins lifts it now"
        )
    for note in notes:
        print(f"pins: note: {note}")
    if not problems and not notes:
        if len(pins.roles) == 2:
            print("pins: ok (reception and admin set)")
        else:
            (role,) = pins.roles
            other = "admin" if role == "reception" else "reception"
            print(f"pins: ok ({role} set; no {other} PIN yet)")
    return problems


def _print_hub_line(config: Config, db_path: Path | None) -> None:
    """Whether the clinic hub answers as this kiosk and how many visits wait for it. A hub that
    cannot be reached is a warning, not a failed check: the kiosk keeps its visits, tells staff
    by its other channels and sends them once the hub is back (docs/hub.md)."""
    if not config.hub.url:
        print("hub: none (this kiosk stands alone)")
        return
    import sqlite3

    from kiosk.config import redact_url
    from kiosk.hub.queue import read_backlog
    from kiosk.hub.schema import check_version, connect, describe_error

    waiting = ""
    if db_path is not None:
        try:
            count = read_backlog(db_path)
        except sqlite3.Error as exc:
            waiting = f"; the queue could not be read ({exc})"
        else:
            waiting = f"; {count} visit{'s' if count != 1 else ''} waiting to be sent"
    try:
        with connect(config.hub.url) as conn:
            version = check_version(conn, config.hub.url)
    except Exception as exc:  # psycopg's errors and the hub's: one line, never the password
        print(
            f"hub: warning: {describe_error(config.hub.url, exc)}{waiting}; the kiosk keeps its "
            f"visits and sends them when the hub answers",
            file=sys.stderr,
        )
        return
    print(f"hub: ok ({redact_url(config.hub.url)}, schema {version}){waiting}")


def _print_alert_lines(config: Config, db_path: Path | None) -> None:
    """One line per alert channel: configured or not, its last success and last error."""
    from kiosk.alerts import CHANNELS

    configured = [key for key, channel in CHANNELS.items() if channel.targets(config)]
    if not configured:
        print("alerts: none configured; staff are not told off the kiosk (docs/alerts.md)")
        return
    statuses = {}
    if db_path is not None:
        import sqlite3

        from kiosk.store.repository import read_alert_status

        try:
            statuses = {status.channel: status for status in read_alert_status(db_path)}
        except sqlite3.Error as exc:
            print(f"alerts: note: the delivery record could not be read ({exc})")
    for key in configured:
        count = len(CHANNELS[key].targets(config))
        status = statuses.get(key)
        line = f"alerts: {key} ({count} target{'s' if count > 1 else ''})"
        if status is None:
            print(f"{line}: nothing sent yet")
            continue
        success = _clinic_time(config, status.last_success) if status.last_success else "never"
        error = "none"
        if status.last_error is not None and status.last_error_at is not None:
            error = f"{_clinic_time(config, status.last_error_at)} {status.last_error}"
        failing = ""
        if status.failing_since is not None:
            failing = f"; FAILING since {_clinic_time(config, status.failing_since)}"
        print(
            f"{line}: last success {success}; last error {error}; {status.pending} waiting{failing}"
        )


def _clinic_time(config: Config, moment: datetime) -> str:
    return f"{moment.astimezone(config.zone):%Y-%m-%d %H:%M %Z}"


def cmd_purge(config: Config, args: argparse.Namespace) -> int:
    from kiosk.store import Store

    days = config.storage.retention_days
    with Store.open_existing(config.data_dir) as store:
        count = store.purge(days, actor="admin-cli")
        kept = store.purge_kept(days)
    print(f"purged {count} visit(s) older than {days} days")
    if kept:
        print(
            f"kept {len(kept)} urgent visit(s) older than that nobody has acknowledged "
            f"({', '.join(kept)}); acknowledge them (python -m kiosk ack CODE --outcome …) "
            f"and they go at the next purge"
        )
    return 0


# --- alerts ------------------------------------------------------------------------------------


def _alerts_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", metavar="YYYY-MM-DD", help="the day to show (clinic time; default: today)"
    )


def cmd_alerts(config: Config, args: argparse.Namespace) -> int:
    """The day's urgent visits: each channel's state, escalation, who acknowledged."""
    from kiosk.alerts import channel_label
    from kiosk.alerts.message import reason_words
    from kiosk.exports.day_log import day_range
    from kiosk.store import Store

    if args.date is None:
        day = datetime.now(config.zone).date()
    else:
        parsed = _parse_day(args.date)
        if parsed is None:
            print(f"--date {args.date!r}: expected a real date as YYYY-MM-DD", file=sys.stderr)
            return 1
        day = parsed

    def at(moment: datetime) -> str:
        return f"{moment.astimezone(config.zone):%H:%M}"

    with Store.open_existing(config.data_dir) as store:
        visits = store.urgent_visits(*day_range(day, config.zone))
        statuses = store.alert_channel_status()
    print(f"urgent visits on {day.isoformat()}: {len(visits)}")
    for visit in visits:
        level = visit.risk.replace("_", "-")
        reason = reason_words(visit.reason, config)
        print(f"{visit.code}  {at(visit.started_at)}  {level}  {reason}")
        channels = []
        for delivery in visit.deliveries:
            what = (
                delivery.channel if delivery.kind == "alert" else f"{delivery.channel} (escalation)"
            )
            if delivery.sent_at is not None:
                channels.append(f"{what}: sent {at(delivery.sent_at)}")
            elif delivery.attempts:
                channels.append(
                    f"{what}: NOT SENT after {delivery.attempts} attempt(s), {delivery.last_error}"
                )
            else:
                channels.append(f"{what}: waiting")
        print("  " + ("; ".join(channels) if channels else "no alert channel configured"))
        if visit.escalated_at is not None:
            print(f"  escalated {at(visit.escalated_at)}")
        if visit.acknowledged_at is not None:
            print(
                f"  acknowledged {at(visit.acknowledged_at)} by {visit.acknowledged_by}: "
                f"{visit.outcome}"
            )
        else:
            print("  NOT ACKNOWLEDGED")
    for status in statuses:
        if status.failing_since is not None:
            print(
                f"alerts are not reaching {channel_label(status.channel)} since "
                f"{at(status.failing_since)}: {status.last_error}"
            )
    return 0


def _ack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the urgent visit's code, e.g. K7Q-4M2")
    parser.add_argument(
        "--outcome",
        required=True,
        choices=("spoke", "clinician", "left", "other"),
        help="spoke with the visitor, handed to a clinician, visitor had left, other",
    )


def _read_staff_pin() -> str | None:
    """A staff PIN: asked for at a terminal, else the first line of standard input."""
    import getpass

    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass("Staff PIN (reception or admin): ").strip() or None
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.strip() or None


def cmd_ack(config: Config, args: argparse.Namespace) -> int:
    """Acknowledge an urgent visit from the shell, as staff mode does: PIN-gated, audited."""
    from kiosk.staff_pins import sign_in
    from kiosk.store import Store

    try:
        pin = _read_staff_pin()
    except (EOFError, KeyboardInterrupt):
        print("\ncancelled; nothing acknowledged", file=sys.stderr)
        return 1
    if pin is None:
        print("no PIN on standard input; nothing acknowledged", file=sys.stderr)
        return 1
    with Store.open_existing(config.data_dir) as store:
        role = sign_in(store, pin, clock=lambda: datetime.now(UTC)).role
        if role is None:
            print(
                "wrong PIN (or too many wrong PINs: wait, or python -m kiosk unlock-pins); "
                "nothing acknowledged",
                file=sys.stderr,
            )
            return 1
        code = _text(args.code)
        try:
            done = store.acknowledge(code, role, args.outcome)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        visit = store.get_visit(code)
    if not done:
        when = visit.acknowledged_at
        print(
            f"{visit.code} was acknowledged already by {visit.acknowledged_by}"
            + (f" at {_clinic_time(config, when)}" if when else "")
            + f" ({visit.outcome}); nothing changed"
        )
        return 0
    print(f"{visit.code} acknowledged by {role}: {args.outcome}")
    return 0


def cmd_backup(config: Config, args: argparse.Namespace) -> int:
    from kiosk.store import DB_FILENAME, BackupTargetError, Store, check_backup_target

    out = Path(args.out)
    try:
        # Before the database is even opened; Store.backup checks again before the rename.
        check_backup_target(out, config.data_dir / DB_FILENAME, replace=args.force)
        with Store.open_existing(config.data_dir) as store:
            store.backup(out, replace=args.force)
            store.audit("admin-cli", "backup", str(out))
    except BackupTargetError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"backup written to {out}")
    return 0


# --- export ----------------------------------------------------------------------------------


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    # The registry's declarations only: the code that writes the files loads on the first export,
    # so `check` and friends start fast.
    from kiosk.exports import FORMATS

    parser.add_argument(
        "--date", required=True, metavar="YYYY-MM-DD", help="the day to export (clinic time)"
    )
    parser.add_argument("--format", required=True, choices=tuple(FORMATS), help="file format")
    parser.add_argument("--out", required=True, metavar="DIR", help="existing folder to write to")
    parser.add_argument(
        "--with-answers",
        action="store_true",
        help="add one column per question (CSV) or the answers (JSON)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")


def _parse_day(text: str) -> date | None:
    # fromisoformat alone also takes "20261127" and week dates; the contract says YYYY-MM-DD.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def cmd_export(config: Config, args: argparse.Namespace) -> int:
    from kiosk.exports import FORMATS
    from kiosk.exports.day_log import ExportError, check_destination, day_range, export_day
    from kiosk.store import Store

    day = _parse_day(args.date)
    if day is None:
        print(f"--date {args.date!r}: expected a real date as YYYY-MM-DD", file=sys.stderr)
        return 1
    try:
        day_range(day, config.zone)
    except OverflowError:
        print(f"--date {args.date}: outside the calendar the kiosk keeps", file=sys.stderr)
        return 1
    out = Path(args.out)
    try:
        check_destination(out, day, args.format, force=args.force)
    except ExportError as exc:
        print(exc, file=sys.stderr)
        return 1
    content = None
    if FORMATS[args.format].needs_content:
        from kiosk.content import load_content

        content = load_content(config.content_dir, config.languages)
    with Store.open_existing(config.data_dir) as store:
        try:
            path = export_day(
                store,
                day,
                args.format,
                out,
                zone=config.zone,
                with_answers=args.with_answers,
                force=args.force,
                content=content,
                actor="admin-cli",
            )
        except ExportError as exc:
            print(exc, file=sys.stderr)
            return 1
        open_now = sum(
            v.status == "in_progress" for v in store.list_visits(*day_range(day, config.zone))
        )
    print(f"wrote {path}")
    if open_now:
        print(
            f"note: {open_now} visit(s) still in progress were left out; "
            f"export again later with --force to include them"
        )
    return 0


# --- set-pin ---------------------------------------------------------------------------------


def _set_pin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("role", choices=("reception", "admin"), help="whose PIN to set")


def _read_pin(role: str) -> str | None:
    """The new PIN: typed twice at a terminal, else the first line of standard input."""
    import getpass

    from kiosk.staff_pins import PIN_MAX_DIGITS, PIN_MIN_DIGITS

    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"New {role} PIN ({PIN_MIN_DIGITS}-{PIN_MAX_DIGITS} digits): ")
        second = getpass.getpass("Type it again: ")
        if first != second:
            print("the two PINs differ; nothing changed", file=sys.stderr)
            return None
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line.strip():
        print("no PIN on standard input; nothing changed", file=sys.stderr)
        return None
    return line.strip()


def cmd_set_pin(config: Config, args: argparse.Namespace) -> int:
    from kiosk.staff_pins import PinError, set_pin, validate_pin
    from kiosk.store import Store

    try:
        pin = _read_pin(args.role)
    except (EOFError, KeyboardInterrupt):
        print("\ncancelled; nothing changed", file=sys.stderr)
        return 1
    if pin is None:
        return 1
    try:
        validate_pin(pin)
        with Store.open(config.data_dir) as store:
            set_pin(store, args.role, pin, actor="admin-cli")
    except PinError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{args.role} PIN set")
    return 0


def cmd_unlock_pins(config: Config, args: argparse.Namespace) -> int:
    """Lift the administrator lock and the wrong-PIN wait (the next admin is still told)."""
    from kiosk.staff_pins import unlock_pins
    from kiosk.store import DB_FILENAME, Store

    if not (config.data_dir / DB_FILENAME).is_file():
        print(f"no kiosk database in {config.data_dir} (check --data-dir)", file=sys.stderr)
        return 1
    with Store.open(config.data_dir) as store:
        before = unlock_pins(store, now=datetime.now(UTC), actor="admin-cli")
    done = []
    if before.admin_locked:
        done.append("administrator sign-in unlocked")
    if before.wait_seconds > 0:
        done.append("wrong-PIN wait cleared")
    if before.failures:
        done.append(f"{before.failures} wrong PINs no longer counted")
    if not done:
        print("nothing was locked; no wrong PINs counted")
        return 0
    last = before.last_failure_at
    when = f", the last at {_clinic_time(config, last)}" if last is not None else ""
    print(f"{'; '.join(done)}{when}; the next administrator sign-in is told of them")
    return 0


def _write_new_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file, owner-only from the first byte (a summary is health
    information); on failure nothing is left behind."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        with suppress(OSError):
            path.unlink()
        raise


def _reprint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the visit code printed on the summary, e.g. K7Q-4M2")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--printer", metavar="QUEUE", help="CUPS queue (default: the config's)")
    where.add_argument("--to-file", metavar="PATH", help="write the PDF here instead of printing")


def cmd_reprint(config: Config, args: argparse.Namespace) -> int:
    """Regenerate a visit's summary from the database, then print it or save it."""
    from kiosk.content import load_content
    from kiosk.printing import NO_PRINTER, print_visit
    from kiosk.store import Store
    from kiosk.summary.pdf import render_summary

    out = Path(args.to_file) if args.to_file else None
    if out is not None:
        if out.exists():
            print(f"{out} already exists; choose another file name", file=sys.stderr)
            return 1
        if not out.parent.is_dir():
            print(f"{out.parent}: folder does not exist", file=sys.stderr)
            return 1
    content = load_content(config.content_dir, config.languages)
    with Store.open_existing(config.data_dir) as store:
        visit = store.get_visit(_text(args.code))
        lc = content.for_visit(visit.language)
        if out is not None:
            pdf = render_summary(visit, lc, config)
            try:
                _write_new_file(out, pdf)
            except FileExistsError:
                print(f"{out} already exists; choose another file name", file=sys.stderr)
                return 1
            except OSError as exc:
                print(
                    f"cannot write {out}: {exc.strerror or exc} (nothing was written)",
                    file=sys.stderr,
                )
                return 1
            store.audit("admin-cli", "reprint_to_file", visit.code)
            print(f"summary of {visit.code} written to {out}")
            return 0
        queue = args.printer if args.printer is not None else config.printing.printer
        if queue == NO_PRINTER:
            print(
                'no printer is configured (printer = "none"); use --printer QUEUE or --to-file',
                file=sys.stderr,
            )
            return 1
        outcome = print_visit(store, visit.code, lc, config, queue_override=queue)
        store.audit("admin-cli", "reprint", visit.code)
    if outcome.printed:
        print(f"summary of {visit.code} printed on {outcome.queue} (job {outcome.cups_job_id})")
        return 0
    print(f"could not print {visit.code}: {outcome.error}", file=sys.stderr)
    return 1


# --- hub ------------------------------------------------------------------------------------


def _hub_arguments(parser: argparse.ArgumentParser) -> None:
    from kiosk.hub.cli import add_arguments

    add_arguments(parser)


def cmd_hub(config: Config, args: argparse.Namespace) -> int:
    """The clinic hub's commands (kiosk/hub/cli.py); psycopg loads only here."""
    from kiosk.hub.cli import run

    return run(config, args, read_pin=_read_pin, parse_day=_parse_day)


COMMANDS: dict[str, tuple[str, Callable[[Config, argparse.Namespace], int]]] = {
    "check": (
        "check config, content and database integrity (exit 0 only when all hold)",
        cmd_check,
    ),
    "purge": ("delete visits older than retention_days now", cmd_purge),
    "backup": ("online backup of the database, safe while the kiosk runs", cmd_backup),
    "export": ("write one day's log as CSV, JSON or FHIR to a folder", cmd_export),
    "set-pin": ("set the reception or admin PIN for staff mode", cmd_set_pin),
    "reprint": ("print a visit's summary again, or save it as a PDF", cmd_reprint),
    "unlock-pins": (
        "lift the administrator lock and the wait after wrong staff PINs",
        cmd_unlock_pins,
    ),
    "alerts": (
        "today's urgent visits: each alert channel's state, who acknowledged",
        cmd_alerts,
    ),
    "ack": ("acknowledge an urgent visit (staff PIN on standard input)", cmd_ack),
    "hub": ("the clinic hub: init, add-kiosk, add-desk, set-pin, status, export", cmd_hub),
}
# Each command's own arguments, next to the command (commands without any need no entry).
COMMAND_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "export": _export_arguments,
    "set-pin": _set_pin_arguments,
    "reprint": _reprint_arguments,
    "alerts": _alerts_arguments,
    "ack": _ack_arguments,
    "hub": _hub_arguments,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk", description="Clinic kiosk administration"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, _) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        _common(command)
        if name == "backup":
            command.add_argument(
                "--out", required=True, metavar="FILE", help="backup file to write"
            )
            command.add_argument("--force", action="store_true", help="replace an existing file")
        if name in COMMAND_ARGUMENTS:
            COMMAND_ARGUMENTS[name](command)
    return parser


# What would break a message's line: control characters (C0, DEL, C1 such as NEL) and the
# Unicode line and paragraph separators. File names may hold any of them.
_LINE_BREAKERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _print_lines(part: str, error: Exception) -> None:
    # A content error may hold one problem per line (the languages compared key by key): each
    # is its own message, so the line breaks between them are kept, not escaped.
    for line in str(error).splitlines():
        print(f"{part}: {line}", file=sys.stderr)


class _OneLineMessages:
    """A stream whose messages stay one line each: control characters inside what is
    written (from a file name typed or found) are shown escaped, as Python writes them in a
    string; the line breaks at either end of a write are the message's own and stay."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        body = text.strip("\n")
        if body:
            start = text.index(body)
            escaped = _LINE_BREAKERS.sub(lambda m: repr(m.group())[1:-1], body)
            text = text[:start] + escaped + text[start + len(body) :]
        return self.stream.write(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    # A path typed with bytes that are not UTF-8 must still print (escaped), not crash.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    saved = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, _OneLineMessages(sys.stdout))
    sys.stderr = cast(TextIO, _OneLineMessages(sys.stderr))
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = saved


def _run(args: argparse.Namespace) -> int:
    from kiosk.store import StoreError, StoreMissingError

    try:
        config = load_config(args.config, args.data_dir)
        return COMMANDS[args.command][1](config, args)
    except ConfigError as exc:
        _print_lines("config", exc)
        return 1
    except StoreMissingError as exc:
        # Admin commands never create a database: a mistyped --data-dir is said, not obeyed.
        print(f"no kiosk database in {exc.data_dir} (check --data-dir)", file=sys.stderr)
        return 1
    except ContentError as exc:  # a command that needs the content (export, reprint)
        _print_lines("content", exc)
        return 1
    except StoreError as exc:
        print(f"database: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # The last resort: what the commands above did not foresee (a disk error, a file
        # removed meanwhile) is still one line. Programming errors stay tracebacks.
        where = f"{exc.filename}: " if exc.filename is not None else ""
        print(f"{args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
