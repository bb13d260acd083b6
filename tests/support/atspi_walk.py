"""A visit through the kiosk's accessibility tree only, as Orca drives an application: run with
the system's Python (/usr/bin/python3, Debian's python3-pyatspi), with DBUS_SESSION_BUS_ADDRESS
pointing at a session bus that has an accessibility bus.

    /usr/bin/python3 tests/support/atspi_walk.py PLAN.json

PLAN.json names what to find (the visible texts, in the kiosk's first language). Every step
finds a control by role and name among what is showing, checks it, and invokes its first
action (the default one: "Toggle" for a checkable button, "Press" for the others). On every
screen it fails on a control or a label without a name, a control that a keyboard cannot reach
(not focusable) or that has no action. Prints one JSON line (what it saw) and exits 0, or
prints the failure on stderr and exits 1. Nothing of the kiosk's code is imported: only the
tree is used.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyatspi  # type: ignore[import-not-found]

CONTROL_ROLES = {"push button", "check box", "toggle button", "radio button", "menu item"}
TEXT_ROLES = {"label", "static", "heading"}
WAIT_S = 15.0


class WalkError(Exception):
    pass


def showing(node: Any) -> bool:
    return bool(node.getState().contains(pyatspi.STATE_SHOWING))


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


def app_named(name: str) -> Any:
    desktop = pyatspi.Registry.getDesktop(0)
    return next((a for a in desktop if a is not None and a.name == name), None)


def actions(node: Any) -> list[str]:
    try:
        action = node.queryAction()
    except NotImplementedError:
        return []
    return [action.getName(i) for i in range(action.nActions)]


def audit(app: Any, screen: str, seen: dict[str, list[list[str]]]) -> None:
    """Nothing unnamed, nothing unreachable, on what is showing now."""
    found: list[list[str]] = []
    for node in nodes(app):
        role = node.getRoleName()
        if role in CONTROL_ROLES:
            names = actions(node)
            if not node.name.strip():
                raise WalkError(f"{screen}: a {role} without a name (actions {names})")
            state = node.getState()
            if not state.contains(pyatspi.STATE_SENSITIVE):
                # Disabled (the name's "Continue" before anything is typed): the state says so.
                found.append([role, node.name, "", "disabled"])
                continue
            if not names:
                raise WalkError(f"{screen}: {role} {node.name!r} has no action")
            if not state.contains(pyatspi.STATE_FOCUSABLE):
                raise WalkError(f"{screen}: {role} {node.name!r} is not focusable")
            checked = state.contains(pyatspi.STATE_CHECKED)
            found.append([role, node.name, names[0], "checked" if checked else ""])
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
        elif role == "progress bar":
            if not node.name.strip():
                raise WalkError(f"{screen}: a progress bar without a name")
            found.append([role, node.name])
    seen[screen] = found


def find(app: Any, role: str, name: str, *, prefix: bool = False) -> Any:
    def named(node: Any) -> bool:
        return bool(node.name.startswith(name) if prefix else node.name == name)

    def look() -> Any:
        return next((n for n in nodes(app) if n.getRoleName() == role and named(n)), None)

    return until(f"{role} {name!r}", look)


def invoke(node: Any) -> str:
    """The default action, as a screen reader's "activate" does."""
    names = actions(node)
    node.queryAction().doAction(0)
    return names[0]


def checked(node: Any) -> bool:
    return bool(node.getState().contains(pyatspi.STATE_CHECKED))


def walk(plan: dict[str, Any]) -> dict[str, Any]:
    app = until(f"application {plan['app']!r}", lambda: app_named(plan["app"]))
    seen: dict[str, list[list[str]]] = {}
    done: list[str] = []

    def press(role: str, name: str, then: str, then_role: str = "label") -> None:
        done.append(f"{invoke(find(app, role, name))} {name}")
        find(app, then_role, then)

    find(app, "label", plan["welcome"])
    audit(app, "welcome", seen)
    # Larger text and Read aloud through their default action, "Toggle": each must do what a
    # tap does (read aloud starts: the button then offers to stop).
    larger = find(app, "check box", plan["larger_text"])
    invoke(larger)
    until("Larger text checked", lambda: checked(larger))
    invoke(larger)
    until("Larger text unchecked", lambda: not checked(larger))
    press("check box", plan["read_aloud"], plan["stop_reading"], then_role="check box")
    if not checked(find(app, "check box", plan["stop_reading"])):
        raise WalkError("read aloud is on but its button is not checked in the tree")
    press("push button", plan["checkin"], plan["privacy_title"])
    audit(app, "privacy", seen)
    press("push button", plan["agree"], plan["name_title"])
    audit(app, "name", seen)
    press("push button", plan["skip_name"], plan["progress_first"])
    audit(app, "question", seen)
    find(app, "progress bar", plan["progress_first"])
    find(app, "label", plan["first_question"])
    # The second answer to every question until the safety screen: PHQ-9 item 9's is urgent.
    for _ in range(plan["max_questions"]):
        if any(n.name == plan["safety_title"] for n in nodes(app)):
            break
        answer = find(app, "push button", plan["answer"])
        before = {n.name for n in nodes(app) if n.getRoleName() == "label"}
        done.append(f"{invoke(answer)} {plan['answer']}")
        until(
            "the next screen",
            lambda before=before: (
                {n.name for n in nodes(app) if n.getRoleName() == "label"} != before
            ),
        )
    find(app, "label", plan["safety_title"])
    audit(app, "safety", seen)
    press("push button", plan["stop_here"], plan["results_title"])
    audit(app, "results", seen)
    done.append(f"{invoke(find(app, 'push button', plan['print']))} {plan['print']}")
    find(app, "label", plan["printed"], prefix=True)
    audit(app, "printing", seen)
    press("push button", plan["finish"], plan["welcome"])
    return {"done": done, "seen": seen}


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as file:
        plan = json.load(file)
    try:
        report = walk(plan)
    except WalkError as problem:
        print(f"accessibility walk failed: {problem}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
