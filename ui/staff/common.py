"""Small pieces shared by the staff pages (English only: staff mode is not translated)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from PySide6.QtWidgets import QBoxLayout, QLabel

from ui.widgets.basics import set_label

STATUS_WORDS = {"completed": "Completed", "abandoned": "Abandoned", "in_progress": "In progress"}


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def clock_time(moment: datetime, zone: tzinfo) -> str:
    """9:14 AM in the clinic's time zone."""
    local = moment.astimezone(zone)
    return f"{local:%I:%M %p}".lstrip("0")


def long_date(day: date) -> str:
    return f"{day:%A, %B} {day.day}, {day.year}"


def show(widget: QLabel, text: str) -> None:
    """Set a label's text and hide it when there is nothing to say."""
    set_label(widget, text)
    widget.setVisible(bool(text))


def set_direction(layout: QBoxLayout, vertical: bool) -> None:
    layout.setDirection(
        QBoxLayout.Direction.TopToBottom if vertical else QBoxLayout.Direction.LeftToRight
    )


def one_line(error: BaseException | str) -> str:
    """An error as one line of text for a staff page (its type's name if it says nothing)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__
