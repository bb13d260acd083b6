"""The test tree's one home for shared fixtures and helpers: tests/conftest.py and tests/support/.

A test module never imports another test module (nor a conftest): what two modules share moves
to tests/support/. A fixture that conftest.py or a tests/support/ plugin provides is defined
there only, never again in a test module.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HOME = [TESTS / "conftest.py", *sorted((TESTS / "support").glob("*.py"))]


def python_files() -> list[Path]:
    return [p for p in sorted(TESTS.rglob("*.py")) if "__pycache__" not in p.parts]


def imported_modules(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def fixtures_defined(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            if ast.unparse(target) not in ("pytest.fixture", "fixture"):
                continue
            named = [k.value for k in (call.keywords if call else []) if k.arg == "name"]
            names.add(named[0].value if named and isinstance(named[0], ast.Constant) else node.name)
    return names


def test_no_test_module_imports_another() -> None:
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for module in sorted(imported_modules(tree)):
            if module.startswith("tests.") and not module.startswith("tests.support"):
                found.append(f"{path.relative_to(TESTS.parent)} imports {module}")
    assert not found, "move what is shared to tests/support/: " + "; ".join(found)


def test_only_tests_conftest_is_a_conftest() -> None:
    others = [p for p in TESTS.rglob("conftest.py") if p != TESTS / "conftest.py"]
    assert not others, f"shared fixtures live in tests/conftest.py and tests/support/: {others}"


def test_shared_fixtures_are_defined_once() -> None:
    shared: dict[str, Path] = {}
    for path in HOME:
        for name in fixtures_defined(ast.parse(path.read_text(encoding="utf-8"))):
            assert name not in shared, f"fixture {name!r} in both {shared[name]} and {path}"
            shared[name] = path
    assert {"store", "clock", "content", "data_dir", "config", "make_window", "cups"} <= set(shared)
    again = []
    for path in python_files():
        if path in HOME:
            continue
        for name in sorted(fixtures_defined(ast.parse(path.read_text(encoding="utf-8")))):
            if name in shared:
                again.append(f"{path.relative_to(TESTS.parent)} defines {name!r} again")
    assert not again, "; ".join(again)
