"""Loads resources/styles: the QSS template, its variables, and the shipped fonts.

Large text scales every size by LARGE_TEXT_FACTOR; high contrast swaps the colour table. The
application's style sheet is the plain look; the navigator gives another look to what is on
screen and to each other screen before it is shown (Navigator.restyle), so none is left behind.
"""

from __future__ import annotations

import string
from functools import cache

import tomli
from msgspec import Struct
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.config import FONTS_DIR, STYLES_DIR

LARGE_TEXT_FACTOR = 1.4
LARGE_TARGET_FACTOR = 1.15


class ThemeOptions(Struct, frozen=True):
    large_text: bool = False
    high_contrast: bool = False


def load_variables(options: ThemeOptions) -> dict[str, str]:
    with (STYLES_DIR / "theme.toml").open("rb") as fh:
        data = tomli.load(fh)
    colours = data["high_contrast" if options.high_contrast else "normal"]
    factor = LARGE_TEXT_FACTOR if options.large_text else 1.0
    sizes = {}
    target_factor = LARGE_TARGET_FACTOR if options.large_text else 1.0
    for key, value in data["sizes"].items():
        # Targets grow less than the text: a 64 px button already holds one line of large text,
        # and every extra pixel pushes answers below the fold on a 1280x800 screen.
        sizes[key] = str(round(value * (target_factor if key.endswith("target") else factor)))
    return {**{k: str(v) for k, v in colours.items()}, **sizes}


@cache
def stylesheet(options: ThemeOptions) -> str:
    template = string.Template((STYLES_DIR / "kiosk.qss").read_text(encoding="utf-8"))
    return template.substitute(load_variables(options))


def widget_stylesheet(options: ThemeOptions) -> str:
    """The style sheet a widget carries for this look: none for the plain look, which is the
    application's (see apply); the whole sheet otherwise, which wins over the application's."""
    return "" if options == ThemeOptions() else stylesheet(options)


_fonts_loaded = False


def load_fonts() -> None:
    global _fonts_loaded
    if _fonts_loaded:
        return
    for path in sorted(FONTS_DIR.glob("*.ttf")):
        QFontDatabase.addApplicationFont(str(path))
    _fonts_loaded = True


def apply(app: QApplication, options: ThemeOptions) -> None:
    """The application's style sheet. The kiosk sets the plain look here once, at start; the
    navigator gives other looks to the widgets on screen (Navigator.restyle)."""
    load_fonts()
    sheet = stylesheet(options)
    # Re-setting an identical sheet re-polishes every widget in the application: skip it.
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


def size(name: str, options: ThemeOptions) -> int:
    return int(load_variables(options)[name])
