"""The export formats are declared once (kiosk.exports) and every place that offers them reads
that declaration: the command line's --format, the administrator's page and deploy/daily.py."""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.__main__ import build_parser
from kiosk.config import Config
from kiosk.content import Content
from kiosk.exports import FORMATS
from kiosk.exports.day_log import export_filename
from kiosk.store import Store
from tests.support.deploy import DEPLOY
from tests.support.tally_format import TALLY, registered
from ui.printer import PrintService
from ui.staff.panel import StaffPanel
from ui.staff.sections import registered as registered_sections


def cli_format_choices() -> tuple[str, ...]:
    """What `python -m kiosk export --format` accepts, read from the parser the CLI builds."""
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    export = commands.choices["export"]
    (option,) = (action for action in export._actions if action.dest == "format")
    assert option.choices is not None
    return tuple(option.choices)


def daily_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("daily", DEPLOY / "daily.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def admin_page(
    qtbot: QtBot, config: Config, content: Content, store: Store
) -> Iterator[Callable[[], Any]]:
    """Builds the administrator's export section alone over a real staff panel."""
    built: list[object] = []  # pytest-qt holds widgets weakly: the panel and body live here

    def build() -> Any:
        panel = StaffPanel(config, content, store, PrintService(config, content, lambda: store))
        qtbot.addWidget(panel)
        panel.role = "admin"
        section = next(kind for kind in registered_sections() if kind.key == "export")(panel)
        body = section.build()
        qtbot.addWidget(body)
        built.extend([panel, body])
        return section

    yield build
    for panel in built[::2]:
        assert isinstance(panel, StaffPanel)
        panel.wait()


def test_every_consumer_offers_exactly_the_registered_formats(
    admin_page: Callable[[], Any],
) -> None:
    keys = tuple(FORMATS)
    assert keys == ("csv", "json", "fhir")
    assert cli_format_choices() == keys
    page = admin_page()
    assert tuple(page.format_buttons) == keys
    assert [b.text() for b in page.format_buttons.values()] == [
        "Export CSV",
        "Export JSON",
        "Export FHIR",
    ]
    daily = daily_module()
    assert daily.known_formats() == keys
    assert daily.export_formats(" ".join(keys)) == list(keys)


def test_a_format_registered_in_a_test_is_offered_by_the_cli_and_the_admin_page(
    qtbot: QtBot, config: Config, admin_page: Callable[[], Any], tmp_path: Path
) -> None:
    assert "tally" not in cli_format_choices()
    with registered(TALLY):
        assert cli_format_choices() == ("csv", "json", "fhir", "tally")
        args = build_parser().parse_args(
            ["export", "--date", "2026-11-27", "--format", "tally", "--out", str(tmp_path)]
        )
        assert args.format == "tally"

        page = admin_page()
        button = page.format_buttons["tally"]
        assert button.text() == "Export Tally" and button.accessibleName() == "Export Tally"
        texts = [shown.text() for shown in button.parentWidget().findChildren(QLabel)]
        assert any("; Tally is a made-up list for the tests. Names" in text for text in texts)
        page.set_folders([tmp_path], config.data_dir)
        page.choose_folder(tmp_path)
        button.click()
        written = tmp_path / export_filename(page.day, "tally")
        qtbot.waitUntil(written.exists, timeout=10000)
        assert isinstance(page.day, date)
    assert "tally" not in cli_format_choices()
    assert "tally" not in admin_page().format_buttons
