"""Where the cold start goes: the floor program, then the kiosk's start-up one step at a time.

python benchmarks/startup_ladder.py STEP DATA_DIR

Each step is a whole process doing everything the steps before it do, and then what it adds,
with the kiosk's own code, in the order ``main.py`` does it; every one ends like the floor
(shows a window, lets it paint, closes) and exits as the self-check does. ``run.py`` times each
beside the floor in the same interleaved runs as the cold start, so the difference between two
steps is what that step costs in a cold start. Step 0 is ``floor_app.py``'s work; step 5 is
``main.py --self-check`` up to ``ready`` (the self-check then settles and exits).
"""

import gc
import sys

STEPS = (
    "floor: PySide6, one label painted",
    "+ import the config and content code (msgspec, tomli, the models)",
    "+ read and validate the config and every content file",
    "+ open the database before Qt (kiosk.store: sqlite3, WAL, FULL, integrity_check)",
    "+ import the user interface code (ui.app: navigator, Welcome, the widget classes they use)",
    "+ build the window and paint Welcome instead of the label (= 'ready')",
)


def main() -> int:
    step, data = int(sys.argv[1]), sys.argv[2]
    gc.disable()  # as main.py does until start-up has settled
    config = content = store = None
    if step >= 1:
        from kiosk.config import load_config
        from kiosk.content import load_content
    if step >= 2:
        config = load_config(None, data)
        content = load_content(config.content_dir, config.languages)
    if step >= 3:
        from kiosk.store import open_store

        assert config is not None
        store = open_store(config)  # before Qt, as in main.py
    from PySide6.QtWidgets import QApplication, QLabel

    if step >= 4:
        from ui.app import create_main_window
    app = QApplication(sys.argv[:1])
    if step >= 5:
        assert config is not None and content is not None
        window = create_main_window(config, content=content, store=store)
        window.show()
        app.processEvents()
        window.allow_close = True
        window.close()  # closes the store too
    else:
        label = QLabel("Welcome")
        label.resize(1280, 800)
        label.show()
        app.processEvents()
        label.close()
        if store is not None:
            store.close()
    gc.freeze()  # and exit, as the self-check ends (main.settle(collect=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
