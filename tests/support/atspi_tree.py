"""What every accessibility-tree walk needs, as Orca uses an application: find it, read what is
showing, check that nothing is unnamed or unreachable, invoke actions, wait for the outcome.

Imported by the walk scripts beside it (tests/support/atspi_walk.py for the kiosk,
tests/support/atspi_desk_walk.py for the reception desk app). They run with the system's Python
(/usr/bin/python3 with Debian's python3-pyatspi), not the project's venv, so they import this
module by its plain name: a script's own folder is the first entry of sys.path. Nothing of the
project's code is imported: only the tree is used.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyatspi  # type: ignore[import-not-found]

CONTROL_ROLES = {
    "push button",
    "check box",
    "toggle button",
    "radio button",
    "menu item",
    "combo box",
    "table cell",
}
FIELD_ROLES = {"text", "password text", "entry"}
TEXT_ROLES = {"label", "static", "heading"}
NAMED_ROLES = {"progress bar", "image", "table", "table column header"}
WAIT_S = 15.0
KEYSYMS = {"Up": 0xFF52, "Down": 0xFF54, "Return": 0xFF0D}


class WalkError(Exception):
    pass


def showing(node: Any) -> bool:
    return bool(node.getState().contains(pyatspi.STATE_SHOWING))


def has_state(node: Any, state: Any) -> bool:
    return bool(node.getState().contains(state))


def nodes(root: Any) -> Iterator[Any]:
    """Every node under root that is showing, depth first (the reading order Orca uses)."""
    for child in root:
        if child is None or not showing(child):
            continue
        yield child
        yield from nodes(child)


def until(what: str, found: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.1)
    raise WalkError(f"not found within {WAIT_S:.0f} s: {what}")


_apps: list[Any] = []  # the application being walked, for the tree printed with a failure


def application(name: str) -> Any:
    """The application of that name on the accessibility bus, once it is there."""

    def named() -> Any:
        desktop = pyatspi.Registry.getDesktop(0)
        return next((a for a in desktop if a is not None and a.name == name), None)

    app = until(f"application {name!r}", named)
    _apps.append(app)
    return app


def actions(node: Any) -> list[str]:
    try:
        action = node.queryAction()
    except NotImplementedError:
        return []
    return [action.getName(i) for i in range(action.nActions)]


def labelled_by(node: Any) -> list[str]:
    """The names of the labels that say what node is for (Orca reads them before its value)."""
    names: list[str] = []
    for relation in node.getRelationSet():
        if relation.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            names += [relation.getTarget(i).name for i in range(relation.getNTargets())]
    return names


def editable(node: Any) -> bool:
    try:
        node.queryEditableText()
    except NotImplementedError:
        return False
    return True


def audit(root: Any, screen: str, seen: dict[str, list[list[str]]]) -> None:
    """Nothing unnamed, nothing unreachable, on what is showing now under root."""
    found: list[list[str]] = []
    for node in nodes(root):
        role = node.getRoleName()
        if role in CONTROL_ROLES:
            found.append(_audit_control(node, role, screen))
        elif role in FIELD_ROLES:
            if not node.name.strip():
                raise WalkError(f"{screen}: a {role} without a name")
            if has_state(node, pyatspi.STATE_SENSITIVE):
                if not has_state(node, pyatspi.STATE_FOCUSABLE):
                    raise WalkError(f"{screen}: {role} {node.name!r} is not focusable")
                if not editable(node):
                    raise WalkError(f"{screen}: {role} {node.name!r} cannot be typed into")
            found.append([role, node.name])
        elif role in TEXT_ROLES:
            try:
                text = node.queryText().getText(0, -1)
            except NotImplementedError:  # Qt's labels give their text as their name only
                text = node.name
            if text.strip() and node.name != text:
                raise WalkError(f"{screen}: a label's name {node.name!r} is not its text {text!r}")
            if not node.name.strip():
                raise WalkError(f"{screen}: a {role} without a name")
            found.append([role, node.name])
        elif role in NAMED_ROLES:
            if not node.name.strip():
                raise WalkError(f"{screen}: a {role} without a name")
            found.append([role, node.name])
    seen[screen] = found


def _audit_control(node: Any, role: str, screen: str) -> list[str]:
    names = actions(node)
    if not node.name.strip():
        raise WalkError(f"{screen}: a {role} without a name (actions {names})")
    # On Linux Qt names a combo box by its current item: what it is for comes from its label.
    purpose = labelled_by(node) if role == "combo box" else []
    if role == "combo box" and not any(name.strip() for name in purpose):
        raise WalkError(f"{screen}: combo box {node.name!r} has no label saying what it is for")
    if not has_state(node, pyatspi.STATE_SENSITIVE):
        # Disabled (the name's "Continue" before anything is typed): the state says so.
        return [role, node.name, "", "disabled", *purpose]
    if not names:
        raise WalkError(f"{screen}: {role} {node.name!r} has no action")
    if not has_state(node, pyatspi.STATE_FOCUSABLE):
        raise WalkError(f"{screen}: {role} {node.name!r} is not focusable")
    checked = has_state(node, pyatspi.STATE_CHECKED)
    return [role, node.name, names[0], "checked" if checked else "", *purpose]


def find(root: Any, role: str, name: str, *, how: str = "exact") -> Any:
    """The first showing node under root of that role whose name is ``name`` (``how``:
    "exact", "prefix" or "contains"), waiting for it."""
    matches: dict[str, Callable[[str], bool]] = {
        "exact": lambda text: text == name,
        "prefix": lambda text: text.startswith(name),
        "contains": lambda text: name in text,
    }
    named = matches[how]

    def look() -> Any:
        return next((n for n in nodes(root) if n.getRoleName() == role and named(n.name)), None)

    return until(f"{role} {name!r}", look)


def gone(root: Any, role: str, name: str, *, how: str = "exact") -> None:
    """Waits until no showing node under root is that one."""

    def absent() -> bool:
        for node in nodes(root):
            if node.getRoleName() == role and (
                node.name == name if how == "exact" else name in node.name
            ):
                return False
        return True

    until(f"{role} {name!r} gone", absent)


def invoke(node: Any) -> str:
    """The default action, as a screen reader's "activate" does."""
    names = actions(node)
    if not names:
        raise WalkError(f"{node.getRoleName()} {node.name!r} has no action")
    node.queryAction().doAction(0)
    return str(names[0])


