"""Reading one TOML data file into a validated, frozen model (msgspec Structs).

Every content and config error must name the file and the field, so a clinic editing a file
can find the mistake without reading a traceback.

msgspec rather than a heavier validator: the models are defined at import, before the welcome
screen can show, and msgspec defines and checks them in a few milliseconds (docs/performance.md).
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, Self, TypeVar

import msgspec
import tomli


class ContentError(Exception):
    """A content or config file is missing, bad; the message names file and field."""


class Frozen(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base for content models: immutable, and unknown keys are errors (typos must not pass).

    Every string is stripped before validation (load_model), so `min_length=1` means "not blank".
    Checks that need more than a type or a bound go in __post_init__, raising FieldError to
    name the field they are about.
    """

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (not validated again)."""
        return msgspec.structs.replace(self, **changes)


class FieldError(ValueError):
    """A __post_init__ error about one field: msgspec reports the struct's path, and this adds
    the field's name to it (see describe_validation_error)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"@{field}@ {message}")


M = TypeVar("M", bound=msgspec.Struct)

_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_INDEX = re.compile(r"\[(\d+)\]")
_FIELD = re.compile(r"^@(?P<field>[^@]+)@ (?P<message>.*)$", re.DOTALL)
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_TYPE_WORDS = {
    "`int`": "a whole number",
    "`float`": "a number",
    "`str`": "text",
    "`bool`": "true or false",
    "`array`": "a list",
    "`object`": "a table",
    "`null`": "nothing",
}


_ENUM = re.compile(r"^Invalid enum value (?P<value>.+)$")
_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _words(message: str) -> str:
    if message == "Expected `str` of length >= 1":
        return "must not be empty"
    for name, words in _TYPE_WORDS.items():
        message = message.replace(name, words)
    return message[:1].lower() + message[1:]


def _allowed(model: type[msgspec.Struct], where: str) -> tuple[object, ...] | None:
    """The values a Literal field at msgspec path `where` accepts (for the error message)."""
    import msgspec.inspect as mi  # only on the error path

    def unwrap(t: mi.Type) -> mi.Type:
        if isinstance(t, mi.UnionType):
            return next(x for x in t.types if not isinstance(x, mi.NoneType))
        return t

    current: mi.Type = mi.type_info(model)
    for name, index in _TOKEN.findall(where):
        current = unwrap(current)
        if name and isinstance(current, mi.StructType):
            current = next(f.type for f in current.fields if f.encode_name == name)
        elif index and isinstance(current, mi.VarTupleType | mi.ListType):
            current = current.item_type
        else:
            return None
    current = unwrap(current)
    return current.values if isinstance(current, mi.LiteralType) else None


def describe_validation_error(
    path: Path, err: msgspec.ValidationError, model: type[msgspec.Struct] | None = None
) -> str:
    """The message for a clinic: "<file>: <field path>: <what is wrong>", with list positions
    counted from 1 as TOML users count them ("the 3rd [[pages]] table")."""
    match = _AT.match(str(err))
    assert match is not None  # the pattern matches any text
    message, raw_where = match["message"], match["path"] or ""
    where = _INDEX.sub(lambda m: f"[{int(m[1]) + 1}]", raw_where).removeprefix(".")
    enum = _ENUM.match(message)
    if enum and model is not None:
        try:
            allowed = _allowed(model, raw_where)
        except StopIteration:
            allowed = None
        if allowed:
            choices = ", ".join(repr(value) for value in allowed)
            return f"{path}: {where}: {enum['value']} is not one of {choices}"
    for pattern, text in (
        (_UNKNOWN, "unknown key (check the spelling)"),
        (_MISSING, "missing (required)"),
    ):
        found = pattern.match(message)
        if found:
            where = f"{where}.{found['field']}" if where else found["field"]
            message = text
            break
    else:
        found = _FIELD.match(message)
        if found:
            where = f"{where}.{found['field']}" if where else found["field"]
            message = found["message"]
        else:
            message = _words(message)
    return f"{path}: {where or '(top level)'}: {message}"


def placeholders(text: str) -> frozenset[str]:
    """The {placeholders} in a text ("" for a bare {}); ValueError for a broken one ("{n")."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def stripped(data: Any) -> Any:
    """Every string in a TOML document with its surrounding whitespace removed."""
    if isinstance(data, str):
        return data.strip()
    if isinstance(data, dict):
        return {key: stripped(value) for key, value in data.items()}
    if isinstance(data, list):
        return [stripped(value) for value in data]
    return data


def read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomli.load(fh)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except tomli.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot be read: {exc.strerror}") from None


def validate(path: Path, data: object, model: type[M]) -> M:
    """Check `data` (read from `path`) against `model`; raise ContentError naming file and field."""
    try:
        return msgspec.convert(stripped(data), type=model, strict=True)
    except msgspec.ValidationError as exc:
        raise ContentError(describe_validation_error(path, exc, model)) from None


def load_model(path: Path, model: type[M]) -> M:
    """Parse `path` as TOML and validate it as `model`; raise ContentError naming file and field."""
    return validate(path, read_toml(path), model)
