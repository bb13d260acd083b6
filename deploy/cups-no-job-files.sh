#!/bin/sh
# Make CUPS keep no copy of the documents it prints: "PreserveJobFiles No" in cupsd.conf. By
# default CUPS keeps each printed document in /var/spool/cups for a day; for the kiosk that is
# every visitor's summary (docs/deploy.md, "The printer").
#
#   sh deploy/cups-no-job-files.sh [CUPSD_CONF]     (default /etc/cups/cupsd.conf)
#
# The first top-level PreserveJobFiles line becomes "PreserveJobFiles No" and later ones go; with
# none, the line is added at the end. Lines inside <Location>, <Policy> ... blocks are left alone.
# The file keeps its owner and mode. Prints "changed" or "unchanged"; restarting cupsd so that it
# reads the file again is the caller's job (deploy/install.sh does it).
set -eu

conf="${1:-/etc/cups/cupsd.conf}"
if [ ! -f "$conf" ]; then
    echo "cups-no-job-files.sh: no such file: $conf" >&2
    exit 1
fi
tmp=$(mktemp "$conf.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk '
    BEGIN { depth = 0; done = 0 }
    {
        text = $0
        sub(/^[ \t]+/, "", text)
        if (text ~ /^<\//) { if (depth > 0) depth--; print; next }
        if (text ~ /^</) { depth++; print; next }
        if (depth == 0 && tolower(text) ~ /^preservejobfiles([ \t]|$)/) {
            if (!done) print "PreserveJobFiles No"
            done = 1
            next
        }
        print
    }
    END {
        if (!done) {
            print "# The clinic kiosk: keep no copy of printed summaries (docs/deploy.md)."
            print "PreserveJobFiles No"
        }
    }
' "$conf" >"$tmp"
if cmp -s "$conf" "$tmp"; then
    echo unchanged
    exit 0
fi
chown --reference="$conf" "$tmp" 2>/dev/null || true
chmod --reference="$conf" "$tmp"
mv "$tmp" "$conf"
trap - EXIT
echo changed
