#!/usr/bin/env bash
# Install or update the clinic lobby kiosk on a Debian machine (docs/deploy.md walks through it).
#
#   sudo bash deploy/install.sh [--no-apt] [--no-enable]
#
# Run it from a copy of the repository. Safe to run again: that is also how you update. It
#   - installs the Debian packages the kiosk needs (cage, python3-venv, CUPS client, Qt's libraries)
#     unless --no-apt,
#   - creates the system user "kiosk" (no password, no shell, no home but its data folder),
#   - copies the application to /opt/clinic-kiosk (root-owned: the kiosk cannot change its own code)
#     and makes /opt/clinic-kiosk/.venv from Debian's python3 with the Python packages it needs,
#   - makes the data folder /var/lib/clinic-kiosk (0700, kiosk's) and /var/backups/clinic-kiosk,
#   - writes /etc/clinic-kiosk/kiosk.toml and /etc/clinic-kiosk/environment once (never overwrites
#     them: your settings survive updates),
#   - installs the systemd units, /etc/pam.d/clinic-kiosk and /usr/local/sbin/clinic-kiosk-admin,
#   - enables clinic-kiosk.service (from the next boot) and clinic-kiosk-purge.timer, unless
#     --no-enable; it does not start the kiosk (that would take over tty1 under your feet),
#   - sets "PreserveJobFiles No" in /etc/cups/cupsd.conf (CUPS would keep a copy of every printed
#     summary for a day) and restarts CUPS if that changed it,
#   - checks what it cannot fix for you (an unencrypted disk) and prints the next steps.
#
# INSTALL_USER, INSTALL_PREFIX, INSTALL_DATA_DIR, INSTALL_ETC_DIR, INSTALL_BACKUP_DIR,
# INSTALL_UNIT_DIR, INSTALL_SBIN_DIR, INSTALL_PAM_DIR, INSTALL_PYTHON and INSTALL_CUPSD_CONF
# replace the default places; the installed files are rewritten to match. They exist for CI,
# which installs a second, throwaway copy (tests/deploy/setup-ci.sh); a clinic's kiosk uses the
# defaults.
set -euo pipefail
# Everything under /opt must be readable by the kiosk user, whatever the caller's umask; the
# private folders below get their modes explicitly.
umask 022

say() { printf 'install.sh: %s\n' "$*"; }
warn() { printf 'install.sh: WARNING: %s\n' "$*" >&2; WARNINGS=$((WARNINGS + 1)); }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
WARNINGS=0

if [[ $(id -u) -ne 0 ]]; then
    echo "install.sh: must run as root (it creates a user and installs system services): sudo bash $0" >&2
    exit 1
fi

APT=1
ENABLE=1
for arg in "$@"; do
    case "$arg" in
        --no-apt) APT=0 ;;
        --no-enable) ENABLE=0 ;;
        -h | --help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
        *) die "unknown option '$arg' (try --help)" ;;
    esac
done

KIOSK_USER=${INSTALL_USER:-kiosk}
PREFIX=${INSTALL_PREFIX:-/opt/clinic-kiosk}
DATA_DIR=${INSTALL_DATA_DIR:-/var/lib/clinic-kiosk}
ETC_DIR=${INSTALL_ETC_DIR:-/etc/clinic-kiosk}
BACKUP_DIR=${INSTALL_BACKUP_DIR:-/var/backups/clinic-kiosk}
UNIT_DIR=${INSTALL_UNIT_DIR:-/etc/systemd/system}
SBIN_DIR=${INSTALL_SBIN_DIR:-/usr/local/sbin}
PAM_DIR=${INSTALL_PAM_DIR:-/etc/pam.d}
PYTHON=${INSTALL_PYTHON:-/usr/bin/python3}
CUPSD_CONF=${INSTALL_CUPSD_CONF:-/etc/cups/cupsd.conf}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPLOY="$SRC/deploy"
UNITS=(clinic-kiosk.service clinic-kiosk-failed.service clinic-kiosk-purge.service clinic-kiosk-purge.timer)
# What the kiosk needs at run time; Qt's own libraries come with PySide6 from PyPI. xwayland:
# Debian's cage 0.1.4 does not start without it, although the app talks Wayland.
# Read aloud: speech-dispatcher with espeak-ng (English and Spanish voices) and ALSA's tools
# (alsamixer, speaker-test: setting and trying the volume). Screen readers: the accessibility bus
# (at-spi2-core) on the private session bus the unit starts with dbus-run-session (dbus).
PACKAGES=(
    python3 python3-venv cage xwayland dbus libpam-systemd cups cups-client
    speech-dispatcher speech-dispatcher-espeak-ng espeak-ng libspeechd2 alsa-utils at-spi2-core
    libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri libxkbcommon0 libfontconfig1 libdbus-1-3
    libglib2.0-0 libwayland-client0 libwayland-cursor0 libwayland-egl1
)

