"""Start-up memory of the kiosk: what ``main.py`` builds, shown, then settled, then VmRSS.

python benchmarks/kiosk_rss.py --data-dir DIR   ->   ``rss_kb N``

Builds the real window with the real content and database exactly as ``main.py`` does, shows
it, and runs the event loop for a second, so the warm-up that builds the other screens and
finds the voice (from 50 ms after the first frame, a screen per event-loop turn) and the
settling after it are counted: the memory of a kiosk that is up, not of one caught before it
has finished starting.
"""

import gc
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTLE_MS = 1000


def run() -> int:
    import main

    gc.disable()  # as main() does until start-up has settled
    args = main.parse_args(["--self-check", *sys.argv[1:]])
    from kiosk.config import load_config
    from kiosk.content import load_content
    from kiosk.store import open_store

    config = load_config(args.config, args.data_dir)
    content = load_content(config.content_dir, config.languages)
    store = open_store(config)  # before Qt, as in main.py
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import create_main_window

    app = QApplication(sys.argv[:1])
    window = create_main_window(config, content=content, store=store)
    window.navigator.warmed_up.connect(main.settle)
    window.show()
    loop = QEventLoop()
    QTimer.singleShot(SETTLE_MS, loop.quit)
    loop.exec()
    if len(window.navigator.screens) < 2:
        print("the warm-up did not run", file=sys.stderr)
        return 1
    with open("/proc/self/status", encoding="ascii") as fh:
        rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    print(f"rss_kb {rss}", flush=True)
    window.allow_close = True
    window.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(run())
