#!/bin/sh
# Start the accessibility bus on the kiosk's private session bus, then run the kiosk (the command
# given). Qt exposes its widgets to screen readers only once org.a11y.Bus is running on the
# session bus: it watches for it, but never starts it (a desktop session does, and the kiosk has
# none). Asking the bus for its address starts it (D-Bus activation of at-spi-bus-launcher).
# Without it the kiosk still runs, only without a screen reader's view of it.
if ! /usr/bin/dbus-send --session --print-reply --dest=org.a11y.Bus /org/a11y/bus \
    org.a11y.Bus.GetAddress >/dev/null 2>&1; then
    echo "a11y-bus.sh: the accessibility bus did not start (is at-spi2-core installed?)" >&2
fi
exec "$@"
