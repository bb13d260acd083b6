"""The program explainers: a menu of five topics and one page per topic, all from content.

Someone reading about the IOP may be the one in crisis (UX.md): the menu and every page carry
the crisis lines in one line and "I need to talk to someone now", in a strip above the footer
that never scrolls away.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Config
from kiosk.content import Block, LanguageContent, ProgramPage
from ui.screens.base import Screen, clear_layout, in_order
from ui.widgets.basics import TouchButton, WrapButton, card, label, set_label


class HelpStrip(QWidget):
    """The crisis lines in one line and "I need to talk to someone now", as on the questions."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        # A QWidget subclass paints no style-sheet background unless told (high contrast).
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 8, 24, 0)
        box = card()
        self.row = QHBoxLayout(box)
        self.row.setContentsMargins(20, 12, 20, 12)
        self.row.setSpacing(16)
        self.crisis = label("small")
        self.talk_button = TouchButton(role="talk")
        self.row.addWidget(self.crisis, 1)
        self.row.addWidget(self.talk_button, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addWidget(box)

    def retranslate(self, lc: LanguageContent) -> None:
        safety = lc.screening.safety
        set_label(self.crisis, "  ".join(line.text for line in safety.crisis))
        self.talk_button.setText(safety.talk_now_label)


def _add_help_strip(screen: Screen) -> HelpStrip:
    strip = HelpStrip()
    layout = screen.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertWidget(1, strip)  # between the scrolling page and the footer
    return strip


class ProgramsMenuScreen(Screen):
    page_requested = Signal(str)
    home_requested = Signal()
    checkin_requested = Signal()
    talk_requested = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.title = label("title")
        self.intro = label("body")
        self.column.addWidget(self.title)
        self.column.addWidget(self.intro)
        self.topics: dict[str, WrapButton] = {}
        self.topic_area = self.column
        self.column.addStretch(1)
        self.home_button = TouchButton()
        self.checkin_button = TouchButton(role="primary")
        self.home_button.clicked.connect(self.home_requested)
        self.checkin_button.clicked.connect(self.checkin_requested)
        self.footer.addWidget(self.home_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.checkin_button)
        self.help = _add_help_strip(self)
        self.talk_button = self.help.talk_button
        self.talk_button.clicked.connect(self.talk_requested)

    def reading_order(self) -> list[QWidget]:
        return [*in_order(self.column), *in_order(self.help.row), *in_order(self.footer)]

    def retranslate(self) -> None:
        assert self.lc is not None
        self.help.retranslate(self.lc)
        menu = self.lc.programs.menu
        set_label(self.title, menu.title)
        set_label(self.intro, menu.intro)
        for index, page in enumerate(self.lc.programs.pages):
            button = self.topics.get(page.id)
            if button is None:
                button = WrapButton(role="topic")
                button.clicked.connect(lambda _=False, pid=page.id: self.page_requested.emit(pid))
                self.column.insertWidget(2 + index, button)
                self.topics[page.id] = button
            button.setText(page.title)
            button.set_detail(page.summary)
        self.home_button.setText(self.text("common.home"))
        self.checkin_button.setText(self.text("programs.start_checkin"))

    def back_control(self) -> QAbstractButton | None:
        return self.home_button


class ProgramPageScreen(Screen):
    menu_requested = Signal()
    page_requested = Signal(str)
    checkin_requested = Signal()
    talk_requested = Signal()

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.page_id: str | None = None
        self.position = label("progress")
        self.title = label("title")
        self.column.addWidget(self.position)
        self.column.addWidget(self.title)
        self.blocks_host = QWidget()
        self.blocks_host.setObjectName("ScreenBody")
        self.blocks = QVBoxLayout(self.blocks_host)
        self.blocks.setContentsMargins(0, 0, 0, 0)
        self.blocks.setSpacing(16)
        self.column.addWidget(self.blocks_host)
        self.column.addStretch(1)
        self.back_button = TouchButton()
        self.next_button = TouchButton()
        self.checkin_button = TouchButton(role="primary")
        self.back_button.clicked.connect(self.menu_requested)
        self.next_button.clicked.connect(self._next)
        self.checkin_button.clicked.connect(self.checkin_requested)
        self.footer.addWidget(self.back_button)
        self.footer.addWidget(self.next_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.checkin_button)
        self.help = _add_help_strip(self)
        self.talk_button = self.help.talk_button
        self.talk_button.clicked.connect(self.talk_requested)

    def reading_order(self) -> list[QWidget]:
        return [*in_order(self.column), *in_order(self.help.row), *in_order(self.footer)]

    def show_page(self, page_id: str) -> None:
        self.page_id = page_id
        if self.lc is not None:
            self.retranslate()
        self.scroll_to_top()

    def back_control(self) -> QAbstractButton | None:
        return self.back_button

    def _next(self) -> None:
        assert self.lc is not None
        ids = [p.id for p in self.lc.programs.pages]
        if self.page_id in ids and ids.index(self.page_id) + 1 < len(ids):
            self.page_requested.emit(ids[ids.index(self.page_id) + 1])

    def retranslate(self) -> None:
        assert self.lc is not None
        self.help.retranslate(self.lc)
        pages = self.lc.programs.pages
        page = self.lc.programs.page(self.page_id or pages[0].id)
        number = [p.id for p in pages].index(page.id) + 1
        set_label(self.position, self.text("programs.page_of", n=number, total=len(pages)))
        set_label(self.title, page.title)
        self._render(page)
        self.back_button.setText(self.text("common.back"))
        if number < len(pages):
            # "Next: <title>" where it fits; plain "Next" rather than a footer three rows high.
            self.footer_row.set_text(
                self.next_button,
                f"{self.text('common.next')}: {pages[number].title}",
                self.text("common.next"),
            )
            self.next_button.show()
        else:
            self.next_button.hide()
        self.checkin_button.setText(self.text("programs.start_checkin"))

    def _render(self, page: ProgramPage) -> None:
        clear_layout(self.blocks)
        for block in page.blocks:
            if block.heading:
                self.blocks.addWidget(label("heading", block.heading))
            if block.kind == "paragraph":
                self.blocks.addWidget(label("body", block.text or ""))
            elif block.kind == "bullets":
                for item in block.items or []:
                    self.blocks.addWidget(label("body", f"•  {item}"))
            else:
                self.blocks.addWidget(self._table(block))

    def _table(self, block: Block) -> QWidget:
        host = QWidget()
        host.setObjectName("ScreenBody")
        grid = QGridLayout(host)
        grid.setSpacing(0)
        grid.setContentsMargins(0, 0, 0, 0)
        columns = block.columns or []
        for col, heading in enumerate(columns):
            cell = label("cellhead", heading)
            grid.addWidget(cell, 0, col)
        for row_index, row in enumerate(block.rows or [], start=1):
            for col, text in enumerate(row):
                cell = label("cellhead" if col == 0 else "cell", text)
                cell.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                cell.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
                grid.addWidget(cell, row_index, col)
        grid.setColumnStretch(0, 2)
        for col in range(1, len(columns)):
            grid.setColumnStretch(col, 3)
        return host
