#!/usr/bin/env bash
# The throwaway installation the deployment tests use (tests/deploy/test_cage.py, test_install.py):
# deploy/install.sh run for real, as root, but into its own places and with its own user, so it
# never touches a real kiosk on the same machine:
#
#   user kiosk-ci, /opt/clinic-kiosk-ci (.venv from Debian's python3), /var/lib/clinic-kiosk-ci,
#   /etc/clinic-kiosk-ci, and units, PAM file and admin command under /opt/clinic-kiosk-ci-system.
#
#   sudo bash tests/deploy/setup-ci.sh      (.ci/run calls it before `make test`)
#
# Idempotent, like install.sh; the first run downloads PySide6 (a few minutes). The units are
# not enabled (--no-enable): systemd here is not the one that would run them, if it runs at all.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) -eq 0 ]] || { echo "setup-ci.sh: run as root: sudo bash $0" >&2; exit 1; }

SYSTEM=/opt/clinic-kiosk-ci-system
export INSTALL_USER=kiosk-ci
export INSTALL_PREFIX=/opt/clinic-kiosk-ci
export INSTALL_DATA_DIR=/var/lib/clinic-kiosk-ci
export INSTALL_ETC_DIR=/etc/clinic-kiosk-ci
export INSTALL_BACKUP_DIR=/var/backups/clinic-kiosk-ci
export INSTALL_UNIT_DIR=$SYSTEM/systemd
export INSTALL_SBIN_DIR=$SYSTEM/sbin
export INSTALL_PAM_DIR=$SYSTEM/pam.d
# A copy of this machine's cupsd.conf for install.sh to set PreserveJobFiles in: the CUPS that
# the printing tests use is left as it is (and never restarted under them).
mkdir -p "$SYSTEM/cups"
if [[ -f /etc/cups/cupsd.conf ]]; then
    cp /etc/cups/cupsd.conf "$SYSTEM/cups/cupsd.conf"
fi
export INSTALL_CUPSD_CONF=$SYSTEM/cups/cupsd.conf
bash deploy/install.sh --no-enable "$@"
