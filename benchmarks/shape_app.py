"""A second reference: the least any kiosk of this design must do before Welcome is on screen.

Not the kiosk's code: plain PySide6 and the standard library. It loads the kiosk's fonts and
stylesheet, parses every content TOML file (without validating it), opens a SQLite database in
WAL mode with synchronous=FULL and runs `PRAGMA quick_check`, builds a top bar (clinic name and
four buttons) and a welcome page (three labels, two big buttons) styled by the real stylesheet,
paints it, and quits. Where the kiosk's cold start sits between the bare floor and this program
shows how much of its cost is the work itself and how much is the way it is done.

python benchmarks/shape_app.py DATA_DIR
"""

import sqlite3
import string
import sys
import tomllib
from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"

app = QApplication(sys.argv[:1])
for font in sorted((RESOURCES / "fonts").glob("*.ttf")):
    QFontDatabase.addApplicationFont(str(font))
with (RESOURCES / "styles" / "theme.toml").open("rb") as fh:
    theme = tomllib.load(fh)
variables = {**theme["normal"], **{k: str(v) for k, v in theme["sizes"].items()}}
template = (RESOURCES / "styles" / "kiosk.qss").read_text(encoding="utf-8")
app.setStyleSheet(string.Template(template).substitute(variables))

content = {}
for path in sorted((RESOURCES / "content").rglob("*.toml")):
    with path.open("rb") as fh:
        content[path] = tomllib.load(fh)
ui = content[RESOURCES / "content" / "en" / "ui.toml"]

data = Path(sys.argv[1])
data.mkdir(parents=True, exist_ok=True)
db = sqlite3.connect(data / "shape.sqlite3")
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY, code TEXT UNIQUE)")
db.execute("PRAGMA quick_check").fetchall()

window = QWidget()
outer = QVBoxLayout(window)
bar = QHBoxLayout()
bar.addWidget(QLabel("Resilience Behavioral Health"), 1)
for key in ("read_aloud", "large_text", "high_contrast"):
    bar.addWidget(QPushButton(ui["access"][key]))
bar.addWidget(QPushButton("Español"))
outer.addLayout(bar)
for text, role in (
    (ui["welcome"]["greeting"], "subtitle"),
    ("Resilience Behavioral Health", "title"),
    (ui["welcome"]["tagline"], "subtitle"),
):
    label = QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(True)
    outer.addWidget(label)
for key, role in (("learn", "big"), ("checkin", "primary")):
    button = QPushButton(ui["welcome"][key])
    button.setProperty("role", role)
    outer.addWidget(button)
window.resize(1280, 800)
window.show()
app.processEvents()
print("ready", flush=True)
db.close()
window.close()
