"""Files a clinic could get wrong in ways TOML allows: bytes that are not UTF-8, tables nested
hundreds deep, files and texts far too big. Each is one clear error naming the file (issue 14,
defects 9 and 11), never a traceback and never a kiosk that takes a minute to show Welcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONTENT_DIR, ConfigError, load_config
from kiosk.content import load_content
from kiosk.content.data_file import MAX_FILE_BYTES, ContentError

CONTENT_FILES = sorted(
    path.relative_to(DEFAULT_CONTENT_DIR) for path in DEFAULT_CONTENT_DIR.rglob("*.toml")
)


def refused(root: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_content(root, ["en", "es"])
    message = str(info.value)
    assert "\n" not in message, message
    return message


def deep_array(levels: int) -> str:
    return "deep = " + "[" * levels + "1" + "]" * levels + "\n"


def deep_table(levels: int) -> str:
    return "[" + ".".join(f"t{n}" for n in range(levels)) + "]\nx = 1\n"


def deep_inline_table(levels: int) -> str:
    return "deep = " + "{ a = " * levels + "1" + " }" * levels + "\n"


@pytest.mark.parametrize("name", [str(p) for p in CONTENT_FILES])
def test_invalid_utf8_in_any_content_file_names_the_file(content_copy: Path, name: str) -> None:
    path = content_copy / name
    text = path.read_bytes()
    cut = text.index(b"\n", len(text) // 2) + 1
    path.write_bytes(text[:cut] + b'extra = "caf\xe9"\n' + text[cut:])
    line = text[:cut].count(b"\n") + 1
    assert refused(content_copy) == f"{path}: line {line}: not valid UTF-8 (save the file as UTF-8)"


@pytest.mark.parametrize("shape", [deep_array, deep_table, deep_inline_table])
@pytest.mark.parametrize("levels", [40, 300, 450, 900])
def test_deeply_nested_content_names_the_file(
    content_copy: Path, shape: object, levels: int
) -> None:
    assert callable(shape)
    path = content_copy / "en" / "safety.toml"
    path.write_text(path.read_text(encoding="utf-8") + shape(levels), encoding="utf-8")
    message = refused(content_copy)
    assert message.startswith(f"{path}: "), message
    assert "nested" in message.removeprefix(f"{path}: ")


def test_guidance_rules_nested_too_deeply_name_the_file(content_copy: Path) -> None:
    # `not` inside `not`: valid conditions, but validating them recurses.
    path = content_copy / "guidance.toml"
    condition = "{ not = " * 300 + '{ flag = "urgent" }' + " }" * 300
    edit = path.read_text(encoding="utf-8").replace(
        "when = { always = true }", f"when = {{ any = [ {condition}, {{ always = true }} ] }}"
    )
    path.write_text(edit, encoding="utf-8")
    message = refused(content_copy)
    assert message.startswith(f"{path}: ") and "nested" in message.removeprefix(str(path)), message


def test_a_content_file_too_big_is_refused_before_it_is_read(content_copy: Path) -> None:
    # Not valid UTF-8 either: the size is what is reported, so nothing was parsed.
    path = content_copy / "en" / "ui.toml"
    path.write_bytes(path.read_bytes() + b"# \xff" + b"x" * MAX_FILE_BYTES)
    message = refused(content_copy)
    assert message.startswith(f"{path}: ")
    assert f"at most {MAX_FILE_BYTES // 1024} KiB" in message


def test_a_10_mb_string_is_refused_with_the_file_named(content_copy: Path) -> None:
    path = content_copy / "en" / "ui.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('greeting = "', 'greeting = "' + "Welcome " * 1_300_000, 1), encoding="utf-8"
    )
    assert refused(content_copy).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("file", "old", "field"),
    [
        ("ui.toml", 'greeting = "', "welcome.greeting"),
        ("programs.toml", 'intro = "', "menu.intro"),
        ("safety.toml", 'message = "', "message"),
        ("results.toml", 'not_a_diagnosis = "', "not_a_diagnosis"),
        ("fit.toml", 'label = "', "questions[1].options[1].label"),
        ("instruments.toml", 'stem = "', "phq9.stem"),
    ],
)
def test_a_string_too_long_for_its_field_names_file_and_field(
    content_copy: Path, file: str, old: str, field: str
) -> None:
    path = content_copy / "en" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, old + "word " * 2000, 1), encoding="utf-8")
    message = refused(content_copy)
    assert message.startswith(f"{path}: {field}: too long (at most "), message


def test_a_band_sentence_too_long_names_its_band(content_copy: Path) -> None:
    path = content_copy / "en" / "results.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('minimal = "', 'minimal = "' + "word " * 2000, 1), "utf-8")
    assert refused(content_copy).startswith(f"{path}: bands.phq9.minimal: too long")


def test_a_thousand_bullets_are_refused(content_copy: Path) -> None:
    path = content_copy / "en" / "programs.toml"
    text = path.read_text(encoding="utf-8")
    bullets = ", ".join(f'"point {n}"' for n in range(1000))
    path.write_text(text.replace("items = [", f"items = [{bullets}, ", 1), "utf-8")
    message = refused(content_copy)
    assert message.startswith(f"{path}: pages[") and ".items: too many" in message, message


# --- the config file -------------------------------------------------------------------------


def config_refused(path: Path, tmp_path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path / "data")
    message = str(info.value)
    assert "\n" not in message, message
    return message


def test_invalid_utf8_in_the_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b'[clinic]\nname = "Cl\xednica"\n')
    assert config_refused(path, tmp_path) == (
        f"{path}: line 2: not valid UTF-8 (save the file as UTF-8)"
    )


@pytest.mark.parametrize("shape", [deep_array, deep_table, deep_inline_table])
@pytest.mark.parametrize("levels", [40, 450, 900])
def test_deeply_nested_config_names_the_file(tmp_path: Path, shape: object, levels: int) -> None:
    assert callable(shape)
    path = tmp_path / "kiosk.toml"
    path.write_text(shape(levels), encoding="utf-8")
    message = config_refused(path, tmp_path)
    assert message.startswith(f"{path}: ") and "nested" in message.removeprefix(str(path)), message


def test_a_config_too_big_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b"[clinic]\n" + b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    assert f"at most {MAX_FILE_BYTES // 1024} KiB" in config_refused(path, tmp_path)


def test_a_config_that_is_not_a_file_is_refused_without_waiting(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "kiosk.toml"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    messages: list[str] = []
    reader = threading.Thread(target=lambda: messages.append(config_refused(fifo, tmp_path)))
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # let the stuck reader go: a writer opens and closes the FIFO
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
    assert messages == [f"{fifo}: not a regular file"]


def test_a_clinic_name_too_long_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[clinic]\nname = "{"Clinic " * 100}"\n', encoding="utf-8")
    assert config_refused(path, tmp_path).startswith(f"{path}: clinic.name: too long (at most ")


def test_a_content_folder_name_too_long_names_the_folder(tmp_path: Path) -> None:
    root = tmp_path / ("c" * 300)  # one name longer than any file system allows
    with pytest.raises(ContentError) as info:
        load_content(root, ["en"])
    assert str(info.value) == f"{root / 'en'}: content folder cannot be read: File name too long"
