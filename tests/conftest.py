"""The one home of shared fixtures: this file and the plugins in tests/support/.

Qt runs offscreen; content is loaded once; each test has its own data folder, and `store` opens
the kiosk's database there on the test clock. Helpers a test imports live in tests/support/ too;
a test module never imports another test module (tests/test_fixture_home.py checks it).
"""

from __future__ import annotations

import os
import shutil

# Before any Qt import: tests never need a real screen (those that do start Xvfb themselves).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("KIOSK_DATA_DIR", None)
os.environ.pop("KIOSK_CONFIG", None)
# Qt's mock speech engine unless a test asks for another: here no speech-dispatcher answers
# (no audio session), so every window would wait out the engine's 10 s start deadline. The real
# engine is tested where it is set up (tests/ui/test_speech.py, tests/e2e/test_real_speech.py,
# with a private PulseAudio), and the hung-engine path in tests/ui/test_speech.py.
os.environ.setdefault("KIOSK_TTS_ENGINE", "mock")

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kiosk.config import DEFAULT_CONTENT_DIR, Config, load_config
from kiosk.content import Content, load_content
from kiosk.store import Store

if TYPE_CHECKING:
    # Imported by pytest itself, through pytest_plugins, so that its asserts are rewritten.
    from tests.support.clock import Clock

# Fixtures for every test, each defined once: the test clock, PIN hashing at a small cost, the
# CUPS test queue, a real main window, a real PostgreSQL for the hub.
pytest_plugins = [
    "tests.support.clock",
    "tests.support.pins",
    "tests.support.cups_queue",
    "tests.support.windows",
    "tests.support.alert_servers",
    "tests.support.postgres",
]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(DEFAULT_CONTENT_DIR, ["en", "es"])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of the shipped content that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder to export into, as a USB stick would be."""
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


@pytest.fixture
def store(data_dir: Path, clock: Clock) -> Iterator[Store]:
    """The kiosk's database in this test's data folder, on the test clock; closed afterwards."""
    with Store.open(data_dir, clock=clock) as opened:
        yield opened


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
