"""Touches from a real X server reach the kiosk's window filters (Xvfb, XTEST).

The idle reset and the fullscreen lock-down watch the window's QWindow, where the platform hands
every input event before any widget sees it. The UI tests send their taps to that QWindow
through Qt; this one has the X server itself press the buttons (the XTEST extension, as a
touch screen's driver does), through Qt's xcb platform plugin, in a locked-down fullscreen
kiosk: a tap restarts the idle timer, and a right-click (what a long press becomes) opens no
context menu anywhere.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.process import run_python

PROBE = r"""
import ctypes, json, sys
from PySide6.QtCore import QElapsedTimer, QEvent, QObject
from PySide6.QtWidgets import QApplication
from kiosk.config import load_config
from ui.app import create_main_window

x11 = ctypes.CDLL("libX11.so.6")
xtst = ctypes.CDLL("libXtst.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XFlush.argtypes = [ctypes.c_void_p]
c_int, c_ulong, c_void_p = ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p
xtst.XTestFakeMotionEvent.argtypes = [c_void_p, c_int, c_int, c_int, c_ulong]
xtst.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
display = x11.XOpenDisplay(None)

app = QApplication(sys.argv[:1])


def pump(ms):
    clock = QElapsedTimer()
    clock.start()
    while clock.elapsed() < ms:
        app.processEvents()


def press(x, y, button):
    xtst.XTestFakeMotionEvent(display, -1, x, y, 0)
    xtst.XTestFakeButtonEvent(display, button, 1, 0)
    xtst.XTestFakeButtonEvent(display, button, 0, 0)
    x11.XFlush(display)
    pump(400)


class Probe(QObject):
    def __init__(self):
        super().__init__()
        self.menus = []

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.ContextMenu:
            self.menus.append(type(watched).__name__)
        return False


config = load_config(sys.argv[1], sys.argv[2])
window = create_main_window(config)
window.show_kiosk()
pump(800)
nav = window.navigator
nav.welcome.checkin_button.click()  # a visit in progress: the idle reset is armed
pump(200)
window.idle.timer.stop()
centre = window.mapToGlobal(window.rect().center())
press(centre.x(), centre.y(), 1)
tapped = window.idle.timer.isActive()

probe = Probe()
app.installEventFilter(probe)
press(centre.x(), centre.y(), 3)
app.removeEventFilter(probe)

print(json.dumps({
    "locked": window.locked,
    "fullscreen": window.isFullScreen(),
    "tap_restarts_idle": tapped,
    "context_menu_reached": probe.menus,
    "popup": QApplication.activePopupWidget() is not None,
}))
window.allow_close = True
window.close()
"""


def test_real_x_input_reaches_the_window_filters(tmp_path: Path) -> None:
    if shutil.which("xvfb-run") is None or ctypes.util.find_library("Xtst") is None:
        missing = "needs xvfb-run and libXtst (Debian: xvfb, libxtst6)"
        if os.environ.get("CI"):
            pytest.fail(missing + ": .ci/run installs them")
        pytest.skip(missing)
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\nfullscreen = true\n\n[printing]\nprinter = "none"\n')
    result = run_python(
        "-c",
        PROBE,
        str(config),
        str(tmp_path / "data"),
        env={"QT_QPA_PLATFORM": "xcb"},
        wrapper=["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"],
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["locked"] and report["fullscreen"]
    assert report["tap_restarts_idle"], "a real tap did not reach the idle watcher"
    # The request reaches the window and stops there: no widget sees it, no menu opens.
    assert report["context_menu_reached"] == ["QWindow"]
    assert not report["popup"]
