"""Start-up memory of the kiosk: runs exactly what ``main.py --self-check`` runs, then prints RSS.

python benchmarks/kiosk_rss.py --data-dir DIR   ->   the self-check's own line, then ``rss_kb N``

The self-check builds the real window with real content and database, shows Welcome and closes
it; the widgets are still alive when it returns, so VmRSS here is the memory of a started kiosk.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import main  # noqa: E402 - the project root must be on sys.path first


def run() -> int:
    code = main.main(["--self-check", *sys.argv[1:]])
    with open("/proc/self/status", encoding="ascii") as fh:
        rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    print(f"rss_kb {rss}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(run())
