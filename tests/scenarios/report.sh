#!/usr/bin/env bash
# The governance report in a real browser, on a throwaway cluster (scripts/scenario.sh): the
# demo's data (scripts/demo.sql), the report written as a person writes it
# (psql -Atc "SELECT afu9_policy.policy_report()" > report.html) and opened in headless Chromium
# (Debian's, installed by scripts/setup.sh) with every outside host unresolvable. The rendered
# page must show each section and chart; a screenshot of it must be a picture, not a blank page.
# AFU9_REPORT_SCREENSHOT=FILE keeps the screenshot (the README's is docs/report.png).
set -uo pipefail
here=$(dirname "$0")
source "$here/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v chromium >/dev/null || { echo "FAIL chromium is not installed: run scripts/setup.sh"; exit 1; }

createdb afu9_report
psql -X -q -d afu9_report -f "$here/../../scripts/demo.sql" >"$work/demo.log" 2>&1
psql -XAtc "SELECT afu9_policy.policy_report(interval '14 days')" -d afu9_report >"$work/report.html"
check "the report is one HTML page" "t" "$(head -c 15 "$work/report.html" | grep -q '^<!DOCTYPE html>' && echo t)"

browser() { # chromium arguments
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$work/profile" --hide-scrollbars \
        "$@" "file://$work/report.html" 2>>"$work/chromium.log"
}
browser --dump-dom >"$work/dom.html"
for section in "Ledger verification" "Active versions" "History" "Changes" "KPI trends" "Experiments"; do
    check "the browser shows the section $section" "1" "$(grep -c "<h2>$section</h2>" "$work/dom.html")"
done
check "the browser shows three charts" "3" "$(grep -o '<svg ' "$work/dom.html" | wc -l)"
check "the ledger verifies" "1" "$(grep -c 'Intact: every sealed row and link verifies.' "$work/dom.html")"
check "the experiment's arms are shown, the control first" "2" \
    "$(grep -oE '<td>escalate-rollbacks</td><td>(1 \(control\)|2)</td>' "$work/dom.html" | wc -l)"

browser --window-size=1200,2600 --screenshot="$work/report.png" >/dev/null
# Width, height and the share of pixels that are not white, from the PNG itself.
check "a screenshot of the page, with something on it" "1200x2600 t" "$(python3 - "$work/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
width, height, depth, color = struct.unpack('>IIBB', data[16:26])
idat, pos = b'', 8
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    if kind == b'IDAT':
        idat += data[pos + 8:pos + 8 + length]
    pos += 12 + length
raw = zlib.decompress(idat)
# Filtered scanlines: a byte that is neither 0 (no change) nor 255 (white) is ink somewhere.
ink = sum(1 for b in raw if b not in (0, 255)) / len(raw)
print(f"{width}x{height} {'t' if ink > 0.005 else 'f'}")
PY
)"
[ -n "${AFU9_REPORT_SCREENSHOT:-}" ] && cp "$work/report.png" "$AFU9_REPORT_SCREENSHOT"
dropdb afu9_report
finish report
