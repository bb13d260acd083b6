"""Visit -> the printed one-page summary (PDF bytes), with ReportLab Platypus.

The visitor hands this page to reception, so it leads with what staff need at a glance: the
urgent banner, the visit code (large, and as a QR code), then each instrument's result in words,
every answer, the "which program fits" answers and the guidance, the crisis numbers and the
not-a-diagnosis sentence. It is a pure function of the visit, the language's content and the
config: no file I/O besides reading the shipped fonts, and the same visit always gives the same
bytes (invariant mode: fixed dates and document id, no wall-clock anywhere).

Clinical rules honoured here (CLINICAL.md): an incomplete instrument never shows a total or a band;
PHQ-9 item 9 is always listed, and a skipped item 9 says so plainly.
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kiosk import instruments
from kiosk.config import FONTS_DIR, Config
from kiosk.content import LanguageContent
from kiosk.content.screening import InstrumentContent
from kiosk.content.staff_words import StaffContent
from kiosk.model import FIT_SECTION, InstrumentId, StoredScore, Visit
from kiosk.scoring import score
from kiosk.summary.staff_box import level_and_reason, staff_box
from kiosk.summary.wording import result_words

__all__ = [
    "FONT_BOLD",
    "FONT_DIR",
    "FONT_REGULAR",
    "PAGE_SIZES",
    "format_local_time",
    "render_summary",
]

FONT_DIR: Final = FONTS_DIR
FONT_REGULAR: Final = "KioskSans"
FONT_BOLD: Final = "KioskSans-Bold"
_FONT_FILES: Final = {FONT_REGULAR: "NotoSans-Regular.ttf", FONT_BOLD: "NotoSans-Bold.ttf"}

PAGE_SIZES: Final[Mapping[str, tuple[float, float]]] = {"letter": LETTER, "a4": A4}
MARGIN: Final = 36.0  # half an inch: inside every office printer's unprintable border
TOP_MARGIN: Final = 30.0
BOTTOM_MARGIN: Final = 30.0

# UX.md palette. Red is for the urgent banner only.
INK: Final = colors.HexColor("#1F2933")
MUTED: Final = colors.HexColor("#52606D")
TEAL: Final = colors.HexColor("#0F5257")
TINT: Final = colors.HexColor("#E6F2F1")
ZEBRA: Final = colors.HexColor("#F5F3EF")
RULE: Final = colors.HexColor("#C9C4BA")
URGENT: Final = colors.HexColor("#B3261E")

QR_SIZE: Final = 62.0
CELL_PAD: Final = 3.0

# Month names per language, so the date never depends on the machine's locale settings.
_MONTHS: Final[Mapping[str, tuple[str, ...]]] = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
}  # fmt: skip


def format_local_time(moment: datetime, language: str) -> str:
    """A date and time as people write them in `language`; `moment` is already local."""
    months = _MONTHS.get(language)
    if months is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    month = months[moment.month - 1]
    if language == "es":
        return f"{moment.day} de {month} de {moment.year}, {moment.hour:02d}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{month} {moment.day}, {moment.year}, {hour}:{moment.minute:02d} {suffix}"


@functools.cache
def _register_fonts() -> None:
    # Registered once per process: parsing a TTF costs more than rendering the whole page.
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    # No italic face is shipped; <i> falls back to the upright face rather than failing.
    pdfmetrics.registerFontFamily(
        FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_REGULAR, boldItalic=FONT_BOLD
    )


@dataclass(frozen=True)
class _Styles:
    banner: ParagraphStyle
    banner_detail: ParagraphStyle
    staff_heading: ParagraphStyle
    clinic: ParagraphStyle
    title: ParagraphStyle
    meta: ParagraphStyle
    code_label: ParagraphStyle
    code: ParagraphStyle
    section: ParagraphStyle
    result: ParagraphStyle
    column_head: ParagraphStyle
    number: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    body: ParagraphStyle
    body_bold: ParagraphStyle
    crisis_number: ParagraphStyle
    small: ParagraphStyle


@functools.cache
def _styles(scale: float = 1.0) -> _Styles:
    """Paragraph styles; `scale` < 1 is the tighter fallback for a summary that would overflow."""
    _register_fonts()

    def style(name: str, size: float, *, bold: bool = False, **kw: Any) -> ParagraphStyle:
        kw["leading"] = round(kw.get("leading", size * 1.22) * scale, 2)
        kw.setdefault("textColor", INK)
        return ParagraphStyle(
            name,
            fontName=FONT_BOLD if bold else FONT_REGULAR,
            fontSize=round(size * scale, 2),
            **kw,
        )

    return _Styles(
        banner=style("banner", 18, bold=True, textColor=colors.white, alignment=TA_CENTER),
        banner_detail=style(
            "banner_detail", 10.5, bold=True, textColor=colors.white, alignment=TA_CENTER
        ),
        staff_heading=style("staff_heading", 8.5, bold=True, textColor=colors.white),
        clinic=style("clinic", 15, bold=True, textColor=TEAL),
        title=style("title", 12.5, bold=True, spaceBefore=1),
        meta=style("meta", 9.5, leading=12.5),
        code_label=style("code_label", 8.5, textColor=MUTED, alignment=TA_RIGHT),
        code=style("code", 26, bold=True, leading=30, alignment=TA_RIGHT),
        section=style("section", 10.5, bold=True, textColor=TEAL),
        result=style("result", 9.5, leading=11.6),
        column_head=style("column_head", 7.5, textColor=MUTED),
        number=style("number", 8.5, leading=10.2, textColor=MUTED, alignment=TA_RIGHT),
        cell=style("cell", 8.5, leading=10.2),
        cell_bold=style("cell_bold", 8.5, bold=True, leading=10.2),
        body=style("body", 9, leading=11.2),
        body_bold=style("body_bold", 9, bold=True, leading=11.2),
        crisis_number=style("crisis_number", 15, bold=True, leading=17, textColor=INK),
        small=style("small", 7, leading=8.6, textColor=MUTED),
    )


def _table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    # Empty cells are drawn in the table's own font (Helvetica, not embedded) unless told.
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR), *commands])


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _option(labels: Sequence[str], value: int | None, skipped: str) -> str:
    if value is None:
        return skipped
    if 0 <= value < len(labels):
        return labels[value]
    return str(value)  # an out-of-range stored value is shown, not hidden


def _asked(visit: Visit, config: Config) -> list[InstrumentId]:
    """The instruments on the summary: the ones the clinic asks (`[screening] instruments`, in
    that order, reached or not), then any other this visit has answers or a score for."""
    asked = list(config.screening.instruments)
    asked += [
        instrument_id
        for instrument_id in instruments.ids()
        if instrument_id not in asked
        and (instrument_id in visit.answers or instrument_id in visit.scores)
    ]
    return asked


def _score_of(visit: Visit, instrument: InstrumentId) -> StoredScore | None:
    stored = visit.scores.get(instrument)
    if stored is not None:
        return stored
    # An abandoned visit may have answers but no saved scores: score what was answered.
    answers = visit.answers.get(instrument, {})
    try:
        return score(instrument, answers).to_stored(instrument)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Ctx:
    visit: Visit
    lc: LanguageContent
    width: float
    st: _Styles
    answer_width: float
    scale: float = 1.0
    # The staff box's words: the clinic's staff language, whatever the visitor's.
    staff: StaffContent | None = None

    def gap(self, points: float) -> Spacer:
        return Spacer(1, points * self.scale)

    def text(self, key: str, **params: object) -> str:
        return self.lc.strings(key, **params)


def _banner(ctx: _Ctx) -> Table:
    banner: list[Paragraph] = [_paragraph(ctx.text("report.urgent_banner"), ctx.st.banner)]
    if ctx.staff is not None:
        # The level and the reason, in staff words: what the desk acts on first.
        banner.append(_paragraph(level_and_reason(ctx.visit, ctx.staff), ctx.st.banner_detail))
    table = Table([[banner]], colWidths=[ctx.width])
    table.setStyle(
        _table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), URGENT),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7.5),
            ]
        )
    )
    return table


class _QrCode(Flowable):  # type: ignore[misc]  # ReportLab has no type information
    """The visit code as a QR code, QR_SIZE square, with no quiet zone of its own (the header's
    white is one). ReportLab's QrCodeWidget encodes it; its modules are drawn here as one filled
    path, instead of the widget's shape per run of dark modules rendered one by one (a third
    of a summary's drawing time)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.modules = _qr_modules(code)
        self.width = self.height = QR_SIZE

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return QR_SIZE, QR_SIZE

    def draw(self) -> None:
        box = QR_SIZE / len(self.modules)
        canvas = self.canv
        path = canvas.beginPath()
        for row_index, row in enumerate(self.modules):
            y = QR_SIZE - (row_index + 1) * box
            column = 0
            for dark, run in itertools.groupby(row):
                count = len(list(run))
                if dark:
                    path.rect(column * box, y, count * box, box)
                column += count
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()


