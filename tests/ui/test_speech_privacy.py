"""Read aloud and the lobby (issue 19): a safety question, the safety screen and the urgent note
are said only to a headset, unless the clinic allows them on the loudspeaker ([speech] in
kiosk.toml); whether a headset is plugged in is read from ALSA's files."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Config, SpeechConfig, load_config
from kiosk.content import Content
from tests.support.windows import MakeWindow
from ui.app import MainWindow
from ui.shell.navigator import ScreenId
from ui.shell.speech_privacy import SpeechPrivacy, headset_plugged_in

PHQ9_ITEM9 = 9


@pytest.fixture
def mock_speech(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KIOSK_TTS_ENGINE", "mock")
    yield


def with_speech(config: Config, **settings: object) -> Config:
    return config.replace(speech=config.speech.replace(**settings))


def to_item_9(window: MainWindow) -> None:
    """Read aloud on, then the first eight PHQ-9 answers "Not at all": item 9 is on screen."""
    nav = window.navigator
    nav.set_reading(True)
    nav.welcome.checkin_button.click()
    nav.privacy.agree_button.click()
    nav.name.skip_button.click()
    for _ in range(PHQ9_ITEM9 - 1):
        nav.question.option_buttons[0].click()
    assert nav.flow is not None and nav.flow.state().question is not None
    assert nav.flow.state().question.item == PHQ9_ITEM9


def test_item_9_is_not_said_from_a_loudspeaker(
    make_window: MakeWindow, config: Config, content: Content, mock_speech: None
) -> None:
    window = make_window(with_speech(config, output="speaker"))
    nav = window.navigator
    to_item_9(window)
    spoken = nav.speaker.spoken[-1]
    item9 = content["en"].screening.instruments.instrument("phq9").items[PHQ9_ITEM9 - 1]
    assert item9 not in spoken
    assert content["en"].strings("access.headset_only") in spoken
    # The answers and the way on are still said: the visitor can skip it or get help.
    for button in (*nav.question.option_buttons, nav.question.skip_button):
        assert button.text() in spoken
    nav.question.option_buttons[1].click()  # a safety answer: the safety screen
    assert nav.current is ScreenId.SAFETY
    spoken = nav.speaker.spoken[-1]
    safety = content["en"].screening.safety
    assert safety.message not in spoken and safety.crisis[0].text not in spoken
    assert nav.safety.continue_button.text() in spoken
    nav.safety.stop_button.click()
    assert nav.current is ScreenId.RESULTS
    assert safety.message not in nav.speaker.spoken[-1]
    assert nav.results.title.text() in nav.speaker.spoken[-1]


@pytest.mark.parametrize("settings", [{"output": "headset"}, {"safety_on_speaker": True}])
def test_item_9_is_said_to_a_headset_or_where_the_clinic_allows_it(
    make_window: MakeWindow,
    config: Config,
    content: Content,
    mock_speech: None,
    settings: dict[str, object],
) -> None:
    window = make_window(with_speech(config, **{"output": "speaker", **settings}))
    to_item_9(window)
    spoken = window.navigator.speaker.spoken[-1]
    item9 = content["en"].screening.instruments.instrument("phq9").items[PHQ9_ITEM9 - 1]
    assert item9 in spoken
    assert content["en"].strings("access.headset_only") not in spoken


def asound(tmp_path: Path, cards: str) -> Path:
    folder = tmp_path / "asound"
    folder.mkdir(parents=True)
    (folder / "cards").write_text(cards, encoding="utf-8")
    return folder


USB_HEADSET = (
    " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n"
    "                      HDA Intel PCH at 0xf7f10000 irq 32\n"
    " 1 [Headset        ]: USB-Audio - Logitech USB Headset\n"
    "                      Logitech USB Headset at usb-0000:00:14.0-2, full speed\n"
)
ONBOARD_ONLY = " 7 [NoSuchCard     ]: HDA-Intel - HDA Intel PCH\n"


def test_a_usb_headset_is_private_and_a_card_alone_is_not(tmp_path: Path) -> None:
    assert headset_plugged_in(asound(tmp_path / "a", USB_HEADSET))
    # Card 7 does not exist here: amixer finds no "Headphone Jack" on; no card: not private.
    assert not headset_plugged_in(asound(tmp_path / "b", ONBOARD_ONLY))
    assert not headset_plugged_in(tmp_path / "no-sound-card")
    auto = SpeechPrivacy(SpeechConfig(output="auto"), asound(tmp_path / "c", USB_HEADSET))
    assert auto.private() and auto.may_say_safety()
    lobby = SpeechPrivacy(SpeechConfig(output="auto"), asound(tmp_path / "d", ONBOARD_ONLY))
    assert not lobby.private() and not lobby.may_say_safety()


def test_the_shipped_example_sets_every_speech_key(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "deploy" / "kiosk.toml.example"
    documented = tomllib.loads(example.read_text(encoding="utf-8"))["speech"]
    assert set(documented) == set(SpeechConfig.__struct_fields__)
    config = load_config(example, tmp_path)
    assert config.speech == SpeechConfig()  # the example shows the defaults
