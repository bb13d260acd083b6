"""Urgent today: the end-of-day reconciliation (UX.md). Every urgent visit of the day, those not
yet acknowledged first, then acute first: level and reason, when the alert went out and through
what, whether it was escalated, who (by role) acknowledged it and the outcome. One still
unacknowledged is marked and can be acknowledged here. Under them, each alert channel's last
success and last error in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.config import Config
from kiosk.content.staff_words import StaffWords
from kiosk.exports.day_log import day_range
from kiosk.model import AlertDelivery, ChannelStatus, Outcome, UrgentVisit
from ui.staff.common import clock_time, long_date, one_line, show
from ui.staff.sections import AdminSection, register, section_body
from ui.staff.urgent import (
    LEVEL_WORDS,
    OUTCOME_WORDS,
    ROLE_WORDS,
    OutcomeChooser,
    channel_words,
    reason_words,
    staff_mode_words,
)
from ui.widgets.basics import TouchButton, card, label, set_label


def _when(moment: datetime, zone: tzinfo, today: date) -> str:
    """2:14 PM today, Mar 13, 2:14 PM another day."""
    local = moment.astimezone(zone)
    if local.date() == today:
        return clock_time(moment, zone)
    return f"{local:%b} {local.day}, {clock_time(moment, zone)}"


def delivery_words(delivery: AlertDelivery, config: Config) -> str:
    """ "e-mail: sent 2:14 PM" / "the desk printer: not sent yet (no paper), 3 tries"."""
    zone = config.zone
    where = channel_words(delivery.channel, config)
    what = "escalation to " if delivery.kind == "escalation" else ""
    if delivery.sent_at is not None:
        return f"{what}{where}: sent {clock_time(delivery.sent_at, zone)}"
    tries = f", {delivery.attempts} tr{'y' if delivery.attempts == 1 else 'ies'}"
    error = f" ({delivery.last_error})" if delivery.last_error else ""
    return f"{what}{where}: not sent yet{error}{tries if delivery.attempts else ''}"


def visit_lines(visit: UrgentVisit, config: Config, words: StaffWords) -> list[str]:
    """What the reconciliation says of one urgent visit, a line each."""
    zone = config.zone
    lines = [f"Reason: {reason_words(visit.reason, words)}"]
    if visit.alerted_at is not None:
        lines.append(f"Alerted: {clock_time(visit.alerted_at, zone)}")
    elif visit.deliveries:
        lines.append("Alerted: not yet (no channel has accepted the alert)")
    else:
        lines.append("Alerted: no (no alert was written for this visit)")
    if visit.deliveries:
        lines.append("; ".join(delivery_words(d, config) for d in visit.deliveries))
    escalated = visit.escalated_at
    lines.append(f"Escalated: {clock_time(escalated, zone)}" if escalated else "Escalated: no")
    if visit.acknowledged_at is not None:
        role = ROLE_WORDS.get(visit.acknowledged_by or "", visit.acknowledged_by or "?")
        outcome = OUTCOME_WORDS.get(visit.outcome, visit.outcome) if visit.outcome else "?"
        lines.append(
            f"Acknowledged: {clock_time(visit.acknowledged_at, zone)} by {role} · {outcome}"
        )
    return lines


def channel_line(status: ChannelStatus, config: Config, today: date) -> str:
    """One line per channel: "E-mail: last delivered Mar 14, 2:14 PM · last error …"."""
    zone = config.zone
    where = channel_words(status.channel, config)
    parts = [
        f"last delivered {_when(status.last_success, zone, today)}"
        if status.last_success
        else "nothing delivered yet"
    ]
    if status.last_error and status.last_error_at:
        parts.append(f"last error {_when(status.last_error_at, zone, today)}: {status.last_error}")
    if status.failing_since is not None:
        parts.append(f"failing since {_when(status.failing_since, zone, today)}")
    if status.pending:
        parts.append(f"{status.pending} waiting")
    return f"{where[:1].upper()}{where[1:]}: " + " · ".join(parts)


class UrgentTodaySection(AdminSection):
    key = "urgent"
    title = "Urgent today"
    order = 15

    def build(self) -> QWidget:
        inner, column = section_body("Urgent today")
        column.addWidget(
            label(
                "small",
                "Every urgent visit of today, those still open first, acute first: when the alert "
                "went out, whether it was escalated, who acknowledged it and the outcome.",
            )
        )
        # The day and the count beside "Refresh": the cards start high enough to be seen.
        row = QHBoxLayout()
        row.setSpacing(16)
        self.day = label("subtitle")
        self.message = label("body")
        texts = QVBoxLayout()
        texts.setSpacing(4)
        texts.addWidget(self.day)
        texts.addWidget(self.message)
        row.addLayout(texts, 1)
        self.refresh_button = TouchButton("Refresh")
        self.refresh_button.clicked.connect(self.load)
        row.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(row)
        self.visit_list = QVBoxLayout()
        self.visit_list.setSpacing(12)
        column.addLayout(self.visit_list)
        self.channels_heading = label("heading", "Alert channels")
        column.addWidget(self.channels_heading)
        self.channels = label("body")
        self.channels.setObjectName("ChannelLines")
        column.addWidget(self.channels)
        column.addStretch(1)
        self.cards: dict[str, QWidget] = {}
        self.ack_buttons: dict[str, TouchButton] = {}
        self.visits: list[UrgentVisit] = []
        self.chooser = OutcomeChooser(staff_mode_words(self.desk.content))
        self.chooser.chosen.connect(self._chosen)
        self.chooser.cancelled.connect(self._cancelled)
        self.on_screen = False
        self._reading = self._again = False
        self.desk.urgent_changed.connect(self._changed_elsewhere)
        self.show_visits([], [])
        return inner

    def shown(self) -> None:
        self.on_screen = True
        if self.signed_in_admin:
            self.load()

    def hidden(self) -> None:
        self.on_screen = False
        self._cancelled()

    def clear(self) -> None:
        self.on_screen = False
        self._reading = self._again = False
        self.chooser.close_question()
        self.show_visits([], [])
        set_label(self.day, "")
        show(self.message, "")

    def _changed_elsewhere(self) -> None:
        if self.on_screen and self.signed_in_admin:
            self.load()

    # -- reading --------------------------------------------------------------------------------

    def load(self) -> None:
        store = self.desk.store
        if store is None:
            self.show_error("The kiosk database is unavailable.")
            return
        if self._reading:
            self._again = True  # read once more when this reading is shown: it may be stale
            return
        self._reading, self._again = True, False
        today = self.desk.today()
        start, end = day_range(today, self.desk.config.zone)
        set_label(self.day, long_date(today))

        def read() -> tuple[list[UrgentVisit], list[ChannelStatus]]:
            return store.urgent_visits(start, end), store.alert_channel_status()

        def done(
            result: tuple[list[UrgentVisit], list[ChannelStatus]] | None,
            error: BaseException | None,
        ) -> None:
            self._reading = False
            if error is not None or result is None:
                self.show_error(f"Could not read today's urgent visits: {one_line(error or '')}")
            else:
                self.show_visits(*result)
            if self._again:
                self.load()

        self.desk.worker.run(read, done)

    def show_error(self, text: str) -> None:
        self.show_visits([], [])
        show(self.message, text)

    # -- showing --------------------------------------------------------------------------------

    def show_visits(self, visits: Sequence[UrgentVisit], statuses: Sequence[ChannelStatus]) -> None:
        asked = self.chooser.code
        self.chooser.setParent(None)  # kept across the rebuild of the cards
        for widget in self.cards.values():
            self.visit_list.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.cards, self.ack_buttons = {}, {}
        # Still open first (the store's order otherwise: acute first, then the newest).
        visits = sorted(visits, key=lambda visit: visit.acknowledged_at is not None)
        self.visits = visits
        config = self.desk.config
        for visit in visits:
            self.cards[visit.code] = self._card(visit, config)
            self.visit_list.addWidget(self.cards[visit.code])
        open_count = sum(visit.acknowledged_at is None for visit in visits)
        if not visits:
            summary = "No urgent visits today."
        else:
            plural = "visit" if len(visits) == 1 else "visits"
            summary = f"{len(visits)} urgent {plural} today, {open_count} not acknowledged."
        show(self.message, summary)
        set_label(
            self.channels,
            "\n".join(channel_line(status, config, self.desk.today()) for status in statuses)
            if statuses
            else (
                "No alert has been sent yet."
                if config.alerts_configured
                else "No alert channel is configured ([alerts] in the config file): "
                "nobody is told of an urgent visit until someone looks here or at the kiosk."
            ),
        )
        still_open = next(
            (v for v in visits if v.code == asked and v.acknowledged_at is None), None
        )
        if still_open is not None:
            self._ask(still_open)
        else:
            self.chooser.close_question()

    def _card(self, visit: UrgentVisit, config: Config) -> QWidget:
        zone = config.zone
        frame = card("urgentcard")
        frame.setProperty("open", visit.acknowledged_at is None)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(20, 12, 20, 12)
        inner.setSpacing(4)
        head = QHBoxLayout()
        head.setSpacing(12)
        level = LEVEL_WORDS.get(visit.risk, visit.risk)
        head.addWidget(
            label(
                "rowcode",
                f"{visit.code} · started {clock_time(visit.started_at, zone)} · {level}",
            ),
            1,
        )
        if visit.acknowledged_at is None:
            head.addWidget(label("urgentbadge", "NOT ACKNOWLEDGED", wrap=False))
        inner.addLayout(head)
        for line in visit_lines(visit, config, staff_mode_words(self.desk.content)):
            inner.addWidget(label("small", line))
        if visit.acknowledged_at is None:
            button = TouchButton(f"Acknowledge {visit.code}", role="primary")
            button.clicked.connect(lambda _=False, v=visit: self._ask(v))
            inner.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            self.ack_buttons[visit.code] = button
        return frame

    def texts_of(self, code: str) -> list[str]:
        """The lines of one visit's card, top to bottom, as shown."""
        frame = self.cards.get(code)
        return [] if frame is None else [line.text() for line in frame.findChildren(QLabel)]

    # -- acknowledging --------------------------------------------------------------------------

    def _ask(self, visit: UrgentVisit) -> None:
        frame = self.cards.get(visit.code)
        layout = frame.layout() if frame is not None else None
        if layout is None:
            return
        for code, button in self.ack_buttons.items():
            button.setVisible(code != visit.code)
        layout.addWidget(self.chooser)
        self.chooser.ask(visit, self.desk.config.zone)
        self.reveal(self.chooser)

    def _cancelled(self) -> None:
        self.chooser.close_question()
        for button in self.ack_buttons.values():
            button.show()

    def _chosen(self, code: str, outcome: str) -> None:
        if not self.signed_in_admin:
            return

        def done(saved: bool | None, error: BaseException | None) -> None:
            if error is not None:
                self.chooser.set_busy(False)
                show(self.message, f"{code} was not acknowledged: {one_line(error)}")
                self.reveal(self.message)
                return
            self.chooser.close_question()
            # The panel's `urgent_changed` follows and re-reads the list (and the banner).

        self.desk.acknowledge(code, outcome_of(outcome), done)


def outcome_of(text: str) -> Outcome:
    for outcome in OUTCOME_WORDS:
        if outcome == text:
            return outcome
    raise ValueError(f"unknown outcome {text!r}")


register(UrgentTodaySection)
