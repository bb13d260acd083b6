"""Reception: today's visits (urgent first, then newest) and one visit's summary.

Both pages only show what they are given and emit intents; the staff panel reads the store,
prints and writes the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.model import Visit
from ui.staff.common import STATUS_WORDS, clock_time, set_direction, show, yes_no
from ui.staff.summary import SummaryView
from ui.widgets.basics import TouchButton, label, set_label, set_prop, touch_scroll_area

COLUMNS = ("", "Code", "Started", "Status", "Printed", "Seen")


@dataclass(frozen=True)
class VisitLine:
    """One row of the list, as text."""

    code: str
    urgent: bool
    started: str
    status: str
    printed: str
    seen: str

    @classmethod
    def of(cls, visit: Visit, zone: tzinfo) -> VisitLine:
        return cls(
            code=visit.code,
            urgent=visit.urgent,
            started=clock_time(visit.started_at, zone),
            status=STATUS_WORDS.get(visit.status, visit.status),
            printed=yes_no(visit.printed),
            seen=yes_no(visit.seen),
        )

    def spoken(self) -> str:
        urgent = "Urgent. " if self.urgent else ""
        return (
            f"{urgent}{self.code}, started {self.started}, {self.status}, "
            f"printed: {self.printed.lower()}, seen: {self.seen.lower()}"
        )


def sort_visits(visits: Sequence[Visit]) -> list[Visit]:
    """Urgent first, then newest first."""
    return sorted(visits, key=lambda v: (not v.urgent, -v.started_at.timestamp(), -v.id))


class VisitRow(TouchButton):
    """A full-width touch row. Its cells are labels laid over it in the list's grid, so the
    columns line up; the labels let touches through to the row. `text()` is the whole line."""

    def __init__(self, line: VisitLine) -> None:
        super().__init__("", role="visitrow")
        self.line = line
        self.marker = label("urgentbadge", "URGENT", wrap=False)
        self.cells = [label("rowcode", wrap=False)] + [
            label("rowcell", wrap=False) for _ in range(4)
        ]
        for cell in [self.marker, *self.cells]:
            cell.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.marker.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_line(line)

    def set_line(self, line: VisitLine) -> None:
        self.line = line
        set_prop(self, "urgent", line.urgent)
        self.marker.setVisible(line.urgent)
        values = (line.code, line.started, line.status, line.printed, line.seen)
        for cell, value in zip(self.cells, values, strict=True):
            set_label(cell, value)
        self.setAccessibleName(line.spoken())

    def text(self) -> str:
        return self.line.spoken() if hasattr(self, "line") else ""

    def widgets(self) -> list[QWidget]:
        return [self, self.marker, *self.cells]


class ReceptionPage(QWidget):
    """Today's visits. Emits `visit_requested(code)` when a row is tapped."""

    visit_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self.rows: dict[str, VisitRow] = {}
        self.order: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 16)
        layout.setSpacing(12)
        self.title = label("title", "Today's visits")
        self.subtitle = label("subtitle")
        self.hint = label(
            "small",
            "Urgent visits first, then the newest. Tap a visit to see its summary, reprint it "
            "or mark it as seen. Abandoned: the visitor left before the end.",
        )
        self.empty = label("body", "No visits yet today.")
        self.error = label("body")
        self.error.setObjectName("StaffError")
        self.error.hide()
        inner = QWidget()
        inner.setObjectName("ScreenBody")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 8, 0)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(0)
        self.grid.setVerticalSpacing(10)
        self.headers = [label("small", text, wrap=False) for text in COLUMNS]
        for col, header in enumerate(self.headers):
            header.setContentsMargins(20, 0, 20, 0)
            self.grid.addWidget(header, 0, col)
        self.grid.setColumnStretch(len(COLUMNS) - 1, 1)
        column.addLayout(self.grid)
        column.addWidget(self.empty)
        column.addStretch(1)
        self.area = touch_scroll_area(inner)
        for widget in (self.title, self.subtitle, self.hint, self.error):
            layout.addWidget(widget)
        layout.addWidget(self.area, 1)
        self.set_visits([], "", None)

    def set_visits(self, visits: Sequence[Visit], day_text: str, zone: tzinfo | None) -> None:
        """Show these visits (already today's). Rows are kept and moved, never rebuilt under a
        finger: a refresh only changes what changed."""
        show(self.error, "")
        lines = [VisitLine.of(v, zone) for v in sort_visits(visits)] if zone is not None else []
        counts = f"{len(lines)} visit{'s' if len(lines) != 1 else ''}"
        urgent = sum(line.urgent for line in lines)
        if urgent:
            counts += f", {urgent} urgent"
        set_label(self.subtitle, f"{day_text} · {counts}" if day_text else counts)
        order = [line.code for line in lines]
        for line in lines:
            row = self.rows.get(line.code)
            if row is None:
                row = VisitRow(line)
                row.clicked.connect(lambda _=False, c=line.code: self.visit_requested.emit(c))
                self.rows[line.code] = row
            elif row.line != line:
                row.set_line(line)
        for code in [c for c in self.rows if c not in order]:
            row = self.rows.pop(code)
            for widget in row.widgets():
                self.grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        if order != self.order:
            self._place(order)
        self.empty.setVisible(not lines)
        for header in self.headers:
            header.setVisible(bool(lines))

    def show_error(self, message: str) -> None:
        show(self.error, message)

    def clear(self) -> None:
        self.set_visits([], "", None)
        self.area.verticalScrollBar().setValue(0)

    def row_codes(self) -> list[str]:
        return list(self.order)

    def _place(self, order: list[str]) -> None:
        for code in self.order:
            if code in self.rows:
                for widget in self.rows[code].widgets():
                    self.grid.removeWidget(widget)
        for index, code in enumerate(order, start=1):
            row = self.rows[code]
            self.grid.addWidget(row, index, 0, 1, len(COLUMNS))
            self.grid.addWidget(row.marker, index, 0, Qt.AlignmentFlag.AlignCenter)
            for col, cell in enumerate(row.cells, start=1):
                cell.setContentsMargins(20, 0, 20, 0)
                self.grid.addWidget(cell, index, col)
            row.show()
            for cell in row.cells:
                cell.show()
            row.marker.setVisible(row.line.urgent)
            row.raise_()
            for cell in [row.marker, *row.cells]:
                cell.raise_()
        self.order = order


