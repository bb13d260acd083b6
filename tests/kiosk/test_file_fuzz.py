"""Fuzzing the config and content loaders the way issue 14 found their tracebacks (1,400 fuzzed
configs, 2,400 fuzzed content files): random bytes, and mutations of the shipped files (bytes
changed, values of the wrong type, unknown keys, deep nesting, invalid UTF-8, odd placeholders).

The property: a file either loads, or the loader raises its own error (ConfigError for the
config, ContentError for content) whose every line names a file — never another exception,
never a traceback. Content that loads fills in every template with sample values.

On a bounded budget (derandomized, a fixed number of examples, a few seconds each), so the suite
runs the same cases every time.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.config import DEFAULT_CONTENT_DIR, ConfigError, load_config
from kiosk.content import Content, load_content
from kiosk.content.data_file import ContentError
from kiosk.content.screen_strings import SAMPLE_VALUES, UI_KEYS
from tests.support.process import ROOT, run_python

EXAMPLE_CONFIG = ROOT / "deploy" / "kiosk.toml.example"
# The example with its content_dir set (to the shipped content), so mutations reach that too.
CONFIG = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
    '# content_dir = "/etc/clinic-kiosk/content"', f"content_dir = {str(DEFAULT_CONTENT_DIR)!r}"
)
CONTENT_FILES = sorted(
    p.relative_to(DEFAULT_CONTENT_DIR) for p in DEFAULT_CONTENT_DIR.rglob("*.toml")
)


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# --- mutations -------------------------------------------------------------------------------

# Bytes that have broken TOML readers and templates before.
TRICKY_BYTES = [
    b"\xff",
    b"\xc3",  # a UTF-8 sequence cut short
    b"\xed\xa0\x80",  # a UTF-16 surrogate, encoded: not valid UTF-8
    b"\x00",
    b"{",
    b"}",
    b"[",
    b"]",
    b"[[",
    b"=",
    b'"',
    b"'''",
    b'"""',
    b"\n",
    b"\r\n",
    b"\\",
    b"{phone:d}",
    b"{days:s}",
    b"{n!r}",
    b"{code:>20000000}",
    b"{code.upper}",
    b"{0}",
    b"{}",
    b"{{",
    b"a = " + b"[" * 500 + b"]" * 500 + b"\n",
    b"[" + b".".join(b"t%d" % n for n in range(60)) + b"]\n",
]

byte_payload = st.one_of(st.sampled_from(TRICKY_BYTES), st.binary(min_size=1, max_size=24))


