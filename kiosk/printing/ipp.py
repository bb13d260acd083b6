"""Asking CUPS for a job's state over IPP (RFC 8010/8011): one Get-Job-Attributes request.

Kept apart from kiosk.printing so http.client is loaded only when a print job is followed, not
when the kiosk starts.
"""

from __future__ import annotations

import getpass
import http.client
import socket
import struct

__all__ = ["job_preserved", "job_state", "newest_completed_job"]


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


def _get_job_attributes_request(job_id: int, attribute: str = "job-state") -> bytes:
    body = struct.pack(">BBHI", 2, 0, 0x0009, 1)  # IPP 2.0 Get-Job-Attributes, request id 1
    body += b"\x01"  # operation attributes
    body += _ipp_attribute(0x47, "attributes-charset", b"utf-8")
    body += _ipp_attribute(0x48, "attributes-natural-language", b"en")
    body += _ipp_attribute(0x45, "job-uri", f"ipp://localhost/jobs/{job_id}".encode())
    body += _ipp_attribute(0x42, "requesting-user-name", getpass.getuser().encode())
    body += _ipp_attribute(0x44, "requested-attributes", attribute.encode())
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
    data = _post(server, _get_job_attributes_request(job_id), timeout)
    if data is None:
        return None
    try:
        return _parse_job_state(data)
    except struct.error:
        return None


# --- whether CUPS keeps a job's document (PreserveJobFiles), see kiosk/printing/spool.py -------


def _attributes(response: bytes) -> list[tuple[tuple[int, int], str, int, bytes]]:
    """((group tag, group number), name, value tag, value) of every attribute of a successful
    IPP response, groups numbered in order (each job of Get-Jobs is a group of its own); an
    additional value of a set carries its attribute's name. [] for an error response."""
    if len(response) < 8 or struct.unpack(">H", response[2:4])[0] >= 0x0100:
        return []
    found: list[tuple[tuple[int, int], str, int, bytes]] = []
    offset, group, name = 8, (0, 0), ""
    while offset < len(response):
        tag = response[offset]
        offset += 1
        if tag == 0x03:
            break
        if tag < 0x10:
            group = (tag, group[1] + 1)
            continue
        (name_length,) = struct.unpack(">H", response[offset : offset + 2])
        name = response[offset + 2 : offset + 2 + name_length].decode("utf-8", "replace") or name
        offset += 2 + name_length
        (value_length,) = struct.unpack(">H", response[offset : offset + 2])
        found.append((group, name, tag, response[offset + 2 : offset + 2 + value_length]))
        offset += 2 + value_length
    return found


def _newest_jobs_request() -> bytes:
    body = struct.pack(">BBHI", 2, 0, 0x000A, 1)  # IPP 2.0 Get-Jobs, request id 1
    body += b"\x01"  # operation attributes
    body += _ipp_attribute(0x47, "attributes-charset", b"utf-8")
    body += _ipp_attribute(0x48, "attributes-natural-language", b"en")
    body += _ipp_attribute(0x45, "printer-uri", b"ipp://localhost/")  # every queue
    body += _ipp_attribute(0x42, "requesting-user-name", getpass.getuser().encode())
    body += _ipp_attribute(0x44, "which-jobs", b"completed")
    body += _ipp_attribute(0x22, "my-jobs", b"\x01")
    body += _ipp_attribute(0x44, "requested-attributes", b"job-id")
    body += _ipp_attribute(0x44, "", b"job-preserved")
    return body + b"\x03"


def _post(server: str, body: bytes, timeout: float) -> bytes | None:
    connection: http.client.HTTPConnection
    if server.startswith("/"):
        connection = _UnixHTTPConnection(server, timeout)
    else:
        host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
        connection = http.client.HTTPConnection(
            host or "localhost", int(port or 631), timeout=timeout
        )
    try:
        connection.request("POST", "/", body=body, headers={"Content-Type": "application/ipp"})
        reply = connection.getresponse()
        data = reply.read()
        return data if reply.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


def newest_completed_job(server: str, timeout: float) -> tuple[int, bool | None] | None:
    """This user's newest completed job that CUPS still remembers, and whether CUPS still keeps
    its document ("job-preserved"; None if not said); None if there is none or CUPS cannot be
    asked."""
    data = _post(server, _newest_jobs_request(), timeout)
    if data is None:
        return None
    ids: dict[int, int] = {}  # group number -> job id
    preserved: dict[int, bool] = {}  # group number -> job-preserved
    try:
        for (group, number), name, tag, value in _attributes(data):
            if group != 0x02:  # job attributes
                continue
            if name == "job-id" and tag == 0x21 and len(value) == 4:
                ids[number] = int(struct.unpack(">i", value)[0])
            elif name == "job-preserved" and tag == 0x22 and len(value) == 1:
                preserved[number] = value == b"\x01"
    except struct.error:
        return None
    if not ids:
        return None
    number = max(ids, key=lambda n: ids[n])
    return ids[number], preserved.get(number)


def job_preserved(server: str, job_id: int, timeout: float) -> bool | None:
    """Whether CUPS still keeps the job's document ("job-preserved"); None if it cannot be
    asked or does not say."""
    data = _post(server, _get_job_attributes_request(job_id, "job-preserved"), timeout)
    if data is None:
        return None
    try:
        for _group, name, tag, value in _attributes(data):
            if name == "job-preserved" and tag == 0x22 and len(value) == 1:
                return value == b"\x01"
    except struct.error:
        return None
    return None
