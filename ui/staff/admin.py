"""The administrator's page: the sign-in notices, a tab per admin section, one section at a
time. The sections (ui/staff/sections/, one file each) are found in their registry; each does
its own work through the staff panel it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QStackedWidget, QVBoxLayout, QWidget

from ui.staff.common import show
from ui.staff.sections import AdminSection, StaffDesk, registered
from ui.widgets.basics import TouchButton, label, set_prop, touch_scroll_area

NARROW_WIDTH = 1100  # below this the tabs go on rows of three


class AdminPage(QWidget):
    def __init__(self, desk: StaffDesk) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 8)
        layout.setSpacing(16)
        # What the administrator must know at sign-in (wrong PINs meanwhile, a weak PIN), above
        # every section so it is seen whichever is open.
        self.notice = label("body")
        self.notice.setObjectName("AdminNotice")
        self.notice.setContentsMargins(16, 12, 16, 12)  # inside its warning frame
        self.notice.hide()
        layout.addWidget(self.notice)
        self.sections: dict[str, AdminSection] = {
            section.key: section(desk) for section in registered()
        }
        self.tabs_grid = QGridLayout()
        self.tabs_grid.setSpacing(12)
        self.tabs: dict[str, TouchButton] = {}
        for key, section in self.sections.items():
            tab = TouchButton(section.title, role="tab")
            tab.clicked.connect(lambda _=False, k=key: self.show_section(k))
            self.tabs[key] = tab
        self._tab_columns = 0
        self._lay_tabs(len(self.sections))
        layout.addLayout(self.tabs_grid)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.pages: dict[str, QWidget] = {}
        for key, section in self.sections.items():
            area = touch_scroll_area(section.build())
            section.area = area
            self.pages[key] = area
            self.stack.addWidget(area)
        self.first = next(iter(self.sections))
        self.current = ""
        self.show_section(self.first)

    def section(self, key: str) -> AdminSection:
        return self.sections[key]

    def show_section(self, key: str) -> None:
        self.current = key
        for tab_key, tab in self.tabs.items():
            set_prop(tab, "selected", tab_key == key)
        self.stack.setCurrentWidget(self.pages[key])
        for section in self.sections.values():
            section.hidden()
        self.sections[key].shown()

    def refresh(self) -> None:
        """The page comes on screen (sign-in, back from today's visits): its section afresh."""
        self.sections[self.current].shown()

    def _lay_tabs(self, columns: int) -> None:
        if columns == self._tab_columns:
            return
        self._tab_columns = columns
        for tab in self.tabs.values():
            self.tabs_grid.removeWidget(tab)
        for index, tab in enumerate(self.tabs.values()):
            self.tabs_grid.addWidget(tab, index // columns, index % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        narrow = event.size().width() < NARROW_WIDTH
        self._lay_tabs(3 if narrow else len(self.sections))
        for section in self.sections.values():
            section.set_narrow(narrow)

    def set_notices(self, notices: Sequence[str]) -> None:
        show(self.notice, "\n".join(notices))

    def clear(self) -> None:
        self.set_notices([])
        for section in self.sections.values():
            section.clear()
        self.show_section(self.first)
