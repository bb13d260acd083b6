"""The floor: the least a PySide6 program can do to put something on screen.

It imports QtWidgets, makes a QApplication, shows one label, lets it paint, and quits. Cold start
and start-up memory of the kiosk are compared with this program, run the same way in the same
benchmark run. With BENCH_PRINT_RSS=1 it prints ``rss_kb N`` (VmRSS) just before it exits.
"""

import os
import sys

from PySide6.QtWidgets import QApplication, QLabel

app = QApplication(sys.argv[:1])
label = QLabel("Welcome")
label.resize(1280, 800)
label.show()
app.processEvents()
if os.environ.get("BENCH_PRINT_RSS"):
    with open("/proc/self/status", encoding="ascii") as fh:
        rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    print(f"rss_kb {rss}", flush=True)
label.close()
