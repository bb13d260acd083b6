"""A visit through the kiosk's accessibility tree only, as Orca drives an application: run with
the system's Python (/usr/bin/python3, Debian's python3-pyatspi), with DBUS_SESSION_BUS_ADDRESS
pointing at a session bus that has an accessibility bus.

    /usr/bin/python3 tests/support/atspi_walk.py PLAN.json

PLAN.json names what to find (the visible texts, in the kiosk's first language). Every step
finds a control by role and name among what is showing, checks it, and invokes its first
action (the default one: "Toggle" for a checkable button, "Press" for the others). On every
screen it fails on a control or a label without a name, a control that a keyboard cannot reach
(not focusable) or that has no action. Prints one JSON line (what it saw) and exits 0, or
prints the failure (and the tree showing then) on stderr and exits 1. The steps (find, audit,
invoke, until) are tests/support/atspi_tree.py's, shared with the desk app's walk. Nothing of the
kiosk's code is imported: only the tree is used.
"""

from __future__ import annotations

import sys
from typing import Any

# The shared steps live beside this script (its folder is sys.path's first entry).
from atspi_tree import WalkError, application, audit, checked, find, invoke, nodes, run, until


def walk(plan: dict[str, Any]) -> dict[str, Any]:
    app = application(plan["app"])
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
    find(app, "label", plan["printed"], how="prefix")
    audit(app, "printing", seen)
    press("push button", plan["finish"], plan["welcome"])
    return {"done": done, "seen": seen}


if __name__ == "__main__":
    sys.exit(run(walk))
