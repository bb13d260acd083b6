"""A real systemd, as PID 1 of its own PID, mount and cgroup namespaces, for tests that need
systemd itself to enforce a unit's settings (IPAddressDeny='s BPF filters, RestrictAddressFamilies=,
ProtectSystem=...) on a machine whose PID 1 is not systemd: CI's VM, where PID 1 is the VM's own
init, cgroup v1 holds the controllers and cgroup2 is mounted beside them.

What `NestedSystemd.start()` does, as root:

- makes a cgroup of its own on the machine's cgroup2 hierarchy and starts `unshare` in it, which
  gives the child new PID, mount and cgroup namespaces: that cgroup is the child's cgroup root, so
  the nested systemd's init.scope and units live below it and nowhere else;
- inside, mounts a tmpfs on /run (the nested systemd's sockets and the test's unit files), tmpfs
  on /var/lib and /var/cache (what a unit's StateDirectory=/CacheDirectory= creates stays there),
  and that cgroup2 on /sys/fs/cgroup, sets `container=` and executes /lib/systemd/systemd as
  PID 1 with a target that pulls in nothing (the machine's own units are never started);
- `systemctl` then talks to it through `nsenter` into its mount namespace (its private socket
  in the nested /run); a test's units are files put in the nested /run/systemd/system
  (`systemd-run` is no use here: its --wait needs the system D-Bus, which nothing starts).

`stop()` kills that PID 1 (SIGKILL: the kernel then kills every process of the namespace) and
removes the cgroup. Should the test process die first, the namespace dies with it:
`unshare --kill-child` and a parent-death signal chain the nested systemd to the test process.
`why_not()` says why this machine cannot do it (not root, no cgroup2, no systemd), for a skip.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

SYSTEMD_CANDIDATES = (Path("/lib/systemd/systemd"), Path("/usr/lib/systemd/systemd"))
BOOT_TARGET = "kiosk-test.target"
START_TIMEOUT = 20.0
_PR_SET_PDEATHSIG = 1

BOOT_SCRIPT = """\
set -eu
folder=$1
systemd=$2
mount --make-rprivate /
mount -t tmpfs -o mode=0755 nested-run /run
mkdir -p /run/systemd/system
cp "$folder/$3" /run/systemd/system/
mount -t tmpfs -o mode=0755 nested-var-lib /var/lib
mount -t tmpfs -o mode=0755 nested-var-cache /var/cache
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# Its status lines would go to the machine's console.
if [ -e /dev/console ]; then
    : >"$folder/console"
    mount --bind "$folder/console" /dev/console
fi
export container=kiosk-test
exec "$systemd" --system --unit="$3" --log-level=notice
"""


def systemd_binary() -> Path | None:
    return next((path for path in SYSTEMD_CANDIDATES if path.exists()), None)


def cgroup2_mount() -> Path | None:
    """Where this machine mounts the cgroup2 hierarchy (/sys/fs/cgroup, or .../unified)."""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[2] == "cgroup2":
            return Path(fields[1])
    return None


def systemd_features() -> str:
    """systemd's build line (+BPF_FRAMEWORK, -BPF_FRAMEWORK, ...), as `systemctl --version`."""
    done = subprocess.run(["systemctl", "--version"], capture_output=True, text=True, timeout=10)
    return done.stdout


def why_not() -> str | None:
    """Why a nested systemd cannot run here, or None."""
    if os.geteuid() != 0:
        return "a nested systemd needs root (namespaces, cgroups, BPF)"
    if systemd_binary() is None:
        return "systemd is not installed (apt-get install systemd)"
    for tool in ("unshare", "nsenter", "systemctl", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install util-linux systemd)"
    if cgroup2_mount() is None:
        return "no cgroup2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup/unified)"
    return None