@functools.lru_cache(maxsize=8)
def _qr_modules(code: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules, dark or light, top row first; encoded once per code (a summary is
    laid out at several sizes before it fits)."""
    widget = QrCodeWidget(code, barLevel="M", barBorder=0)
    widget.qr.make()
    return tuple(tuple(bool(module) for module in row) for row in widget.qr.modules)


def _qr(code: str) -> Flowable:
    return _QrCode(code)


def _header(ctx: _Ctx, config: Config) -> Table:
    visit, st = ctx.visit, ctx.st
    moment = (visit.completed_at or visit.started_at).astimezone(config.zone)
    when = format_local_time(moment, ctx.lc.language)
    left: list[Paragraph] = [
        _paragraph(config.clinic.name, st.clinic),
        _paragraph(ctx.text("report.title"), st.title),
        Paragraph(f"{escape(ctx.text('report.date'))}: {escape(when)}", st.meta),
    ]
    if visit.name:
        left.append(
            Paragraph(
                f"{escape(ctx.text('report.name'))}: <b>{escape(visit.name)}</b>",
                st.meta,
            )
        )
    middle = [_paragraph(ctx.text("report.code"), st.code_label), _paragraph(visit.code, st.code)]
    table = Table(
        [[left, middle, _qr(visit.code)]],
        colWidths=[ctx.width - 150 - QR_SIZE - 10, 150, QR_SIZE + 10],
    )
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (2, 0), (2, 0), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -1), 0.8, TEAL),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _result_text(ctx: _Ctx, instrument: InstrumentId, stored: StoredScore | None) -> str:
    words = result_words(instrument, stored, ctx.lc, ctx.visit.answers.get(instrument, {}))
    if words.total is None:
        # CLINICAL.md: a partial total is not a low score, so neither total nor band is shown.
        return f"<b>{escape(words.sentence)}</b>"
    return (
        f"<b>{escape(ctx.text('report.total'))}: {escape(words.total)}</b> \u2014 "
        f"{escape(words.sentence)}"
    )


def _answer_width(lc: LanguageContent, style: ParagraphStyle, width: float) -> float:
    """Wide enough for this language's longest answer label; the item text gets the rest."""
    screening = lc.screening
    labels = [lc.strings("report.skipped"), lc.strings("report.not_asked")]
    for content in screening.instruments.by_id.values():
        labels += [*content.options, *content.difficulty_options]
    labels += [option.label for question in screening.fit.questions for option in question.options]
    widest = max(
        float(pdfmetrics.stringWidth(label, style.fontName, style.fontSize)) for label in labels
    )
    # Bold label, both paddings and a hair for rounding; a clinic's very long label wraps instead.
    return min(max(widest + 2 * CELL_PAD + 1, 70.0), 0.3 * width)


def _answers_table(
    ctx: _Ctx,
    heading: str,
    result: str | None,
    rows: Sequence[tuple[str, str, str, bool]],
    answer_width: float,
) -> Table:
    """A section: heading row (+ result line), then one row per (number, text, answer, bold)."""
    st = ctx.st
    number_width = 16.0
    text_width = ctx.width - answer_width - number_width
    data: list[list[Any]] = [
        [_paragraph(heading, st.section), "", _paragraph(ctx.text("report.answer"), st.column_head)]
    ]
    commands: list[tuple[Any, ...]] = [
        ("SPAN", (0, 0), (1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), TINT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (2, 0), (2, 0), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 1.0 * ctx.scale),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.7 * ctx.scale),
        ("TOPPADDING", (0, 0), (-1, 0), 2.5),
        ("LEFTPADDING", (0, 0), (0, 0), 5),
    ]
    if result is not None:
        data.append([Paragraph(result, st.result), "", ""])
        commands += [
            ("SPAN", (0, 1), (-1, 1)),
            ("BACKGROUND", (0, 1), (-1, 1), TINT),
            ("LEFTPADDING", (0, 1), (-1, 1), 5),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 3),
        ]
    first = len(data)
    for index, (number, text, answer, bold) in enumerate(rows):
        data.append(
            [
                _paragraph(number, st.number),
                _paragraph(text, st.cell),
                _paragraph(answer, st.cell_bold if bold else st.cell),
            ]
        )
        if index % 2 == 1:
            commands.append(("BACKGROUND", (0, first + index), (-1, first + index), ZEBRA))
    commands.append(("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE))
    table = Table(data, colWidths=[number_width, text_width, answer_width])
    table.setStyle(_table_style(commands))
    return table


def _instrument_section(ctx: _Ctx, instrument: InstrumentId) -> Table:
    spec = instruments.get(instrument)
    content: InstrumentContent = ctx.lc.screening.instruments.instrument(instrument)
    answers = ctx.visit.answers.get(instrument, {})
    safety_items = {rule.item for rule in spec.safety}
    skipped, not_asked = ctx.text("report.skipped"), ctx.text("report.not_asked")
    rows: list[tuple[str, str, str, bool]] = []
    for number, text in enumerate(content.items, start=1):
        is_safety_item = number in safety_items
        if number in answers:
            value = answers[number]
            answer = _option(content.options, value, skipped)
            # A safety item (PHQ-9 item 9) is always listed; a skip there or any answer above
            # "not at all" stands out.
            bold = value is None or (is_safety_item and value != 0)
        else:
            # Not asked because the rule did not call for it (ASQ item 5 after four Nos) is
            # nothing to point at; a safety item the visitor never reached is.
            answer, bold = not_asked, is_safety_item and spec.asked(number, answers)
        rows.append((f"{number}.", text, answer, bold))
    difficulty = spec.difficulty_item
    if difficulty is not None:
        if difficulty in answers:
            answer = _option(content.difficulty_options, answers[difficulty], skipped)
        else:
            answer = not_asked
        rows.append(("", ctx.text("report.difficulty"), answer, False))
    heading = f"{content.title} \u00b7 {content.heading}"
    result = _result_text(ctx, instrument, _score_of(ctx.visit, instrument))
    return _answers_table(ctx, heading, result, rows, ctx.answer_width)


def _staff_scores(ctx: _Ctx, config: Config) -> list[tuple[InstrumentId, StoredScore | None, bool]]:
    rows: list[tuple[InstrumentId, StoredScore | None, bool]] = []
    offered = ctx.lc.screening.instruments.offers
    for instrument in _asked(ctx.visit, config):
        reached = instrument in ctx.visit.answers or instrument in ctx.visit.scores
        stored = _score_of(ctx.visit, instrument) if reached else None
        if stored is not None and instrument not in ctx.visit.answers and not stored.complete:
            stored = None  # scored at the end but never shown a question: not reached
        rows.append((instrument, stored, offered(instrument) or reached))
    return rows


def _staff_box(ctx: _Ctx, config: Config) -> Table:
    """The staff box (CLINICAL.md): in the staff language, framed in teal, near the top."""
    assert ctx.staff is not None
    visit, st = ctx.visit, ctx.st
    moment = (visit.completed_at or visit.started_at).astimezone(config.zone)
    when = format_local_time(moment, ctx.staff.language)
    box = staff_box(visit, ctx.staff, _staff_scores(ctx, config), when)
    pairs = [box.code, box.time, box.language, box.risk]
    if box.reason is not None:
        pairs.append(box.reason)
    facts = " · ".join(f"{escape(label)}: <b>{escape(value)}</b>" for label, value in pairs)
    results = " · ".join(escape(line) for line in box.results)
    table = Table(
        [
            [Paragraph(escape(box.heading), st.staff_heading)],
            [Paragraph(facts, st.body)],
            [Paragraph(results, st.body)],
        ],
        colWidths=[ctx.width],
    )
    table.setStyle(
        _table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), TEAL),
                ("BOX", (0, 0), (-1, -1), 1.0, TEAL),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5 * ctx.scale),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * ctx.scale),
            ]
        )
    )
    return table


