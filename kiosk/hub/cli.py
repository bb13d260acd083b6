"""`python -m kiosk hub ...`: the administrator's commands for the clinic hub.

Each takes `--url URL`, an administrator's libpq URI (or `$KIOSK_HUB_URL`, so the password need
not be typed on a command line that other users can list). psycopg loads only when one runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from kiosk.config import Config, check_hub_url, redact_url

__all__ = ["ENV_HUB_URL", "add_arguments", "run"]

ENV_HUB_URL = "KIOSK_HUB_URL"

_SUBCOMMANDS: dict[str, str] = {
    "init": "create or upgrade the hub's schema, roles and row-level security (idempotent)",
    "add-kiosk": "create a kiosk's login and print the [hub] url line for its config",
    "add-desk": "create a reception desk's login and print the [hub] url line for its config",
    "set-pin": "set the desk app's reception or admin PIN (PIN on stdin when not a terminal)",
    "status": "each kiosk: last contact, backlog, visits at the hub",
    "export": "write one day's log of every kiosk as CSV, JSON or FHIR to a folder",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `hub` command's own sub-commands (called by kiosk/__main__.py's parser)."""
    from kiosk.exports import FORMATS

    sub = parser.add_subparsers(dest="hub_command", required=True, metavar="HUB_COMMAND")
    for name, help_text in _SUBCOMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "--url",
            metavar="URL",
            help=f"an administrator's postgresql:// URI (default: ${ENV_HUB_URL})",
        )
        # Also accepted after the sub-command; SUPPRESS keeps a value given before it.
        for option, meta, text in (
            ("--config", "FILE", "kiosk.toml (its [clinic] timezone dates the export)"),
            ("--data-dir", "DIR", "unused by hub commands; accepted for symmetry"),
        ):
            command.add_argument(option, metavar=meta, help=text, default=argparse.SUPPRESS)
        if name in ("add-kiosk", "add-desk"):
            command.add_argument("name", help="a short lower-case name, e.g. lobby or front-1")
            command.add_argument(
                "--host",
                metavar="HOST[:PORT]",
                help="the server's name as kiosks and desks reach it (default: the --url's)",
            )
            command.add_argument(
                "--new-password",
                action="store_true",
                help="give an existing login a new password (the old line stops working)",
            )
        elif name == "set-pin":
            command.add_argument("role", choices=("reception", "admin"), help="whose PIN to set")
        elif name == "export":
            command.add_argument("--date", required=True, metavar="YYYY-MM-DD")
            command.add_argument("--format", required=True, choices=tuple(FORMATS))
            command.add_argument("--out", required=True, metavar="DIR")
            command.add_argument("--with-answers", action="store_true")
            command.add_argument("--force", action="store_true", help="replace an existing file")


def _url(args: argparse.Namespace) -> str | None:
    url = args.url or os.environ.get(ENV_HUB_URL, "")
    if not url:
        print(f"hub: give the hub with --url URL (or ${ENV_HUB_URL})", file=sys.stderr)
        return None
    try:
        check_hub_url(url)
    except ValueError as exc:
        print(f"hub: --url {exc}", file=sys.stderr)
        return None
    return url


def run(
    config: Config,
    args: argparse.Namespace,
    *,
    read_pin: Callable[[str], str | None],
    parse_day: Callable[[str], date | None],
) -> int:
    from kiosk.exports.day_log import ExportError
    from kiosk.hub.errors import HubError
    from kiosk.staff_pins import PinError

    url = _url(args)
    if url is None:
        return 1
    try:
        return _COMMANDS[args.hub_command](config, args, url, read_pin, parse_day)
    except (HubError, PinError, ExportError) as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1


Command = Callable[
    [Config, argparse.Namespace, str, Callable[[str], str | None], Callable[[str], date | None]],
    int,
]


def _init(config: Config, args: argparse.Namespace, url: str, *_: object) -> int:
    from kiosk.hub.schema import HUB_SCHEMA_VERSION, init_hub

    before, after = init_hub(url)
    where = redact_url(url)
    if before == after:
        print(f"hub {where}: schema {after} is current; nothing to do")
    else:
        print(f"hub {where}: schema {before} -> {after} (this version knows {HUB_SCHEMA_VERSION})")
    return 0


def _add(kind: str) -> Command:
    def add(config: Config, args: argparse.Namespace, url: str, *_: object) -> int:
        from kiosk.hub.admin import add_login

        login = add_login(
            url,
            "kiosk" if kind == "kiosk" else "desk",
            args.name,
            new_password=args.new_password,
            host=args.host,
        )
        done = "has a new password" if args.new_password else "can log in"
        # stdout holds the line alone (scripts paste it); what it is goes to stderr.
        print(
            f"{kind} {args.name} {done}; put this line in its config's [hub] section "
            f"(it holds the password: it is shown only now):",
            file=sys.stderr,
        )
        print(f'url = "{login}"')
        return 0

    return add


def _set_pin(
    config: Config,
    args: argparse.Namespace,
    url: str,
    read_pin: Callable[[str], str | None],
    *_: object,
) -> int:
    from kiosk.hub.admin import set_hub_pin

    try:
        pin = read_pin(args.role)
    except (EOFError, KeyboardInterrupt):
        print("\ncancelled; nothing changed", file=sys.stderr)
        return 1
    if pin is None:
        return 1
    replaced = set_hub_pin(url, args.role, pin)
    print(f"{args.role} PIN {'changed' if replaced else 'set'} at the hub {redact_url(url)}")
    return 0


def _status(config: Config, args: argparse.Namespace, url: str, *_: object) -> int:
    from kiosk.hub.admin import kiosk_states

    states = kiosk_states(url)
    if not states:
        print(f"hub {redact_url(url)}: no kiosks yet (add one with `hub add-kiosk NAME`)")
        return 0
    for state in states:
        last = (
            f"{state.last_contact_at.astimezone(config.zone):%Y-%m-%d %H:%M:%S %Z}"
            if state.last_contact_at is not None
            else "never"
        )
        backlog = "unknown" if state.backlog is None else str(state.backlog)
        where = f" ({state.location})" if state.location else ""
        print(
            f"{state.name}{where}: last contact {last}; backlog {backlog}; "
            f"{state.visits} visit(s) at the hub"
        )
    return 0


def _export(
    config: Config,
    args: argparse.Namespace,
    url: str,
    read_pin: Callable[[str], str | None],
    parse_day: Callable[[str], date | None],
) -> int:
    from kiosk.exports import FORMATS
    from kiosk.hub.admin import export_hub_day

    day = parse_day(args.date)
    if day is None:
        print(f"--date {args.date!r}: expected a real date as YYYY-MM-DD", file=sys.stderr)
        return 1
    content = None
    if FORMATS[args.format].needs_content:
        from kiosk.content import load_content

        content = load_content(config.content_dir, config.languages)
    path, count = export_hub_day(
        url,
        day,
        args.format,
        Path(args.out),
        zone=config.zone,
        with_answers=args.with_answers,
        force=args.force,
        content=content,
    )
    print(f"exported {count} visit(s) of {day.isoformat()} from every kiosk to {path}")
    return 0


_COMMANDS: dict[str, Command] = {
    "init": _init,
    "add-kiosk": _add("kiosk"),
    "add-desk": _add("desk"),
    "set-pin": _set_pin,
    "status": _status,
    "export": _export,
}
