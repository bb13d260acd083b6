"""Shared set-up: Qt runs offscreen; content is loaded once; each test has its own data dir."""

from __future__ import annotations

import os

# Before any Qt import: tests never need a real screen (those that do start Xvfb themselves).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("KIOSK_DATA_DIR", None)
os.environ.pop("KIOSK_CONFIG", None)

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONTENT_DIR, Config, load_config
from kiosk.content import Content, load_content

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(DEFAULT_CONTENT_DIR, ["en", "es"])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def config(data_dir: Path) -> Config:
    """Defaults, except that nothing is sent to a printer unless a test asks for one."""
    config = load_config(None, data_dir)
    return config.replace(printing=config.printing.replace(printer="none"))


@pytest.fixture
def write_config(tmp_path: Path) -> Iterator[object]:
    """Write a kiosk.toml into tmp_path and return its path."""

    def _write(text: str, name: str = "kiosk.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    yield _write