@st.composite
def byte_mutation(draw: st.DrawFn, original: bytes) -> bytes:
    """`original` with a few bytes inserted, deleted, replaced or cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "duplicate"]))
        at = draw(st.integers(0, len(data)))
        if kind == "insert":
            data[at:at] = draw(byte_payload)
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "replace":
            payload = draw(byte_payload)
            data[at : at + len(payload)] = payload
        elif kind == "truncate":
            del data[at:]
        else:
            end = at + draw(st.integers(1, 200))
            data[end:end] = data[at:end]
    return bytes(data)


# Strings a clinic (or an attacker) could put where text goes.
TRICKY_TEXT = [
    "",
    " ",
    "{n}",
    "{total}",
    "{code}",
    "{phone}",
    "{days} {seconds} {max}",
    "{phone:d}",
    "{days:s}",
    "{n:s} of {total:s}",
    "{code:>20000000}",
    "{code!r}",
    "{code.upper}",
    "{code[0]}",
    "{0}",
    "{}",
    "{{code}}",
    "{",
    "}",
    "Seite {n} von {total}",
    "x" * 5000,
    "line\nbreak",
    "tab\there",
    "\x00",
    "\u202etext",
]

text = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)
scalar = st.one_of(
    text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)
value = st.recursive(
    scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)


class Nested:
    """Lists or inline tables `depth` levels inside each other (written without recursion)."""

    def __init__(self, depth: int, kind: str) -> None:
        self.depth, self.kind = depth, kind

    def toml(self) -> str:
        if self.kind == "list":
            return "[" * self.depth + "1" + "]" * self.depth
        return "{ a = " * self.depth + "1" + " }" * self.depth


def toml_string(text: str) -> str:
    # JSON's string escapes are TOML's, except that TOML wants DEL escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(item: object) -> str:
    if isinstance(item, Nested):
        return item.toml()
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if item != item:
            return "nan"
        if item in (float("inf"), float("-inf")):
            return "inf" if item > 0 else "-inf"
        return repr(item)
    if isinstance(item, datetime | date):
        return item.isoformat()
    if isinstance(item, str):
        return toml_string(item)
    if isinstance(item, list):
        return "[" + ", ".join(toml_value(x) for x in item) + "]"
    assert isinstance(item, dict)
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in item.items()) + "}"


def toml_document(data: dict[str, object]) -> bytes:
    """`data` as TOML: one line per top-level key, everything under it inline."""
    lines = [f"{toml_string(key)} = {toml_value(item)}" for key, item in data.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def paths(data: object, where: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    """Every place in a parsed document: keys of tables, positions in lists."""
    yield where
    if isinstance(data, dict):
        for key, item in data.items():
            yield from paths(item, (*where, key))
    elif isinstance(data, list):
        for number, item in enumerate(data):
            yield from paths(item, (*where, number))


@st.composite
def structural_mutation(draw: st.DrawFn, original: bytes) -> bytes:
    """`original` parsed, changed in one to three places, and written back as TOML."""
    import tomli

    data = tomli.loads(original.decode("utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(list(paths(data))))
        parent: object = data
        for step in where[:-1]:
            parent = parent[step]  # type: ignore[index]
        current = parent[where[-1]] if where else data  # type: ignore[index]
        kind = draw(
            st.sampled_from(["replace", "delete", "unknown key", "nest", "template", "duplicate"])
        )
        if kind == "replace" and where:
            parent[where[-1]] = draw(value)  # type: ignore[index]
        elif kind == "delete" and where:
            del parent[where[-1]]  # type: ignore[attr-defined]
        elif kind == "unknown key" and isinstance(current, dict):
            current[draw(text)] = draw(value)
        elif kind == "nest" and where:
            depth = draw(st.sampled_from([2, 5, 31, 33, 60, 399, 401, 700]))
            kind = draw(st.sampled_from(["list", "table"]))
            parent[where[-1]] = Nested(depth, kind)  # type: ignore[index]
        elif kind == "template" and isinstance(current, str) and where:
            pieces = draw(st.lists(st.sampled_from(TRICKY_TEXT[2:20]), min_size=1, max_size=3))
            parent[where[-1]] = current + " " + " ".join(pieces)  # type: ignore[index]
        elif kind == "duplicate" and isinstance(current, list) and current:
            current.extend(current * draw(st.integers(1, 40)))
        if not isinstance(data, dict):
            break
    return toml_document(data)


def mutated(original: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(byte_mutation(original), structural_mutation(original))


# --- properties ------------------------------------------------------------------------------


def assert_names_a_file(message: str, prefix: str) -> None:
    """The loader's message: one line per problem, each naming a file under `prefix`."""
    assert message, "an empty error message"
    for line in message.splitlines():
        assert line.startswith(prefix), f"does not name the file: {line!r}"
        assert line.isprintable(), f"control characters in: {line!r}"
        assert len(line) < 1000, f"a line of {len(line)} characters"


def visible_texts(item: object) -> Iterator[str]:
    if isinstance(item, str):
        yield item
    elif isinstance(item, dict):
        for inner in item.values():
            yield from visible_texts(inner)
    elif isinstance(item, list):
        for inner in item:
            yield from visible_texts(inner)


def assert_every_template_fills_in(content: Content) -> None:
    for lc in content.languages.values():
        for key, names in UI_KEYS.items():
            filled = lc.strings(key, **{name: SAMPLE_VALUES[name] for name in names})
            assert "{" not in filled and "}" not in filled, (key, filled)
            assert len(filled) < 2000
        results = lc.screening.results
        for skipped in (1, 2, 9):
            assert "{" not in results.not_scored(skipped)
        shown_as_written = msgspec.to_builtins(
            [lc.programs, lc.screening.instruments, lc.screening.fit, lc.screening.safety]
        )
        for words in visible_texts(shown_as_written):
            assert "{" not in words and "}" not in words, words


@pytest.fixture(scope="module")
def content_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    return root


def load_mutated_content(root: Path, name: Path, data: bytes) -> None:
    path = root / name
    original = (DEFAULT_CONTENT_DIR / name).read_bytes()
    path.write_bytes(data)
    try:
        try:
            loaded = load_content(root, ["en", "es"])
        except ContentError as exc:
            assert type(exc) is ContentError
            assert_names_a_file(str(exc), f"{root}/")
            event("refused")
        else:
            assert_every_template_fills_in(loaded)
            event("loaded")
    finally:
        path.write_bytes(original)


@fuzz(300)
@given(
    case=st.sampled_from(CONTENT_FILES).flatmap(
        lambda name: st.tuples(st.just(name), mutated((DEFAULT_CONTENT_DIR / name).read_bytes()))
    )
)
def test_mutated_content_loads_or_names_the_file(
    content_root: Path, case: tuple[Path, bytes]
) -> None:
    load_mutated_content(content_root, *case)