def checked(node: Any) -> bool:
    return has_state(node, pyatspi.STATE_CHECKED)


def press_key(key: str) -> None:
    """A key, as a screen reader passes the user's keys to the application (XTest)."""
    pyatspi.Registry.generateKeyboardEvent(KEYSYMS[key], None, pyatspi.KEY_SYM)


def choose(combo: Any, item: str) -> None:
    """An item of a combo box, as a screen reader user chooses it: open its list, arrow to the
    item (each one is focused, and so read, in turn), Enter. Qt's combo box offers no other way
    through the tree: selecting in its list does not change its current item."""
    invoke(combo)  # "ShowMenu"
    popup = until(
        f"the list of combo box {combo.name!r}",
        lambda: next((c for c in combo if c is not None and showing(c)), None),
    )
    names = [child.name for child in popup]
    if item not in names:
        raise WalkError(f"combo box {combo.name!r} offers {names}, not {item!r}")

    def focused() -> str | None:
        return next((c.name for c in popup if has_state(c, pyatspi.STATE_FOCUSED)), None)

    for _ in range(len(names)):
        now = until(f"a focused item in the list of {combo.name!r}", focused)
        if now == item:
            break
        press_key("Down" if names.index(item) > names.index(now) else "Up")
        until(f"the focus to leave {now!r}", lambda now=now: focused() not in (None, now))
    press_key("Return")
    until(f"combo box showing {item!r}", lambda: combo.name == item)


def describe(root: Any, depth: int = 0) -> Iterator[str]:
    """What is showing under root, one node a line, indented (printed with a failure)."""
    for node in root:
        if node is not None and showing(node):
            yield f"{'  ' * depth}{node.getRoleName()} {node.name!r} {actions(node)}"
            yield from describe(node, depth + 1)


def run(walk: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    """The walk with the plan in the file named by argv[1]: one JSON line of what it saw on
    stdout and 0, or the failure and the tree showing then on stderr and 1."""
    with open(sys.argv[1], encoding="utf-8") as file:
        plan = json.load(file)
    try:
        report = walk(plan)
    except WalkError as problem:
        print(f"accessibility walk failed: {problem}", file=sys.stderr)
        for app in _apps[-1:]:
            print("showing then:", *describe(app), sep="\n", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0
