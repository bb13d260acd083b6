"""The visitor's look: larger text and high contrast, applied to what is on screen now and to
every other screen when it is next shown."""

from __future__ import annotations

from collections.abc import Callable

from msgspec.structs import replace
from PySide6.QtWidgets import QWidget

from ui import theme


class Looks:
    """The look in force (`options`) and how a widget gets it (`restyle`)."""

    def __init__(self, fixed: QWidget, on_screen: Callable[[], QWidget | None]) -> None:
        self.options = theme.ThemeOptions()
        self.fixed = fixed  # the top bar: on every visitor screen
        self.on_screen = on_screen
        # Small widgets outside the screens that may be on screen at a change (the idle card).
        self.always: list[QWidget] = []

    def set_large_text(self, on: bool) -> None:
        self.apply(replace(self.options, large_text=on))

    def set_high_contrast(self, on: bool) -> None:
        self.apply(replace(self.options, high_contrast=on))

    def plain(self) -> None:
        self.apply(theme.ThemeOptions())

    def is_plain(self) -> bool:
        return self.options == theme.ThemeOptions()

    def apply(self, options: theme.ThemeOptions) -> None:
        """Large text or high contrast on or off: what is on screen changes now, each other
        screen when it is next shown (restyling all of them took ~90 ms, five frames)."""
        if options == self.options:
            return
        self.options = options
        for widget in (self.fixed, *self.always):
            self.restyle(widget)
        current = self.on_screen()
        if current is not None:
            self.restyle(current)

    def restyle(self, widget: QWidget) -> None:
        """Give ``widget`` and everything in it the current look, unless it has it already.

        The application's style sheet is the plain look (theme.apply at start) and never
        changes: changing it re-polishes every widget of every screen. Another look is a style
        sheet on the widget, which wins over the application's for the widget and its children.
        """
        sheet = theme.widget_stylesheet(self.options)
        if widget.styleSheet() != sheet:
            widget.setStyleSheet(sheet)
