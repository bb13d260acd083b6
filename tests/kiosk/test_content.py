"""Content loads in every language with every key; broken files name the file and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONTENT_DIR
from kiosk.content import PROGRAM_PAGE_IDS, Content, load_content, raw_keys
from kiosk.content.data_file import ContentError


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_content_loads_in_both_languages(content: Content) -> None:
    assert list(content.languages) == ["en", "es"]
    for lc in content.languages.values():
        assert tuple(p.id for p in lc.programs.pages) == PROGRAM_PAGE_IDS
        table = next(b for b in lc.programs.page("differ").blocks if b.kind == "table")
        assert len(table.rows or []) == 3
        assert len(table.columns or []) == 3


def test_every_language_has_every_ui_key() -> None:
    en = raw_keys(DEFAULT_CONTENT_DIR / "en" / "ui.toml")
    es = raw_keys(DEFAULT_CONTENT_DIR / "es" / "ui.toml")
    assert en == es


def test_spanish_programs_are_really_spanish(content: Content) -> None:
    en, es = content["en"].programs, content["es"].programs
    for page_en, page_es in zip(en.pages, es.pages, strict=True):
        assert page_en.title != page_es.title
        assert page_en.summary != page_es.summary
    all_text = " ".join(p.summary for p in es.pages) + " ".join(
        b.text or "" for p in es.pages for b in p.blocks
    )
    assert any(ch in all_text for ch in "áéíóúñ")


def test_missing_ui_key_in_one_language(content_copy: Path) -> None:
    edit(content_copy / "es" / "ui.toml", 'more_time = "Necesito más tiempo"\n', "")
    with pytest.raises(ContentError) as info:
        load_content(content_copy, ["en", "es"])
    assert str(content_copy / "es" / "ui.toml") in str(info.value)
    assert "idle.more_time: missing" in str(info.value)


def test_placeholder_mismatch(content_copy: Path) -> None:
    edit(content_copy / "es" / "ui.toml", "en {seconds} segundos", "en {segundos} segundos")
    with pytest.raises(ContentError, match=r"idle.body: placeholders"):
        load_content(content_copy, ["en", "es"])


def test_program_page_missing_field(content_copy: Path) -> None:
    path = content_copy / "en" / "programs.toml"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("summary")]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(content_copy, ["en"])
    assert f"{path}: pages[1].summary: missing (required)" in str(info.value)


def test_table_row_with_wrong_cell_count(content_copy: Path) -> None:
    path = content_copy / "en" / "programs.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("rows = [")
    first_row_end = text.index("]", text.index("[", start + len("rows = [")))
    # Drop the last cell of the first row.
    row = text[text.index("[", start + len("rows = [")) : first_row_end]
    shorter = row[: row.rindex(",")]
    path.write_text(text.replace(row, shorter, 1), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(content_copy, ["en"])
    assert f"{path}: pages[3].blocks" in str(info.value)
    assert "row 1 has 2 cells but there are 3 columns" in str(info.value)


def test_not_toml(content_copy: Path) -> None:
    path = content_copy / "en" / "programs.toml"
    path.write_text("[meta\n", encoding="utf-8")
    with pytest.raises(ContentError, match=rf"{path}: not valid TOML"):
        load_content(content_copy, ["en"])


def test_missing_language_folder(content_copy: Path) -> None:
    shutil.rmtree(content_copy / "es")
    with pytest.raises(ContentError, match="content folder for language 'es' is missing"):
        load_content(content_copy, ["en", "es"])


def test_wrong_page_order(content_copy: Path) -> None:
    edit(content_copy / "en" / "programs.toml", 'id = "iop"', 'id = "paying"')
    with pytest.raises(ContentError, match=r"pages: pages must be, in this order"):
        load_content(content_copy, ["en"])
