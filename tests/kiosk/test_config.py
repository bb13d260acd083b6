"""kiosk.toml: defaults out of the box, every documented key, clear errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

FULL = """
[clinic]
name = "Lakeside Clinic"
phone = "555-0100"
timezone = "America/Chicago"
staff_language = "es"
[kiosk]
languages = ["es", "en"]
location = "2nd floor waiting room"
fullscreen = true
idle_seconds = 60
idle_countdown_seconds = 20
[printing]
printer = "lobby"
[storage]
retention_days = 30
"""


def test_defaults_run_out_of_the_box(tmp_path: Path) -> None:
    config = load_config(None, tmp_path)
    assert config.clinic.name == "Resilience Behavioral Health"
    assert config.clinic.timezone == "America/New_York"
    assert config.languages == ("en", "es")
    assert not config.kiosk.fullscreen
    assert (config.kiosk.idle_seconds, config.kiosk.idle_countdown_seconds) == (90, 30)
    assert config.printing.printer == ""
    assert config.storage.retention_days == 90
    assert (config.clinic.staff_language, config.kiosk.location) == ("en", "Lobby kiosk")
    assert config.data_dir == tmp_path


def test_every_documented_key_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(FULL)
    config = load_config(path, tmp_path / "d")
    assert config.clinic.name == "Lakeside Clinic"
    assert config.clinic.phone == "555-0100"
    assert config.zone.key == "America/Chicago"
    assert config.languages == ("es", "en")
    assert config.kiosk.fullscreen
    assert config.kiosk.idle_seconds == 60
    assert config.kiosk.idle_countdown_seconds == 20
    assert config.printing.printer == "lobby"
    assert config.storage.retention_days == 30
    assert config.clinic.staff_language == "es"
    assert config.kiosk.location == "2nd floor waiting room"
    assert config.source == path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[kiosk]\nidle_second = 30\n", "kiosk.idle_second: unknown key"),
        ('[kiosk]\nidle_seconds = "90"\n', "kiosk.idle_seconds: expected a whole number, got text"),
        ('[kiosk]\nfullscreen = "yes"\n', "kiosk.fullscreen: expected true or false, got text"),
        ('[kiosk]\nlanguages = ["English"]\n', "kiosk.languages[1]"),
        ('[clinic]\ntimezone = "Mars/Olympus"\n', "clinic.timezone: unknown time zone"),
        ('[clinic]\ntimezone = "America"\n', "clinic.timezone: unknown time zone"),
        ("[storage]\nretention_days = 0\n", "storage.retention_days"),
        ('[printer]\nprinter = "x"\n', "printer: unknown key"),
        ('[speech]\noutput = "lobby"\n', "speech.output"),
        ("[speech]\nvolume = 2\n", "speech.volume"),
        ("[speech]\nsafety_aloud = true\n", "speech.safety_aloud: unknown key"),
        ("[kiosk\n", "not valid TOML"),
        ('[clinic]\nstaff_language = "fr"\n', "clinic.staff_language: 'fr' is not one of"),
        ('[kiosk]\nlocation = ""\n', "kiosk.location"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file is missing"):
        load_config(tmp_path / "nope.toml", tmp_path)


def test_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[storage]\ndata_dir = "/from/config"\n')
    assert load_config(path).data_dir == Path("/from/config")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "env"))
    assert load_config(path).data_dir == tmp_path / "env"
    assert load_config(path, tmp_path / "cli").data_dir == tmp_path / "cli"
    monkeypatch.delenv("KIOSK_DATA_DIR")
    monkeypatch.setattr("kiosk.config.default_data_dir", lambda: tmp_path / "user")
    assert load_config(None).data_dir == tmp_path / "user"


def test_content_dir_precedence(tmp_path: Path) -> None:
    # The caller's folder, then [kiosk] content_dir (relative to the config file), then the
    # shipped content.
    from kiosk.config import DEFAULT_CONTENT_DIR

    etc = tmp_path / "etc"
    etc.mkdir()
    path = etc / "kiosk.toml"
    path.write_text('[kiosk]\ncontent_dir = "content"\n')
    assert load_config(path, tmp_path).content_dir == etc / "content"
    path.write_text(f"[kiosk]\ncontent_dir = {str(tmp_path / 'abs')!r}\n")
    assert load_config(path, tmp_path).content_dir == tmp_path / "abs"
    assert load_config(path, tmp_path, content_dir=tmp_path / "arg").content_dir == tmp_path / "arg"
    assert load_config(None, tmp_path).content_dir == DEFAULT_CONTENT_DIR


@pytest.mark.parametrize("char", ["\\u0000", "\\n"])
@pytest.mark.parametrize(("section", "key"), [("kiosk", "content_dir"), ("storage", "data_dir")])
def test_a_folder_name_with_a_control_character_is_refused(
    tmp_path: Path, section: str, key: str, char: str
) -> None:
    # TOML can spell a NUL ("\u0000"); no file name holds one, and Python raises ValueError (a
    # traceback) at the first use of such a path. A line break would split the messages naming it.
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[{section}]\n{key} = "data{char}dir"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path)
    assert str(info.value).startswith(f"{path}: {section}.{key}: a folder name cannot contain")


def test_alerts_are_configured_only_when_a_channel_is_named(tmp_path: Path) -> None:
    # The safety screen claims "The front desk has been told." only with a channel to tell.
    assert not load_config(None, tmp_path).alerts_configured
    for section in ('notify = ["json://desk.example.org/hook"]', 'printer = "front-desk"'):
        path = tmp_path / "kiosk.toml"
        path.write_text(f"[alerts]\n{section}\n", encoding="utf-8")
        assert load_config(path, tmp_path).alerts_configured, section
