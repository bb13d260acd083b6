"""Print the systemd drop-in that lets the kiosk reach its alert hosts and hub, nothing else.

    python deploy/outbound_network.py [--config FILE]     (KIOSK_CONFIG otherwise)

clinic-kiosk.service forbids every IP address (IPAddressDeny=any) and every IP socket
(RestrictAddressFamilies=AF_UNIX AF_NETLINK). With `[alerts] notify` or `escalate` URLs or a
`[hub] url` set, the kiosk must reach those servers: this prints a drop-in (deploy/install.sh
writes it to clinic-kiosk.service.d/50-outbound.conf) that adds AF_INET and AF_INET6 and allows
exactly the addresses the alert hosts and the hub's hosts resolve to now (a hub reached through a
unix socket needs none; `hostaddr=` gives them directly), plus the DNS servers it needs to find
them, and asks for "no listening ports" (SocketBindDeny=any; connecting needs no bind). Without
any of them it prints nothing, and the installer removes the drop-in.

Addresses are resolved at install time: when a server moves (a cloud mail server's addresses
change, the hub gets a new address), its connections start failing (staff mode and `python -m
kiosk check` say so) until the installer is run again. docs/deploy.md says more.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import re
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402

from kiosk.apprise_urls import looks_like_host, redacted  # noqa: E402
from kiosk.config import Config, ConfigError, load_config, redact_url  # noqa: E402

RESOLV_CONF = Path("/etc/resolv.conf")
NAME = "outbound_network.py"
# A plugin's class attributes that name where it sends (not its documentation pages).
_NOT_ENDPOINTS = ("service_url", "setup_url")


class HubUrlError(ValueError):
    """[hub] url cannot be read as libpq connection parameters (the message holds no password)."""


def hosts_of(url: str) -> set[str]:
    """The host names an Apprise URL sends to: its own host (and an e-mail service's SMTP
    server), or the API the service's plugin posts to (Slack, Teams, Twilio…)."""
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        return set()
    hosts: set[str] = set()
    for attribute in ("smtp_host", "host"):
        value = getattr(plugin, attribute, None)
        if isinstance(value, str) and looks_like_host(value):
            hosts.add(value)
    for name in dir(type(plugin)):
        value = getattr(type(plugin), name, None)
        if name.endswith("_url") and name not in _NOT_ENDPOINTS and isinstance(value, str):
            host = urlsplit(value).hostname
            if value.startswith(("http://", "https://")) and host:
                hosts.add(host)
    return hosts


def addresses(host: str) -> set[str]:
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return set()
    return {str(info[4][0]) for info in found}


def name_servers(resolv_conf: Path = RESOLV_CONF) -> list[str]:
    servers: list[str] = []
    try:
        lines = resolv_conf.read_text(encoding="utf-8").splitlines()
    except OSError:
        return servers
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            try:
                servers.append(str(ipaddress.ip_address(parts[1].split("%")[0])))
            except ValueError:
                continue
    return servers


def _passwords_in(url: str) -> list[str]:
    """Every password spelled in a libpq URI or key=value string, to blank it in messages."""
    found = re.findall(r"(?i)(?:^|[\s&?])password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)", url)
    with contextlib.suppress(ValueError):
        found.append(urlsplit(url).password or "")
    return [value.strip("'") for value in found if value.strip("'")]


def hub_shown(url: str) -> str:
    """[hub] url for messages and comments: a URI with its password hidden (the kiosk's own
    redaction), a key=value string by its user and database only."""
    if url.startswith(("postgresql://", "postgres://")):
        return redact_url(url)
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(a key=value connection string)"
    return f"(user {params.get('user', '?')}, database {params.get('dbname', '?')})"


