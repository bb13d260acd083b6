"""Urgent visits in staff mode: the words staff read for them, the "Urgent: acknowledge" banner
shown above every staff page, and the choice of outcome shared by the banner and the admin's
"Urgent today" section (ui/staff/sections/urgent_today.py).

These widgets only show and ask (they emit intents); ui/staff/urgent_watch.py reads the store
and saves the acknowledgement. Staff mode is English only, like the rest of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import get_args

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from kiosk.alerts import channel_label
from kiosk.config import Config
from kiosk.content import Content
from kiosk.content.staff_words import StaffWords
from kiosk.model import ChannelStatus, Outcome, UrgentVisit
from ui.staff.common import clock_time, show
from ui.widgets.basics import TouchButton, WrapButton, label, set_label

# The level in words (CLINICAL.md); the reasons are the content's (staff.toml [alert_reasons]:
# what an alert says of them too, never an answer).
LEVEL_WORDS = {"acute": "Acute", "non_acute": "Non-acute", "none": "Not urgent"}
# The outcomes staff choose from (UX.md), in the order they are offered.
OUTCOME_WORDS: dict[Outcome, str] = {
    "spoke": "Spoke with the visitor",
    "clinician": "Handed to a clinician",
    "left": "Visitor had left",
    "other": "Other",
}
assert tuple(OUTCOME_WORDS) == get_args(Outcome), "an outcome without its words"
ROLE_WORDS = {
    "reception": "Reception",
    "admin": "Administrator",
    "admin-cli": "Administrator (CLI)",
}
# Alert channels (the outbox's `channel`) in words; `notify` is said by what its URLs reach.
# Unacknowledged visits shown at once; the rest follow as these are done. Two rows, a failing
# channel and the page under them still fit a 1280x800 screen.
BANNER_ROWS = 2


def line(role: str, text: str = "") -> QLabel:
    """A wrapping label that asks for one line's height at least, not its preferred shape's
    (a label's default policy makes that its minimum, and the window would grow for it)."""
    widget = label(role, text)
    policy = widget.sizePolicy()
    policy.setVerticalPolicy(QSizePolicy.Policy.Preferred)
    widget.setSizePolicy(policy)
    return widget


def staff_mode_words(content: Content) -> StaffWords:
    """The reasons' words for staff mode, which speaks English (ui/staff/common.py)."""
    return content[content.default_language].staff("en").words


def reason_words(joined: str | None, words: StaffWords) -> str:
    return words.reasons_said(joined) or "no reason kept"


def level_and_reason(visit: UrgentVisit, words: StaffWords) -> str:
    """ "Acute: asked to talk to someone now"."""
    return f"{LEVEL_WORDS.get(visit.risk, visit.risk)}: {reason_words(visit.reason, words)}"


def _notify_words(url: str) -> str:
    scheme = url.partition("://")[0].lower()
    if scheme.startswith("mailto"):
        return "e-mail"
    if scheme in ("json", "jsons", "xml", "xmls", "form", "forms"):
        return "the webhook"
    return "the notification service"


def channel_words(channel: str, config: Config) -> str:
    """ "e-mail", "the desk printer": what a channel reaches, as staff would say it."""
    if channel == "notify":
        kinds = sorted({_notify_words(url) for url in config.alerts.notify})
        return " and ".join(kinds) if kinds else "e-mail and messages"
    # Staff mode speaks English (ui/staff/common.py): the channel registry's English label.
    return channel_label(channel, "en")


def moment_words(moment: datetime, zone: tzinfo, today: datetime | None = None) -> str:
    """2:14 PM, or Dec 4, 2:14 PM when it was not on the day of `today`."""
    local = moment.astimezone(zone)
    if today is not None and local.date() != today.astimezone(zone).date():
        return f"{local:%b} {local.day}, {clock_time(moment, zone)}"
    return clock_time(moment, zone)


def failing_lines(statuses: Sequence[ChannelStatus], config: Config, now: datetime) -> list[str]:
    """One line per channel that keeps failing: "Alerts are not reaching e-mail since 2:14 PM"."""
    zone = config.zone
    return [
        f"Alerts are not reaching {channel_words(status.channel, config)} since "
        f"{moment_words(status.failing_since, zone, now)}."
        for status in statuses
        if status.failing_since is not None
    ]


class OutcomeChooser(QFrame):
    """ "What happened?" for one urgent visit: the four outcomes and "Cancel". Emits
    `chosen(code, outcome)` or `cancelled()`."""

    chosen = Signal(str, str)
    cancelled = Signal()

    def __init__(self, words: StaffWords) -> None:
        super().__init__()
        self.words = words
        self.setProperty("role", "confirm")
        self.code: str | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 16, 24, 16)
        box.setSpacing(12)
        self.question = line("body")
        box.addWidget(self.question)
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        self.buttons: dict[Outcome, TouchButton] = {}
        for outcome, text in OUTCOME_WORDS.items():
            button = TouchButton(text, role="primary")
            button.clicked.connect(lambda _=False, o=outcome: self._choose(o))
            self.buttons[outcome] = button
        self.cancel_button = TouchButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        box.addLayout(self.grid)
        self.wide: bool | None = None
        self._arrange(wide=False)
        self.hide()

    def _arrange(self, *, wide: bool) -> None:
        """Wide: the outcomes and "Cancel" in one row, so that a landscape screen keeps room
        for the page under the banner. Narrow (portrait): two outcomes a row, "Cancel" under."""
        if wide == self.wide:
            return
        self.wide = wide
        buttons = [*self.buttons.values(), self.cancel_button]
        for button in buttons:
            self.grid.removeWidget(button)
        for column in range(5):
            self.grid.setColumnStretch(column, 0)
        if wide:
            for index, button in enumerate(buttons):
                self.grid.addWidget(button, 0, index)
        else:
            for index, button in enumerate(buttons[:-1]):
                self.grid.addWidget(button, *divmod(index, 2))
            self.grid.addWidget(self.cancel_button, 2, 0, Qt.AlignmentFlag.AlignLeft)

    def fit(self, width: int) -> None:
        """Arrange the buttons for this width (before showing too: a layout that first asks
        for more height than the window has makes the window grow)."""
        buttons = [*self.buttons.values(), self.cancel_button]
        for button in buttons:
            button.ensurePolished()  # the style sheet's font and padding decide the width
        needed = sum(b.sizeHint().width() for b in buttons) + self.grid.spacing() * 4
        layout = self.layout()
        inner = layout.contentsMargins() if layout is not None else None
        padding = inner.left() + inner.right() if inner is not None else 0
        self._arrange(wide=needed + padding <= width)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit(event.size().width())

    def ask(self, visit: UrgentVisit, zone: tzinfo) -> None:
        self.code = visit.code
        set_label(
            self.question,
            f"Acknowledge {visit.code} ({level_and_reason(visit, self.words)}, started "
            f"{clock_time(visit.started_at, zone)}). What happened?",
        )
        self.set_busy(False)
        parent = self.parentWidget()
        if parent is not None and not self.isVisible():
            margins = parent.contentsMargins()
            host = parent.layout()
            inset = host.contentsMargins() if host is not None else margins
            self.fit(parent.width() - inset.left() - inset.right())
        self.show()

    def set_busy(self, busy: bool) -> None:
        """While the acknowledgement is being saved a second tap does nothing."""
        for button in (*self.buttons.values(), self.cancel_button):
            button.setEnabled(not busy)

    def close_question(self) -> None:
        self.code = None
        self.hide()

    def _choose(self, outcome: Outcome) -> None:
        if self.code is not None:
            self.set_busy(True)
            self.chosen.emit(self.code, outcome)

    def _cancel(self) -> None:
        self.close_question()
        self.cancelled.emit()


