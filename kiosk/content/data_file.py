"""Reading one TOML data file into a validated, frozen model (msgspec Structs).

Every content and config error must name the file and the field, so a clinic editing a file
can find the mistake without reading a traceback.

msgspec rather than a heavier validator: the models are defined at import, before the welcome
screen can show, and msgspec defines and checks them in a few milliseconds (docs/performance.md).
"""

# Annotations are real objects here, not strings (no `from __future__ import annotations`):
# msgspec would otherwise compile and eval every field's string at the first load, ~3 ms of
# the cold start (docs/performance.md). A name used before its class exists is quoted.
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Self, TypeVar

import msgspec
import tomli

# Every kiosk file is a few KiB. A limit checked before parsing keeps a pasted book or a runaway
# script from stalling the start for a minute (a 10 MB string once delayed Welcome by 30-54 s).
MAX_FILE_BYTES: Final = 256 * 1024
# No kiosk file nests tables or lists more than about 8 deep (guidance rules go deepest). Deeper
# input is refused at reading, before the validators (which recurse) see it.
MAX_NESTING: Final = 32
# Per-field limits on text, far above what a screen can show, far below what would stall one.
MAX_LABEL: Final = 300  # titles, headings, button and option labels, phone numbers
MAX_TEXT: Final = 3000  # sentences and paragraphs

# Strings are stripped before validation (stripped), so min_length=1 means "not blank".
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_LABEL)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT)]


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


_ENUM = re.compile(r"^Invalid enum value (?P<value>.+)$", re.DOTALL)
_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_TOO_LONG = re.compile(r"^Expected `str` of length <= (?P<limit>\d+)$")
_TOO_MANY = re.compile(r"^Expected `(array|object)` of length <= (?P<limit>\d+)$")


def check_meta_language(path: Path, said: str, language: str) -> None:
    """A content file's `meta.language` must name the folder it is in (a copied file that was
    never translated would otherwise pass as the other language)."""
    if said != language:
        raise ContentError(f"{path}: meta.language: says {said!r} but the folder is {language!r}")


def shown(text: str, limit: int = 60) -> str:
    """A piece of a file's text as it can appear in a one-line message: control characters
    escaped, and cut short (a 200 KB key name must not become a 200 KB error)."""
    if len(text) <= limit and text.isprintable():
        return text  # the usual case, at every key of every content file while the kiosk starts
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return line if len(line) <= limit else line[:limit] + "…"


def _words(message: str) -> str:
    if message == "Expected `str` of length >= 1":
        return "must not be empty"
    if found := _TOO_LONG.match(message):
        return f"too long (at most {found['limit']} characters)"
    if found := _TOO_MANY.match(message):
        return f"too many entries (at most {found['limit']})"
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
            return f"{path}: {where}: {shown(enum['value'])} is not one of {choices}"
    for pattern, text in (
        (_UNKNOWN, "unknown key (check the spelling)"),
        (_MISSING, "missing (required)"),
    ):
        found = pattern.match(message)
        if found:
            field = shown(found["field"])
            where = f"{where}.{field}" if where else field
            message = text
            break
    else:
        found = _FIELD.match(message)
        if found:
            field = shown(found["field"], 120)
            where = f"{where}.{field}" if where else field
            message = found["message"]
        else:
            message = _words(message)
    return f"{path}: {where or '(top level)'}: {shown(message, 300)}"


# A template is plain text with {name} placeholders that str.format fills in, and nothing else
# str.format would act on: a format spec ("{phone:d}" raised at runtime and blanked the safety
# screen's buttons; "{code:>20000000}" froze a screen for 15 s), a conversion, an attribute or
# index, a positional field, or a brace of any other kind ("{{" included: texts shown as written
# would show it doubled, so it is refused everywhere and kiosk text never holds a brace).
_BRACE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_END = re.compile(r"[:!.\[]")


def _placeholder_problem(placeholder: str, inner: str) -> str | None:
    if _NAME.fullmatch(inner):
        return None
    name = _NAME_END.split(inner, maxsplit=1)[0]
    if not name or name.isdigit():
        return f"placeholder {placeholder} needs a name, like {{code}}"
    if not _NAME.fullmatch(name):
        return f"placeholder {placeholder}: a name is letters, digits and _ only"
    rest = inner[len(name)]
    what = {":": "no format spec", "!": "no conversion"}.get(rest, "only a plain name")
    return f"placeholder {placeholder}: {what} allowed, write {{{shown(name)}}}"


