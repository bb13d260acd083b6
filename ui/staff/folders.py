"""Where an administrator can export to: the kiosk's own exports folder and any USB drive.

USB drives are mounted by udisks under /run/media/USER/LABEL or /media/USER/LABEL, or by
usbmount-style tools under /media/LABEL; only folders that really are mount points are offered,
so an empty mount point left by a pulled drive is never written to.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

MOUNT_PATTERNS = ("/media/*", "/media/*/*", "/run/media/*/*")


def exports_folder(data_dir: Path) -> Path:
    return Path(data_dir) / "exports"


def candidate_folders(data_dir: Path) -> list[Path]:
    """The kiosk's exports folder first, then every mounted drive, in name order."""
    found = [exports_folder(data_dir)]
    for pattern in MOUNT_PATTERNS:
        for name in sorted(glob.glob(pattern)):
            path = Path(name)
            if path not in found and os.path.ismount(path):
                found.append(path)
    return found


def prepare(folder: Path, data_dir: Path) -> None:
    """Create the kiosk's own exports folder (0700) when it is the one chosen; a drive's folder
    is never created (a missing one means the drive is gone)."""
    if Path(folder) == exports_folder(data_dir):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)


def describe(folder: Path, data_dir: Path) -> tuple[str, str]:
    """(title, detail) for a folder row."""
    if Path(folder) == exports_folder(data_dir):
        return "This kiosk (exports folder)", str(folder)
    return f"USB drive “{Path(folder).name}”", str(folder)