def _not_offered(ctx: _Ctx, instrument: InstrumentId) -> Paragraph:
    """An instrument with no official text in the visitor's language: said, not hidden."""
    sentence = ctx.lc.screening.instruments.not_offered.get(instrument, "")
    return Paragraph(f"<b>{escape(sentence)}</b>", ctx.st.body)


def _fit_section(ctx: _Ctx) -> Table:
    fit = ctx.lc.screening.fit
    answers = ctx.visit.answers.get(FIT_SECTION, {})
    skipped, not_asked = ctx.text("report.skipped"), ctx.text("report.not_asked")
    rows: list[tuple[str, str, str, bool]] = []
    for number, question in enumerate(fit.questions, start=1):
        labels = [option.label for option in question.options]
        answer = _option(labels, answers[number], skipped) if number in answers else not_asked
        rows.append((f"{number}.", question.text, answer, False))
    return _answers_table(ctx, ctx.text("report.fit_heading"), None, rows, ctx.answer_width)


def _guidance_and_crisis(ctx: _Ctx, phone: str) -> Table:
    """Guidance on the left, crisis numbers on the right: both read at a glance."""
    st, results = ctx.st, ctx.lc.screening.results
    guidance = ctx.visit.guidance
    if guidance is None and ctx.visit.urgent:
        guidance = "staff_today"
    left: list[Paragraph] = [_paragraph(ctx.text("report.guidance_heading"), st.section)]
    if guidance is not None:
        left.append(_paragraph(getattr(results.guidance, guidance), st.body_bold))
    if guidance != "clinician":  # that guidance is this very sentence, alone
        left.append(_paragraph(results.clinician_decides, st.body))
    left.append(Spacer(1, 3))
    left.append(_paragraph(results.not_a_diagnosis, st.body_bold))

    right: list[Any] = [_paragraph(ctx.text("report.crisis_heading"), st.section)]
    lines = Table(
        [
            [_paragraph(line.number, st.crisis_number), _paragraph(line.text, st.body)]
            for line in ctx.lc.screening.safety.crisis
        ],
        colWidths=[34, None],
    )
    lines.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    right.append(lines)
    if phone:
        right.append(_paragraph(ctx.text("report.clinic_phone", phone=phone), st.body_bold))
    gap = 12.0
    right_width = 0.5 * ctx.width
    table = Table([[left, right]], colWidths=[ctx.width - right_width, right_width])
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), gap),
                ("LEFTPADDING", (1, 0), (1, 0), gap),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("LINEBEFORE", (1, 0), (1, 0), 0.5, RULE),
            ]
        )
    )
    return table


