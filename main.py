"""Entry point: parse arguments, load config and content, hand over to ui.app.

python main.py [--config FILE] [--data-dir DIR] [--fullscreen] [--self-check]
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402 - the start time is taken before anything else is imported
import gc  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Clinic lobby kiosk")
    parser.add_argument(
        "--config", metavar="FILE", help="kiosk.toml (default: $KIOSK_CONFIG or built-in defaults)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $KIOSK_DATA_DIR or the user data folder)",
    )
    parser.add_argument(
        "--fullscreen", action="store_true", help="locked-down fullscreen kiosk mode"
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="build the real window, show it, print 'ready in N ms' and exit",
    )
    return parser.parse_args(argv)


def settle(*, collect: bool = True) -> None:
    """End of start-up: what exists now lives as long as the kiosk (modules, content, screens).

    One full collection, then gc.freeze(): the ~40,000 objects made at start are left out of
    every later full collection (~6 ms each, a frame spent inside some visitor's tap) and out of
    the collections Python runs at exit. Garbage collection was off until here (main()); start-up
    makes little garbage (~500 objects), and this collection takes it. Without ``collect`` (the
    self-check, which exits next) that little garbage is left for the process's end.
    """
    if gc.isenabled():
        return  # settled already
    if collect:
        gc.collect()
    gc.freeze()
    gc.enable()


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    # Until settle(): start-up builds what the kiosk keeps; collecting it now is wasted time.
    gc.disable()
    try:
        return _run(parse_args(argv))
    finally:
        settle()


def _run(args: argparse.Namespace) -> int:
    if not has_display():
        if args.self_check:
            # The self-check proves the window builds; it needs no screen to look at.
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        else:
            print(
                "No display found: start the kiosk from a desktop session, or try "
                "`xvfb-run -a python main.py` (or `python main.py --self-check` to test it).",
                file=sys.stderr,
            )
            return 2

    from kiosk.config import load_config
    from kiosk.content.data_file import ContentError

    try:
        config = load_config(args.config, args.data_dir)
        if args.fullscreen:
            config = config.replace(kiosk=config.kiosk.replace(fullscreen=True))
        from kiosk.content import load_content

        # Validated before any window opens: a broken file names file and field, and stops here.
        content = load_content(config.content_dir, config.languages)
    except ContentError as exc:
        # One line per problem, each naming the file (and field), as `python -m kiosk check`.
        print(f"Cannot start the kiosk: {exc}", file=sys.stderr)
        return 1

    from kiosk.store import open_store

    # Before Qt: PySide6's import hook reads the source of every module imported after it
    # (looking for "PySide6"), so what the database needs is cheaper to load here.
    store = open_store(config)
    from PySide6.QtWidgets import QApplication

    from ui.app import create_main_window

    app = QApplication(sys.argv[:1])
    app.setApplicationName("clinic-kiosk")
    window = create_main_window(config, content=content, store=store)
    if args.self_check:
        window.show()
        app.processEvents()
        if window.store is None:
            print(
                "self-check failed: the database cannot be opened (run `python -m kiosk check`)",
                file=sys.stderr,
            )
            window.allow_close = True
            window.close()
            return 1
        elapsed_ms = round((time.perf_counter() - STARTED) * 1000)
        print(f"ready in {elapsed_ms} ms", flush=True)
        # Only Welcome is built, as at a real start (the warm-up builds the others after the
        # first frame). Content that passed load_content builds every screen: the first
        # language carries every key the screens ask for (kiosk.content.screen_strings), and the
        # UI tests build every screen from the shipped content in both languages.
        settle(collect=False)
        window.allow_close = True
        window.close()
        return 0
    window.navigator.warmed_up.connect(settle)
    window.navigator.warmed_up.connect(lambda: _check_cups_spool(config.printing.printer))
    window.show_kiosk()
    from PySide6.QtCore import QTimer

    from ui.watchdog import Watchdog

    # systemd (deploy/clinic-kiosk.service): READY=1 from the first turn of the event loop, once
    # the window is up; then WATCHDOG=1 from the GUI thread. No-ops without NOTIFY_SOCKET.
    watchdog = Watchdog(app)
    status = "Kiosk window shown"
    if window.store is None:
        status = "Out of order: the database cannot be opened (run python -m kiosk check)"
    QTimer.singleShot(0, lambda: watchdog.ready(status))
    window.status_changed.connect(lambda line: watchdog.notify(f"STATUS={line}"))
    app.aboutToQuit.connect(watchdog.stopping)
    return app.exec()


def _check_cups_spool(printer: str) -> None:
    """Whether CUPS keeps a copy of every printed summary (kiosk/printing/spool.py), logged once
    start-up has settled, on a thread: cupsctl can hang when cupsd is stuck."""
    import threading

    from kiosk.printing.spool import log_check

    threading.Thread(
        target=log_check, args=(printer,), name="cups-spool-check", daemon=True
    ).start()


if __name__ == "__main__":
    sys.exit(main())
