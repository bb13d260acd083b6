"""Reception's work in staff mode: today's visits (re-read every few seconds while the list is on
screen), one visit opened (audited, its summary rendered on a worker and shown as the printed
page), reprint through the shared print service, and mark as seen.

The pages (ui/staff/reception.py) only show and ask; this controller reads the store and does
the work. The staff panel decides which page is on screen and whether anyone is signed in: it
calls `show_list` when the list comes on screen, `leave` when another page does, `clear` when
staff mode locks, and shows the visit page on `visit_opened`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.config import Config
from kiosk.content import Content
from kiosk.exports.day_log import day_range
from kiosk.model import Visit
from kiosk.printing import PrintOutcome, render_summary  # ReportLab loads on first use
from kiosk.store import Store, StoreError
from ui.printer import PrintService
from ui.staff.common import one_line
from ui.staff.hub_sync import HubSync, sync_line
from ui.staff.printer_state import queue_label
from ui.staff.reception import ReceptionPage, VisitLine, VisitPage
from ui.staff.summary_view import PDF_AVAILABLE, summary_text
from ui.worker import Worker

log = logging.getLogger(__name__)

REFRESH_MS = 5_000  # today's visits are re-read this often while the list is shown


class ReceptionDesk(QObject):
    """Works `reception` (today's list) and `visit_page` (one visit). Every staff action goes
    through `audit(action, detail)`; "today" is `today()` (the panel's clock, in the clinic's
    zone)."""

    visit_opened = Signal()  # the visit page has a visit to show: put it on screen

    def __init__(
        self,
        reception: ReceptionPage,
        visit_page: VisitPage,
        *,
        config: Config,
        content: Content,
        store: Store | None,
        printer: PrintService,
        worker: Worker,
        today: Callable[[], date],
        audit: Callable[[str, str], None],
        hub_sync: Callable[[], HubSync | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.reception = reception
        self.visit_page = visit_page
        self.config = config
        self.content = content
        self.store = store
        self.printer = printer
        self.worker = worker
        self.today = today
        self.audit = audit
        self.hub_sync = hub_sync
        # Between `show_list` and `clear`: someone signed in has used the list.
        self.open = False
        self.listing = False  # the list is on screen: keep it fresh
        self._reprinting: set[str] = set()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh_visits)
        reception.visit_requested.connect(self.open_visit)
        visit_page.reprint_requested.connect(self.reprint)
        visit_page.seen_requested.connect(self.mark_seen)
        printer.finished.connect(self._print_finished)

    # -- what the panel tells it ----------------------------------------------------------------

    def show_list(self) -> None:
        """The list came on screen (sign-in, back from a visit or the admin tools)."""
        self.open = True
        self.listing = True
        self.visit_page.clear()
        self.refresh_visits()
        self.refresh_timer.start()

    def leave(self) -> None:
        """Another page came on screen: the list need not be re-read."""
        self.listing = False
        self.refresh_timer.stop()

    def clear(self) -> None:
        """Staff mode locked: nothing shown stays, a reprint's outcome is no longer awaited."""
        self.open = False
        self.leave()
        self._reprinting.clear()
        self.reception.clear()
        self.visit_page.clear()

    # -- the list -------------------------------------------------------------------------------

    def refresh_visits(self) -> None:
        if not self.open or not self.listing:
            self.refresh_timer.stop()
            return
        if self.store is None:
            self.reception.show_error("The kiosk database is unavailable.")
            return
        today = self.today()
        start, end = day_range(today, self.config.zone)
        try:
            visits = self.store.list_visit_summaries(start, end)
        except StoreError as exc:
            self.reception.show_error(f"Could not read today's visits: {one_line(exc)}")
            return
        self.reception.set_visits(visits, f"{today:%A, %B} {today.day}", self.config.zone)
        self._show_sync()

    def _show_sync(self) -> None:
        shipper = self.hub_sync()
        if shipper is None:
            self.reception.show_sync("", False)
            return
        try:
            backlog = shipper.backlog()
        except StoreError as exc:  # the list was just read: a busy moment, said and shown
            log.warning("hub backlog not read: %s", exc)
            return
        text, failing = sync_line(
            shipper.state, backlog, self.config.zone, datetime.now(UTC), shipper.url
        )
        self.reception.show_sync(text, failing)

    # -- one visit ------------------------------------------------------------------------------

    def open_visit(self, code: str) -> None:
        if not self.open or self.store is None:
            return
        try:
            visit = self.store.get_visit(code)
        except StoreError as exc:
            self.reception.show_error(one_line(exc))
            return
        self.audit("open_visit", visit.code)
        self.leave()
        self.visit_page.show_visit(VisitLine.of(visit, self.config.zone))
        self.visit_opened.emit()
        self.visit_page.summary.show_waiting()
        lc = self.content.for_visit(visit.language)
        config = self.config
        self.worker.run(
            lambda: render_summary(visit, lc, config),
            lambda pdf, error: self._summary_ready(visit, pdf, error),
        )

    def _summary_ready(self, visit: Visit, pdf: bytes | None, error: BaseException | None) -> None:
        if self.visit_page.code != visit.code:
            return
        summary = self.visit_page.summary
        if error is not None or pdf is None:
            log.error("could not render the summary of %s: %s", visit.code, error)
            summary.show_text(
                "The printed summary could not be made (see the kiosk log). In short:\n\n"
                + summary_text(visit, self.config)
            )
        else:
            # The text stand-in is also what a screen reader reads for the picture.
            text = summary_text(visit, self.config)
            if not PDF_AVAILABLE or not summary.set_pdf(pdf, text=text):
                summary.show_text(text)

    def _reload_visit_line(self, code: str) -> None:
        if self.store is None or self.visit_page.code != code:
            return
        try:
            visit = self.store.get_visit(code)
        except StoreError as exc:
            log.error("cannot re-read visit %s: %s", code, exc)
            return
        self.visit_page.show_visit(VisitLine.of(visit, self.config.zone))

    def reprint(self, code: str) -> None:
        if not self.open or code in self._reprinting:
            return
        queue = self.config.printing.printer
        self.audit("reprint", f"{code} to {queue_label(queue)}")
        self._reprinting.add(code)
        self.visit_page.show_status("Printing…", busy=True)
        self.printer.print_visit(code)

    def _print_finished(self, code: str, outcome: PrintOutcome) -> None:
        if code not in self._reprinting:
            return  # a visitor's own print, or one started before staff mode locked
        self._reprinting.discard(code)
        if self.visit_page.code != code:
            return
        if outcome.state == "completed":
            where = f" on {outcome.queue}" if outcome.queue else ""
            text = f"Printed{where}. The summary is at the printer."
        elif outcome.state == "saved":
            text = (
                'Not printed: this kiosk has no printer set up (printer = "none"). '
                "The visit stays saved here."
            )
        else:
            text = f"Could not print: {outcome.error or 'unknown error'}."
        self.visit_page.show_status(text)
        self._reload_visit_line(code)

    def mark_seen(self, code: str) -> None:
        if not self.open or self.store is None:
            return
        try:
            self.store.mark_seen(code)
        except StoreError as exc:
            self.visit_page.show_status(f"Could not save: {one_line(exc)}")
            return
        self.audit("mark_seen", code)
        self._reload_visit_line(code)