def _programs(ctx: _Ctx) -> list[Paragraph]:
    st = ctx.st
    story = [_paragraph(ctx.text("report.programs_heading"), st.section)]
    for page_id in ("outpatient", "iop"):
        page = ctx.lc.programs.page(page_id)
        story.append(Paragraph(f"<b>{escape(page.title)}:</b> {escape(page.summary)}", st.body))
    return story


def _later_pages(code: str, label: str) -> Callable[[Any, Any], None]:
    # Only an unusually long summary spills over; each extra page names its visit code.
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT_REGULAR, 8)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(
            doc.pagesize[0] - MARGIN, MARGIN / 2, f"{code} \u00b7 {label.format(n=doc.page)}"
        )
        canvas.restoreState()

    return draw


# Tried in turn until the summary fits one page: full size first, then slightly tighter type
# and spacing (long clinic-edited texts, three instruments and the staff box); past the last,
# it runs onto a second page.
_SCALES: Final = (1.0, 0.94, 0.88, 0.83, 0.78)


def render_summary(visit: Visit, lc: LanguageContent, config: Config) -> bytes:
    """The printed summary of `visit` in `lc`'s language, as PDF bytes: one page for a visit."""
    pdf = b""
    for scale in _SCALES:
        ctx, story = _layout(visit, lc, config, scale)
        # A scale whose flowables alone are taller than the page cannot fit: skip it without
        # drawing it (drawing is most of a render's cost). Whether the others fit is for the
        # real render to say, so the page is exactly what trying every scale in turn gave.
        if scale != _SCALES[-1] and _too_tall(story, ctx.width, _frame_height(config)):
            continue
        pdf, pages = _render(ctx, story, config)
        if pages == 1:
            break
    return pdf


