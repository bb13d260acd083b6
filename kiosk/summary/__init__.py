"""The visit's summary: `wording.py` an instrument's result in words (the results screen, the
printed page and staff views); `pdf.py` the printed one-page summary (ReportLab).

Import from the modules themselves. This file stays empty so that the wording, which the results
screen needs, never brings ReportLab with it: `kiosk.summary.pdf` is imported on the first print.
"""
