"""kiosk.toml -> a frozen, validated Config with defaults that run out of the box.

Every key is optional. Unknown keys and wrong types are errors that name the file and the key,
because a silently ignored typo ("idle_second = 30") would leave a lobby kiosk misconfigured.
"""

# Annotations are real objects here, not strings (no `from __future__ import annotations`):
# msgspec would otherwise compile and eval every field's string at the first load, ~3 ms of
# the cold start (docs/performance.md). A name used before its class exists is quoted.
import os
import re
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
    # The language of the staff box on every summary and of alerts, whatever the visitor's.
    staff_language: Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")] = "en"

    def __post_init__(self) -> None:
        if self.staff_language not in SUPPORTED_LANGUAGES:
            raise FieldError(
                "staff_language",
                f"{self.staff_language!r} is not one of the kiosk's languages "
                f"({', '.join(SUPPORTED_LANGUAGES)})",
            )
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
    # Names this kiosk in alerts and at the hub ("Lobby kiosk", "2nd floor waiting room").
    location: Annotated[str, Meta(min_length=1, max_length=80)] = "Lobby kiosk"

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


# A CUPS queue name as lpadmin accepts it: printable, no space, "/", "#" or quote.
_QUEUE_NAME = r"^[^\s/#'\"\\]{1,127}$"


class AlertsConfig(Frozen, frozen=True):
    """Who is told of an urgent visit, off the kiosk (docs/alerts.md)."""

    # Apprise URLs told of every urgent visit ("mailtos://…", "json://…", "msteams://…").
    notify: list[str] = field(default_factory=list)
    # A CUPS queue at the front desk that prints an alert slip; "" = none.
    printer: Annotated[str, Meta(pattern=r"^$|" + _QUEUE_NAME)] = ""
    # Nobody acknowledged within this many minutes (acute: half) -> `escalate` is told, once.
    escalate_after_minutes: Annotated[int, Meta(ge=1, le=120)] = 5
    escalate: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key in ("notify", "escalate"):
            urls: list[str] = getattr(self, key)
            if len(set(urls)) != len(urls):
                raise FieldError(key, "a URL is listed twice (it would be told twice)")
            if urls:
                # Imported only when URLs are configured: Apprise (~0.1 s, ~100 modules) stays
                # off the start path of a kiosk that sends no alerts.
                from kiosk.apprise_urls import url_problem

                for index, url in enumerate(urls):
                    problem = url_problem(url)
                    if problem is not None:
                        raise FieldError(f"{key}[{index}]", problem)
        if self.escalate and not (self.notify or self.printer):
            raise FieldError(
                "escalate",
                "escalation follows an alert nobody acknowledged: set notify or printer too",
            )


# The hub's address: a libpq URI. Checked here without the driver (psycopg loads only when a
# hub is configured): the scheme, a host, a database, a port that is a number, no control
# characters. Its password is never shown: every message names the URI through redact_url.
_HUB_SCHEMES = ("postgresql://", "postgres://")
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (in the user part and in the query), for
    messages and logs."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a hub URL that cannot be read>"
    netloc = parts.netloc
    if "@" in netloc:
        users, hosts = netloc.rsplit("@", 1)
        user = users.split(":", 1)[0]
        netloc = f"{user}:***@{hosts}" if ":" in users else f"{user}@{hosts}"
    query = re.sub(r"(?i)(^|&)(password)=[^&]*", r"\1\2=***", parts.query)
    redacted = parts._replace(netloc=netloc, query=query).geturl()
    return redacted


def check_hub_url(url: str) -> None:
    """Raise ValueError (the message names the URI, password hidden) unless ``url`` is "" or a
    usable postgresql:// URI."""
    if not url:
        return
    from urllib.parse import parse_qs, urlsplit

    shown = redact_url(url)
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        raise ValueError(f"{shown}: contains a control character (a line break?)")
    if not url.startswith(_HUB_SCHEMES):
        raise ValueError(f"{shown}: expected a libpq URI starting with postgresql://")
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        for host in parts.netloc.rsplit("@", 1)[-1].split(","):
            port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
            if port and not (port.isdigit() and 0 < int(port) < 65536):
                raise ValueError(f"port {port!r} is not a number from 1 to 65535")
    except ValueError as exc:
        raise ValueError(f"{shown}: cannot be read ({exc})") from None
    has_host = parts.hostname or query.get("host") or query.get("hostaddr")
    if not has_host:
        raise ValueError(f"{shown}: names no host (postgresql://user:password@host/database)")
    if not parts.path.strip("/") and not query.get("dbname"):
        raise ValueError(f"{shown}: names no database (postgresql://user:password@host/database)")
    for mode in query.get("sslmode", []):
        if mode not in _SSL_MODES:
            raise ValueError(f"{shown}: sslmode {mode!r} is not one of {', '.join(_SSL_MODES)}")


class HubConfig(Frozen, frozen=True):
    # The clinic hub (docs/hub.md): "" = this kiosk stands alone; else a postgresql:// URI with
    # this kiosk's own login, printed by `python -m kiosk hub add-kiosk NAME`.
    url: str = ""

    def __post_init__(self) -> None:
        try:
            check_hub_url(self.url)
        except ValueError as exc:
            raise FieldError("url", str(exc)) from None

    def __repr__(self) -> str:
        return f"HubConfig(url={redact_url(self.url)!r})"


class DeskConfig(Frozen, frozen=True):
    # The reception desk app (`python -m ui.desk`): it locks after this long without input, and
    # chimes at this volume (0 = silent) when an urgent visit arrives.
    idle_lock_minutes: Annotated[int, Meta(ge=1, le=60)] = 5
    chime_volume: Annotated[float, Meta(ge=0.0, le=1.0)] = 0.6


class ConfigFile(Frozen, frozen=True):
    clinic: ClinicConfig = field(default_factory=ClinicConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    printing: PrintingConfig = field(default_factory=PrintingConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    desk: DeskConfig = field(default_factory=DeskConfig)


class Config(Frozen, frozen=True):
    """The settings in force: the file's values plus where things live."""

    data_dir: Path
    clinic: ClinicConfig = field(default_factory=ClinicConfig)
    kiosk: KioskConfig = field(default_factory=KioskConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    printing: PrintingConfig = field(default_factory=PrintingConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    desk: DeskConfig = field(default_factory=DeskConfig)
    content_dir: Path = DEFAULT_CONTENT_DIR
    source: Path | None = None  # the config file read, if any

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.kiosk.languages)

    @property
    def alerts_configured(self) -> bool:
        """Is any channel set to tell staff of an urgent visit? Without one nothing may claim
        the front desk was told (UX.md, the safety screen). A hub is one: its desks show the
        visit's banner (kiosk/alerts/hub.py)."""
        return bool(self.alerts.notify or self.alerts.printer or self.hub.url)


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
        alerts=parsed.alerts,
        hub=parsed.hub,
        desk=parsed.desk,
        data_dir=resolve_data_dir(data_dir, parsed.storage.data_dir),
        content_dir=resolve_content_dir(content_dir, parsed.kiosk.content_dir, source),
        source=source,
    )