def _die_with_parent() -> None:
    # unshare gets SIGKILL when the test process ends; its --kill-child passes it to PID 1.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class NestedSystemd:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cgroup = Path()
        self.launcher: subprocess.Popen[bytes] | None = None
        self.pid = 0

    # --- life -----------------------------------------------------------------------------------

    def start(self) -> None:
        systemd, hierarchy = systemd_binary(), cgroup2_mount()
        assert systemd is not None and hierarchy is not None, why_not()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "boot.sh").write_text(BOOT_SCRIPT)
        (self.folder / BOOT_TARGET).write_text(
            "[Unit]\nDescription=Boot target of a test's nested systemd\nDefaultDependencies=no\n"
        )
        self.cgroup = hierarchy / f"kiosk-test-systemd-{uuid.uuid4().hex[:12]}"
        self.cgroup.mkdir()
        # The shell moves itself into the cgroup, then becomes unshare: its new cgroup
        # namespace is rooted there.
        command = [
            "sh",
            "-c",
            'echo $$ >"$0/cgroup.procs" && exec "$@"',
            str(self.cgroup),
            "unshare",
            "--pid",
            "--mount",
            "--cgroup",
            "--fork",
            "--mount-proc",
            "--kill-child=SIGKILL",
            "sh",
            str(self.folder / "boot.sh"),
            str(self.folder),
            str(systemd),
            BOOT_TARGET,
        ]
        with (self.folder / "launcher.log").open("wb") as log:
            self.launcher = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_running()
        except BaseException:
            self.stop()
            raise

    def _wait_running(self) -> None:
        assert self.launcher is not None
        deadline = time.monotonic() + START_TIMEOUT
        state = ""
        while time.monotonic() < deadline:
            if self.launcher.poll() is not None:
                raise RuntimeError(f"the nested systemd ended at once: {self.log_tail()}")
            if not self.pid:
                self.pid = self._child_of(self.launcher.pid)
            elif Path(f"/proc/{self.pid}/root/run/systemd/private").exists():
                state = self.systemctl("is-system-running", check=False).stdout.strip()
                if state in ("running", "degraded"):
                    return
            time.sleep(0.05)
        raise RuntimeError(
            f"the nested systemd did not start in {START_TIMEOUT} s "
            f"(state {state or 'unknown'}): {self.log_tail()}"
        )

    @staticmethod
    def _child_of(pid: int) -> int:
        """unshare's one child: PID 1 of the new namespace (0 before it has forked)."""
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return 0
        # Until the boot script has exec'ed, the child is still the shell: fine, same PID.
        return int(children[0]) if children else 0

    def stop(self) -> None:
        """Kill the nested systemd and everything it runs; remove its cgroup."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self.launcher is not None:
            if self.launcher.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    self.launcher.kill()
            self.launcher.wait(timeout=30)
            self.launcher = None
        if self.cgroup != Path():
            self._remove_cgroup(self.cgroup)
        self.pid = 0

    @staticmethod
    def _remove_cgroup(top: Path) -> None:
        # Deepest first; a killed process may take a moment to leave its cgroup.
        folders = sorted(
            (path for path in top.rglob("*") if path.is_dir()),
            key=lambda path: len(path.parts),
            reverse=True,
        )
        deadline = time.monotonic() + 10
        for folder in [*folders, top]:
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    # --- use -----------------------------------------------------------------------------------

    def path(self, inside: str) -> Path:
        """A path of the nested systemd's file system, as seen from here (its /run is its own)."""
        assert self.pid, "not started"
        return Path(f"/proc/{self.pid}/root") / inside.lstrip("/")

    def systemctl(
        self, *args: str, check: bool = True, timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["nsenter", f"--target={self.pid}", "--mount", "--pid", "systemctl", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"systemctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done

    def systemctl_popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["nsenter", f"--target={self.pid}", "--mount", "--pid", "systemctl", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def add_unit(self, name: str, text: str, dropins: dict[str, str] | None = None) -> None:
        """Put a unit (and its drop-ins) in the nested /run/systemd/system and reload."""
        units = self.path("/run/systemd/system")
        (units / name).write_text(text)
        for dropin, content in (dropins or {}).items():
            (units / f"{name}.d").mkdir(exist_ok=True)
            (units / f"{name}.d" / dropin).write_text(content)
        self.systemctl("daemon-reload")

    def log_tail(self) -> str:
        texts = []
        for name in ("launcher.log", "console"):
            with contextlib.suppress(OSError):
                texts.append((self.folder / name).read_text(errors="replace")[-1500:])
        return " | ".join(" ".join(text.split()) for text in texts if text.strip()) or "(no output)"


@contextlib.contextmanager
def nested_systemd(folder: Path) -> Iterator[NestedSystemd]:
    """A running nested systemd for the block; always torn down after it."""
    nested = NestedSystemd(folder)
    nested.start()
    try:
        yield nested
    finally:
        nested.stop()
