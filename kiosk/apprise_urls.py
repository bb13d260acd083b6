"""Apprise URLs as the config holds them: checked without sending, shown without secrets.

Apprise (the library every `notify`/`escalate` URL goes through) is imported on first use: a
kiosk without alert URLs never loads it, and one with them loads it when its config is read.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# user:password@ in a URL's authority; also the API keys some services keep in the path are
# left alone, so only the host and scheme are ever shown (redacted()).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def looks_like_host(name: str) -> bool:
    """A name that is a host (dotted, an IP address, localhost), not one of the tokens some
    services keep where a host would be (slack://TOKEN/…)."""
    return "." in name or ":" in name or name == "localhost"


def redacted(url: str) -> str:
    """The URL's scheme and host only ("mailtos://smtp.example.org"): safe for a message or a
    log, where the rest (a password, a webhook's secret path, a token) must never appear."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "(an unreadable URL)"
    scheme = parts.scheme or "?"
    return f"{scheme}://{host}" if host and looks_like_host(host) else f"{scheme}://…"


def url_problem(url: str) -> str | None:
    """None when Apprise understands `url` (a service it knows, with what that service needs);
    otherwise why not, in a line that shows no secret."""
    if not url.strip():
        return "an empty URL"
    if _CONTROL.search(url):
        return "a URL cannot contain control characters (a line break, a tab…)"
    if "://" not in url:
        return "not a URL (expected something like mailtos://… or json://…)"
    import logging

    import apprise

    # Apprise logs a URL it cannot parse whole, password and all: not into the kiosk's log.
    apprise_log = logging.getLogger("apprise")
    was_disabled, apprise_log.disabled = apprise_log.disabled, True
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception:  # a plugin's own parser may raise on odd input
        plugin = None
    finally:
        apprise_log.disabled = was_disabled
    if plugin is None:
        return (
            f"Apprise does not understand {redacted(url)} (unknown service, or a part it needs "
            f"is missing; see docs/alerts.md)"
        )
    return None
