"""Content: everything a clinic edits in resources/content, read, validated and checked.

`loader.py` loads a whole content folder (`load_content` → `Content`); `screening.py` one
language's instruments, fit questions, safety and result texts; `screen_strings.py` the screen
strings the code asks for; `data_file.py` reading one TOML data file safely (`ContentError`).

`from kiosk.content import Content, load_content` keeps working, but the loader is imported on
first use of such a name, not with the package: `kiosk.config` reads its own file through
`kiosk.content.data_file`, and must not bring the loader's guidance rules and screening models
along (the command line reads the config for every command).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.content.loader import (
        PROGRAM_PAGE_IDS,
        Block,
        Content,
        LanguageContent,
        ProgramPage,
        load_content,
        load_strings,
        raw_keys,
    )

__all__ = [
    "PROGRAM_PAGE_IDS",
    "Block",
    "Content",
    "LanguageContent",
    "ProgramPage",
    "load_content",
    "load_strings",
    "raw_keys",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        # An import statement, not importlib: `python -X importtime` then shows the loader.
        from kiosk.content import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
