"""`python -m kiosk check` and `main.py` refuse broken content and config in one line, naming the
file: the content a clinic edits is its own copy, named by `[kiosk] content_dir` in kiosk.toml
(issue 14, defects 3, 9 and 11)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.process import ROOT
from tests.support.process import run_python as run


def clinic_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shipped content and a kiosk.toml that points the kiosk at it."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "resources" / "content", content)
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[kiosk]\ncontent_dir = {str(content)!r}\n", encoding="utf-8")
    return content, config


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check(config: Path, tmp_path: Path) -> tuple[int, list[str]]:
    result = run("-m", "kiosk", "check", "--config", str(config), "--data-dir", str(tmp_path))
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stderr.splitlines()


def test_check_reads_the_clinics_own_copy_of_the_content(tmp_path: Path) -> None:
    content, config = clinic_copy(tmp_path)
    result = run("-m", "kiosk", "check", "--config", str(config), "--data-dir", str(tmp_path))
    assert f"content: ok (en, es in {content})" in result.stdout, result.stderr


def test_a_relative_content_dir_is_beside_the_config(tmp_path: Path) -> None:
    content, config = clinic_copy(tmp_path)
    config.write_text('[kiosk]\ncontent_dir = "content"\n', encoding="utf-8")
    # The processes run in the project folder: "content" must not be read from there.
    result = run("-m", "kiosk", "check", "--config", str(config), "--data-dir", str(tmp_path))
    assert f"content: ok (en, es in {content})" in result.stdout, result.stderr


ISSUE_EXAMPLES = [
    ("Front desk: {phone}", "Front desk: {phone:d}", "results.staff_phone", "{phone:d}"),
    ("for {days} days", "for {days:s} days", "privacy.point_stored", "{days:s}"),
    ("Page {n} of {total}", "Page {n:s} of {total:s}", "programs.page_of", "{n:s}"),
    ("Question {n} of {total}", "Question {n} of {total:s}", "question.progress", "{total:s}"),
    ("Your code: {code}", "Your code: {code:>20000000}", "results.code", "{code:>20000000}"),
]


@pytest.mark.parametrize(("old", "new", "key", "shown"), ISSUE_EXAMPLES)
def test_check_refuses_a_placeholder_that_would_break_a_screen(
    tmp_path: Path, old: str, new: str, key: str, shown: str
) -> None:
    content, config = clinic_copy(tmp_path)
    path = content / "en" / "ui.toml"
    edit(path, old, new)
    code, errors = check(config, tmp_path)
    assert code == 1
    problems = [line for line in errors if line.startswith("content: ")]
    assert len(problems) == 1, errors
    assert problems[0].startswith(f"content: {path}: {key}: ")
    assert shown in problems[0]


def test_self_check_refuses_a_placeholder_in_one_line(tmp_path: Path) -> None:
    content, config = clinic_copy(tmp_path)
    path = content / "en" / "ui.toml"
    edit(path, "Front desk: {phone}", "Front desk: {phone:d}")
    result = run("main.py", "--self-check", "--config", str(config), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "ready in" not in result.stdout
    assert result.stderr.startswith(f"Cannot start the kiosk: {path}: results.staff_phone: ")
    assert len(result.stderr.splitlines()) == 1, result.stderr


def deep(levels: int) -> bytes:
    return b"a = " + b"[" * levels + b"]" * levels + b"\n"


BROKEN_FILES = {
    "invalid UTF-8": b'[clinic]\nname = "Cl\xednica"\n',
    "inline arrays 600 deep": deep(600),
    "tables 900 deep": b"[" + b".".join(b"t%d" % n for n in range(900)) + b"]\n",
}


@pytest.mark.parametrize("bad", list(BROKEN_FILES), ids=list(BROKEN_FILES))
def test_a_broken_config_is_one_line_naming_it(tmp_path: Path, bad: str) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_bytes(BROKEN_FILES[bad])
    code, errors = check(config, tmp_path)
    assert code == 1
    assert len(errors) == 1 and errors[0].startswith(f"config: {config}: "), errors
    result = run("main.py", "--self-check", "--config", str(config), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"Cannot start the kiosk: {errors[0][8:]}"]


@pytest.mark.parametrize("bad", list(BROKEN_FILES), ids=list(BROKEN_FILES))
def test_a_broken_content_file_is_one_line_naming_it(tmp_path: Path, bad: str) -> None:
    content, config = clinic_copy(tmp_path)
    path = content / "es" / "fit.toml"
    path.write_bytes(path.read_bytes() + b"\n" + BROKEN_FILES[bad])
    code, errors = check(config, tmp_path)
    assert code == 1
    problems = [line for line in errors if line.startswith("content: ")]
    assert len(problems) == 1 and problems[0].startswith(f"content: {path}: "), errors
    result = run("main.py", "--self-check", "--config", str(config), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"Cannot start the kiosk: {problems[0][9:]}"]


def test_a_10_mb_content_string_is_refused_at_once(tmp_path: Path) -> None:
    content, config = clinic_copy(tmp_path)
    path = content / "en" / "ui.toml"
    edit(path, 'greeting = "', 'greeting = "' + "Welcome " * 1_300_000)
    result = run("main.py", "--self-check", "--config", str(config), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"Cannot start the kiosk: {path}: "), result.stderr
    assert "KiB" in result.stderr
