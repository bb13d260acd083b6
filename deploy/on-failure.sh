#!/bin/sh
# clinic-kiosk.service has given up restarting (see OnFailure= there). Restarting the app has not
# helped, so restart the machine: a fresh boot clears most causes that outlive the app (a wedged
# GPU or touch controller, a full /run, a stuck CUPS). But never loop: when the machine has been
# up for less than KIOSK_REBOOT_MIN_UPTIME seconds (default 1800), wait until it has, so a fault
# that survives reboots costs at most one reboot per half hour instead of one per minute, and
# the journal of each boot stays readable. KIOSK_REBOOT_MIN_UPTIME=0 reboots at once;
# KIOSK_REBOOT_ON_FAILURE=no never reboots (the kiosk then stays dark until someone acts).
set -eu

min_uptime="${KIOSK_REBOOT_MIN_UPTIME:-1800}"
case "$min_uptime" in '' | *[!0-9]*) min_uptime=1800 ;; esac
uptime_s=$(cut -d. -f1 /proc/uptime)

echo "clinic-kiosk failed too often; see: journalctl -b -u clinic-kiosk"
if [ "${KIOSK_REBOOT_ON_FAILURE:-yes}" = "no" ]; then
    echo "KIOSK_REBOOT_ON_FAILURE=no: not rebooting; start it again with: systemctl start clinic-kiosk"
    exit 0
fi
if [ "$uptime_s" -lt "$min_uptime" ]; then
    wait_s=$((min_uptime - uptime_s))
    echo "up only ${uptime_s}s: rebooting in ${wait_s}s (stop this with: systemctl stop clinic-kiosk-failed)"
    sleep "$wait_s"
fi
echo "rebooting to recover the kiosk"
exec systemctl --no-block reboot
