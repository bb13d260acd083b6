"""Show any screen with sample data, or render every screen to PNGs.

python -m ui.preview SCREEN [--lang es] [--size 1080x1920] [--large] [--contrast]
python -m ui.preview --all --out docs/screenshots   (offscreen; what `make screenshots` runs)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.app import MainWindow

SIZES = {"landscape": (1280, 800), "portrait": (1080, 1920)}
_app: object = None


def build(data_dir: Path, fullscreen: bool = False) -> MainWindow:
    from kiosk.config import load_config
    from ui.app import create_main_window

    config = load_config(None, data_dir)
    # Previews never send anything to a real printer.
    config = config.replace(printing=config.printing.replace(printer="none"))
    window = create_main_window(config)
    window.navigator.warm_up()  # as the kiosk is a moment after start
    _await_speech(window)
    return window


def _await_speech(window: MainWindow, seconds: float = 12.0) -> None:
    """The speech engine answers from its own thread a moment after the warm-up: wait for it,
    so that Read aloud shows in the pictures exactly when it would on this machine."""
    import time

    from PySide6.QtWidgets import QApplication

    speaker = window.navigator.speaker
    deadline = time.monotonic() + seconds
    while speaker.starting and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def settle() -> None:
    """Let layouts finish: a row that re-flows (AdaptiveRow, the top bar) posts another pass."""
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()


# Sample visits, without naming an instrument (the registry's ids stay in kiosk/instruments):
# per summed instrument, in asking order, the option positions of its items (difficulty last);
# the fit questions'; and whether a screen instrument (the suicide-risk screen) is positive and
# acute: a Yes to its first item and to its acuity item. 0 everywhere else.
URGENT_VISIT = (((1, 2, 1, 1, 0, 1, 0, 1, 1, 1), (2, 2, 1, 1, 0, 1, 1)), (2, 1, 0, 2, 1), False)
SCREEN_ACUTE = (((1, 1, 2, 1, 0, 1, 0, 0, 0, 1), (1, 1, 1, 0, 0, 1, 0)), (1, 1, 0, 0, 1), True)
SampleVisit = tuple[tuple[tuple[int, ...], ...], tuple[int, ...], bool]


def _sample_tap(window: MainWindow, sample: SampleVisit, section: str, item: int) -> int:
    from kiosk import instruments
    from kiosk.model import FIT_SECTION

    summed, fit, screen_acute = sample
    if section == FIT_SECTION:
        return fit[item - 1] if item <= len(fit) else 0
    spec = instruments.get(section)
    if spec.screen is not None:
        return int(
            screen_acute and item in (spec.screen.positive_items[0], spec.screen.acuity_item)
        )
    flow = window.navigator.flow
    assert flow is not None
    order = [i for i in flow.instruments if instruments.get(i).screen is None]
    values = summed[order.index(section)] if order.index(section) < len(summed) else ()
    return values[item - 1] if item <= len(values) else 0


def _walk(
    window: MainWindow,
    sample: SampleVisit | None,
    *,
    until_fit: bool = False,
    until_screen: bool = False,
    stop_at_safety: int = 0,
) -> None:
    """Tap through the check-in as the flow asks (the questions depend on the language and the
    answers): the sample's answers, or the first option; on at each safety screen, or stop at the
    `stop_at_safety`-th; stop at the fit questions, at the first question of a screen instrument
    (or the first question after the first instrument where the language asks none), or at the
    results."""
    from kiosk import instruments
    from kiosk.flow import Step
    from kiosk.model import FIT_SECTION

    nav = window.navigator
    assert nav.flow is not None
    first = nav.flow.instruments[0]
    seen_safety = 0
    while True:
        state = nav.flow.state()
        if state.step is Step.SAFETY:
            seen_safety += 1
            if seen_safety == stop_at_safety:
                return
            nav.safety.continue_button.click()
            continue
        if state.step is not Step.QUESTION or state.question is None:
            return
        ref = state.question
        if until_fit and ref.section == FIT_SECTION:
            return
        if until_screen and (
            ref.section == FIT_SECTION
            or instruments.get(ref.section).screen is not None
            or ref.section != first
        ):
            return
        value = 0 if sample is None else _sample_tap(window, sample, ref.section, ref.item)
        nav.question.option_buttons[value].click()


def drive(window: MainWindow, screen: str) -> None:
    """Put the window on `screen` the way a visitor would get there."""
    nav = window.navigator
    if screen == "welcome":
        return
    if screen in ("unavailable", "out_of_order", "idle"):
        from ui.shell.navigator import ScreenId

        if screen == "idle":  # the idle countdown over a question
            drive(window, "question")
            window._idle_warning()
        else:
            nav.show_screen(ScreenId(screen))
        return
    if screen == "programs":
        nav.welcome.learn_button.click()
        return
    if screen.startswith("program_"):
        nav.welcome.learn_button.click()
        nav.programs.topics[screen.removeprefix("program_")].click()
        return
    nav.welcome.checkin_button.click()
    if screen == "privacy":
        return
    nav.privacy.agree_button.click()
    if screen == "name":
        for ch in "MARÍA":
            nav.name.keypad.keys[ch].click()
        return
    nav.name.skip_button.click()
    if screen == "question":
        nav.question.option_buttons[1].click()
        return
    if screen == "fit":
        _walk(window, None, until_fit=True)
        return
    if screen in ("safety", "safety_told"):
        for value in (1, 2, 1, 1, 0, 1, 0, 1, 1):
            nav.question.option_buttons[value].click()
        if screen == "safety_told":
            # As it shows once a configured channel accepted the alert (previews configure none).
            nav.alert_watch.stop()
            nav.safety.show_alert_status("told")
        return
    if (
        screen == "risk_question"
    ):  # the first suicide-risk screen question (where the language asks it)
        _walk(window, None, until_screen=True)
        return
    if screen == "safety_acute":  # the safety screen after "thoughts ... right now?" Yes (acute)
        _walk(window, SCREEN_ACUTE, stop_at_safety=2)
        return
    if screen == "results_acute":
        _walk(window, SCREEN_ACUTE)
        return
    # results / printing: an urgent (PHQ-9 item 9), complete visit
    _walk(window, URGENT_VISIT)
    if screen in ("printing_progress", "printing", "printing_failed"):
        from PySide6.QtWidgets import QApplication

        from kiosk.printing import PrintOutcome

        nav.results.print_button.click()
        nav.printer.wait()
        QApplication.processEvents()  # deliver the real ("saved") outcome first
        code = nav.flow.code if nav.flow is not None else None
        assert code is not None, "the visit walked to its results has a code"
        if screen == "printing_progress":  # as it shows while a job is followed
            nav.printing.show_outcome("progress", code)
            nav.printing.order_focus()
            return
        outcome = (
            PrintOutcome(True, "completed", 1, None, "lobby")
            if screen == "printing"
            else PrintOutcome.failed("printer 'lobby' is stopped")
        )
        nav._print_finished(code, outcome)


SCREENS = (
    "welcome",
    "programs",
    "program_outpatient",
    "program_iop",
    "program_differ",
    "program_choose",
    "program_paying",
    "privacy",
    "name",
    "question",
    "fit",
    "risk_question",
    "safety",
    "safety_told",
    "safety_acute",
    "results",
    "results_acute",
    "printing_progress",
    "printing",
    "printing_failed",
    "unavailable",
    "out_of_order",
    "idle",
)


def render(
    screen: str,
    lang: str,
    size: tuple[int, int],
    out: Path,
    *,
    large: bool = False,
    contrast: bool = False,
) -> Path:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    global _app
    _app = QApplication.instance() or QApplication(sys.argv[:1])  # one for every render
    with tempfile.TemporaryDirectory() as tmp:
        window = build(Path(tmp))
        window.resize(*size)
        window.show()
        window.navigator.switch_language(lang)
        window.navigator.top_bar.large_button.setChecked(large)
        window.navigator.top_bar.contrast_button.setChecked(contrast)
        drive(window, screen)
        settle()
        variant = ("-large" if large else "") + ("-contrast" if contrast else "")
        path = out / f"{screen}-{lang}-{size[0]}x{size[1]}{variant}.png"
        window.grab().save(str(path))
        window.allow_close = True
        window.close()
        window.deleteLater()
        # processEvents() leaves deferred deletes alone outside an event loop; without this every
        # earlier window stays alive for the rest of the run.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return path


def _size(text: str) -> tuple[int, int]:
    """1280x800 -> (1280, 800)."""
    width, height = text.split("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("screen", nargs="?", default="welcome", choices=SCREENS)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument(
        "--all", action="store_true", help="render every screen, both languages, both sizes"
    )
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument(
        "--sizes",
        default=",".join(f"{w}x{h}" for w, h in SIZES.values()),
        help="with --all: the window sizes, comma-separated",
    )
    parser.add_argument("--large", action="store_true", help="large text")
    parser.add_argument("--contrast", action="store_true", help="high contrast")
    parser.add_argument(
        "--variants", action="store_true", help="with --all: also large text and high contrast"
    )
    args = parser.parse_args(argv)
    if args.all:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        sizes = [_size(size) for size in args.sizes.split(",")]
        for screen in SCREENS:
            for lang in ("en", "es"):
                for size in sizes:
                    print(render(screen, lang, size, out, large=args.large, contrast=args.contrast))
                    if args.variants:
                        print(render(screen, lang, size, out, large=True, contrast=True))
        return 0
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        window = build(Path(tmp))
        window.resize(width, height)
        window.show()
        window.navigator.switch_language(args.lang)
        window.navigator.top_bar.large_button.setChecked(args.large)
        window.navigator.top_bar.contrast_button.setChecked(args.contrast)
        drive(window, args.screen)
        return app.exec()


if __name__ == "__main__":
    sys.exit(main())
