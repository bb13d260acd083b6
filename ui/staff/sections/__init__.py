"""The administrator's sections (export, audit trail, printer, settings, purge, exit): one file
each, behind one small contract, registered once (Picard's options pages).

A section has a `key`, a `title` (its tab), an `order` (tabs left to right); `build()` makes its
body, `shown()` is called each time its tab comes on screen (read what it shows afresh),
`hidden()` when the tabs change (put away a half-asked question), and `clear()` when staff mode
locks (forget everything shown). It does its own work through the `StaffDesk` it is given: the
store, the worker threads, the audit trail, the signed-in role.

To add one: a new module here with a subclass of AdminSection, ending with `register(TheClass)`.
The admin page finds every module of this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Protocol

from PySide6.QtCore import QTimer, SignalInstance
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.content import Content
from kiosk.model import Outcome
from kiosk.staff_pins import Role
from kiosk.store import Store
from ui.widgets.basics import TouchButton, card, label

if TYPE_CHECKING:
    from ui.staff.urgent_watch import Acknowledged
    from ui.worker import Worker


class StaffDesk(Protocol):
    """What a section may use of staff mode (the staff panel is one)."""

    config: Config
    content: Content
    store: Store | None
    role: Role | None
    worker: Worker  # slow work off the GUI thread
    printer_worker: Worker  # lpstat, which may hang: never ahead of an export
    urgent_changed: SignalInstance  # an urgent visit was acknowledged (banner or section)

    def today(self) -> date: ...

    def audit(self, action: str, detail: str) -> None: ...

    def quit_kiosk(self) -> None: ...

    def acknowledge(self, code: str, outcome: Outcome, done: Acknowledged) -> None: ...


class AdminSection:
    key: ClassVar[str]
    title: ClassVar[str]
    order: ClassVar[int]

    def __init__(self, desk: StaffDesk) -> None:
        self.desk = desk
        self.area: QScrollArea | None = None  # set by the admin page around the body

    def build(self) -> QWidget:
        raise NotImplementedError

    def shown(self) -> None:
        """Its tab came on screen."""

    def hidden(self) -> None:
        """The administrator picked a tab (this one or another)."""

    def clear(self) -> None:
        """Staff mode locked: nothing of what was shown may stay."""

    def set_narrow(self, narrow: bool) -> None:
        """The admin page is narrower than its tabs in one row (portrait, a small screen)."""

    def reveal(self, widget: QWidget) -> None:
        """The outcome must be seen without scrolling for it."""
        area = self.area
        if area is not None:
            # After the layout has made room for the new text.
            QTimer.singleShot(0, area, lambda: area.ensureWidgetVisible(widget, 0, 24))

    @property
    def signed_in_admin(self) -> bool:
        return self.desk.role == "admin"


_REGISTERED: dict[str, type[AdminSection]] = {}


def register(section: type[AdminSection]) -> type[AdminSection]:
    if section.key in _REGISTERED and _REGISTERED[section.key] is not section:
        raise ValueError(f"two admin sections with the key {section.key!r}")
    _REGISTERED[section.key] = section
    return section


def registered() -> list[type[AdminSection]]:
    """Every section of this package, in tab order."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return sorted(_REGISTERED.values(), key=lambda section: (section.order, section.key))


def section_body(title: str, intro: str = "") -> tuple[QWidget, QVBoxLayout]:
    """A scrollable section body: its title, an optional intro line, then what is added."""
    inner = QWidget()
    inner.setObjectName("ScreenBody")
    column = QVBoxLayout(inner)
    column.setContentsMargins(0, 8, 8, 16)
    column.setSpacing(16)
    column.addWidget(label("heading", title))
    if intro:
        column.addWidget(label("body", intro))
    return inner, column


def confirm_box(question: str, cancel: TouchButton, confirm: TouchButton) -> QFrame:
    box = card("confirm")
    inner = QVBoxLayout(box)
    inner.setContentsMargins(28, 24, 28, 24)
    inner.setSpacing(20)
    inner.addWidget(label("body", question))
    row = QHBoxLayout()
    row.setSpacing(24)
    row.addWidget(cancel)
    row.addWidget(confirm)
    row.addStretch(1)
    inner.addLayout(row)
    box.hide()
    return box
