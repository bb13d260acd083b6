"""docs/architecture.md is the map of the code: every module under kiosk/ and ui/ is on it, and
every path it writes out exists. The rule a module must meet is stated at the top of the map."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "architecture.md"
PACKAGES = ("kiosk", "ui")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# A path written out in full: `kiosk/store/schema.py`, `ui/screens/`.
FULL_PATH = re.compile(r"^(?:kiosk|ui)/[\w/]*(?:\.py|/)$")


def spans_by_line(text: str) -> list[set[str]]:
    return [set(CODE_SPAN.findall(line)) for line in text.splitlines()]


def modules() -> list[Path]:
    """Every module and package of kiosk/ and ui/, as files."""
    found: list[Path] = []
    for package in PACKAGES:
        found += [p for p in sorted((ROOT / package).rglob("*.py")) if "__pycache__" not in p.parts]
    return found


def names_for(module: Path) -> tuple[set[str], set[str], str | None]:
    """(names that say it alone, names of its folder, its file name) as the map may write them.

    A module: its path (`kiosk/store/schema.py`), its path below its package (`store/schema.py`)
    or its dotted name (`kiosk.store.schema`); or its folder (`store/`) and its file name
    (`schema.py`) on one line of the map, as a table row does. A package: its folder (`store/`,
    `kiosk/store/`) or its dotted name."""
    relative = module.relative_to(ROOT)
    below = Path(*relative.parts[1:])
    if module.name == "__init__.py":
        folder = relative.parent
        alone = {f"{folder.as_posix()}/", ".".join(folder.parts)}
        if below.parent != Path("."):
            alone.add(f"{below.parent.as_posix()}/")
        return alone, set(), None
    alone = {relative.as_posix(), below.as_posix(), ".".join(relative.with_suffix("").parts)}
    folders = {f"{relative.parent.as_posix()}/"}
    if below.parent != Path("."):
        folders.add(f"{below.parent.as_posix()}/")
    return alone, folders, module.name


def on_the_map(module: Path, lines: list[set[str]]) -> bool:
    alone, folders, file_name = names_for(module)
    for spans in lines:
        if spans & alone:
            return True
        if file_name is not None and file_name in spans and spans & folders:
            return True
    return False


def test_every_module_under_kiosk_and_ui_is_on_the_map() -> None:
    lines = spans_by_line(MAP.read_text(encoding="utf-8"))
    missing = [m.relative_to(ROOT).as_posix() for m in modules() if not on_the_map(m, lines)]
    assert not missing, (
        "not on docs/architecture.md (add a line saying what each owns; the rule is at the top "
        f"of the map): {', '.join(missing)}"
    )


def test_every_path_the_map_writes_out_exists() -> None:
    text = MAP.read_text(encoding="utf-8")
    written = {span for span in CODE_SPAN.findall(text) if FULL_PATH.match(span)}
    stale = sorted(path for path in written if not (ROOT / path).exists())
    assert not stale, f"docs/architecture.md names what is not there: {', '.join(stale)}"


# --- the rule itself, on made-up lines of a map ------------------------------------------------


def test_the_rule_reads_table_rows_paths_and_dotted_names() -> None:
    def lines(*text: str) -> list[set[str]]:
        return spans_by_line("\n".join(text))

    nested = ROOT / "ui" / "screens" / "checkin.py"
    package = ROOT / "ui" / "screens" / "__init__.py"
    flat = ROOT / "kiosk" / "config.py"
    assert on_the_map(nested, lines("| `screens/` | `welcome.py`, `checkin.py` |"))
    assert on_the_map(nested, lines("see `ui/screens/checkin.py`"))
    assert on_the_map(nested, lines("see `ui.screens.checkin`"))
    assert on_the_map(nested, lines("| `screens/checkin.py` | the check-in |"))
    # The file name alone, or on another line than its folder, does not say which one.
    assert not on_the_map(nested, lines("| `screens/` | the screens |", "| `checkin.py` | |"))
    assert not on_the_map(nested, lines("| `staff/` | `checkin.py` |"))
    assert on_the_map(package, lines("| `screens/` | one file per screen |"))
    assert not on_the_map(package, lines("| `screens.py` | |"))
    assert on_the_map(flat, lines("| `config.py` | the config |"))
    assert not on_the_map(flat, lines("| `config` | the config |"))
    assert FULL_PATH.match("kiosk/store/schema.py") and FULL_PATH.match("ui/screens/")
    assert not FULL_PATH.match("kiosk/exports/<format>.py")
