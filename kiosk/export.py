"""The names `kiosk.export` has always offered, for code written before `kiosk.exports`.

The export formats and their code live in the `kiosk.exports` package (one file per format and a
registry); new code imports from there. This module only re-exports.
"""

from __future__ import annotations

from kiosk.exports import FORMATS, LogFormat
from kiosk.exports.csv_log import render_csv
from kiosk.exports.day_log import (
    ExportError,
    ExportExistsError,
    check_destination,
    day_range,
    export_day,
    export_filename,
)
from kiosk.exports.fhir_bundle import fhir_bundle, render_fhir
from kiosk.exports.json_log import render_json
from kiosk.exports.records import CSV_COLUMNS, visit_record

# A format's key ("csv", "json", "fhir" or any registered since): a key of FORMATS.
ExportFormat = str

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "ExportError",
    "ExportExistsError",
    "ExportFormat",
    "LogFormat",
    "check_destination",
    "day_range",
    "export_day",
    "export_filename",
    "fhir_bundle",
    "render_csv",
    "render_fhir",
    "render_json",
    "visit_record",
]