@fuzz(60)
@given(
    name=st.sampled_from(CONTENT_FILES),
    data=st.one_of(st.binary(max_size=300), st.sampled_from(TRICKY_BYTES)),
)
def test_random_bytes_as_content_name_the_file(content_root: Path, name: Path, data: bytes) -> None:
    load_mutated_content(content_root, name, data)


UI_TOML = Path("en") / "ui.toml"
# What may follow a placeholder's name inside its braces; most are refused now, and each once
# loaded and then broke a screen: "{phone:d}", "{days:s}", "{code:>20000000}", "{code[0]}"...
AFTER_NAME = ["", "", "", ":d", ":s", ":>20000000", ":", "!r", "!s", ".real", "[0]", ":{n}"]


@st.composite
def screen_string(draw: st.DrawFn) -> tuple[str, str]:
    """A key of ui.toml and a new text for it: its own placeholders, each perhaps with a format
    spec or the like after the name, among tricky and random text."""
    key = draw(st.sampled_from(sorted(UI_KEYS)))
    pieces = ["{" + name + draw(st.sampled_from(AFTER_NAME)) + "}" for name in UI_KEYS[key]]
    pieces += draw(st.lists(st.one_of(st.sampled_from(TRICKY_TEXT[:20]), text), max_size=3))
    return key, " ".join(draw(st.permutations(pieces)))


@fuzz(200)
@given(case=screen_string())
def test_any_screen_string_that_loads_fills_in(content_root: Path, case: tuple[str, str]) -> None:
    # Straight at the templates: one screen string of the first language replaced.
    import tomli

    key, template = case
    data = tomli.loads((DEFAULT_CONTENT_DIR / UI_TOML).read_text(encoding="utf-8"))
    section, name = key.split(".")
    data[section][name] = template
    load_mutated_content(content_root, UI_TOML, toml_document(data))


def config_loads_or_names_the_file(path: Path, data: bytes, data_dir: Path) -> None:
    """The config loads or names itself; a config that loads leads to content that loads or
    names a file in the content folder it chose (its languages, its content_dir)."""
    path.write_bytes(data)
    try:
        config = load_config(path, data_dir)
    except ConfigError as exc:
        assert_names_a_file(str(exc), f"{path}: ")
        event("refused")
        return
    event("loaded")
    try:
        load_content(config.content_dir, config.languages)
    except ContentError as exc:
        assert type(exc) is ContentError
        assert_names_a_file(str(exc), str(config.content_dir))


@fuzz(300)
@given(data=mutated(CONFIG.encode("utf-8")))
def test_mutated_example_config_loads_or_names_the_file(tmp_path: Path, data: bytes) -> None:
    config_loads_or_names_the_file(tmp_path / "kiosk.toml", data, tmp_path / "data")


@fuzz(150)
@given(data=st.one_of(st.binary(max_size=400), st.sampled_from(TRICKY_BYTES)))
def test_random_bytes_as_config_name_the_file(tmp_path: Path, data: bytes) -> None:
    config_loads_or_names_the_file(tmp_path / "kiosk.toml", data, tmp_path / "data")


# --- the real command --------------------------------------------------------------------------


def assert_check_reports_in_lines(stderr: str, config: Path, content: Path) -> None:
    assert "Traceback" not in stderr, stderr
    for line in stderr.splitlines():
        assert line.isprintable(), line
        assert line.startswith(
            (f"config: {config}: ", f"content: {content}/", f"{content}/", "database: ")
        ), line


@fuzz(8)
@given(
    case=st.sampled_from(CONTENT_FILES).flatmap(
        lambda name: st.tuples(st.just(name), mutated((DEFAULT_CONTENT_DIR / name).read_bytes()))
    ),
    config_data=mutated(CONFIG.encode("utf-8")),
)
def test_check_command_reports_fuzzed_files_in_one_line_each(
    tmp_path: Path, case: tuple[Path, bytes], config_data: bytes
) -> None:
    """The whole path a clinic takes: `python -m kiosk check` on a fuzzed content file, then on a
    fuzzed config, as processes."""
    name, content_data = case
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / name).write_bytes(content_data)
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[kiosk]\ncontent_dir = {str(content)!r}\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    try:
        result = run_python(
            "-m", "kiosk", "check", "--config", str(config), "--data-dir", str(data_dir)
        )
        assert result.returncode in (0, 1), result.stderr
        assert_check_reports_in_lines(result.stderr, config, content)
        config.write_bytes(config_data)
        result = run_python(
            "-m", "kiosk", "check", "--config", str(config), "--data-dir", str(data_dir)
        )
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        first = result.stderr.splitlines()[:1]
        assert all(line.isprintable() for line in result.stderr.splitlines()), result.stderr
        if first and first[0].startswith("config: "):
            assert first[0].startswith(f"config: {config}: "), first
    finally:
        (content / name).write_bytes((DEFAULT_CONTENT_DIR / name).read_bytes())