def _frame_height(config: Config) -> float:
    return PAGE_SIZES[config.printing.paper][1] - TOP_MARGIN - BOTTOM_MARGIN


def _too_tall(story: list[Any], width: float, height: float) -> bool:
    """True only when the story cannot fit one frame: its flowables' heights alone (a style's
    space before and after left out, as a frame may overlap them; a spacer at the very top
    left out, as a frame drops it) add up to more than the frame."""
    total = 0.0
    for index, flowable in enumerate(story):
        if index == 0 and isinstance(flowable, Spacer):
            continue
        total += flowable.wrap(width, height)[1]
        if total > height:
            return True
    return False


def _story(ctx: _Ctx, config: Config) -> list[Any]:
    story: list[Any] = []
    if ctx.visit.urgent:
        story += [_banner(ctx), ctx.gap(7)]
    story += [_header(ctx, config), ctx.gap(5)]
    if ctx.staff is not None:
        story += [_staff_box(ctx, config), ctx.gap(6)]
    asked = _asked(ctx.visit, config)
    offered = [i for i in asked if ctx.lc.screening.instruments.offers(i)]
    for instrument in asked:
        if instrument in offered:
            story += [_instrument_section(ctx, instrument), ctx.gap(5)]
        else:
            story += [_not_offered(ctx, instrument), ctx.gap(5)]
    story += [_fit_section(ctx), ctx.gap(7)]
    story += [_guidance_and_crisis(ctx, config.clinic.phone), ctx.gap(6)]
    story += [*_programs(ctx), ctx.gap(5)]
    for line in ctx.lc.screening.instruments.attributions(offered):
        story.append(_paragraph(line, ctx.st.small))
    return story


