"""Reading one TOML data file into a validated, frozen pydantic model.

Every content and config error must name the file and the field, so a clinic editing a file
can find the mistake without reading a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError


class ContentError(Exception):
    """A content or config file is missing, bad; the message names file and field."""


class Frozen(BaseModel):
    """Base for content models: immutable, and unknown keys are errors (typos must not pass)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


M = TypeVar("M", bound=BaseModel)


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            # TOML users count from 1 ("the 3rd [[pages]] table").
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def describe_validation_error(path: Path, err: ValidationError) -> str:
    lines = []
    for e in err.errors(include_url=False):
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        lines.append(f"{path}: {_field_path(loc)}: {msg}")
    return "\n".join(lines)


def read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot be read: {exc.strerror}") from None


def load_model(path: Path, model: type[M]) -> M:
    """Parse `path` as TOML and validate it as `model`; raise ContentError naming file and field."""
    data = read_toml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(describe_validation_error(path, exc)) from None