class VisitPage(QWidget):
    """One visit: its summary on screen, "Reprint", "Mark as seen", "Back"."""

    back_requested = Signal()
    reprint_requested = Signal(str)
    seen_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self.code: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.setSpacing(12)
        heading = QHBoxLayout()
        heading.setSpacing(16)
        self.back_button = TouchButton("Back")
        self.back_button.clicked.connect(self.back_requested)
        self.title = label("title", wrap=False)
        self.marker = label("urgentbadge", "URGENT", wrap=False)
        heading.addWidget(self.back_button)
        heading.addWidget(self.title)
        heading.addWidget(self.marker)
        heading.addStretch(1)
        self.meta = label("body")
        self.actions = QHBoxLayout()
        self.actions.setSpacing(24)
        self.reprint_button = TouchButton("Reprint", role="primary")
        self.reprint_button.clicked.connect(self._reprint)
        self.seen_button = TouchButton("Mark as seen")
        self.seen_button.clicked.connect(self._seen)
        self.actions.addWidget(self.reprint_button)
        self.actions.addWidget(self.seen_button)
        self.actions.addStretch(1)
        self.status = label("body")
        self.status.setObjectName("ActionStatus")
        self.summary = SummaryView()
        layout.addLayout(heading)
        layout.addWidget(self.meta)
        layout.addLayout(self.actions)
        layout.addWidget(self.status)
        layout.addWidget(self.summary, 1)
        self.clear()

    def show_visit(self, line: VisitLine) -> None:
        """The heading and status line; the summary comes separately (it takes a moment)."""
        new = line.code != self.code
        self.code = line.code
        set_label(self.title, f"Visit {line.code}")
        self.marker.setVisible(line.urgent)
        set_label(
            self.meta,
            f"Started {line.started} · {line.status} · Printed: {line.printed} · Seen: {line.seen}",
        )
        self.seen_button.setEnabled(line.seen == "No")
        self.seen_button.setText("Mark as seen" if line.seen == "No" else "Marked as seen")
        if new:
            show(self.status, "")
            self.reprint_button.setEnabled(True)

    def show_status(self, text: str, *, busy: bool = False) -> None:
        show(self.status, text)
        self.reprint_button.setEnabled(not busy)

    def set_portrait(self, portrait: bool) -> None:
        set_direction(self.actions, portrait)

    def clear(self) -> None:
        self.code = None
        set_label(self.title, "")
        set_label(self.meta, "")
        self.marker.hide()
        show(self.status, "")
        self.reprint_button.setEnabled(True)
        self.seen_button.setEnabled(True)
        self.seen_button.setText("Mark as seen")
        self.summary.clear()

    def _reprint(self) -> None:
        if self.code is not None:
            self.reprint_requested.emit(self.code)

    def _seen(self) -> None:
        if self.code is not None:
            self.seen_requested.emit(self.code)


__all__ = ["ReceptionPage", "VisitLine", "VisitPage", "VisitRow", "sort_visits"]
