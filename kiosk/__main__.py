"""The administrators' command line: python -m kiosk COMMAND [--config FILE] [--data-dir DIR].

Every command prints one clear line per problem and exits non-zero on any fault.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from kiosk.config import Config, load_config
from kiosk.contentfile import ContentError


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help="kiosk.toml (default: $KIOSK_CONFIG or defaults)"
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data folder (default: $KIOSK_DATA_DIR or config)"
    )


def cmd_check(config: Config, args: argparse.Namespace) -> int:
    from kiosk.content import load_content
    from kiosk.cups_spool import print_check_line as print_cups_spool_line
    from kiosk.store import DB_FILENAME, check_database

    problems: list[str] = []
    source = config.source or "built-in defaults"
    print(f"config: ok ({source})")
    try:
        content = load_content(config.content_dir, config.languages)
        print(f"content: ok ({', '.join(content.languages)} in {config.content_dir})")
    except ContentError as exc:
        problems.append(f"content: {exc}")
    db_path = config.data_dir / DB_FILENAME
    db_problems = check_database(db_path)
    if db_problems:
        problems += [f"database: {p}" for p in db_problems]
    else:
        print(f"database: ok ({db_path})")
    print_cups_spool_line(config.printing.printer)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def cmd_purge(config: Config, args: argparse.Namespace) -> int:
    from kiosk.store import Store

    with Store.open(config.data_dir) as store:
        count = store.purge(config.storage.retention_days, actor="admin-cli")
    print(f"purged {count} visit(s) older than {config.storage.retention_days} days")
    return 0


def cmd_backup(config: Config, args: argparse.Namespace) -> int:
    from kiosk.store import Store

    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"{out} already exists (use --force to replace it)", file=sys.stderr)
        return 1
    if not out.parent.is_dir():
        print(f"{out.parent}: folder does not exist", file=sys.stderr)
        return 1
    with Store.open(config.data_dir) as store:
        store.backup(out)
        store.audit("admin-cli", "backup", str(out))
    print(f"backup written to {out}")
    return 0


# --- export ----------------------------------------------------------------------------------

# Mirrors kiosk.export.FORMATS (a test checks); not imported so `check` and friends start fast.
EXPORT_FORMATS = ("csv", "json", "fhir")


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", required=True, metavar="YYYY-MM-DD", help="the day to export (clinic time)"
    )
    parser.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="file format")
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
    from kiosk.export import ExportError, check_destination, day_range, export_day
    from kiosk.store import DB_FILENAME, Store

    day = _parse_day(args.date)
    if day is None:
        print(f"--date {args.date!r}: expected a real date as YYYY-MM-DD", file=sys.stderr)
        return 1
    out = Path(args.out)
    try:
        check_destination(out, day, args.format, force=args.force)
    except ExportError as exc:
        print(exc, file=sys.stderr)
        return 1
    # Opening the store would create an empty database, and exporting that would hand over an
    # empty log instead of saying the data folder is wrong.
    if not (config.data_dir / DB_FILENAME).is_file():
        print(f"no kiosk database in {config.data_dir} (check --data-dir)", file=sys.stderr)
        return 1
    content = None
    if args.format == "fhir":
        from kiosk.content import load_content

        content = load_content(config.content_dir, config.languages)
    with Store.open(config.data_dir) as store:
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

    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"New {role} PIN (4-8 digits): ")
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
    from kiosk.security import PinError, set_pin, validate_pin
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


def _reprint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the visit code printed on the summary, e.g. K7Q-4M2")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--printer", metavar="QUEUE", help="CUPS queue (default: the config's)")
    where.add_argument("--to-file", metavar="PATH", help="write the PDF here instead of printing")


def cmd_reprint(config: Config, args: argparse.Namespace) -> int:
    """Regenerate a visit's summary from the database, then print it or save it."""
    from kiosk.content import load_content
    from kiosk.printing import NO_PRINTER, print_visit
    from kiosk.report import render_summary
    from kiosk.store import Store

    out = Path(args.to_file) if args.to_file else None
    if out is not None:
        if out.exists():
            print(f"{out} already exists; choose another file name", file=sys.stderr)
            return 1
        if not out.parent.is_dir():
            print(f"{out.parent}: folder does not exist", file=sys.stderr)
            return 1
    content = load_content(config.content_dir, config.languages)
    with Store.open(config.data_dir) as store:
        visit = store.get_visit(args.code)
        lc = content.languages.get(visit.language) or content[content.default_language]
        if out is not None:
            pdf = render_summary(visit, lc, config)
            # Owner-only from the first byte: the summary is health information.
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
            store.audit("admin-cli", "reprint_to_file", visit.code)
            print(f"summary of {visit.code} written to {out}")
            return 0
        queue = args.printer if args.printer is not None else config.printing.printer
        if queue == NO_PRINTER:
            print('no printer is configured (printer = "none"); use --printer QUEUE or --to-file')
            return 1
        outcome = print_visit(store, visit.code, lc, config, queue_override=queue)
        store.audit("admin-cli", "reprint", visit.code)
    if outcome.printed:
        print(f"summary of {visit.code} printed on {outcome.queue} (job {outcome.cups_job_id})")
        return 0
    print(f"could not print {visit.code}: {outcome.error}", file=sys.stderr)
    return 1


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
}
# Each command's own arguments, next to the command (commands without any need no entry).
COMMAND_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "export": _export_arguments,
    "set-pin": _set_pin_arguments,
    "reprint": _reprint_arguments,
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kiosk.store import StoreError

    try:
        config = load_config(args.config, args.data_dir)
        return COMMANDS[args.command][1](config, args)
    except ContentError as exc:
        print(f"config: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"database: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
