#!/usr/bin/env bash
# `handoff demo`: brings the lab up, shows a person that the hand-off works, takes it down.
#   - requests routed by rule (which origin answered: the X-Served-By header nginx adds)
#   - downloads from 1 KB to 100 MB through the VIP, SHA-256 against the origin's file
#   - the real client address in the origin's access log
#   - the director's interface byte counters against the origins': response bytes never
#     passed the director
# Run as root. Every request is bounded (curl --max-time); the lab comes down on any exit.
set -euo pipefail
root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
# The lab as `handoff lab up` builds it (LabTopology; HANDOFF_LAB_DIR and HANDOFF_LAB_NS_PREFIX
# move it): namespaces, addresses and paths.
lab_env=$("$root/bin/handoff" lab env) || { echo "demo: handoff lab env failed" >&2; exit 1; }
eval "$lab_env"
VIP=$LAB_VIP
WWW1=$LAB_ORIGIN1_WWW WWW2=$LAB_ORIGIN2_WWW

# The demo's downloads are files it adds to the lab, which `lab down` keeps (as it keeps any
# file a user adds): the demo removes its own first.
demo_files() {
    local www s
    for www in "$WWW1" "$WWW2"; do
        for s in 1K 1M 10M 100M; do rm -f "$www/files/$s.bin"; done
        rmdir "$www/files" 2>/dev/null || true
    done
}
trap 'echo; demo_files; "$root/bin/handoff" lab down' EXIT
"$root/bin/handoff" lab up

client() { ip netns exec "$LAB_CLIENT_NS" "$@"; }
bytes() { ip netns exec "$1" cat "/sys/class/net/eth0/statistics/$2_bytes"; }
served_by() {
    client curl -sS --max-time 10 -D - -o /dev/null "http://$VIP$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-served-by" {print $2}'
}

echo
echo "== 1. routing by content (rules in examples/lab/director.yaml)"
printf '%-26s %-34s %s\n' PATH RULE "ANSWERED BY"
printf '%-26s %-34s %s\n' /static/hello.txt "prefix /static/ -> origin1" "$(served_by /static/hello.txt)"
printf '%-26s %-34s %s\n' /video/clip.txt "prefix /video/ -> origin2" "$(served_by /video/clip.txt)"
for p in /index.html /a.html /b.html /c.html; do
    first=$(served_by "$p")
    again=$(served_by "$p")
    printf '%-26s %-34s %s\n' "$p" "default: URL hash over both" "$first (again: $again)"
done

echo
echo "== 2. downloads through the VIP (the same file on both origins; SHA-256 checked)"
mkdir -p "$WWW1/files" "$WWW2/files"
for size in 1K 1M 10M 100M; do
    n=$(numfmt --from=iec "$size")
    head -c "$n" /dev/urandom >"$WWW1/files/$size.bin"
    cp "$WWW1/files/$size.bin" "$WWW2/files/$size.bin"
done
director_tx0=$(bytes "$LAB_DIRECTOR_NS" tx); director_rx0=$(bytes "$LAB_DIRECTOR_NS" rx)
origins_tx0=$(( $(bytes "$LAB_ORIGIN1_NS" tx) + $(bytes "$LAB_ORIGIN2_NS" tx) ))
total=0
printf '%-8s %-8s %-12s %-14s %s\n' SIZE ORIGIN SHA-256 "MB/s" RESULT
for size in 1K 1M 10M 100M; do
    expected=$(sha256sum "$WWW1/files/$size.bin" | cut -c1-12)
    out=$(mktemp)
    meta=$(client curl -sS --max-time 60 -D "$out.h" -o "$out" -w '%{speed_download}' "http://$VIP/files/$size.bin")
    got=$(sha256sum "$out" | cut -c1-12)
    origin=$(tr -d '\r' <"$out.h" | awk -F': ' 'tolower($1)=="x-served-by" {print $2}')
    total=$((total + $(stat -c %s "$out")))
    result=$([[ $got == "$expected" ]] && echo "byte-exact" || echo "MISMATCH")
    printf '%-8s %-8s %-12s %-14s %s\n' "$size" "$origin" "$got" "$(awk -v s="$meta" 'BEGIN {printf "%.1f", s / 1e6}')" "$result"
    rm -f "$out" "$out.h"
done
director_tx=$(( $(bytes "$LAB_DIRECTOR_NS" tx) - director_tx0 )); director_rx=$(( $(bytes "$LAB_DIRECTOR_NS" rx) - director_rx0 ))
origins_tx=$(( $(bytes "$LAB_ORIGIN1_NS" tx) + $(bytes "$LAB_ORIGIN2_NS" tx) - origins_tx0 ))
direct=$(client curl -sS --max-time 60 -o /dev/null -w '%{speed_download}' "http://$LAB_ORIGIN1_ADDRESS/files/100M.bin")

echo
echo "== 3. the origin saw the real client"
tail -n 1 "$LAB_ORIGIN1_ACCESS_LOG"
tail -n 1 "$LAB_ORIGIN2_ACCESS_LOG"

echo
echo "== 4. where the response bytes went (interface byte counters during the downloads)"
printf '%-44s %14s\n' "bytes the client downloaded" "$total"
printf '%-44s %14s\n' "origins sent (eth0 tx, both)" "$origins_tx"
printf '%-44s %14s\n' "director sent (eth0 tx)" "$director_tx"
printf '%-44s %14s\n' "director received (eth0 rx)" "$director_rx"
printf '%-44s %13s%%\n' "director traffic / downloaded bytes" "$(awk -v a=$((director_tx + director_rx)) -v b="$total" 'BEGIN {printf "%.2f", 100 * a / b}')"
printf '%-44s %14s\n' "100 MB straight from origin1 (MB/s)" "$(awk -v s="$direct" 'BEGIN {printf "%.1f", s / 1e6}')"

echo
echo "demo: the director answered every client's TCP, read each request, and handed it to an"
echo "origin; the responses went from the origins straight to the client."
