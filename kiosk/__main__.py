"""The administrators' command line: python -m kiosk COMMAND [--config FILE] [--data-dir DIR].

Every command prints one clear line per problem and exits non-zero on any fault.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
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


COMMANDS: dict[str, tuple[str, Callable[[Config, argparse.Namespace], int]]] = {
    "check": (
        "check config, content and database integrity (exit 0 only when all hold)",
        cmd_check,
    ),
    "purge": ("delete visits older than retention_days now", cmd_purge),
    "backup": ("online backup of the database, safe while the kiosk runs", cmd_backup),
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