class UrgentBanner(QWidget):
    """Above every staff page while an urgent visit of today is unacknowledged or an alert
    channel keeps failing. A row per unacknowledged visit (acute first); tapping one asks for
    the outcome. Emits `acknowledge_requested(code, outcome)`."""

    acknowledge_requested = Signal(str, str)

    def __init__(self, words: StaffWords) -> None:
        super().__init__()
        self.words = words
        self.setObjectName("UrgentBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        column = QVBoxLayout(self)
        column.setContentsMargins(32, 12, 32, 12)
        column.setSpacing(8)
        self.visits: list[UrgentVisit] = []
        self.zone: tzinfo | None = None
        self.rows: list[WrapButton] = []
        for _ in range(BANNER_ROWS):
            row = WrapButton(role="urgentrow")
            row.clicked.connect(lambda _=False, r=row: self._ask(r))
            row.hide()
            column.addWidget(row)
            self.rows.append(row)
        self.more = line("bannerline")
        self.chooser = OutcomeChooser(words)
        self.chooser.chosen.connect(self.acknowledge_requested)
        self.chooser.cancelled.connect(self._refresh_rows)
        self.failing = line("bannerline")
        self.failing.setObjectName("AlertsFailing")
        self.status = line("bannerline")
        self.status.setObjectName("BannerStatus")
        for widget in (self.more, self.chooser, self.failing, self.status):
            column.addWidget(widget)
        self.clear()

    # -- what is shown --

    def show_state(
        self, unacknowledged: Sequence[UrgentVisit], failing: Sequence[str], zone: tzinfo
    ) -> None:
        """Today's unacknowledged urgent visits (acute first, as the store orders them) and the
        failing channels' lines. A question being answered stays open while its visit does."""
        self.visits = list(unacknowledged)
        self.zone = zone
        show(self.failing, "\n".join(failing))
        asked = self.chooser.code
        if asked is not None and asked not in self.codes():
            self.chooser.close_question()  # acknowledged elsewhere meanwhile
        self._refresh_rows()

    def codes(self) -> list[str]:
        return [visit.code for visit in self.visits]

    def row_text(self, visit: UrgentVisit) -> str:
        assert self.zone is not None
        started = clock_time(visit.started_at, self.zone)
        return (
            f"Urgent: acknowledge {visit.code} · {started} · {level_and_reason(visit, self.words)}"
        )

    def _refresh_rows(self) -> None:
        asking = self.chooser.code is not None
        for index, row in enumerate(self.rows):
            visit = self.visits[index] if index < len(self.visits) else None
            row.setText(self.row_text(visit) if visit is not None else "")
            row.setProperty("code", visit.code if visit is not None else "")
            # While one visit's outcome is being chosen, the question alone says which.
            row.setVisible(visit is not None and not asking)
        extra = len(self.visits) - BANNER_ROWS
        show(
            self.more,
            ""
            if extra <= 0 or asking
            else f"{extra} more urgent visit{'s' if extra != 1 else ''} to acknowledge after "
            "these.",
        )
        self._update_visible()

    def show_status(self, text: str) -> None:
        """A line that must be read (a save that failed, the store unreadable)."""
        show(self.status, text)
        self._update_visible()

    def acknowledged(self, code: str) -> None:
        """Saved (or found already saved): the question closes, the row goes."""
        if self.chooser.code == code:
            self.chooser.close_question()
        self.visits = [visit for visit in self.visits if visit.code != code]
        self._refresh_rows()

    def save_failed(self, code: str, text: str) -> None:
        if self.chooser.code == code:
            self.chooser.set_busy(False)
        self.show_status(text)

    def clear(self) -> None:
        self.visits = []
        self.chooser.close_question()
        show(self.failing, "")
        show(self.status, "")
        self._refresh_rows()

    def _ask(self, row: WrapButton) -> None:
        code = row.property("code")
        visit = next((v for v in self.visits if v.code == code), None)
        if visit is None or self.zone is None:
            return
        show(self.status, "")
        # The rows go before the question comes: both at once would ask the window for more
        # height than it has, and it would grow.
        for other in self.rows:
            other.hide()
        self.more.hide()
        self.chooser.ask(visit, self.zone)
        self._refresh_rows()

    def _update_visible(self) -> None:
        self.setVisible(
            bool(self.visits)
            or not self.failing.isHidden()
            or not self.status.isHidden()
            or self.chooser.code is not None
        )


def unacknowledged(visits: Sequence[UrgentVisit]) -> list[UrgentVisit]:
    return [visit for visit in visits if visit.acknowledged_at is None]


__all__ = [
    "OUTCOME_WORDS",
    "OutcomeChooser",
    "UrgentBanner",
    "channel_words",
    "failing_lines",
    "level_and_reason",
    "reason_words",
    "staff_mode_words",
    "unacknowledged",
]
