"""Reception: today's visits (urgent first, then newest) and one visit's summary.

Both pages only show what they are given and emit intents; the staff panel reads the store,
prints and writes the audit trail.

The list is a model and a view: a busy day holds a thousand visits, and a widget per row took
seconds to build (30 s for 1,010, past the watchdog). The view paints only the rows on screen, so
opening the list costs the same for ten visits or ten thousand, and no widget is made per visit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QListView,
    QScroller,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.model import Visit, VisitSummary
from kiosk.store import CODE_ALPHABET
from ui import theme
from ui.staff.common import STATUS_WORDS, clock_time, set_direction, show, yes_no
from ui.staff.summary_view import SummaryView
from ui.widgets.basics import TouchButton, label, set_label, set_prop

COLUMNS = ("", "Code", "Started", "Status", "Printed", "Seen")
ROW_HEIGHT = 72  # the card a finger taps (UX.md: targets of 64 px and more)
ROW_GAP = 10  # between two cards; part of the row above, so a tap there still opens it
CELL_PADDING = 20  # left and right of each cell's text
BADGE_PADDING = (12, 4)  # around "URGENT"
# The badge names the urgent level (CLINICAL.md: acute and non-acute, both urgent).
BADGE_TEXT = {"acute": "ACUTE", "non_acute": "URGENT"}
LEVEL_WORDS = {"acute": "acute", "non_acute": "non-acute"}
CODE_LENGTH = 6  # characters of a visit code, without its dash
HOURS = ("10", "12", "00")  # the widest "started" times: 10:00 AM, 12:00 PM
LINE_ROLE = Qt.ItemDataRole.UserRole + 1

VisitLike = Visit | VisitSummary


@dataclass(frozen=True)
class VisitLine:
    """One row of the list, as text."""

    code: str
    urgent: bool
    started: str
    status: str
    printed: str
    seen: str
    risk: str = "none"  # none / non_acute / acute

    @property
    def badge(self) -> str:
        return BADGE_TEXT.get(self.risk, "URGENT")

    @classmethod
    def of(cls, visit: VisitLike, zone: tzinfo) -> VisitLine:
        return cls(
            code=visit.code,
            urgent=visit.urgent,
            started=clock_time(visit.started_at, zone),
            status=STATUS_WORDS.get(visit.status, visit.status),
            printed=yes_no(visit.printed),
            seen=yes_no(visit.seen),
            risk=visit.risk,
        )

    def cells(self) -> tuple[str, str, str, str, str]:
        """The texts under Code, Started, Status, Printed and Seen."""
        return (self.code, self.started, self.status, self.printed, self.seen)

    def spoken(self) -> str:
        level = LEVEL_WORDS.get(self.risk)
        urgent = (f"Urgent, {level}. " if level else "Urgent. ") if self.urgent else ""
        return (
            f"{urgent}{self.code}, started {self.started}, {self.status}, "
            f"printed: {self.printed.lower()}, seen: {self.seen.lower()}"
        )


def compact_code(text: str) -> str:
    """A code as typed or stored, for matching: upper case, no dash, no spaces."""
    return "".join(text.split()).replace("-", "").upper()


def code_shown(typed: str) -> str:
    """What has been typed, shown the way codes are printed (K7Q-4M2)."""
    return typed if len(typed) <= CODE_LENGTH // 2 else f"{typed[:3]}-{typed[3:]}"


# --- the list: a model, a delegate that paints each row as a card, and the view -----------------


class VisitListModel(QAbstractListModel):
    """Today's visits as lines, filtered by the code being searched for (if any).

    A refresh changes only what changed: the same visits in the same order are updated in
    place, so the view keeps its place and the row under a finger."""

    def __init__(self) -> None:
        super().__init__()
        self._all: list[VisitLine] = []
        self._lines: list[VisitLine] = []
        self._query = ""

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:  # noqa: N802 - Qt override
        if parent is not None and parent.isValid():
            return 0
        return len(self._lines)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return line.code  # a desk keyboard's type-ahead finds a row by its code
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return line.spoken()  # every cell of the row, as the row used to be read
        if role == LINE_ROLE:
            return line
        return None

    def line(self, row: int) -> VisitLine:
        return self._lines[row]

    def lines(self) -> list[VisitLine]:
        return list(self._lines)

    def all_lines(self) -> list[VisitLine]:
        return list(self._all)

    def query(self) -> str:
        return self._query

    def row_of(self, code: str) -> int | None:
        for row, line in enumerate(self._lines):
            if line.code == code:
                return row
        return None

    def set_lines(self, lines: list[VisitLine]) -> None:
        self._all = lines
        self._show(self._filtered())

    def set_query(self, query: str) -> None:
        self._query = compact_code(query)
        self._show(self._filtered())

    def _filtered(self) -> list[VisitLine]:
        if not self._query:
            return self._all
        return [line for line in self._all if self._query in compact_code(line.code)]

    def _show(self, lines: list[VisitLine]) -> None:
        old = self._lines
        if [line.code for line in lines] == [line.code for line in old]:
            self._lines = lines
            for row, (before, after) in enumerate(zip(old, lines, strict=True)):
                if before != after:
                    index = self.index(row)
                    self.dataChanged.emit(index, index)
            return
        self.beginResetModel()
        self._lines = lines
        self.endResetModel()


@dataclass(frozen=True)
class Palette:
    """The plain theme's colours: staff mode always shows the plain look (see Navigator)."""

    surface: QColor
    tint: QColor
    text: QColor
    border: QColor
    urgent: QColor
    on_urgent: QColor
    focus: QColor

    @classmethod
    def plain(cls) -> Palette:
        values = theme.load_variables(theme.ThemeOptions())
        return cls(
            surface=QColor(values["surface"]),
            tint=QColor(values["tint"]),
            text=QColor(values["text"]),
            border=QColor(values["border_strong"]),
            urgent=QColor(values["urgent"]),
            on_urgent=QColor(values["on_primary"]),
            focus=QColor(values["focus"]),
        )


