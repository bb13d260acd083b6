"""Asking CUPS for a job's state over IPP (RFC 8010/8011): one Get-Job-Attributes request.

Kept apart from kiosk.printing so http.client is loaded only when a print job is followed, not
when the kiosk starts.
"""

from __future__ import annotations

import getpass
import http.client
import socket
import struct

__all__ = ["job_state"]


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._socket_path)
        self.sock = sock


def _ipp_attribute(tag: int, name: str, value: bytes) -> bytes:
    encoded = name.encode()
    return struct.pack(">BH", tag, len(encoded)) + encoded + struct.pack(">H", len(value)) + value


def _get_job_attributes_request(job_id: int) -> bytes:
    body = struct.pack(">BBHI", 2, 0, 0x0009, 1)  # IPP 2.0 Get-Job-Attributes, request id 1
    body += b"\x01"  # operation attributes
    body += _ipp_attribute(0x47, "attributes-charset", b"utf-8")
    body += _ipp_attribute(0x48, "attributes-natural-language", b"en")
    body += _ipp_attribute(0x45, "job-uri", f"ipp://localhost/jobs/{job_id}".encode())
    body += _ipp_attribute(0x42, "requesting-user-name", getpass.getuser().encode())
    body += _ipp_attribute(0x44, "requested-attributes", b"job-state")
    return body + b"\x03"  # end of attributes


def _parse_job_state(response: bytes) -> int | None:
    if len(response) < 8 or struct.unpack(">H", response[2:4])[0] >= 0x0100:
        return None  # not a successful IPP response
    offset = 8
    while offset < len(response):
        tag = response[offset]
        offset += 1
        if tag == 0x03:
            break
        if tag < 0x10:
            continue  # a group delimiter
        (name_length,) = struct.unpack(">H", response[offset : offset + 2])
        name = response[offset + 2 : offset + 2 + name_length]
        offset += 2 + name_length
        (value_length,) = struct.unpack(">H", response[offset : offset + 2])
        value = response[offset + 2 : offset + 2 + value_length]
        offset += 2 + value_length
        if name == b"job-state" and tag == 0x23 and value_length == 4:
            return int(struct.unpack(">i", value)[0])
    return None


def job_state(server: str, job_id: int, timeout: float) -> int | None:
    """The IPP job-state value, or None if the server cannot be asked or gives no answer.

    ``server`` is what `lpstat -H` names: a socket path or host[:port].
    """
    connection: http.client.HTTPConnection
    if server.startswith("/"):
        connection = _UnixHTTPConnection(server, timeout)
    else:
        host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
        connection = http.client.HTTPConnection(
            host or "localhost", int(port or 631), timeout=timeout
        )
    try:
        connection.request(
            "POST",
            "/",
            body=_get_job_attributes_request(job_id),
            headers={"Content-Type": "application/ipp"},
        )
        reply = connection.getresponse()
        data = reply.read()
        if reply.status != 200:
            return None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()
    try:
        return _parse_job_state(data)
    except struct.error:
        return None
