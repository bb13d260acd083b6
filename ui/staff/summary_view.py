"""The visit's printed summary shown on screen: page 1 of its PDF as an image, fitted to the width.

Where QtPdf is missing (a trimmed PySide6 build) a short text summary stands in for the image.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk import instruments
from kiosk.config import Config
from kiosk.model import Visit
from kiosk.summary.wording import staff_result_line
from ui.staff.common import STATUS_WORDS, clock_time, show
from ui.widgets.basics import label, touch_scroll_area

try:
    from PySide6.QtPdf import QPdfDocument

    PDF_AVAILABLE = True
except ImportError:  # pragma: no cover - QtPdf ships with the PySide6 wheels
    PDF_AVAILABLE = False

log = logging.getLogger(__name__)
GUIDANCE_WORDS = {
    "staff_today": "Talk with staff today",
    "ask_iop": "Ask about the Intensive Outpatient Program",
    "clinician": "A clinician decides (answers missing: the scores could be higher)",
    "outpatient": "Outpatient therapy may fit",
}


LEVEL_WORDS = {"acute": "URGENT, acute", "non_acute": "URGENT, non-acute"}
PICTURE_NAME = "Printed summary"


def summary_text(visit: Visit, config: Config) -> str:
    """The text stand-in: what reception needs, no answers."""
    level = LEVEL_WORDS.get(visit.risk, "URGENT") if visit.urgent else ""
    lines = [
        f"Visit {visit.code}" + (f"  ({level})" if level else ""),
        f"Started {clock_time(visit.started_at, config.zone)} · "
        f"{STATUS_WORDS.get(visit.status, visit.status)}",
    ]
    for instrument_id in instruments.ids():
        if instrument_id in visit.scores or instrument_id in config.screening.instruments:
            lines.append(staff_result_line(instrument_id, visit.scores.get(instrument_id)))
    if visit.guidance:
        lines.append(f"Guidance: {GUIDANCE_WORDS.get(visit.guidance, visit.guidance)}")
    return "\n".join(lines)


class SummaryView(QWidget):
    """Shows a rendered summary. `set_pdf` takes the PDF bytes; `clear` forgets everything."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ScreenBody")
        self._pdf: bytes | None = None
        self.image: QImage | None = None
        self.notice = label("body")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture = QLabel()
        self.picture.setObjectName("SummaryPage")
        self.picture.setAccessibleName(PICTURE_NAME)  # never a nameless image to a screen reader
        self.picture.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.text = label("body")
        self.text.setObjectName("SummaryText")
        inner = QWidget()
        inner.setObjectName("ScreenBody")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.notice)
        column.addWidget(self.picture)
        column.addWidget(self.text)
        column.addStretch(1)
        self.area = touch_scroll_area(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area)
        self.clear()

    def show_waiting(self) -> None:
        self.clear()
        show(self.notice, "Preparing the summary…")

    def show_error(self, message: str) -> None:
        self.clear()
        show(self.notice, message)

    def show_text(self, text: str) -> None:
        self.clear()
        show(self.text, text)

    def set_pdf(self, pdf: bytes, *, text: str = "") -> bool:
        """Render page 1 at the current width; False (and nothing shown) if it cannot. ``text``
        (the text stand-in, `summary_text`) is what a screen reader reads for the picture."""
        self.clear()
        self._pdf = pdf
        self.picture.setAccessibleDescription(text)
        if not self._render():
            self._pdf = None
            return False
        return True

    def clear(self) -> None:
        self._pdf = None
        self.image = None
        self.picture.clear()
        self.picture.hide()
        show(self.notice, "")
        show(self.text, "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._pdf is not None and event.size().width() != event.oldSize().width():
            self._render()

    def _render(self) -> bool:
        if not PDF_AVAILABLE or self._pdf is None:
            return False
        document = QPdfDocument()
        buffer = QBuffer()
        buffer.setData(QByteArray(self._pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        try:
            document.load(buffer)
            if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
                log.warning("summary PDF did not load: %s", document.error())
                return False
            page = document.pagePointSize(0)
            width = max(320, self.area.viewport().width() - 4)
            height = round(width * page.height() / page.width())
            image = document.render(0, QSize(width, height))
        finally:
            document.close()
            buffer.close()
        if image.isNull():
            return False
        self.image = image
        self.picture.setPixmap(QPixmap.fromImage(image))
        self.picture.show()
        return True
