#!/usr/bin/env bash
# Make sure cupsd runs and has the cups-pdf queue the printing tests print through.
#
#   sudo bash scripts/cups-test-queue.sh        (.ci/run calls it before `make test`)
#
# Idempotent: safe to run again at any time; it also re-enables and re-accepts the queue if a
# test run left it stopped. Prints the folder cups-pdf writes the PDFs to as the last line of
# stdout (progress goes to stderr). Needs Debian's cups, cups-client and printer-driver-cups-pdf.
#
# Settings (environment): KIOSK_TEST_QUEUE (default kiosk-test). The output folder is
# /var/spool/cups-pdf/$KIOSK_TEST_QUEUE; tests read it from /etc/cups/cups-pdf-$QUEUE.conf.
#
# How it works: the queue's device URI is cups-pdf:/$QUEUE, which makes the cups-pdf backend read
# its own config /etc/cups/cups-pdf-$QUEUE.conf instead of the global /etc/cups/cups-pdf.conf
# (whose default, ${HOME}/PDF, depends on who prints). That file points Out and AnonDirName at one
# fixed folder. Output file names end in "job_<CUPS job id>.pdf". The PDF -> PostScript step uses
# pdftocairo, so the text of the printed PDF (accents, ñ, ¿ ¡) can be read back by the tests;
# the default renderer loses every non-ASCII character on the way.
set -euo pipefail

QUEUE="${KIOSK_TEST_QUEUE:-kiosk-test}"
OUT_DIR="/var/spool/cups-pdf/${QUEUE}"
CONF="/etc/cups/cups-pdf-${QUEUE}.conf"
PPD="/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"
BACKEND="/usr/lib/cups/backend/cups-pdf"

say() { printf 'cups-test-queue: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ "$QUEUE" =~ ^[A-Za-z0-9_.][A-Za-z0-9_.-]*$ ]] || die "unusable queue name '$QUEUE'"
[[ $(id -u) -eq 0 ]] || die "run as root: sudo bash $0"
for tool in cupsd lpadmin lpstat cupsenable cupsaccept; do
    command -v "$tool" >/dev/null || die "'$tool' is missing: apt-get install cups cups-client"
done
[[ -x "$BACKEND" && -f "$PPD" ]] || die "cups-pdf is missing: apt-get install printer-driver-cups-pdf"

scheduler_running() { LC_ALL=C lpstat -r 2>/dev/null | grep -q '^scheduler is running'; }

if ! scheduler_running; then
    say "starting cupsd"
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
        systemctl start cups || true
    elif [[ -x /etc/init.d/cups ]]; then
        /etc/init.d/cups start >&2 || true
    fi
    # No service manager (a container): start the daemon itself; it detaches on its own.
    scheduler_running || pgrep -x cupsd >/dev/null || cupsd
fi
for _ in $(seq 1 60); do
    scheduler_running && break
    sleep 0.5
done
scheduler_running || die "cupsd did not start; see /var/log/cups/error_log"

# The queue's own cups-pdf settings. Read by the backend at every job: no restart needed.
desired="$(cat <<EOF
# Written by scripts/cups-test-queue.sh for the kiosk printing tests. Safe to delete.
Out ${OUT_DIR}
AnonDirName ${OUT_DIR}
Label 1
TitlePref 1
Grp lpadmin
EOF
)"
if [[ ! -f "$CONF" ]] || [[ "$(cat "$CONF")" != "$desired" ]]; then
    printf '%s\n' "$desired" >"$CONF"
    chmod 0644 "$CONF"
fi

# Sticky and world-writable like cups-pdf's ANONYMOUS folder: cups-pdf writes each PDF as the user
# who printed it (mode 0600), so a developer running the tests without root can read their own.
mkdir -p "$OUT_DIR"
chmod 1777 "$OUT_DIR"

uri="cups-pdf:/${QUEUE}"
current_uri="$(LC_ALL=C lpstat -v "$QUEUE" 2>/dev/null | sed -n "s/^device for ${QUEUE}: //p" || true)"
if [[ "$current_uri" != "$uri" ]]; then
    say "creating queue ${QUEUE}"
    # lpadmin warns that PPD drivers are deprecated; cups-pdf has no driverless alternative yet.
    lpadmin -p "$QUEUE" -v "$uri" -P "$PPD" 2> >(grep -v 'deprecated' >&2)
fi
lpadmin -p "$QUEUE" \
    -o pdftops-renderer-default=pdftocairo \
    -o printer-error-policy=abort-job \
    -o PageSize=Letter \
    2> >(grep -v 'deprecated' >&2)
cupsenable "$QUEUE"
cupsaccept "$QUEUE"

for _ in $(seq 1 20); do
    LC_ALL=C lpstat -a "$QUEUE" 2>/dev/null | grep -q "^${QUEUE} accepting" && break
    sleep 0.25
done
LC_ALL=C lpstat -p "$QUEUE" >&2
say "queue ${QUEUE} is ready; PDFs go to ${OUT_DIR}"
printf '%s\n' "$OUT_DIR"