[[ -f "$SRC/main.py" && -d "$SRC/kiosk" && -f "$DEPLOY/clinic-kiosk.service" ]] ||
    die "$SRC does not look like the clinic-kiosk repository"
for dir in "$PREFIX" "$DATA_DIR" "$ETC_DIR" "$BACKUP_DIR"; do
    [[ "$dir" == /* && "$dir" != / ]] || die "'$dir' must be an absolute path below /"
done

# --- Debian packages ---------------------------------------------------------------------------
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if ((APT)); then
        say "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        warn "missing Debian packages (--no-apt given): ${missing[*]}"
    fi
fi
[[ -x "$PYTHON" ]] || die "$PYTHON not found: apt-get install python3 python3-venv"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "$PYTHON is older than Python 3.11, which the kiosk needs (Debian 12 or newer has it)"

# --- the kiosk user ----------------------------------------------------------------------------
if ! getent passwd "$KIOSK_USER" >/dev/null; then
    say "creating system user $KIOSK_USER"
    useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "Clinic lobby kiosk" "$KIOSK_USER"
fi
KIOSK_GROUP=$(id -gn "$KIOSK_USER")
# The unit gives it the group audio (SupplementaryGroups=) for read aloud's sound; the group must
# exist (Debian's base system has it).
getent group audio >/dev/null || groupadd --system audio

# --- the application, root-owned ---------------------------------------------------------------
install -d -m 0755 -o root -g root "$PREFIX"
if [[ "$(cd "$PREFIX" && pwd -P)" == "$(cd "$SRC" && pwd -P)" ]]; then
    say "running from $PREFIX itself: application files left as they are"
else
    # Clinic edits to the installed content would be lost by the copy: keep them aside first.
    if [[ -d "$PREFIX/resources/content" ]] &&
        ! diff -rq "$PREFIX/resources/content" "$SRC/resources/content" >/dev/null 2>&1; then
        saved="$BACKUP_DIR/content-$(date +%Y%m%d-%H%M%S)"
        install -d -m 0700 "$BACKUP_DIR"
        cp -a "$PREFIX/resources/content" "$saved"
        warn "the installed content differed from this copy's; the old one is kept in $saved"
    fi
    say "copying the application to $PREFIX"
    for item in main.py pyproject.toml README.md kiosk ui resources deploy docs; do
        [[ -e "$SRC/$item" ]] || continue
        rm -rf "$PREFIX/$item.new"
        tar -C "$SRC" --exclude='__pycache__' --exclude='*.pyc' -cf - "$item" |
            tar -C "$PREFIX" --transform="s|^$item|$item.new|" --no-same-owner -xf -
        rm -rf "$PREFIX/$item"
        mv "$PREFIX/$item.new" "$PREFIX/$item"
    done
    chown -R root:root "$PREFIX"
    chmod -R u+rwX,go+rX,go-w "$PREFIX"
fi

# --- the virtual environment, from Debian's python3 --------------------------------------------
venv_python="$PREFIX/.venv/bin/python"
if [[ -x "$venv_python" ]] && [[ "$(readlink -f "$venv_python")" != "$(readlink -f "$PYTHON")" ]]; then
    say "$PREFIX/.venv was made from another Python: making it again"
    rm -rf "$PREFIX/.venv"
fi
if [[ ! -x "$venv_python" ]]; then
    say "creating $PREFIX/.venv from $PYTHON"
    "$PYTHON" -m venv "$PREFIX/.venv"
fi
# pip only when the dependencies or the Python changed: a re-run is quick and works offline.
stamp="$PREFIX/.venv/.clinic-kiosk-installed"
want="$(sha256sum "$PREFIX/pyproject.toml" | cut -d' ' -f1) $("$venv_python" -VV | tr -d '\n')"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    say "installing the Python packages into $PREFIX/.venv (PySide6 is large: a few minutes)"
    "$venv_python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        --editable "$PREFIX"
    printf '%s\n' "$want" >"$stamp"
fi
# Byte-code now: the service runs with a read-only /opt and never writes any.
"$venv_python" -m compileall -q "$PREFIX/main.py" "$PREFIX/kiosk" "$PREFIX/ui" "$PREFIX/deploy" >/dev/null
"$venv_python" -c 'import PySide6.QtWidgets, sqlite_utils, reportlab' ||
    die "the Python packages in $PREFIX/.venv do not import (see the error above)"

# --- private folders: data, backups ------------------------------------------------------------
for dir in "$DATA_DIR" "$BACKUP_DIR"; do
    install -d -m 0700 -o "$KIOSK_USER" -g "$KIOSK_GROUP" "$dir"
    chown "$KIOSK_USER:$KIOSK_GROUP" "$dir"
    chmod 0700 "$dir"
done
# A database made by hand as root (or copied in by a restore) must be the kiosk's, and private.
find "$DATA_DIR" -xdev \( ! -user "$KIOSK_USER" -o ! -group "$KIOSK_GROUP" \) \
    -exec chown "$KIOSK_USER:$KIOSK_GROUP" {} +
find "$DATA_DIR" -maxdepth 1 -type f -name 'kiosk.db*' -perm /077 -exec chmod 0600 {} +

# --- rewrite the default places in an installed file (identity with the defaults) --------------
localize() {
    sed -e "s|/opt/clinic-kiosk|$PREFIX|g" \
        -e "s|/var/lib/clinic-kiosk|$DATA_DIR|g" \
        -e "s|/etc/clinic-kiosk|$ETC_DIR|g" \
        -e "s|/var/backups/clinic-kiosk|$BACKUP_DIR|g" \
        -e "s|^User=kiosk\$|User=$KIOSK_USER|" \
        -e "s|^Group=kiosk\$|Group=$KIOSK_GROUP|" \
        -e "s|^KIOSK_USER=kiosk\$|KIOSK_USER=$KIOSK_USER|" \
        "$1"
}

# --- configuration: written once, never overwritten --------------------------------------------
install -d -m 0750 -o root -g "$KIOSK_GROUP" "$ETC_DIR"
if [[ ! -f "$ETC_DIR/kiosk.toml" ]]; then
    localize "$DEPLOY/kiosk.toml.example" >"$ETC_DIR/kiosk.toml"
    say "wrote $ETC_DIR/kiosk.toml: set the clinic's name, phone and time zone there"
else
    say "kept the existing $ETC_DIR/kiosk.toml"
fi
if [[ ! -f "$ETC_DIR/environment" ]]; then
    localize "$DEPLOY/environment.example" >"$ETC_DIR/environment"
    say "wrote $ETC_DIR/environment"
else
    say "kept the existing $ETC_DIR/environment"
fi
chown root:"$KIOSK_GROUP" "$ETC_DIR/kiosk.toml" "$ETC_DIR/environment"
chmod 0640 "$ETC_DIR/kiosk.toml" "$ETC_DIR/environment"

env_value() { sed -n "s/^[[:space:]]*$1=//p" "$ETC_DIR/environment" | tail -n 1; }
export_dir=$(env_value KIOSK_EXPORT_DIR)
if [[ -n "$export_dir" ]]; then
    install -d -m 0700 -o "$KIOSK_USER" -g "$KIOSK_GROUP" "$export_dir"
    if [[ "$export_dir" != "$DATA_DIR"/* ]]; then
        warn "export folder $export_dir is outside $DATA_DIR: allow it with" \
            "'systemctl edit clinic-kiosk-purge' (ReadWritePaths=$export_dir), see docs/deploy.md"
    fi
fi

# --- config check as the kiosk user, the way the service will read it --------------------------
if ! runuser -u "$KIOSK_USER" -- env -C "$PREFIX" KIOSK_DATA_DIR="$(env_value KIOSK_DATA_DIR)" \
    KIOSK_CONFIG="$(env_value KIOSK_CONFIG)" PYTHONDONTWRITEBYTECODE=1 \
    "$venv_python" -m kiosk check; then
    warn "'clinic-kiosk-admin check' found a problem (above): fix it before starting the kiosk"
fi

# --- systemd units, PAM service, admin command -------------------------------------------------
install -d -m 0755 "$UNIT_DIR" "$SBIN_DIR" "$PAM_DIR"
for unit in "${UNITS[@]}"; do
    localize "$DEPLOY/$unit" >"$UNIT_DIR/$unit.tmp"
    chmod 0644 "$UNIT_DIR/$unit.tmp"
    mv "$UNIT_DIR/$unit.tmp" "$UNIT_DIR/$unit"
done
install -m 0644 "$DEPLOY/pam-clinic-kiosk" "$PAM_DIR/clinic-kiosk"
localize "$DEPLOY/clinic-kiosk-admin" >"$SBIN_DIR/clinic-kiosk-admin.tmp"
chmod 0755 "$SBIN_DIR/clinic-kiosk-admin.tmp"
mv "$SBIN_DIR/clinic-kiosk-admin.tmp" "$SBIN_DIR/clinic-kiosk-admin"
say "installed ${UNITS[*]} in $UNIT_DIR"

# --- outgoing connections: to the alert hosts and the hub only ----------------------------------
# The unit forbids all IP traffic; with [alerts] notify/escalate URLs or a [hub] url set, a drop-in
# allows the addresses those hosts resolve to now (and DNS), still with no listening port
# (docs/deploy.md, section 11).
dropin_dir="$UNIT_DIR/clinic-kiosk.service.d"
outbound_dropin="$dropin_dir/50-outbound.conf"
if dropin=$(env -C "$PREFIX" KIOSK_CONFIG="$(env_value KIOSK_CONFIG)" PYTHONDONTWRITEBYTECODE=1 \
    "$venv_python" "$PREFIX/deploy/outbound_network.py"); then
    # Its name until the hub was added to it: two drop-ins would each add an allow list.
    rm -f "$dropin_dir/50-alerts.conf"
    if [[ -n "$dropin" ]]; then
        install -d -m 0755 "$dropin_dir"
        printf '%s\n' "$dropin" >"$outbound_dropin.tmp"
        chmod 0644 "$outbound_dropin.tmp"
        mv "$outbound_dropin.tmp" "$outbound_dropin"
        say "wrote $outbound_dropin: the kiosk may connect to its alert hosts and hub, nowhere else"
    elif [[ -f "$outbound_dropin" ]]; then
        rm -f "$outbound_dropin"
        say "removed $outbound_dropin: no alert URL or hub host is configured, no IP traffic at all"
    fi
    # Left empty by those removals (a clinic's own `systemctl edit` override keeps it).
    if [[ -d "$dropin_dir" ]]; then rmdir --ignore-fail-on-non-empty "$dropin_dir"; fi
else
    warn "could not work out the alert and hub hosts (above): $outbound_dropin is left as it was"
fi

if command -v systemd-analyze >/dev/null; then
    units=()
    for unit in "${UNITS[@]}"; do units+=("$UNIT_DIR/$unit"); done
    if ! verify=$(systemd-analyze verify "${units[@]}" 2>&1); then
        warn "systemd-analyze verify complained about the units:"
        printf '%s\n' "$verify" >&2
    fi
fi

systemd_running=0
[[ -d /run/systemd/system ]] && systemd_running=1
if ((ENABLE)); then
    [[ "$UNIT_DIR" == /etc/systemd/system ]] ||
        die "INSTALL_UNIT_DIR is set: add --no-enable (units elsewhere cannot be enabled)"
    if ((systemd_running)); then
        systemctl daemon-reload
    fi
    systemctl enable clinic-kiosk.service clinic-kiosk-purge.timer
    if [[ "$(systemctl get-default 2>/dev/null || true)" != graphical.target ]]; then
        systemctl set-default graphical.target
    fi
    if ((systemd_running)); then
        systemctl restart clinic-kiosk-purge.timer
    fi
    if systemctl is-enabled --quiet display-manager.service 2>/dev/null; then
        warn "a desktop login manager is enabled (display-manager.service): it fights the" \
            "kiosk for the screen; disable it: systemctl disable display-manager.service"
    fi
fi

# --- CUPS keeps no copy of printed summaries ---------------------------------------------------
# By default CUPS keeps every printed document in /var/spool/cups for a day: each a visitor's
# summary. The kiosk checks it too (python -m kiosk check, the admin's printer page, its log).
if [[ -f "$CUPSD_CONF" ]]; then
    if [[ "$(sh "$DEPLOY/cups-no-job-files.sh" "$CUPSD_CONF")" == changed ]]; then
        say "set 'PreserveJobFiles No' in $CUPSD_CONF: CUPS keeps no copy of printed summaries"
        if [[ "$CUPSD_CONF" != /etc/cups/cupsd.conf ]]; then
            :  # a relocated copy (CI): no cupsd reads it
        elif ((systemd_running)) && systemctl is-active --quiet cups.service; then
            systemctl restart cups.service
        else
            warn "restart CUPS so that it reads PreserveJobFiles No: systemctl restart cups"
        fi
    fi
else
    warn "no $CUPSD_CONF: once CUPS is installed, run: sudo sh $PREFIX/deploy/cups-no-job-files.sh" \
        "and restart CUPS, or it keeps a copy of every printed summary (docs/deploy.md)"
fi

# --- what this script cannot fix for you -------------------------------------------------------
data_source=$(findmnt -n -o SOURCE --target "$DATA_DIR" 2>/dev/null || true)
if [[ -n "$data_source" && -b "$data_source" ]] &&
    ! lsblk -s -n -o TYPE "$data_source" 2>/dev/null | grep -qw crypt; then
    warn "$DATA_DIR is not on an encrypted disk: a stolen kiosk would give away visitors'" \
        "answers. Set up LUKS2 full-disk encryption (docs/deploy.md, 'Disk encryption')"
fi

cat <<EOF

Installed the clinic kiosk in $PREFIX ($WARNINGS warning(s) above). Next steps:
  1. Settings: edit $ETC_DIR/kiosk.toml (clinic name, phone, time zone, printer), then
       sudo clinic-kiosk-admin check
  2. Staff PINs (6-12 digits, no 123456 or 121212, different for each role):
       sudo clinic-kiosk-admin set-pin reception
       sudo clinic-kiosk-admin set-pin admin
  3. Printer: set it up in CUPS with ErrorPolicy retry-job (docs/deploy.md).
  4. Optional daily export: set KIOSK_EXPORT_DIR in $ETC_DIR/environment.
  5. Start it: sudo systemctl start clinic-kiosk   (or reboot; it starts on tty1 at every boot)
     Status and logs: systemctl status clinic-kiosk; journalctl -u clinic-kiosk -b
EOF
