"""Shared helpers for the benchmarks: statistics, child-process environment, RSS, results.

Every benchmark script prints one line ``BENCH_RESULT {json}`` on stdout; ``run.py`` collects
those lines. Nothing here asserts a time: the figures are compared with their targets only when
``run.py`` prints the table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
RESULT_PREFIX = "BENCH_RESULT "

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile: the value 95 % of the samples are at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return float(ordered[rank - 1])


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000.0 for s in seconds]
    return {
        "n": len(ms),
        "median_ms": round(median(ms), 3),
        "p95_ms": round(p95(ms), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
    }


def rss_kb(pid: int | str = "self") -> int:
    """Resident set size (VmRSS) in KiB, read from /proc."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/PID/status (Linux only)")


def fs_type(path: Path) -> str:
    """The file system type holding ``path`` (longest matching mount point in /proc/mounts)."""
    best, kind = "", "unknown"
    target = str(Path(path).resolve())
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mount = parts[1]
                inside = target == mount or target.startswith(mount.rstrip("/") + "/")
                if inside and len(mount) >= len(best):
                    best, kind = mount, parts[2]
    except OSError:
        pass
    return kind


def disk_tmp_root() -> Path:
    """A temp folder on a real disk: fsync on tmpfs costs nothing and would flatter commits."""
    for candidate in (Path(tempfile.gettempdir()), Path("/var/tmp"), BENCH_DIR / ".tmp"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if fs_type(candidate) not in ("tmpfs", "ramfs") and os.access(candidate, os.W_OK):
            return candidate
    return Path(tempfile.gettempdir())


@contextmanager
def disk_tmpdir(prefix: str = "kiosk-bench-") -> Iterator[Path]:
    import shutil

    path = Path(tempfile.mkdtemp(prefix=prefix, dir=disk_tmp_root()))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def ram_tmpdir(prefix: str = "kiosk-bench-") -> Iterator[Path]:
    """For runs that measure memory, not durability: /dev/shm when there is one."""
    import shutil

    root = Path("/dev/shm")
    parent = root if root.is_dir() and os.access(root, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def child_env(pycache: Path | None = None) -> dict[str, str]:
    """The environment benchmark child processes run in.

    Offscreen Qt, no kiosk variables from the caller, and bytecode caching on (into a prefix
    folder, so the source tree gets no __pycache__): a deployed kiosk starts from .pyc files;
    PYTHONDONTWRITEBYTECODE would make every run recompile the kiosk's own modules.
    """
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    for name in (
        "KIOSK_DATA_DIR",
        "KIOSK_CONFIG",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONPROFILEIMPORTTIME",
    ):
        env.pop(name, None)
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    # Quiet Qt's multimedia probing messages; they go to stderr, which run.py keeps for errors.
    env.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
    return env


def emit(result: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def bench_main(
    doc: str | None,
    benches: Mapping[str, Callable[[bool], dict[str, Any]]],
    children: Mapping[str, Callable[..., None]] | None = None,
    *,
    leave_at_once: bool = True,
) -> None:
    """A benchmark script's command line: `SCRIPT BENCH [--quick]` runs one figure and emits its
    result; `SCRIPT CHILD ARGS…` runs one of its helper processes. With ``leave_at_once`` the
    process ends right after the result is out: PySide6 can crash while Python tears Qt down."""
    if children and len(sys.argv) > 1 and sys.argv[1] in children:
        children[sys.argv[1]](*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("bench", choices=sorted(benches))
    parser.add_argument("--quick", action="store_true", help="fewer samples, smaller data")
    args = parser.parse_args()
    emit(benches[args.bench](args.quick))
    if leave_at_once:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def parse_result(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            data: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return data
    raise RuntimeError("the benchmark printed no result line")
