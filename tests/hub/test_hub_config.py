"""`[hub] url` in kiosk.toml: checked at load without the driver, its password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config, redact_url


def test_no_hub_by_default(tmp_path: Path) -> None:
    assert load_config(None, tmp_path).hub.url == ""


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://kiosk:SECRET@db/clinic", "expected a libpq URI starting with postgresql://"),
        ("postgresql://kiosk:SECRET@/clinic", "names no host"),
        ("postgresql://kiosk:SECRET@db.clinic.lan/", "names no database"),
        ("postgresql://kiosk:SECRET@db:70000/clinic", "is not a number from 1 to 65535"),
        ("postgresql://kiosk:SECRET@db/clinic?sslmode=strict", "sslmode 'strict' is not one of"),
        ("postgresql://kiosk:SECRET@db/cli\\tnic", "control character"),
    ],
)
def test_a_bad_url_names_the_file_and_field_and_hides_the_password(
    tmp_path: Path, url: str, problem: str
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[hub]\nurl = "{url}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config, tmp_path)
    message = str(raised.value)
    assert str(config) in message and "url" in message and problem in message
    assert "SECRET" not in message
    assert "kiosk:***@" in message


def test_a_good_url_loads_and_its_repr_hides_the_password(tmp_path: Path) -> None:
    url = "postgresql://kiosk_lobby:p%40ss-Word@hub.clinic.lan:5432/clinic?sslmode=verify-full"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[hub]\nurl = "{url}"\n', encoding="utf-8")
    loaded = load_config(config, tmp_path)
    assert loaded.hub.url == url
    assert "p%40ss-Word" not in repr(loaded.hub) and "p%40ss-Word" not in repr(loaded)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://k:secret@h/db", "postgresql://k:***@h/db"),
        (
            "postgresql://k@h/db?password=secret&sslmode=require",
            "postgresql://k@h/db?password=***&sslmode=require",
        ),
        ("postgresql://h/db", "postgresql://h/db"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
