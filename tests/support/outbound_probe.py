"""Run inside the kiosk's sandbox by tests/deploy/test_outbound_sandbox.py (a service of a nested
systemd with clinic-kiosk.service's hardening): try what the kiosk does on the network, through
the kiosk's own code, and say how each went, one JSON object per line on stdout.

    python outbound_probe.py PLAN.json

The plan is a list of checks, run at once (each on its own thread):
  {"name": ..., "notify": URL}       kiosk.alerts.notify.send, the alert channel's delivery
  {"name": ..., "hub": URL}          kiosk.hub.schema.connect, then SELECT 1
  {"name": ..., "listen": SECONDS}   a TCP socket bound to a port on every address, listening:
                                     prints {"name", "listening": port} first, then whether a
                                     connection came within SECONDS
Each result: {"name", "ok": bool, "error": "...", ...}. Imports only the kiosk package and the
installed venv's packages: it runs as the kiosk's user with the kiosk's file system view.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from pathlib import Path
from typing import Any

_print_lock = threading.Lock()


def say(result: dict[str, Any]) -> None:
    with _print_lock:
        print(json.dumps(result), flush=True)


def notify(url: str) -> dict[str, Any]:
    from kiosk.alerts.notify import send

    send(url, "Sandbox probe", "A test alert from inside the kiosk's sandbox.")
    return {}


def hub(url: str) -> dict[str, Any]:
    from kiosk.hub.schema import connect

    with connect(url) as conn:
        row = conn.execute("SELECT 1").fetchone()
    return {"answer": row[0] if row else None}


def listen(name: str, seconds: float) -> dict[str, Any]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Every address, as a server someone slipped into the kiosk would.
        server.bind(("0.0.0.0", 0))
        server.listen()
        port = server.getsockname()[1]
        say({"name": name, "listening": port})
        server.settimeout(seconds)
        try:
            peer, address = server.accept()
        except TimeoutError:
            return {"bound": True, "accepted": None}
        peer.close()
        return {"bound": True, "accepted": address[0]}
    finally:
        server.close()


def run(check: dict[str, Any]) -> None:
    name = check["name"]
    try:
        if "notify" in check:
            extra = notify(check["notify"])
        elif "hub" in check:
            extra = hub(check["hub"])
        else:
            extra = listen(name, float(check["listen"]))
    except Exception as exc:  # every failure is a result to report, not a crash
        say({"name": name, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    say({"name": name, "ok": True, **extra})


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    threads = [threading.Thread(target=run, args=(check,)) for check in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
