"""Render the printed summary of a sample urgent visit to PNGs, as `make screenshots` does.

    PYTHONPATH=. python scripts/summary_screenshots.py --out docs/screenshots

The visit is walked through the real flow on a throw-away database, as ui.preview walks the
results screen: PHQ-9 item 9 "Several days" with a low total (8, "mild"), so the pictures show
what CLINICAL.md asks for there — the item 9 sentence with the total, never "mild". Each page
goes through pdftoppm (poppler-utils) at 110 dpi: summary-<lang>-item9-low.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from kiosk.config import load_config
from kiosk.content import load_content
from kiosk.flow import Step, VisitFlow
from kiosk.store import Store
from kiosk.summary.pdf import render_summary

# The same answers as ui.preview's "results", by the section the flow asks: PHQ-9 (item 9 = 1)
# and its difficulty question, the GAD-7, the five fit questions; No to every question of a
# section not listed (the suicide-risk screen, asked in English).
TAPS = {
    "phq9": [1, 2, 1, 1, 0, 1, 0, 1, 1, 1],
    "gad7": [2, 2, 1, 1, 0, 1, 1],
    "fit": [2, 1, 0, 2, 1],
}


def render(language: str, out: Path, work: Path) -> Path:
    config = load_config(None, work / language)
    content = load_content(config.content_dir, config.kiosk.languages)
    with Store.open(config.data_dir) as store:
        flow = VisitFlow(store, content, language, instruments=config.screening.instruments)
        flow.agree()
        state = flow.set_name("Ana")
        while state.step is not Step.RESULTS:
            if state.step is Step.SAFETY:
                state = flow.continue_after_safety()
                continue
            assert state.question is not None
            taps = TAPS.get(state.question.section, [])
            item = state.question.item
            state = flow.answer(taps[item - 1] if item <= len(taps) else 0)
        assert state.step is Step.RESULTS and flow.code is not None
        pdf = render_summary(store.get_visit(flow.code), content[language], config)
    pdf_path = work / f"summary-{language}.pdf"
    pdf_path.write_bytes(pdf)
    stem = out / f"summary-{language}-item9-low"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf_path), str(stem)], check=True
    )
    return stem.with_suffix(".png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for language in ("en", "es"):
            print(render(language, out, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
