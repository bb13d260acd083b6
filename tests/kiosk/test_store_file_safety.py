"""kiosk.store.files, the one file-safety helper of store, backups and exports, on real files."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from kiosk.store import files


def test_a_new_file_is_private_complete_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    with files.atomic_file(target, replace=False) as temporary:
        assert temporary.parent == tmp_path and temporary.name.startswith(".log.csv.")
        files.fill_new_file(temporary, b"code,started_at\n")
        assert not target.exists()  # nothing at the name until the block is done
    assert target.read_bytes() == b"code,started_at\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(os.listdir(tmp_path)) == ["log.csv"]


def test_a_taken_name_is_never_replaced_without_replace(tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    target.write_bytes(b"yesterday's careful work\n")
    with (
        pytest.raises(FileExistsError),
        files.atomic_file(target, replace=False) as temporary,
    ):
        files.fill_new_file(temporary, b"new\n")
    assert target.read_bytes() == b"yesterday's careful work\n"
    assert sorted(os.listdir(tmp_path)) == ["log.csv"]


def test_replace_puts_the_new_file_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    target.write_bytes(b"old")
    with files.atomic_file(target, replace=True) as temporary:
        files.fill_new_file(temporary, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["backup.db"]


def test_an_error_in_the_block_keeps_the_old_file_and_drops_the_new(tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    target.write_bytes(b"old")
    with (
        pytest.raises(RuntimeError, match="copy failed"),
        files.atomic_file(target, replace=True) as temporary,
    ):
        files.fill_new_file(temporary, b"half of a copy")
        temporary.with_name(temporary.name + "-journal").write_bytes(b"sqlite's journal")
        raise RuntimeError("copy failed")
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["backup.db"]


def test_the_last_look_before_the_rename_can_still_refuse(tmp_path: Path) -> None:
    target = tmp_path / "backup.db"

    def refuse() -> None:
        raise PermissionError("the target became a link meanwhile")

    with (
        pytest.raises(PermissionError, match="became a link"),
        files.atomic_file(target, replace=True, before_publish=refuse) as temporary,
    ):
        files.fill_new_file(temporary, b"copy")
    assert sorted(os.listdir(tmp_path)) == []


def test_a_folder_that_cannot_take_a_new_file_fails_before_the_block(tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted" / "log.csv"
    entered = False
    with pytest.raises(FileNotFoundError), files.atomic_file(missing, replace=False):
        entered = True
    assert not entered


def test_without_hard_links_a_taken_name_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A FAT-formatted USB drive cannot link; this machine's test folders can, so link is made
    # to fail as it does there (the linking path is the real one in the tests above).
    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(files.os, "link", no_links)
    taken = tmp_path / "taken.csv"
    taken.write_bytes(b"keep")
    with pytest.raises(FileExistsError), files.atomic_file(taken, replace=False) as temporary:
        files.fill_new_file(temporary, b"new")
    assert taken.read_bytes() == b"keep"
    free = tmp_path / "free.csv"
    with files.atomic_file(free, replace=False) as temporary:
        files.fill_new_file(temporary, b"new")
    assert free.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["free.csv", "taken.csv"]


def test_fill_new_file_never_writes_through_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"untouched")
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    with pytest.raises(OSError) as refused:
        files.fill_new_file(link, b"visitor data")
    assert refused.value.errno == errno.ELOOP
    assert elsewhere.read_bytes() == b"untouched"


def test_an_appended_note_is_private_and_kept(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    files.append_private_file(note, b"first\n")
    files.append_private_file(note, b"second\n")
    assert note.read_bytes() == b"first\nsecond\n"
    assert note.stat().st_mode & 0o777 == 0o600
