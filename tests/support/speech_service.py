"""Stand-ins for speech-dispatcher on a real Unix socket, for the real speechd engine (libspeechd).

`SilentService` accepts every connection and never answers: libspeechd then waits for good, as
it did with a hung speech-dispatcher. `ScriptedService` answers the SSIP requests the Qt engine
makes (the handshake, the voice list, say, stop) like a working speech-dispatcher with one
English and one Spanish voice, and can be told to go silent at the next SPEAK and to answer again.

Neither ever closes a connection before the process ends: when a connection closes while
libspeechd is still setting it up, the Qt engine crashes the process (a NULL string in its
voice listing). A kiosk never sees that from a hung service; a test must not cause it.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from PySide6.QtTextToSpeech import QTextToSpeech

# Kept for the life of the process (see the module's docstring).
_KEPT: list[socket.socket] = []


def require_speechd_engine() -> None:
    """The real speechd engine (PySide6's plugin and libspeechd2): skip without it, except in CI
    (CI=true), where it must be there (.ci/run installs libspeechd2)."""
    engines = QTextToSpeech.availableEngines()
    if "speechd" in engines:
        return
    reason = f"Qt's speechd engine is missing (engines: {engines}): apt-get install libspeechd2"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def short_socket_path(name: str) -> Path:
    """A socket path short enough for AF_UNIX (108 bytes), unlike pytest's tmp_path."""
    return Path(tempfile.mkdtemp(prefix="spd-")) / name


class SilentService:
    """Accepts connections and never reads or answers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.address = f"unix_socket:{path}"
        self.accepted = threading.Event()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen(8)
        _KEPT.append(self._listener)
        threading.Thread(target=self._accept, name="silent-speechd", daemon=True).start()

    def _accept(self) -> None:
        while True:
            connection, _ = self._listener.accept()
            _KEPT.append(connection)
            self.accepted.set()


VOICES = [("English", "en", "none"), ("Spanish", "es", "none")]


class ScriptedService:
    """Answers SSIP like speech-dispatcher with one output module and VOICES.

    `go_silent_at_speak()`: the next SPEAK gets no answer until `answer_again()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.address = f"unix_socket:{path}"
        self.requests: list[str] = []
        self.spoken: list[str] = []
        self.silent_at_speak = threading.Event()
        self.waiting_at_speak = threading.Event()  # a SPEAK is being kept waiting
        self.answer = threading.Event()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen(8)
        _KEPT.append(self._listener)
        self._message = 0
        threading.Thread(target=self._accept, name="scripted-speechd", daemon=True).start()

    def go_silent_at_speak(self) -> None:
        self.answer.clear()
        self.silent_at_speak.set()

    def answer_again(self) -> None:
        self.silent_at_speak.clear()
        self.answer.set()

    def _accept(self) -> None:
        while True:
            connection, _ = self._listener.accept()
            _KEPT.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self._converse(connection)
        except OSError:  # the client went away (the engine closed or was deleted)
            return

    def _converse(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        send = connection.sendall
        while True:
            line = reader.readline()
            if not line:
                return  # the client closed the connection
            request = line.decode().rstrip("\r\n")
            self.requests.append(request)
            words = request.upper().split()
            if words[:1] == ["SPEAK"]:
                if self.silent_at_speak.is_set():
                    self.waiting_at_speak.set()
                    self.answer.wait()
                    self.waiting_at_speak.clear()
                send(b"230 OK RECEIVING DATA\r\n")
                text = []
                while (data := reader.readline()) not in (b".\r\n", b""):
                    text.append(data.decode().rstrip("\r\n"))
                self.spoken.append("\n".join(text))
                self._message += 1
                number = self._message
                send(f"225-{number}\r\n225 OK MESSAGE QUEUED\r\n".encode())
                send(f"701-{number}\r\n701-1\r\n701 BEGIN\r\n".encode())
            elif words[:2] == ["LIST", "OUTPUT_MODULES"]:
                send(b"250-dummy\r\n250 OK MODULE LIST SENT\r\n")
            elif words[:2] == ["GET", "OUTPUT_MODULE"]:
                send(b"251-dummy\r\n251 OK GET RETURNED\r\n")
            elif words[:2] == ["LIST", "SYNTHESIS_VOICES"]:
                lines = "".join(f"249-{n}\t{lang}\t{variant}\r\n" for n, lang, variant in VOICES)
                send(f"{lines}249 OK VOICE LIST SENT\r\n".encode())
            elif words[:1] == ["CANCEL"]:
                send(b"210 OK CANCELED\r\n")
                if self._message:
                    send(f"703-{self._message}\r\n703-1\r\n703 CANCELED\r\n".encode())
            elif words[:1] == ["QUIT"]:
                send(b"231 HAPPY HACKING\r\n")
            elif words[:1] == ["GET"]:
                send(b"251-0\r\n251 OK GET RETURNED\r\n")
            else:  # SET SELF ...: client name, notifications, priority, language, voice
                send(b"200 OK\r\n")
