"""Print the systemd drop-in that lets the kiosk reach its alert hosts, and nothing else.

    python deploy/alert_network.py [--config FILE]     (KIOSK_CONFIG otherwise)

clinic-kiosk.service forbids every IP address (IPAddressDeny=any) and every IP socket
(RestrictAddressFamilies=AF_UNIX AF_NETLINK). With `[alerts] notify` or `escalate` URLs set, the
kiosk must reach those services: this prints a drop-in (deploy/install.sh writes it to
clinic-kiosk.service.d/50-alerts.conf) that adds AF_INET and AF_INET6 and allows exactly the
addresses the alert hosts resolve to now, plus the DNS servers it needs to find them, and keeps
"no listening ports" (SocketBindDeny=any: nothing may bind a port; outgoing connections need no
bind). Without alert URLs it prints nothing, and the installer removes the drop-in.

Addresses are resolved at install time: when a service moves (a cloud mail server's addresses
change), the channel starts failing (staff mode and `python -m kiosk check` say so) until the
installer is run again. docs/deploy.md says more.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.apprise_urls import looks_like_host, redacted  # noqa: E402
from kiosk.config import Config, ConfigError, load_config  # noqa: E402

RESOLV_CONF = Path("/etc/resolv.conf")
# A plugin's class attributes that name where it sends (not its documentation pages).
_NOT_ENDPOINTS = ("service_url", "setup_url")


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
    servers = []
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


def dropin(config: Config, resolv_conf: Path = RESOLV_CONF) -> tuple[str, list[str]]:
    """The drop-in's text ("" without alert URLs) and the warnings to print."""
    urls: Iterable[str] = [*config.alerts.notify, *config.alerts.escalate]
    lines: list[str] = []
    allowed: list[str] = []
    warnings: list[str] = []
    for url in urls:
        shown = redacted(url)
        hosts = sorted(hosts_of(url))
        if not hosts:
            warnings.append(f"{shown}: no host found; allow its addresses by hand (docs/deploy.md)")
        resolved = False
        for host in hosts:
            found = sorted(addresses(host))
            resolved = resolved or bool(found)
            lines.append(f"# {shown}: {host} -> {' '.join(found) or '(did not resolve)'}")
            allowed += [a for a in found if a not in allowed]
        if hosts and not resolved:
            warnings.append(
                f"{shown}: {', '.join(hosts)} do not resolve now; its alerts cannot leave"
            )
    if not lines:
        return "", warnings
    servers = name_servers(resolv_conf)
    if servers:
        lines.append(f"# DNS ({resolv_conf}): {' '.join(servers)}")
        allowed += [a for a in servers if a not in allowed]
    else:
        warnings.append(f"no nameserver in {resolv_conf}: host names cannot be resolved")
    text = "\n".join(
        [
            "# Written by deploy/install.sh from [alerts] in kiosk.toml (deploy/alert_network.py):",
            "# outgoing connections to the alert hosts only, as resolved at install time. Run the",
            "# installer again after changing [alerts] or when a service's addresses change.",
            *lines,
            "[Service]",
            "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6",
            # The unit's IPAddressDeny=any stays; these addresses are let through.
            f"IPAddressAllow={' '.join(allowed)}",
            # Still no listening port: binding any port is refused (connecting needs no bind).
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
        print(f"alert_network.py: {exc}", file=sys.stderr)
        return 1
    text, warnings = dropin(config, Path(args.resolv_conf))
    for warning in warnings:
        print(f"alert_network.py: WARNING: {warning}", file=sys.stderr)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
