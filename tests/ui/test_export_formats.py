"""The export formats are declared once (kiosk.exports) and every place that offers them reads
that declaration: the command line's --format, the administrator's page and deploy/daily.py."""

from __future__ import annotations

import argparse
import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.__main__ import build_parser
from kiosk.config import Config
from kiosk.exports import FORMATS
from tests.support.deploy import DEPLOY
from tests.support.tally_format import TALLY, registered
from ui.staff.admin import AdminPage


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


def admin_page(qtbot: QtBot, config: Config) -> AdminPage:
    page = AdminPage(config)
    qtbot.addWidget(page)
    return page


def test_every_consumer_offers_exactly_the_registered_formats(qtbot: QtBot, config: Config) -> None:
    keys = tuple(FORMATS)
    assert keys == ("csv", "json", "fhir")
    assert cli_format_choices() == keys
    page = admin_page(qtbot, config)
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
    qtbot: QtBot, config: Config, tmp_path: Path
) -> None:
    assert "tally" not in cli_format_choices()
    with registered(TALLY):
        assert cli_format_choices() == ("csv", "json", "fhir", "tally")
        args = build_parser().parse_args(
            ["export", "--date", "2026-11-27", "--format", "tally", "--out", str(tmp_path)]
        )
        assert args.format == "tally"

        page = admin_page(qtbot, config)
        button = page.format_buttons["tally"]
        assert button.text() == "Export Tally" and button.accessibleName() == "Export Tally"
        texts = [shown.text() for shown in page.findChildren(QLabel)]
        assert any("; Tally is a made-up list for the tests. Names" in text for text in texts)
        page.set_folders([tmp_path], config.data_dir)
        with qtbot.waitSignal(page.export_requested) as asked:
            button.click()
        day, fmt, folder, replace = asked.args
        assert (day, fmt, folder, replace) == (page.day, "tally", tmp_path, False)
        assert isinstance(day, date)
    assert "tally" not in cli_format_choices()
    assert "tally" not in admin_page(qtbot, config).format_buttons
