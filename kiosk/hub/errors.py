"""What can go wrong with the hub, as one line a person can act on; never a password."""

from __future__ import annotations


class HubError(Exception):
    """The hub could not be used; the message is one line and names the hub without its
    password."""


class HubSchemaError(HubError):
    """The hub's schema is missing, older or newer than this version knows."""


class HubSchemaTooNewError(HubSchemaError):
    """The hub was upgraded by a newer version; this one changes nothing in it."""


class HubRoleError(HubError):
    """A kiosk or desk login cannot be made (a bad name, one that exists, no right to)."""