def hub_endpoints(url: str) -> list[tuple[str, str]]:
    """Where libpq connects for this URI or key=value string, one pair per host it tries, as
    (kind, value): ("name", a host name or literal address to resolve), ("address", a
    `hostaddr=` given as it is), ("socket", a unix socket folder: no IP at all). Raises
    HubUrlError (no password in it) when libpq would refuse the parameters."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        why = " ".join(str(exc).split())
        for password in _passwords_in(url):
            why = why.replace(password, "***")
        raise HubUrlError(f"cannot be read ({why})") from None
    if params.get("service"):
        raise HubUrlError(
            "names a connection service (service=): its hosts are in pg_service.conf, which the "
            "installer does not read; write host= (and port=) into the URL instead"
        )
    hosts = str(params.get("host") or "").split(",")
    hostaddrs = str(params.get("hostaddr") or "").split(",")
    # libpq pairs the two lists entry by entry; without host= every entry is a hostaddr.
    if params.get("hostaddr") and not params.get("host"):
        hosts = [""] * len(hostaddrs)
    elif params.get("hostaddr") and len(hostaddrs) != len(hosts):
        raise HubUrlError(f"{len(hosts)} host name(s) but {len(hostaddrs)} hostaddr value(s)")
    elif not params.get("hostaddr"):
        hostaddrs = [""] * len(hosts)
    endpoints: list[tuple[str, str]] = []
    for host, hostaddr in zip(hosts, hostaddrs, strict=True):
        host, hostaddr = host.strip(), hostaddr.strip()
        if hostaddr:
            try:
                endpoints.append(("address", str(ipaddress.ip_address(hostaddr))))
            except ValueError:
                raise HubUrlError(f"hostaddr {hostaddr!r} is not an IP address") from None
        elif not host or host.startswith(("/", "@")):
            # No host at all is libpq's default: the local socket (/var/run/postgresql).
            endpoints.append(("socket", host or "the default local socket"))
        else:
            endpoints.append(("name", host))
    return endpoints


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def dropin(config: Config, resolv_conf: Path = RESOLV_CONF) -> tuple[str, list[str]]:
    """The drop-in's text ("" when the kiosk needs no IP address at all) and the warnings to
    print. Raises HubUrlError for a [hub] url libpq would refuse."""
    urls: Iterable[str] = [*config.alerts.notify, *config.alerts.escalate]
    lines: list[str] = []
    allowed: list[str] = []
    warnings: list[str] = []
    needs_dns = False

    def allow(found: Iterable[str]) -> None:
        allowed.extend(a for a in sorted(found) if a not in allowed)

    for url in urls:
        shown = redacted(url)
        hosts = sorted(hosts_of(url))
        if not hosts:
            warnings.append(f"{shown}: no host found; allow its addresses by hand (docs/deploy.md)")
        resolved = False
        for host in hosts:
            found = sorted(addresses(host))
            resolved = resolved or bool(found)
            needs_dns = needs_dns or not _is_address(host)
            lines.append(f"# {shown}: {host} -> {' '.join(found) or '(did not resolve)'}")
            allow(found)
        if hosts and not resolved:
            warnings.append(
                f"{shown}: {', '.join(hosts)} do not resolve now; its alerts cannot leave"
            )
    if config.hub.url:
        shown = f"[hub] {hub_shown(config.hub.url)}"
        for kind, value in hub_endpoints(config.hub.url):
            if kind == "socket":
                # A hub on this machine's unix socket: AF_UNIX is allowed already.
                continue
            if kind == "address":
                lines.append(f"# {shown}: hostaddr {value}")
                allow([value])
                continue
            found = sorted(addresses(value))
            needs_dns = needs_dns or not _is_address(value)
            lines.append(f"# {shown}: {value} -> {' '.join(found) or '(did not resolve)'}")
            if not found:
                warnings.append(f"{shown}: {value} does not resolve now; the hub cannot be reached")
            allow(found)
    if not lines:
        return "", warnings
    if needs_dns:
        servers = name_servers(resolv_conf)
        if servers:
            lines.append(f"# DNS ({resolv_conf}): {' '.join(servers)}")
            allow(a for a in servers if a not in allowed)
        else:
            warnings.append(f"no nameserver in {resolv_conf}: host names cannot be resolved")
    if not allowed:
        warnings.append("no address to allow: the kiosk reaches none of its servers")
    text = "\n".join(
        [
            "# Written by deploy/install.sh from [alerts] and [hub] in kiosk.toml",
            "# (deploy/outbound_network.py): outgoing connections to the alert hosts and the hub",
            "# only, as resolved at install time. Run the installer again after changing [alerts]",
            "# or [hub], or when a server's addresses change.",
            *lines,
            "[Service]",
            "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6",
            # The unit's IPAddressDeny=any stays; these addresses are let through.
            *([f"IPAddressAllow={' '.join(allowed)}"] if allowed else []),
            # No listening port: binding any port is refused where systemd enforces it (built
            # with its BPF framework; Debian 12's is not: docs/deploy.md). IPAddressDeny=any
            # drops what the other addresses send either way. Connecting needs no bind.
            "SocketBindDeny=any",
            "",
        ]
    )
    return text, warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", metavar="FILE", help="kiosk.toml (default: $KIOSK_CONFIG)")
    parser.add_argument("--resolv-conf", default=str(RESOLV_CONF), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, "/nonexistent-data-dir-unused")
    except ConfigError as exc:
        print(f"{NAME}: {exc}", file=sys.stderr)
        return 1
    try:
        text, warnings = dropin(config, Path(args.resolv_conf))
    except HubUrlError as exc:
        source = args.config or os.environ.get("KIOSK_CONFIG") or "kiosk.toml"
        print(f"{NAME}: {source}: hub.url: {hub_shown(config.hub.url)}: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"{NAME}: WARNING: {warning}", file=sys.stderr)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
