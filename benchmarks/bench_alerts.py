"""Urgent alerts: how fast they leave, and that they never slow a tap.

python benchmarks/bench_alerts.py delivery [--quick]   urgent answer committed -> accepted
python benchmarks/bench_alerts.py taps_down [--quick]  tap -> painted while a channel is down

`delivery`: a real store and the kiosk's own delivery worker (kiosk/alerts/worker.py) in this
process, as in the kiosk (Apprise already imported: the config's URLs were checked at load);
a real SMTP server (aiosmtpd) and a real JSON webhook (http.server) on loopback, in threads of
this process. Each sample: `Store.mark_urgent` returns (the answer and its outbox rows are
committed) -> the server has the message. The floor, measured in the same run: the same message
sent by a bare Apprise call from a fresh process (`python -c "import apprise; …notify()"`),
from the moment the process is started to the moment the server has it.

`taps_down`: the bench_ui.py taps figure with `[alerts] notify` pointing at a webhook that is
down (nothing listens on its port) and retrying as fast as it can (every 0.2 s instead of the
10 s… schedule), every tenth visit urgent, so attempts run all through the taps.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from _common import ROOT, bench_main, disk_tmpdir, summary_ms

os.environ["QT_QPA_PLATFORM"] = "offscreen"

PY = sys.executable

BARE_SEND = """
import sys, apprise
plugin = apprise.Apprise.instantiate(sys.argv[1])
ok = plugin.notify(body=sys.argv[3], title=sys.argv[2], body_format=apprise.NotifyFormat.TEXT)
sys.exit(0 if ok else 1)
"""


def _wait(condition: Any, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise RuntimeError("the alert did not arrive")
        time.sleep(0.0005)


def bench_delivery(quick: bool) -> dict[str, Any]:
    import apprise  # noqa: F401 - as a kiosk with alert URLs has it, from reading its config

    from kiosk.alerts import first_targets
    from kiosk.alerts.message import compose
    from kiosk.alerts.worker import AlertWorker
    from kiosk.config import load_config
    from kiosk.store import Store
    from tests.support.alert_servers import SmtpServer, Webhook, free_port

    runs = 5 if quick else 30
    floor_runs = 3 if quick else 10
    smtp = SmtpServer(free_port())
    smtp.start()
    hook = Webhook()
    arrivals: dict[str, list[float]] = {"smtp": [], "webhook": []}
    received_smtp, received_hook = smtp.received, hook.received

    class Stamped(list):  # type: ignore[type-arg]
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def append(self, item: Any) -> None:
            arrivals[self.name].append(time.perf_counter())
            super().append(item)

    smtp.received = Stamped("smtp")
    hook.received = Stamped("webhook")
    del received_smtp, received_hook
    results: dict[str, Any] = {}
    try:
        with disk_tmpdir() as folder:
            config = load_config(None, folder)
            for name, url in (("smtp", smtp.url), ("webhook", hook.url())):
                alerts = config.alerts.replace(notify=[url])
                channel_config = config.replace(alerts=alerts)
                with Store.open(folder / name) as store:
                    store.set_alert_targets(first_targets(channel_config))
                    # The message the floor sends: the kiosk's own, composed once.
                    first = store.create_visit("en").code
                    store.mark_urgent(first, "talk_now", "acute")
                    message = compose(store.due_alerts()[0], channel_config)
                    worker = AlertWorker(store, channel_config)
                    worker.start()
                    _wait(lambda: len(arrivals[name]) == 1)  # noqa: B023 - the first: not counted
                    samples = []
                    for _ in range(runs):
                        before = len(arrivals[name])
                        code = store.create_visit("en").code
                        store.mark_urgent(code, "talk_now", "acute")
                        committed = time.perf_counter()
                        _wait(lambda: len(arrivals[name]) > before)  # noqa: B023
                        samples.append(arrivals[name][-1] - committed)
                    worker.stop()
                    # The floor: the same kind of message, by a bare Apprise send from a fresh
                    # process.
                    floor = []
                    for _ in range(floor_runs):
                        before = len(arrivals[name])
                        start = time.perf_counter()
                        done = subprocess.run(
                            [PY, "-c", BARE_SEND, url, message.subject, message.body],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            timeout=60,
                        )
                        if done.returncode != 0:
                            raise RuntimeError(f"bare Apprise send failed: {done.stderr[-300:]}")
                        _wait(lambda: len(arrivals[name]) > before)  # noqa: B023
                        floor.append(arrivals[name][-1] - start)
                results[name] = {"delivery": summary_ms(samples), "floor": summary_ms(floor)}
    finally:
        smtp.stop()
        hook.stop()
    return results


def bench_taps_down(quick: bool) -> dict[str, Any]:
    import random
    import sqlite3
    from contextlib import closing

    from bench_ui import close_window, open_window, tap_visits

    import kiosk.alerts.schedule as schedule
    from kiosk.config import load_config
    from tests.support.alert_servers import free_port

    # Down and retrying all the time: the worst case for the GUI thread's share of the GIL.
    schedule.RETRY_DELAYS = (0.2,)
    taps_wanted = 60 if quick else 400
    with disk_tmpdir() as folder:
        config = load_config(None, folder)
        config = config.replace(
            printing=config.printing.replace(printer="none"),
            alerts=config.alerts.replace(notify=[f"json://127.0.0.1:{free_port()}/down"]),
        )
        window = open_window(folder, config)
        try:
            run = tap_visits(
                window, random.Random(33), taps_wanted, urgent=lambda visit: visit % 10 == 1
            )
            store = window.store
            assert store is not None
            with closing(sqlite3.connect(store.path)) as db:
                attempts = db.execute(
                    "SELECT COUNT(*) FROM alert_attempts WHERE ok = 0"
                ).fetchone()[0]
        finally:
            close_window(window)
    return {
        "tap_to_paint": summary_ms(run.samples),
        "floor": summary_ms(run.floor),
        "visits": run.visits,
        "failed_attempts_meanwhile": attempts,
    }


BENCHES = {"delivery": bench_delivery, "taps_down": bench_taps_down}


def main() -> None:
    bench_main(__doc__, BENCHES)


if __name__ == "__main__":
    main()
