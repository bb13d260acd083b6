"""Printing needs no network: CUPS is reached through its unix socket (/run/cups/cups.sock).

clinic-kiosk.service allows only AF_UNIX and AF_NETLINK sockets and denies every IP address.
This prints a real job through kiosk.printing from a process in a network namespace of its own,
where no IP address is reachable (not even 127.0.0.1, whose interface is down there): if the
kiosk's printing went through IPP over TCP (localhost:631) it would fail here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.support.cups_queue import CupsQueue
from tests.support.deploy import ROOT, unavailable

pytestmark = pytest.mark.cups

PRINT_WITHOUT_NETWORK = """
import io, json, socket, subprocess, sys
from reportlab.pdfgen import canvas
from kiosk.printing import print_pdf

probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
probe.settimeout(2)
try:
    probe.connect(("127.0.0.1", 631))
    tcp = "reachable"
except OSError as exc:
    tcp = f"unreachable ({exc})"
finally:
    probe.close()
server = subprocess.run(["lpstat", "-H"], capture_output=True, text=True).stdout.strip()
buf = io.BytesIO()
page = canvas.Canvas(buf, invariant=1)
page.drawString(72, 720, "clinic kiosk: printing without a network")
page.save()
outcome = print_pdf(buf.getvalue(), sys.argv[1], title="kiosk-no-network", timeout=60)
print(json.dumps({"tcp": tcp, "server": server, "state": outcome.state,
                  "error": outcome.error, "job": outcome.cups_job_id}))
"""


def test_printing_works_without_any_network(cups: CupsQueue) -> None:
    if shutil.which("unshare") is None:
        unavailable("unshare (util-linux) is missing", "apt-get install util-linux")
    isolate = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--net", "--map-root-user"]
    done = subprocess.run(
        [*isolate, sys.executable, "-c", PRINT_WITHOUT_NETWORK, cups.name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 and "unshare" in done.stderr and os.geteuid() != 0:
        unavailable(f"cannot make a network namespace here ({done.stderr.strip()})", "run as root")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["tcp"].startswith("unreachable"), result
    assert result["server"].startswith("/"), f"CUPS is not reached by its socket: {result}"
    assert result["state"] == "completed", result
    assert cups.output_for(result["job"]).startswith(b"%PDF")
