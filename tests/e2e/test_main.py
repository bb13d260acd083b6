"""main.py and python -m kiosk as whole processes, the way CI, deployment and admins run them."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.process import ROOT
from tests.support.process import run_python as run


def test_self_check_prints_ready(tmp_path: Path) -> None:
    result = run("main.py", "--self-check", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"ready in \d+ ms\n", result.stdout)
    assert (tmp_path / "data" / "kiosk.db").exists()


def test_self_check_fails_clearly_on_a_damaged_database(tmp_path: Path) -> None:
    damaged = b"this is not a database" * 100
    (tmp_path / "kiosk.db").write_bytes(damaged)
    result = run("main.py", "--self-check", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "self-check failed: the database cannot be opened" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("database unavailable") == 1  # opened once, logged once
    assert (tmp_path / "kiosk.db").read_bytes() == damaged  # left as it was, for the admin


def test_self_check_without_display_uses_offscreen(tmp_path: Path) -> None:
    env = {"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    result = run("main.py", "--self-check", "--data-dir", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ready in ")


def test_no_display_gives_one_clear_line(tmp_path: Path) -> None:
    env = {"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    result = run("main.py", "--data-dir", str(tmp_path), env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("No display found")
    assert "xvfb-run" in lines[0]


def test_bad_config_stops_before_any_window(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk]\nidle_seconds = -1\n")
    result = run("main.py", "--self-check", "--config", str(config), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert f"{config}: kiosk.idle_seconds" in result.stderr
    assert "Traceback" not in result.stderr


def test_self_check_fails_on_a_screen_string_deleted_from_every_language(tmp_path: Path) -> None:
    # The fault the self-check once found by building every screen: both languages still
    # match each other, but a screen would ask for a key that is gone.
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "resources" / "content", content)
    for language in ("en", "es"):
        path = content / language / "ui.toml"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(x for x in lines if not x.startswith("more_time = ")), "utf-8")
    code = (
        "import sys, pathlib; import kiosk.config as c; "
        f"c.DEFAULT_CONTENT_DIR = pathlib.Path({str(content)!r}); import main; "
        f"sys.exit(main.main(['--self-check', '--data-dir', {str(tmp_path / 'data')!r}]))"
    )
    result = run("-c", code)
    assert result.returncode == 1
    assert f"{content / 'en' / 'ui.toml'}: idle.more_time: missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert "ready in" not in result.stdout


def test_kiosk_data_dir_env(tmp_path: Path) -> None:
    result = run("main.py", "--self-check", env={"KIOSK_DATA_DIR": str(tmp_path / "env")})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env" / "kiosk.db").exists()


def test_check_command_ok_and_bad_config(tmp_path: Path) -> None:
    ok = run("-m", "kiosk", "check", "--data-dir", str(tmp_path))
    assert ok.returncode == 0, ok.stderr
    assert "content: ok" in ok.stdout
    config = tmp_path / "kiosk.toml"
    config.write_text('[clinic]\ntimezone = "Nowhere/Land"\n')
    bad = run("-m", "kiosk", "check", "--config", str(config), "--data-dir", str(tmp_path))
    assert bad.returncode == 1
    assert "clinic.timezone" in bad.stderr


def test_check_command_reports_broken_content(tmp_path: Path) -> None:
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "resources" / "content", content)
    (content / "es" / "programs.toml").write_text("[meta]\nlanguage = 1\n")
    code = (
        "import sys; from kiosk.__main__ import main; import kiosk.config as c; "
        f"c.DEFAULT_CONTENT_DIR = __import__('pathlib').Path({str(content)!r}); "
        f"sys.exit(main(['check', '--data-dir', {str(tmp_path)!r}]))"
    )
    result = run("-c", code)
    assert result.returncode == 1
    assert str(content / "es" / "programs.toml") in result.stderr


def test_check_command_reports_damaged_database(tmp_path: Path) -> None:
    (tmp_path / "kiosk.db").write_bytes(b"this is not a database" * 100)
    result = run("-m", "kiosk", "check", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "database:" in result.stderr
    assert (tmp_path / "kiosk.db").read_bytes() == b"this is not a database" * 100


def test_settle_freezes_what_start_up_built_and_turns_collection_back_on() -> None:
    import gc

    import main

    gc.disable()
    kept = [[object()] for _ in range(100)]  # lives as long as the kiosk would
    try:
        main.settle()
        assert gc.isenabled()
        tracked = {id(obj) for obj in gc.get_objects()}  # frozen objects are not among them
        assert not any(id(obj) in tracked for obj in kept)
        frozen = gc.get_freeze_count()
        main.settle()  # a second call (main's finally) changes nothing
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        gc.enable()