@dataclass(frozen=True)
class RowFonts:
    cell: QFont
    code: QFont
    badge: QFont

    @classmethod
    def of(cls, font: QFont) -> RowFonts:
        code = QFont(font)
        code.setBold(True)
        badge = QFont(font)
        badge.setPixelSize(theme.size("small", theme.ThemeOptions()))
        badge.setBold(True)
        return cls(cell=QFont(font), code=code, badge=badge)


def column_widths(fonts: RowFonts, header: QFont) -> tuple[int, ...]:
    """Each column as wide as the widest text it can ever hold (not the texts of today's rows,
    so the columns never move as visits come and go) or its heading, plus padding."""
    cell, code, badge = (QFontMetrics(f) for f in (fonts.cell, fonts.code, fonts.badge))
    widest_char = max(CODE_ALPHABET, key=code.horizontalAdvance)
    half = widest_char * (CODE_LENGTH // 2)
    contents: list[int] = [
        max(badge.horizontalAdvance(text) for text in ("URGENT", *BADGE_TEXT.values()))
        + 2 * BADGE_PADDING[0],
        code.horizontalAdvance(f"{half}-{half}"),
        max(cell.horizontalAdvance(f"{h}:00 {m}") for h in HOURS for m in ("AM", "PM")),
        max(cell.horizontalAdvance(word) for word in STATUS_WORDS.values()),
        max(cell.horizontalAdvance(word) for word in ("Yes", "No")),
        max(cell.horizontalAdvance(word) for word in ("Yes", "No")),
    ]
    heading = QFontMetrics(header)
    return tuple(
        max(width, heading.horizontalAdvance(title)) + 2 * CELL_PADDING
        for width, title in zip(contents, COLUMNS, strict=True)
    )


class VisitRowDelegate(QStyledItemDelegate):
    """Paints one visit as the touch row it used to be: a white card with a grey border (a red
    one and an URGENT badge when urgent), tinted while pressed, ringed when it has the focus."""

    def __init__(self, view: VisitList) -> None:
        super().__init__(view)
        self.view = view
        self.palette = Palette.plain()
        self.fonts = RowFonts.of(view.font())
        self.widths = column_widths(self.fonts, view.font())  # measured again once styled

    def sizeHint(  # noqa: N802 - Qt override
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(sum(self.widths), ROW_HEIGHT + ROW_GAP)

    def set_fonts(self, font: QFont, header: QFont) -> None:
        self.fonts = RowFonts.of(font)
        self.widths = column_widths(self.fonts, header)

    def card_rect(self, item: QRect) -> QRect:
        return QRect(item.left(), item.top(), item.width(), ROW_HEIGHT)

    def cell_rects(self, item: QRect) -> list[QRect]:
        """Where each column's text goes (the last one takes the rest of the card)."""
        card = self.card_rect(item)
        rects, x = [], card.left()
        for column, width in enumerate(self.widths):
            last = column == len(self.widths) - 1
            right = card.right() if last else x + width - 1
            rects.append(QRect(x, card.top(), right - x + 1, card.height()))
            x += width
        return rects

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        line = index.data(LINE_ROLE)
        if not isinstance(line, VisitLine):
            return
        colours = self.palette
        item = QRect(option.rect)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        border = 4 if focused else 3 if line.urgent else 2
        colour = colours.focus if focused else colours.urgent if line.urgent else colours.border
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pressed = self.view.pressed_row == index.row()
        painter.setBrush(colours.tint if pressed else colours.surface)
        painter.setPen(QPen(colour, border))
        half = border / 2
        card = self.card_rect(item).toRectF().adjusted(half, half, -half, -half)
        painter.drawRoundedRect(card, 12, 12)
        cells = self.cell_rects(item)
        if line.urgent:
            self._paint_badge(painter, cells[0], line.badge)
        painter.setPen(colours.text)
        for rect, text, font in zip(
            cells[1:], line.cells(), (self.fonts.code, *(self.fonts.cell,) * 4), strict=True
        ):
            painter.setFont(font)
            inner = rect.adjusted(CELL_PADDING, 0, -CELL_PADDING, 0)
            shown = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            painter.drawText(
                inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown
            )
        painter.restore()

    def _paint_badge(self, painter: QPainter, cell: QRect, text: str) -> None:
        metrics = QFontMetrics(self.fonts.badge)
        width = metrics.horizontalAdvance(text) + 2 * BADGE_PADDING[0]
        height = metrics.height() + 2 * BADGE_PADDING[1]
        badge = QRect(0, 0, width, height)
        badge.moveCenter(cell.center())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette.urgent)
        painter.drawRoundedRect(badge.toRectF(), 8, 8)
        painter.setPen(self.palette.on_urgent)
        painter.setFont(self.fonts.badge)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)


