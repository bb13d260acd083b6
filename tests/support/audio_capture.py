"""Real speech, really heard: a private PulseAudio server whose only output is a null sink, and a
recorder (parec on the sink's monitor) that timestamps every 10 ms of what is played into it.

speech-dispatcher runs with the deployed settings (deploy/xdg-config/speech-dispatcher) on a
socket of this session's own, given to the kiosk in SPEECHD_ADDRESS. Not through libspeechd's
autospawn, as in the deployed unit: libspeechd works out its default socket once per process, so
a second session in the same test process would find the first one's (gone) socket.
Audio is measured with sox. Debian packages: pulseaudio, pulseaudio-utils (parec), sox,
speech-dispatcher, speech-dispatcher-espeak-ng, espeak-ng; `require_audio_tools` skips without
them, except in CI (CI=true), where .ci/run installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.process import ROOT, stop

RATE = 16_000  # samples a second, mono, 16 bit
CHUNK_BYTES = RATE // 100 * 2  # 10 ms
# A sample louder than this (of 32767) is sound; the null sink's silence is exactly 0.
SOUND_LEVEL = 300
TOOLS = ("pulseaudio", "parec", "sox", "speech-dispatcher", "espeak-ng")


def require_audio_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    modules = Path("/usr/lib/speech-dispatcher-modules/sd_espeak-ng")
    if not modules.exists():
        missing.append("speech-dispatcher-espeak-ng")
    if not missing:
        return
    reason = (
        f"real speech needs {', '.join(missing)}: apt-get install pulseaudio pulseaudio-utils "
        "sox speech-dispatcher speech-dispatcher-espeak-ng espeak-ng"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass
class Recording:
    """What parec read from the sink's monitor: (time it arrived, 10 ms of samples)."""

    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, when: float, data: bytes) -> None:
        with self.lock:
            self.chunks.append((when, data))

    def since(self, start: float) -> list[tuple[float, bytes]]:
        with self.lock:
            return [chunk for chunk in self.chunks if chunk[0] >= start]

    def first_sound(self, start: float) -> float | None:
        """When the first sample of sound after `start` arrived (monotonic seconds), or None."""
        for when, data in self.since(start):
            samples = memoryview(data).cast("h")
            if any(abs(s) > SOUND_LEVEL for s in samples):
                return when
        return None

    def save(self, path: Path, start: float, end: float) -> Path:
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(b"".join(d for when, d in self.since(start) if when <= end))
        return path


def sound_seconds(wav: Path) -> float:
    """How long the sound in a recording lasts, by sox: leading and trailing silence trimmed."""
    trimmed = wav.with_suffix(".trimmed.wav")
    subprocess.run(
        [
            "sox",
            str(wav),
            str(trimmed),
            "silence",
            "1",
            "0.01",
            "1%",
            "reverse",
            "silence",
            "1",
            "0.01",
            "1%",
            "reverse",
        ],
        check=True,
        capture_output=True,
    )
    length = subprocess.run(
        ["soxi", "-D", str(trimmed)], check=True, capture_output=True, text=True
    ).stdout
    return float(length.strip() or 0)


@dataclass
class AudioSession:
    env: dict[str, str]  # for the kiosk (and espeak-ng): where its sound goes, its config
    recording: Recording
    folder: Path

    def wait_quiet(self, seconds: float = 0.4, timeout: float = 30.0) -> float:
        """Until nothing was heard for `seconds`; returns when the last sound arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = time.monotonic()
            recent = self.recording.first_sound(now - seconds)
            if recent is None:
                last = [w for w, d in self.recording.since(now - timeout) if _loud(d)]
                return last[-1] if last else now
            time.sleep(0.05)
        raise AssertionError(f"still sound after {timeout} s")


def _loud(data: bytes) -> bool:
    return any(abs(s) > SOUND_LEVEL for s in memoryview(data).cast("h"))


@contextmanager
def audio_session() -> Iterator[AudioSession]:
    require_audio_tools()
    folder = Path(tempfile.mkdtemp(prefix="speech-"))
    runtime = folder / "run"
    runtime.mkdir(mode=0o700)
    socket = runtime / "pulse.sock"
    script = folder / "null.pa"
    script.write_text(
        "load-module module-null-sink sink_name=kiosk_out\n"
        "set-default-sink kiosk_out\n"
        f"load-module module-native-protocol-unix auth-anonymous=1 socket={socket}\n",
        encoding="utf-8",
    )
    env = {"HOME": str(folder), "XDG_RUNTIME_DIR": str(runtime), "PULSE_SERVER": f"unix:{socket}"}
    full = {**os.environ, **env}
    started: list[subprocess.Popen[bytes]] = []
    try:
        server = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "-F",
                str(script),
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--use-pid-file=no",
                "--log-target=stderr",
            ],
            env=full,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(server)
        deadline = time.monotonic() + 10
        while not socket.exists():
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the private PulseAudio server did not start")
            time.sleep(0.05)
        recorder = subprocess.Popen(
            [
                "parec",
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--latency-msec=10",
                "--device=kiosk_out.monitor",
            ],
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,  # each read returns what has arrived: its time is when it arrived
        )
        started.append(recorder)
        recording = Recording()
        threading.Thread(
            target=_record, args=(recorder, recording), name="parec", daemon=True
        ).start()
        deadline = time.monotonic() + 10
        while not recording.chunks:  # the recorder is running: silence arrives
            if time.monotonic() > deadline:
                raise RuntimeError("parec recorded nothing from the null sink")
            time.sleep(0.05)
        speechd = runtime / "speechd.sock"
        dispatcher = subprocess.Popen(
            [
                "speech-dispatcher",
                "--run-single",
                "--timeout",
                "0",
                "--config-dir",
                str(ROOT / "deploy" / "xdg-config" / "speech-dispatcher"),
                "--communication-method",
                "unix_socket",
                "--socket-path",
                str(speechd),
                "--log-dir",
                str(folder),
            ],
            env=full,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(dispatcher)
        deadline = time.monotonic() + 10
        while not speechd.exists():
            if time.monotonic() > deadline or dispatcher.poll() is not None:
                raise RuntimeError("speech-dispatcher did not start")
            time.sleep(0.05)
        env["SPEECHD_ADDRESS"] = f"unix_socket:{speechd}"
        yield AudioSession(env, recording, folder)
    finally:
        for process in reversed(started):
            stop(process)
            if process.stdout is not None:
                process.stdout.close()
        shutil.rmtree(folder, ignore_errors=True)


def _record(recorder: subprocess.Popen[bytes], recording: Recording) -> None:
    assert recorder.stdout is not None
    read = recorder.stdout.read
    carry = b""
    while data := read(CHUNK_BYTES):
        data = carry + data
        whole = len(data) - len(data) % 2  # whole 16-bit samples; an odd byte waits
        carry = data[whole:]
        if whole:
            recording.add(time.monotonic(), data[:whole])
