"""Where the cold start goes: the floor program, then the kiosk's start-up one step at a time.

python benchmarks/startup_ladder.py STEP DATA_DIR

Each step is a whole process doing everything the steps before it do, and then what it adds,
with the kiosk's own code, in the order ``main.py`` does it; every one ends like the floor
(shows a window, lets it paint, closes, exits). ``run.py`` times each beside the floor in the
same interleaved runs as the cold start, so the difference between two steps is what that step
costs in a cold start. Step 0 is ``floor_app.py``'s work; step 5 is ``main.py --self-check`` up
to ``ready`` (the self-check then also builds every other screen and exits).
"""

import gc
import sys

STEPS = (
    "floor: PySide6, one label painted",
    "+ import the config and content code (msgspec, tomli, the models)",
    "+ read and validate the config and every content file",
    "+ open the database (kiosk.store: sqlite3, WAL, FULL, quick_check)",
    "+ import the user interface code (ui.app: navigator, screens, Qt's enums)",
    "+ build the window and paint Welcome instead of the label (= 'ready')",
)


def main() -> int:
    step, data = int(sys.argv[1]), sys.argv[2]
    gc.disable()  # as main.py does until start-up has settled
    config = content = None
    if step >= 1:
        from kiosk.config import load_config
        from kiosk.content import load_content
    if step >= 2:
        config = load_config(None, data)
        content = load_content(config.content_dir, config.languages)
    from PySide6.QtWidgets import QApplication, QLabel

    store = None
    if step >= 3:
        from kiosk.store import Store

        if step < 5:  # from step 5 the window opens it, as in main.py
            assert config is not None
            store = Store.open(config.data_dir, retention_days=config.storage.retention_days)
    if step >= 4:
        from ui.app import create_main_window
    app = QApplication(sys.argv[:1])
    if step >= 5:
        assert config is not None and content is not None
        window = create_main_window(config, content=content)
        window.show()
        app.processEvents()
        window.allow_close = True
    else:
        window = QLabel("Welcome")
        window.resize(1280, 800)
        window.show()
        app.processEvents()
    window.close()
    if store is not None:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