class VisitList(QListView):
    """The list itself: finger drags scroll it, a tap (or Enter, Space from a keypad) on a row
    emits `chosen(code)`."""

    chosen = Signal(str)

    def __init__(self, model: VisitListModel) -> None:
        super().__init__()
        self.pressed_row: int | None = None
        self.setObjectName("VisitList")
        self.setModel(model)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setUniformItemSizes(True)  # one row's size is every row's: no per-row layout
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep((ROW_HEIGHT + ROW_GAP) // 3)
        # Tab reaches the list (switch devices); a tap does not leave a focus ring behind.
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setMouseTracking(False)
        self.delegate = VisitRowDelegate(self)
        self.setItemDelegate(self.delegate)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.clicked.connect(self._clicked)

    def visit_model(self) -> VisitListModel:
        model = self.model()
        assert isinstance(model, VisitListModel)
        return model

    def rows_shown(self) -> list[int]:
        """The rows at least partly inside the viewport (the only ones painted)."""
        area = self.viewport().rect()
        model = self.visit_model()
        top = self.indexAt(area.topLeft())
        if not top.isValid():
            return []
        rows = []
        for row in range(top.row(), model.rowCount()):
            if not self.visualRect(model.index(row)).intersects(area):
                break
            rows.append(row)
        return rows

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.chosen.emit(self.visit_model().line(index.row()).code)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
        if event.key() in keys and not event.isAutoRepeat() and self.currentIndex().isValid():
            self._clicked(self.currentIndex())
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        index = self.indexAt(event.position().toPoint())
        self._set_pressed(index.row() if index.isValid() else None)
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._set_pressed(None)
        super().mouseReleaseEvent(event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt override
        self._set_pressed(None)  # a drag, not a tap: the row under the finger is not pressed
        super().scrollContentsBy(dx, dy)

    def _set_pressed(self, row: int | None) -> None:
        if row != self.pressed_row:
            self.pressed_row = row
            self.viewport().update()


# --- finding a visit by its code ------------------------------------------------------------------


class CodeKeypad(QWidget):
    """The characters a visit code can hold (no 0/O, 1/I/L), "Delete" and "Clear". Emits
    `text_changed` with the code typed so far (at most a whole code, without its dash)."""

    text_changed = Signal(str)
    PER_ROW = 11

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self._text = ""
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, TouchButton] = {}
        for place, char in enumerate(CODE_ALPHABET):
            button = TouchButton(char, role="key")
            button.clicked.connect(lambda _=False, ch=char: self.type_char(ch))
            grid.addWidget(button, *divmod(place, self.PER_ROW))
            self.keys[char] = button
        self.delete_button = TouchButton("Delete", role="key")
        self.delete_button.setProperty("small", True)
        self.delete_button.clicked.connect(self.delete)
        self.clear_button = TouchButton("Clear", role="key")
        self.clear_button.setProperty("small", True)
        self.clear_button.clicked.connect(self.clear)
        place = len(CODE_ALPHABET)
        grid.addWidget(self.delete_button, *divmod(place, self.PER_ROW))
        grid.addWidget(self.clear_button, *divmod(place + 1, self.PER_ROW))

    def text(self) -> str:
        return self._text

    def type_char(self, char: str) -> None:
        if char in CODE_ALPHABET and len(self._text) < CODE_LENGTH:
            self._text += char
            self.text_changed.emit(self._text)

    def delete(self) -> None:
        if self._text:
            self._text = self._text[:-1]
            self.text_changed.emit(self._text)

    def clear(self) -> None:
        if self._text:
            self._text = ""
            self.text_changed.emit(self._text)


class ReceptionPage(QWidget):
    """Today's visits. Emits `visit_requested(code)` when a row is tapped."""

    visit_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self._day_text = ""
        self._line_cache: dict[tuple[object, ...], VisitLine] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 16)
        layout.setSpacing(12)
        heading = QHBoxLayout()
        heading.setSpacing(16)
        self.title = label("title", "Today's visits", wrap=False)
        self.find_button = TouchButton("Find a code")
        self.find_button.clicked.connect(self.open_search)
        # While a code is being looked for: what has been typed, and the way back to every visit.
        self.entry = label("entry", wrap=False)
        self.entry.hide()
        self.show_all_button = TouchButton("Show all visits")
        self.show_all_button.clicked.connect(self.close_search)
        self.show_all_button.hide()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.entry)
        heading.addWidget(self.find_button)
        heading.addWidget(self.show_all_button)
        self.subtitle = label("subtitle")
        self.hint = label(
            "small",
            "Urgent visits first, then the newest. Tap a visit to see its summary, reprint it "
            "or mark it as seen. Abandoned: the visitor left before the end.",
        )
        # The kiosk's replication to the clinic hub (ui/staff/hub_sync.py); only with a hub.
        self.sync = label("sync")
        self.sync.hide()
        self.empty = label("body", "No visits yet today.")
        self.error = label("body")
        self.error.setObjectName("StaffError")
        self.error.hide()
        self.model = VisitListModel()
        self.list = VisitList(self.model)
        self.list.chosen.connect(self.visit_requested)
        self.header = QWidget()
        self.header.setObjectName("ScreenBody")
        header_row = QHBoxLayout(self.header)
        header_row.setContentsMargins(0, 0, 0, 0)
        header_row.setSpacing(0)
        self.headers = [label("small", text, wrap=False) for text in COLUMNS]
        for header in self.headers:
            header.setContentsMargins(CELL_PADDING, 0, CELL_PADDING, 0)
            header_row.addWidget(header)
        header_row.addStretch(1)
        self.keypad: CodeKeypad | None = None  # made the first time "Find a code" is tapped
        layout.addLayout(heading)
        for widget in (self.subtitle, self.hint, self.sync, self.error, self.header):
            layout.addWidget(widget)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        self._layout = layout
        self.set_visits([], "", None)

    # -- what is shown --

    def set_visits(self, visits: Sequence[VisitLike], day_text: str, zone: tzinfo | None) -> None:
        """Show these visits (today's, in the store's order). Only what changed is repainted,
        and the rows on screen stay where they are when a new visit arrives above them."""
        show(self.error, "")
        self._day_text = day_text
        # In the store's order (urgent first, then newest): it is the one place that decides it.
        lines = self._lines_of(visits, zone) if zone is not None else []
        self._keeping_place(lambda: self.model.set_lines(lines))
        self._update_texts()

    def _lines_of(self, visits: Sequence[VisitLike], zone: tzinfo) -> list[VisitLine]:
        """Each visit as a line, reusing the lines of visits unchanged since the last refresh:
        formatting a thousand clock times is most of a refresh's cost (~17 ms)."""
        known = self._line_cache
        cache: dict[tuple[object, ...], VisitLine] = {}
        lines = []
        for visit in visits:
            key = (visit.code, visit.urgent, visit.risk, visit.started_at, visit.status,
                   visit.printed, visit.seen, zone)  # fmt: skip
            line = known.get(key) or VisitLine.of(visit, zone)
            cache[key] = line
            lines.append(line)
        self._line_cache = cache  # only today's visits: it never grows past the list
        return lines

    def _keeping_place(self, change: Callable[[], None]) -> None:
        """Make ``change`` to the model, then scroll so that the row that was at the top of the
        screen is there again (and the keyboard's current row is still current). At the top of
        the list it stays at the top: a new urgent visit must be seen at once."""
        view, model = self.list, self.model
        shown = view.rows_shown() if view.verticalScrollBar().value() > 0 else []
        anchor = model.line(shown[0]).code if shown else None
        offset = view.visualRect(model.index(shown[0])).top() if shown else 0
        current = view.currentIndex()
        current_code = model.line(current.row()).code if current.isValid() else None
        change()
        row = model.row_of(anchor) if anchor is not None else None
        if row is not None:
            moved = view.visualRect(model.index(row)).top() - offset
            bar = view.verticalScrollBar()
            bar.setValue(bar.value() + moved)
        row = model.row_of(current_code) if current_code is not None else None
        if row is not None and view.currentIndex().row() != row:
            view.setCurrentIndex(model.index(row))

    def _update_texts(self) -> None:
        lines = self.model.all_lines()
        counts = f"{len(lines):,} visit{'s' if len(lines) != 1 else ''}"
        urgent = sum(line.urgent for line in lines)
        if urgent:
            counts += f", {urgent:,} urgent"
        query = self.model.query()
        shown = self.model.rowCount()
        if query:
            verb = "has" if shown == 1 else "have"
            counts = f"{shown:,} of {len(lines):,} {verb} {code_shown(query)} in the code"
        set_label(self.subtitle, f"{self._day_text} · {counts}" if self._day_text else counts)
        if not lines:
            empty = "No visits yet today."
        elif query and not shown:
            empty = f"No visit today has {code_shown(query)} in its code."
        else:
            empty = ""
        show(self.empty, empty)
        self.list.setVisible(shown > 0)
        self.header.setVisible(shown > 0)
        self.find_button.setVisible(bool(lines) and not self.searching())

    def show_error(self, message: str) -> None:
        show(self.error, message)

    def show_sync(self, text: str, failing: bool) -> None:
        set_prop(self.sync, "failing", failing)
        show(self.sync, text)

    def clear(self) -> None:
        self.close_search()
        show(self.sync, "")
        self._line_cache = {}  # staff mode keeps nothing of the day once locked
        self.set_visits([], "", None)
        self.list.verticalScrollBar().setValue(0)

    def row_codes(self) -> list[str]:
        """The codes listed, top to bottom (only those matching the code searched for)."""
        return [line.code for line in self.model.lines()]

    def line_for(self, code: str) -> VisitLine | None:
        row = self.model.row_of(code)
        return None if row is None else self.model.line(row)

    def codes_shown(self) -> list[str]:
        """The codes of the rows on screen now."""
        return [self.model.line(row).code for row in self.list.rows_shown()]

    def scroll_to(self, code: str) -> bool:
        row = self.model.row_of(code)
        if row is None:
            return False
        self.list.scrollTo(self.model.index(row), QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    # -- finding a code --

    def searching(self) -> bool:
        return self.keypad is not None and not self.keypad.isHidden()

    def open_search(self) -> None:
        if self.keypad is None:
            self.keypad = CodeKeypad()
            self.keypad.text_changed.connect(self._search_for)
            self._layout.addWidget(self.keypad)
        self.keypad.clear()
        self._search_for("")
        self.keypad.show()
        self.entry.show()
        self.show_all_button.show()
        self.hint.hide()  # room for the keypad: the list keeps a few rows on screen
        self._update_texts()

    def close_search(self) -> None:
        if self.keypad is None:
            return
        self.keypad.hide()
        self.keypad.clear()
        self.entry.hide()
        self.show_all_button.hide()
        self.hint.show()
        self._search_for("")

    def _search_for(self, text: str) -> None:
        set_label(self.entry, f"Code: {code_shown(text)}" if text else "Type the code")
        if text != self.model.query():
            self.model.set_query(text)
            self.list.scrollToTop()
        self._update_texts()

    # -- layout --

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._measure()

    def _measure(self) -> None:
        """Column widths from the fonts the style sheet gives (known once polished)."""
        self.list.ensurePolished()
        self.headers[0].ensurePolished()
        delegate = self.list.delegate
        delegate.set_fonts(self.list.font(), self.headers[0].font())
        for header, width in zip(self.headers, delegate.widths, strict=True):
            header.setFixedWidth(width)
        self.list.doItemsLayout()


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
        self.action_row = QHBoxLayout()
        self.action_row.setSpacing(24)
        self.reprint_button = TouchButton("Reprint", role="primary")
        self.reprint_button.clicked.connect(self._reprint)
        self.seen_button = TouchButton("Mark as seen")
        self.seen_button.clicked.connect(self._seen)
        self.action_row.addWidget(self.reprint_button)
        self.action_row.addWidget(self.seen_button)
        self.action_row.addStretch(1)
        self.status = label("body")
        self.status.setObjectName("ActionStatus")
        self.summary = SummaryView()
        layout.addLayout(heading)
        layout.addWidget(self.meta)
        layout.addLayout(self.action_row)
        layout.addWidget(self.status)
        layout.addWidget(self.summary, 1)
        self.clear()

    def show_visit(self, line: VisitLine) -> None:
        """The heading and status line; the summary comes separately (it takes a moment)."""
        new = line.code != self.code
        self.code = line.code
        set_label(self.title, f"Visit {line.code}")
        self.marker.setVisible(line.urgent)
        level = LEVEL_WORDS.get(line.risk)
        set_label(self.marker, f"URGENT \u00b7 {level.upper()}" if level else "URGENT")
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
        set_direction(self.action_row, portrait)

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


__all__ = [
    "CodeKeypad",
    "ReceptionPage",
    "VisitLine",
    "VisitList",
    "VisitListModel",
    "VisitPage",
]
