"""The reception desk app driven through its accessibility tree only, as Orca drives it: run with
the system's Python (/usr/bin/python3, Debian's python3-pyatspi), with DBUS_SESSION_BUS_ADDRESS
pointing at a session bus that has an accessibility bus.

    /usr/bin/python3 tests/support/atspi_desk_walk.py PLAN.json

PLAN.json names the app, the PIN, the two visit codes and the texts to find. The walk audits the
sign-in page (nothing unnamed or unreachable; the PIN field a password field that does not read
the PIN back), types the PIN through EditableText and invokes "Sign in"; reads the list (its
table's rows by their cells' names, the urgent banner and its "Acknowledge", the banner before
the list in reading order); selects a row through the tree and opens it with "Open visit" (the
calm one, to prove the selection is what opens, then the urgent one); audits the visit; chooses
the outcome in the combo box labelled "Outcome:"; invokes the page's "Acknowledge"; waits for
the banner to go. Prints one JSON line (what it saw) and exits 0, or prints the failure and the
tree showing then on stderr and exits 1. The steps are tests/support/atspi_tree.py's.
"""

from __future__ import annotations

import sys
from typing import Any

import pyatspi  # type: ignore[import-not-found]

# The shared steps live beside this script (its folder is sys.path's first entry).
from atspi_tree import (
    WalkError,
    application,
    audit,
    choose,
    editable,
    find,
    gone,
    has_state,
    invoke,
    labelled_by,
    nodes,
    run,
    until,
)


def walk(plan: dict[str, Any]) -> dict[str, Any]:
    app = application(plan["app"])
    seen: dict[str, list[list[str]]] = {}
    done: list[str] = []
    urgent, calm = plan["urgent"], plan["calm"]

    def press(node: Any) -> None:
        done.append(f"{invoke(node)} {node.name}")

    # Signed out, the urgent banner already shows (it holds no name and no answer).
    find(app, "label", plan["sign_in_title"])
    find(app, "label", plan["connected"])
    banner = find(app, "label", plan["banner"], how="contains")
    audit(app, "sign-in", seen)
    pin = find(app, "password text", plan["pin_field"])
    if not editable(pin):
        raise WalkError("the PIN field cannot be typed into through the tree")
    pin.queryEditableText().insertText(0, plan["pin"], len(plan["pin"]))
    shown = until("the typed PIN", lambda: pin.queryText().getText(0, -1))
    if plan["pin"] in shown:
        raise WalkError("the PIN field reads the PIN back to the tree")
    press(find(app, "push button", plan["sign_in"]))

    table = find(app, "table", plan["table"])
    rows = until("both visits in the table", lambda: _rows(table) if len(_rows(table)) >= 2 else [])
    audit(app, "list", seen)
    order = list(nodes(app))
    banner = find(app, "label", plan["banner"], how="contains")
    banner_ack = find(banner.parent, "push button", plan["acknowledge"])
    read = {"banner": banner.name, "banner_button": banner_ack.name}  # both go once acknowledged
    if order.index(banner) > order.index(table):
        raise WalkError("the urgent banner is read after the whole list")

    def open_row(code: str) -> Any:
        cell = next(c for c in _cells(table) if c.name == code)
        if not has_state(cell, pyatspi.STATE_SELECTED):
            done.append(f"{invoke(cell)} {code}")  # a row cell's "Toggle" selects its row
        until(f"the row of {code} selected", lambda: has_state(cell, pyatspi.STATE_SELECTED))
        press(find(app, "push button", plan["open"]))
        return find(app, "label", f"{plan['visit_title']} {code}", how="prefix")

    open_row(calm)
    press(find(app, "push button", plan["back"]))
    table = find(app, "table", plan["table"])
    title = open_row(urgent)
    page = title.parent
    summary = find(page, "image", plan["summary"], how="prefix")
    audit(app, "visit", seen)
    combo = next(
        (n for n in nodes(page) if n.getRoleName() == "combo box" and n.name != ""),
        None,
    )
    if combo is None or plan["outcome_label"] not in labelled_by(combo):
        raise WalkError(f"no combo box labelled {plan['outcome_label']!r} on the visit page")
    choose(combo, plan["outcome"])
    done.append(f"Choose {plan['outcome']}")
    press(find(page, "push button", plan["acknowledge"]))
    find(page, "label", plan["acknowledged"], how="prefix")
    gone(app, "label", plan["banner"], how="contains")
    audit(app, "acknowledged", seen)
    return {
        "done": done,
        "seen": seen,
        "rows": rows,
        **read,
        "title": title.name,
        "summary": [summary.name, summary.description],
        "outcome": [labelled_by(combo), combo.name],
    }


def _cells(table: Any) -> list[Any]:
    return [c for c in table if c is not None and c.getRoleName() == "table cell"]


def _rows(table: Any) -> list[list[str]]:
    """The table's rows as a screen reader reads them: each cell by its name."""
    grid = table.queryTable()
    return [
        [grid.getAccessibleAt(row, column).name for column in range(grid.nColumns)]
        for row in range(grid.nRows)
    ]


if __name__ == "__main__":
    sys.exit(run(walk))
