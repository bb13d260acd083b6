"""kiosk.toml -> a frozen, validated Config with defaults that run out of the box.

Every key is optional. Unknown keys and wrong types are errors that name the file and the key,
because a silently ignored typo ("idle_second = 30") would leave a lobby kiosk misconfigured.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import Meta, field

from kiosk.content.data_file import ContentError, FieldError, Frozen, read_toml, validate
from kiosk.instruments import ids as instrument_ids

APP_NAME = "clinic-kiosk"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where the shipped resources live, named once: content, styles, fonts.
RESOURCES_DIR = PROJECT_ROOT / "resources"
DEFAULT_CONTENT_DIR = RESOURCES_DIR / "content"
STYLES_DIR = RESOURCES_DIR / "styles"
FONTS_DIR = RESOURCES_DIR / "fonts"
ENV_DATA_DIR = "KIOSK_DATA_DIR"
ENV_CONFIG = "KIOSK_CONFIG"
SUPPORTED_LANGUAGES = ("en", "es")


class ConfigError(ContentError):
    """The config file is missing, unreadable or has a wrong key or value."""


def _check_path(field: str, value: str) -> None:
    # TOML can spell any control character ("\u0000", "\n"); a NUL makes every use of the path
    # raise, and the others would break the one-line messages that name the folder.
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise FieldError(
            field, "a folder name cannot contain control characters (a line break, \\u0000...)"
        )


class ClinicConfig(Frozen, frozen=True):
    # Both shown on screens and the summary: a sentence at most, not a page.
    name: Annotated[str, Meta(min_length=1, max_length=200)] = "Resilience Behavioral Health"
    # Printed on the summary and shown on the safety screen; empty hides it.
    phone: Annotated[str, Meta(max_length=100)] = ""
    timezone: str = "America/New_York"

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder
            raise FieldError(
                "timezone",
                f"unknown time zone {self.timezone!r} (use a name like America/New_York)",
            ) from None


LanguageCode = Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]


class KioskConfig(Frozen, frozen=True):
    # Any language with a folder in resources/content; the first is the default on Welcome.
    languages: Annotated[list[LanguageCode], Meta(min_length=1)] = field(
        default_factory=lambda: ["en", "es"]
    )
    fullscreen: bool = False
    idle_seconds: Annotated[int, Meta(ge=5, le=3600)] = 90
    idle_countdown_seconds: Annotated[int, Meta(ge=3, le=600)] = 30
    # The clinic's own copy of the content, kept outside the install (so an update never
    # overwrites its edits); relative to this file's folder. "" = the shipped resources/content.
    content_dir: str = ""

    def __post_init__(self) -> None:
        if len(set(self.languages)) != len(self.languages):
            raise FieldError("languages", "a language is listed twice")
        _check_path("content_dir", self.content_dir)


class ScreeningConfig(Frozen, frozen=True):
    # The instruments asked, in this order (ids of kiosk/instruments); the fit questions follow.
    instruments: list[str] = field(default_factory=lambda: list(instrument_ids()))

    def __post_init__(self) -> None:
        known = instrument_ids()
        for instrument_id in self.instruments:
            if instrument_id not in known:
                raise FieldError(
                    "instruments",
                    f"unknown instrument {instrument_id!r} (known: {', '.join(known)})",
                )
        if len(set(self.instruments)) != len(self.instruments):
            raise FieldError("instruments", "an instrument is listed twice")


class PrintingConfig(Frozen, frozen=True):
    # CUPS queue name; "" = the system default queue; "none" = keep the PDF only.
    printer: str = ""
    paper: Literal["letter", "a4"] = "letter"
    # Seconds to follow a job before calling it failed (a jammed printer must not hang the visit).
    timeout_seconds: Annotated[int, Meta(ge=5, le=600)] = 60


class SpeechConfig(Frozen, frozen=True):
    """Read aloud (docs/accessibility.md)."""

    # The speech volume every visit starts at (0.2-1.0); a keypad's volume keys change it for
    # the visit only.
    volume: Annotated[float, Meta(ge=0.2, le=1.0)] = 0.8
    # Where read aloud is heard. "auto": a headset when one is plugged in (a USB headset, or
    # headphones in a jack the sound card reports), else the loudspeaker; "headset": the kiosk's
    # only sound output is a headset or handset; "speaker": a loudspeaker.
    output: Literal["auto", "headset", "speaker"] = "auto"
    # Whether a safety question (PHQ-9 item 9: thoughts of self-harm) and the safety screen may
    # be read from a loudspeaker, for the lobby to hear. Off: they are read only to a headset,
    # and the loudspeaker says how to hear them instead.
    safety_on_speaker: bool = False


class StorageConfig(Frozen, frozen=True):
    data_dir: str = ""
    retention_days: Annotated[int, Meta(ge=1, le=3650)] = 90

    def __post_init__(self) -> None:
        _check_path("data_dir", self.data_dir)


class ConfigFile(Frozen, frozen=True):
    clinic: ClinicConfig = field(default_factory=ClinicConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    printing: PrintingConfig = field(default_factory=PrintingConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)


class Config(Frozen, frozen=True):
    """The settings in force: the file's values plus where things live."""

    data_dir: Path
    clinic: ClinicConfig = field(default_factory=ClinicConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    printing: PrintingConfig = field(default_factory=PrintingConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    content_dir: Path = DEFAULT_CONTENT_DIR
    source: Path | None = None  # the config file read, if any

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.kiosk.languages)


def default_data_dir() -> Path:
    # Imported lazily: platformdirs is only needed when no folder was given.
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(cli_value: str | os.PathLike[str] | None, file_value: str) -> Path:
    """--data-dir, then $KIOSK_DATA_DIR, then the config file, then the per-user data folder."""
    for candidate in (cli_value, os.environ.get(ENV_DATA_DIR), file_value):
        if candidate:
            return Path(candidate).expanduser()
    return default_data_dir()


def resolve_content_dir(
    argument: str | os.PathLike[str] | None, file_value: str, source: Path | None
) -> Path:
    """The caller's folder, then `[kiosk] content_dir` (relative to the config file's folder),
    then the shipped resources/content."""
    if argument is not None:
        return Path(argument)
    if file_value:
        folder = Path(file_value).expanduser()
        return folder if source is None else source.parent / folder
    return DEFAULT_CONTENT_DIR


def load_config(
    path: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    content_dir: str | os.PathLike[str] | None = None,
) -> Config:
    """Read kiosk.toml (or $KIOSK_CONFIG, or nothing: defaults) and settle the data folder and
    the content folder."""
    if path is None and os.environ.get(ENV_CONFIG):
        path = os.environ[ENV_CONFIG]
    source = Path(path) if path is not None else None
    raw: dict[str, object] = {}
    if source is not None:
        try:
            raw = read_toml(source)
        except ContentError as exc:
            raise ConfigError(str(exc)) from None
    try:
        parsed = validate(source or Path("kiosk.toml"), raw, ConfigFile)
    except ContentError as exc:
        raise ConfigError(str(exc)) from None
    return Config(
        clinic=parsed.clinic,
        kiosk=parsed.kiosk,
        screening=parsed.screening,
        printing=parsed.printing,
        speech=parsed.speech,
        storage=parsed.storage,
        data_dir=resolve_data_dir(data_dir, parsed.storage.data_dir),
        content_dir=resolve_content_dir(content_dir, parsed.kiosk.content_dir, source),
        source=source,
    )