def placeholders(text: str) -> frozenset[str]:
    """The {name} placeholders of a template. ValueError, naming the first offending placeholder
    or brace, for anything else in braces (see _BRACE): what loads is safe for str.format."""
    names: set[str] = set()
    for brace in _BRACE.finditer(text):
        inner = brace[1]
        if inner is None:
            if len(brace[0]) == 1:
                raise ValueError(
                    f"broken {{placeholder}}: a lone '{brace[0]}' "
                    "(braces only go around a name, like {code})"
                )
            raise ValueError(
                f"'{brace[0]}': braces only go around a placeholder name, like {{code}}"
            )
        problem = _placeholder_problem(shown(brace[0]), inner)
        if problem:
            raise ValueError(problem)
        names.add(inner)
    return frozenset(names)


def check_texts(path: Path, data: object, templates: Mapping[str, frozenset[str]]) -> None:
    """Every string of a content file: a template (a field `templates` names) holds only its
    allowed {placeholders}; any other text is shown as written, so it holds none at all (a
    visitor would read "{phone}" where a number was meant). ContentError names file and field."""

    def visit(value: object, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{where}.{shown(str(key))}" if where else shown(str(key)))
        elif isinstance(value, list):
            for number, item in enumerate(value, start=1):
                visit(item, f"{where}[{number}]")
        elif isinstance(value, str) and ("{" in value or "}" in value):
            allowed = templates.get(where, frozenset())
            try:
                names = placeholders(value)
            except ValueError as exc:
                raise ContentError(f"{path}: {where}: {exc}") from None
            if not names <= allowed:
                extra = ", ".join(f"{{{name}}}" for name in sorted(names - allowed))
                takes = ", ".join(f"{{{name}}}" for name in sorted(allowed))
                why = (
                    f"the only placeholders here are {takes}"
                    if takes
                    else "this text is shown as written and takes no placeholders"
                )
                raise ContentError(f"{path}: {where}: {shown(extra)}: {why}")

    visit(data, "")


def stripped(data: Any) -> Any:
    """Every string in a TOML document with its surrounding whitespace removed."""
    if isinstance(data, str):
        return data.strip()
    if isinstance(data, dict):
        return {key: stripped(value) for key, value in data.items()}
    if isinstance(data, list):
        return [stripped(value) for value in data]
    return data


def _too_big(path: Path) -> ContentError:
    return ContentError(
        f"{path}: too big: a kiosk file may be at most {MAX_FILE_BYTES // 1024} KiB"
    )


def _read_bytes(path: Path) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a regular file (opened without blocking, so a FIFO
    named by mistake is refused instead of waiting for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot be read: {exc.strerror}") from None
    except ValueError:  # a NUL in the name
        raise ContentError(f"{shown(str(path), 300)}: not a usable file name") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which refuses a folder in its own words
        os.close(fd)
        raise ContentError(f"{path}: not a regular file")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > MAX_FILE_BYTES:
            raise _too_big(path)
        try:
            return fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ContentError(f"{path}: cannot be read: {exc.strerror}") from None


def _nesting_problem(data: dict[str, object]) -> str | None:
    """The top-level key under which tables or lists nest more than MAX_NESTING deep, if any.
    Iterative: this runs before anything that recurses."""
    pending: list[tuple[object, int, str]] = [(value, 1, key) for key, value in data.items()]
    while pending:
        value, depth, top = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_NESTING:
                return top
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1, top) for item in items)
    return None


def read_toml(path: Path) -> dict[str, object]:
    """A TOML file's data, or ContentError with one line naming the file: missing, unreadable,
    too big, not UTF-8, not TOML, or nested too deeply. The size is checked before parsing."""
    raw = _read_bytes(path)
    if len(raw) > MAX_FILE_BYTES:
        raise _too_big(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ContentError(
            f"{path}: line {line}: not valid UTF-8 (save the file as UTF-8)"
        ) from None
    nested = f"nested more than {MAX_NESTING} levels deep (tables or lists inside each other)"
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {shown(str(exc), 300)}") from None
    except RecursionError:  # tomli's own limit on inline nesting, far above MAX_NESTING
        raise ContentError(f"{path}: {nested}") from None
    top = _nesting_problem(data)
    if top is not None:
        raise ContentError(f"{path}: {shown(top)}: {nested}")
    return data


def validate(path: Path, data: object, model: type[M]) -> M:
    """Check `data` (read from `path`) against `model`; raise ContentError naming file and field."""
    try:
        return msgspec.convert(stripped(data), type=model, strict=True)
    except msgspec.ValidationError as exc:
        raise ContentError(describe_validation_error(path, exc, model)) from None


def load_model(path: Path, model: type[M]) -> M:
    """Parse `path` as TOML and validate it as `model`; raise ContentError naming file and field.

    Content text is checked too (check_texts): the fields a model fills in with str.format are
    its ``templates`` class attribute (field path -> allowed placeholders)."""
    data = read_toml(path)
    loaded = validate(path, data, model)
    check_texts(path, stripped(data), getattr(model, "templates", {}))
    return loaded
