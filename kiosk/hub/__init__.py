"""The clinic hub: many kiosks in one PostgreSQL database, and the kiosk's replication to it.

A kiosk with `[hub] url` set queues every change to a visit in its own SQLite (triggers of the
store's migration, in the change's own transaction) and a shipper thread sends them on; the
hub's schema, roles and row-level security are made by `python -m kiosk hub init`. docs/hub.md
is the administrator's guide; docs/architecture.md maps the modules:

- ``errors``: HubError and its family, one line each, passwords never in them;
- ``queue``: the kiosk side of the outbox (on, off, what is pending, what the hub confirmed);
- ``schema``: the hub's versioned migrations, connecting, the version check both sides make;
- ``shipper``: the worker thread that ships pending visits and pulls acknowledgements back;
- ``admin``: roles for kiosks and desks, staff PINs, status and exports at the hub;
- ``cli``: the `python -m kiosk hub ...` commands.

Only ``errors`` and ``queue`` load without psycopg: a standalone kiosk never imports the driver.
"""
