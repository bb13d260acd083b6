"""Daily maintenance for clinic-kiosk-purge.service: export yesterday's log, then purge.

    python deploy/daily.py [--date YYYY-MM-DD]

1. When KIOSK_EXPORT_DIR is set: `python -m kiosk export --date D --format F --out DIR --force`
   for each format in KIOSK_EXPORT_FORMATS (default "csv"), D being yesterday in the clinic's
   time zone (or --date, to catch up on a missed day). --force: a day exported again (the timer
   catching up, someone running the service by hand) gets the complete file, not an error.
2. Always: `python -m kiosk purge` (the retention policy), even when the export failed, so an
   unplugged export drive never keeps visitors' answers past the retention period.

Exit 0 when every step worked, 1 otherwise (the unit then shows as failed). Each step's output
goes to the journal as the admin command prints it. KIOSK_DATA_DIR and KIOSK_CONFIG select the
data folder and config, as for the kiosk itself.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def known_formats() -> tuple[str, ...]:
    """The export formats `python -m kiosk export` takes: the keys of kiosk.exports.FORMATS."""
    sys.path.insert(0, str(ROOT))
    from kiosk.exports import FORMATS

    return tuple(FORMATS)


def kiosk_command(*args: str) -> int:
    print(f"$ python -m kiosk {' '.join(args)}", flush=True)
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, check=False).returncode


def yesterday() -> date:
    sys.path.insert(0, str(ROOT))
    from kiosk.config import load_config

    return datetime.now(load_config().zone).date() - timedelta(days=1)


def export_formats(value: str) -> list[str]:
    formats = value.replace(",", " ").split() or ["csv"]
    known = known_formats()
    unknown = [f for f in formats if f not in known]
    if unknown:
        raise ValueError(
            f"KIOSK_EXPORT_FORMATS: unknown format {', '.join(unknown)} (use {', '.join(known)})"
        )
    return formats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Daily export (optional) and retention purge")
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="export this day instead")
    args = parser.parse_args(argv)

    failed = False
    export_dir = os.environ.get("KIOSK_EXPORT_DIR", "").strip()
    if export_dir:
        try:
            formats = export_formats(os.environ.get("KIOSK_EXPORT_FORMATS", ""))
            day = args.date or yesterday().isoformat()
        except Exception as exc:  # any config problem: say so, and still purge
            print(f"export skipped: {exc}", file=sys.stderr)
            failed = True
        else:
            if not os.access(export_dir, os.W_OK):
                # Most often the folder is outside ReadWritePaths= of the unit, or not mounted.
                print(
                    f"export folder {export_dir} is missing or not writable for this service "
                    "(see 'Daily export' in docs/deploy.md)",
                    file=sys.stderr,
                )
                failed = True
            else:
                for fmt in formats:
                    code = kiosk_command(
                        "export", "--date", day, "--format", fmt, "--out", export_dir, "--force"
                    )
                    failed = failed or code != 0
    else:
        print("daily export: off (KIOSK_EXPORT_DIR is not set)", flush=True)
    failed = kiosk_command("purge") != 0 or failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
