#!/bin/sh
# The kiosk's private D-Bus session bus (clinic-kiosk.service: dbus-run-session --dbus-daemon=this).
# dbus-daemon tells systemd READY=1 itself when it finds NOTIFY_SOCKET: the service would count
# as started as soon as the bus was, not once the kiosk shows Welcome. The bus (and what it starts
# on demand: the accessibility bus) does not get it; the kiosk app, started by dbus-run-session
# with the unit's environment, still does.
unset NOTIFY_SOCKET
exec /usr/bin/dbus-daemon "$@"
