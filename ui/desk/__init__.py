"""The reception desk app (`python -m ui.desk`): the clinic hub's visits, live, at the front desk.

`create_desk_window(config)` returns the window, not yet shown (ARCHITECTURE.md); the modules:
window.py (the window and its pages), listener.py (the thread that LISTENs to the hub),
chime.py (the urgent chime). The hub side, Qt-free, is kiosk/hub/desk.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import Config
    from ui.desk.window import DeskWindow

__all__ = ["create_desk_window"]


def create_desk_window(config: Config, *, refresh_seconds: float = 30.0) -> DeskWindow:
    """The desk's window for ``config`` (its `[hub] url` is the desk's own login), not shown.
    It starts listening to the hub at once; `shutdown()` (or closing it) stops that."""
    from ui.desk.window import DeskWindow

    return DeskWindow(config, refresh_seconds=refresh_seconds)
