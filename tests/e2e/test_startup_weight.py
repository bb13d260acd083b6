"""What a started kiosk has loaded: nothing Welcome and the idle kiosk do not need.

Guards the start-up time and memory figures of docs/performance.md: each module below costs
milliseconds at start or megabytes for the life of the kiosk, and is loaded when first used.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.process import run_python

# Loaded by a kiosk that has started, painted Welcome and finished its warm-up.
STARTED = """
import json, sys
from PySide6 import QtCore
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from kiosk.config import load_config
from kiosk.content import load_content
from ui.app import create_main_window

config = load_config(None, sys.argv[1])
content = load_content(config.content_dir, config.languages)
app = QApplication([])
window = create_main_window(config, content=content)
window.show()
app.processEvents()  # Welcome painted: where the self-check says "ready"
at_welcome = sorted(sys.modules)
# PySide6 makes its `Qt` namespace (~100 enum classes) on first use: not before the first frame.
qt_at_welcome = "Qt" in vars(QtCore)
loop = QEventLoop()
QTimer.singleShot(1500, loop.quit)  # the warm-up: a screen per event-loop turn
loop.exec()
built = len(window.navigator.screens) == len(window.navigator._factories)
window.allow_close = True
window.close()
report = {"built": built, "at_welcome": at_welcome, "qt_at_welcome": qt_at_welcome}
print(json.dumps({**report, "modules": sorted(sys.modules)}))
"""

# Each is loaded on first use: printing and its PDF on the first print, OpenSSL (hashlib) for
# PINs in staff mode, sqlite-utils only to run a migration, staff mode on the 3-second hold,
# Apprise and the alert channels only when alerts are configured.
NOT_AT_START = (
    "_hashlib",
    "http.client",
    "kiosk.printing.ipp",
    "kiosk.summary.pdf",
    "reportlab",
    "sqlite_utils",
    "argon2",
    "kiosk.staff_pins",
    "kiosk.export",
    "kiosk.exports",
    "ui.staff",
    # Alerts: nothing of them in a kiosk without [alerts] channels (the default config).
    "apprise",
    "kiosk.alerts",
    "kiosk.apprise_urls",
    # The hub's driver and worker: only a kiosk with `[hub] url` set loads them.
    "psycopg",
    "kiosk.hub.shipper",
    # Read aloud asks amixer whether headphones are plugged in only before it would say a
    # safety question (ui/shell/speech_privacy.py); subprocess alone is ~3.5 ms of a start.
    "subprocess",
)

# Loaded by the warm-up after the first frame, not before Welcome is on screen: the visit flow,
# the other screens and the print service.
NOT_BEFORE_WELCOME = (
    "kiosk.flow",
    "ui.screens.checkin",
    "ui.screens.programs",
    "ui.speech",
    "ui.printer",
)


def loaded_of(modules: list[str], heavy_ones: tuple[str, ...]) -> list[str]:
    return [
        name
        for name in modules
        if any(name == heavy or name.startswith(heavy + ".") for heavy in heavy_ones)
    ]


def test_a_started_kiosk_has_not_loaded_what_it_does_not_need(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run_python("main.py", "--self-check", "--data-dir", str(data))
    assert first.returncode == 0, first.stderr  # creates the database (migrations run once)
    result = run_python("-c", STARTED, str(data), env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["built"], "the warm-up did not build every screen"
    assert loaded_of(report["modules"], NOT_AT_START) == []
    assert loaded_of(report["at_welcome"], NOT_AT_START + NOT_BEFORE_WELCOME) == []
    assert set(NOT_BEFORE_WELCOME) <= set(report["modules"])  # the warm-up loaded them
    # Welcome names no `Qt.` enum (ui.widgets.basics.set_enum): ~14 ms of a cold start.
    assert not report["qt_at_welcome"], "PySide6's Qt namespace was made before the first frame"


def test_the_config_reads_its_file_without_the_content_loader() -> None:
    """kiosk.config reads kiosk.toml through kiosk.content.data_file; importing that module runs
    kiosk/content/__init__.py, which must not bring the loader (guidance rules, screening models)
    to every command line that only reads the config."""
    probe = "import sys, kiosk.config; print(sorted(m for m in sys.modules if 'kiosk' in m))"
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.strip().splitlines()[-1]
    assert "'kiosk.content.data_file'" in loaded
    assert "kiosk.content.loader" not in loaded and "kiosk.guidance" not in loaded