def _layout(
    visit: Visit, lc: LanguageContent, config: Config, scale: float
) -> tuple[_Ctx, list[Any]]:
    st = _styles(scale)
    width = PAGE_SIZES[config.printing.paper][0] - 2 * MARGIN
    staff = lc.staff(config.clinic.staff_language) if lc.staff_words else None
    ctx = _Ctx(visit, lc, width, st, _answer_width(lc, st.cell_bold, width), scale, staff)
    return ctx, _story(ctx, config)


def _render(ctx: _Ctx, story: list[Any], config: Config) -> tuple[bytes, int]:
    visit, lc, width = ctx.visit, ctx.lc, ctx.width
    pagesize = PAGE_SIZES[config.printing.paper]

    # Frames without ReportLab's default 6 pt inner padding, so tables span the margins exactly.
    def frame() -> Frame:
        return Frame(
            MARGIN,
            BOTTOM_MARGIN,
            width,
            _frame_height(config),
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        pageTemplates=[
            PageTemplate("first", [frame()], autoNextPageTemplate="later"),
            PageTemplate(
                "later", [frame()], onPage=_later_pages(visit.code, lc.strings("report.page"))
            ),
        ],
        # No name or code in the metadata: it is what file browsers and print queues display.
        title=lc.strings("report.title"),
        author=config.clinic.name,
        creator="clinic-kiosk",
        producer="clinic-kiosk",
        lang=visit.language,
        invariant=True,
        initialFontName=FONT_REGULAR,
    )
    doc.build(story)
    return buffer.getvalue(), int(doc.page)
