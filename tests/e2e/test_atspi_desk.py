"""The reception desk app through its accessibility tree only, as a screen reader drives it.

A real hub (PostgreSQL) holds one kiosk's calm and urgent visits; the desk app runs as a process
of its own (`python -m ui.desk`, QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1) on a private X server,
session bus and accessibility bus. tests/support/atspi_desk_walk.py (the system's Python with
pyatspi) signs in with the PIN typed through the tree, reads the list and the urgent banner,
opens the urgent visit, chooses the outcome and acknowledges it, failing on anything unnamed or
unreachable; the hub then holds exactly that acknowledgement.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.content import Content
from kiosk.hub.admin import set_hub_pin
from kiosk.store import Store
from tests.support.a11y_session import require_a11y_tools, walk_app
from tests.support.hub import hub_rows, hub_with, run_visit, shipper_for
from tests.support.process import ROOT
from ui.desk.window import CONNECTED_TEXT, OUTCOME_WORDS

WALK = ROOT / "tests" / "support" / "atspi_desk_walk.py"
PIN = "482915"
OUTCOME = "clinician"


def plan(urgent: str, calm: str) -> dict[str, object]:
    return {
        "app": "Clinic reception desk",
        "sign_in_title": "Reception desk sign-in",
        "connected": CONNECTED_TEXT,
        "pin_field": "Staff PIN",
        "pin": PIN,
        "sign_in": "Sign in",
        "table": "Today's visits",
        "urgent": urgent,
        "calm": calm,
        "banner": f"visit {urgent} at Lobby kiosk",
        "acknowledge": "Acknowledge",
        "open": "Open visit",
        "back": "Back to the list",
        "visit_title": "Visit",
        "summary": "Printed summary",
        "outcome_label": "Outcome:",
        "outcome": OUTCOME_WORDS[OUTCOME],
        "acknowledged": "Acknowledged.",
    }


def test_the_desk_through_the_accessibility_tree_only(
    hub_admin_url: str, tmp_path: Path, content: Content
) -> None:
    require_a11y_tools()
    urls = hub_with(hub_admin_url, kiosks=("lobby",), desks=("front",))
    set_hub_pin(hub_admin_url, "reception", PIN)
    # The urgent visit first: newest-first alone would put the calm one on top.
    with (
        Store.open(tmp_path / "lobby") as store,
        shipper_for(store, urls["lobby"], location="Lobby kiosk") as shipper,
    ):
        urgent = run_visit(store, content, talk_now=True)
        calm = run_visit(store, content)
        shipper.run_once()
    config = tmp_path / "desk.toml"
    config.write_text(
        f'[hub]\nurl = {json.dumps(urls["front"])}\n[printing]\nprinter = "none"\n',
        encoding="utf-8",
    )
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan(urgent, calm)), encoding="utf-8")
    report, _log = walk_app(
        [sys.executable, "-m", "ui.desk", "--config", str(config)],
        WALK,
        plan_file,
        size="1366x768x24",
    )
    # Both visits readable row by row, urgent first; the urgent one's risk and "NO" read out.
    rows = report["rows"]
    assert [row[1] for row in rows] == [urgent, calm]
    assert rows[0][0] == "Lobby kiosk" and rows[0][-1] == "NO"
    assert report["banner"].endswith(
        f"visit {urgent} at Lobby kiosk ({rows[0][2]}) needs someone now"
    )
    assert report["banner_button"] == "Acknowledge"
    assert report["title"] == f"Visit {urgent} · Lobby kiosk"
    assert report["outcome"] == [["Outcome:"], OUTCOME_WORDS[OUTCOME]]
    summary_name, summary_text = report["summary"]
    assert summary_name == "Printed summary" and f"Visit {urgent}" in summary_text
    seen = report["seen"]
    assert set(seen) == {"sign-in", "list", "visit", "acknowledged"}
    assert ["password text", "Staff PIN"] in seen["sign-in"]
    assert ["push button", "Lock", "", "disabled"] in seen["sign-in"]  # nobody signed in yet
    assert ["table", "Today's visits"] in seen["list"]
    assert ["table column header", "Acknowledged"] in seen["list"]
    # Acknowledged: the banner is gone and the page's Acknowledge says it is done (disabled).
    assert not any(urgent in entry[1] and entry[0] == "label" for entry in seen["acknowledged"][:4])
    assert ["push button", "Acknowledge", "", "disabled"] in seen["acknowledged"]
    assert report["done"] == [
        "Press Sign in",
        f"Toggle {calm}",  # a cell's default action selects its row
        "Press Open visit",
        "Press Back to the list",
        f"Toggle {urgent}",
        "Press Open visit",
        f"Choose {OUTCOME_WORDS[OUTCOME]}",
        "Press Acknowledge",
    ]
    acknowledged = hub_rows(hub_admin_url, "SELECT staff_role, outcome FROM hub.acknowledgements")
    assert acknowledged == [("reception", OUTCOME)]
