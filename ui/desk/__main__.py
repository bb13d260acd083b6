"""`python -m ui.desk [--config FILE]`: the reception desk app."""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ui.desk", description="The clinic hub's reception desk app."
    )
    parser.add_argument("--config", help="the desk's config file (TOML with [hub] url)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(args.config, data_dir=".")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not config.hub.url:
        where = args.config or "the config file"
        print(
            f"{where}: [hub] url is empty: paste the line `python -m kiosk hub add-desk NAME` "
            "printed",
            file=sys.stderr,
        )
        return 2

    from PySide6.QtWidgets import QApplication

    from ui.desk import create_desk_window

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Clinic reception desk")
    window = create_desk_window(config)
    window.show()
    code = app.exec()
    window.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
