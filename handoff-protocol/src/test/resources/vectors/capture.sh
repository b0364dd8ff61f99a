#!/usr/bin/env bash
# Records the golden packet vectors in this directory from real traffic between two network
# namespaces joined by a veth pair. Run as root on a lab machine:
#
#     sudo handoff-protocol/src/test/resources/vectors/capture.sh [OUTPUT_DIR [SCENARIO...]]
#
# OUTPUT_DIR defaults to the directory holding this script. SCENARIOs, default all of them:
# get (the five GETs), post, ipv6, sack, udp, offload. Needs: iproute2, ethtool, nftables,
# tcpdump, nginx (Debian's, with or without the echo module), curl, socat.
#
# What it guarantees:
# - only the namespaces ho-vec-client and ho-vec-server are created, and both are deleted on
#   every exit path (trap); the root namespace's interfaces and routes are never touched;
# - addresses only from 198.18.0.0/15 (RFC 2544) and the ULA fd00:198:18::/64;
# - tx checksum offload, TSO, GSO and GRO are off on both veth ends, so captured frames are
#   MTU-sized and carry full, correct checksums (except in the offload scenario, which turns
#   them on at the client for its own capture);
# - nginx runs as a private instance (config, pid, logs, temp paths in a temp dir);
# - every wait is bounded.
#
# The captures are not byte-for-byte reproducible (ISNs, timestamps, ports and the random
# loss differ per run); README.md records which run made the committed files.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT_DIR=$(mkdir -p "${1:-$SCRIPT_DIR}" && cd "${1:-$SCRIPT_DIR}" && pwd)
SCENARIOS=("${@:2}")
for scenario in "${SCENARIOS[@]}"; do
    case $scenario in
        get | post | ipv6 | sack | udp | offload) ;;
        *) echo "capture.sh: unknown scenario '$scenario' (expected: get, post, ipv6, sack, udp, offload)" >&2; exit 2 ;;
    esac
done
# wanted SCENARIO: true when it is to be recorded in this run.
wanted() { ((${#SCENARIOS[@]} == 0)) || [[ " ${SCENARIOS[*]} " == *" $1 "* ]]; }

NS_C=ho-vec-client
NS_S=ho-vec-server
DEV_C=hovec-c0          # client end (tcpdump listens here)
DEV_S=hovec-s0          # server end
MAC_C=02:00:c6:12:c8:01
MAC_S=02:00:c6:12:c8:02
IP4_C=198.18.200.1
IP4_S=198.18.200.2
IP6_C=fd00:198:18::1
IP6_S=fd00:198:18::2
HTTP_PORT=80
UDP_PORT=9000
UDP_CLIENT_PORT=40000

if [[ $(id -u) -ne 0 ]]; then
    echo "capture.sh: needs root (creates network namespaces)" >&2
    exit 1
fi
tools=(ip ethtool tcpdump nginx curl)
if wanted sack; then tools+=(nft); fi
if wanted udp; then tools+=(socat); fi
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "capture.sh: missing tool: $tool" >&2; exit 1; }
done
for ns in "$NS_C" "$NS_S"; do
    if ip netns list | grep -qw "$ns"; then
        echo "capture.sh: namespace $ns already exists (another run?); delete it first" >&2
        exit 1
    fi
done

WORK=$(mktemp -d /tmp/ho-vec.XXXXXX)
TCPDUMP_PID=
UDP_SERVER_PID=

cleanup() {
    local rc=$?
    set +e
    if [[ -n "$TCPDUMP_PID" ]]; then kill "$TCPDUMP_PID" 2>/dev/null; wait "$TCPDUMP_PID" 2>/dev/null; fi
    if [[ -n "$UDP_SERVER_PID" ]]; then kill "$UDP_SERVER_PID" 2>/dev/null; wait "$UDP_SERVER_PID" 2>/dev/null; fi
    if [[ -f "$WORK/nginx.pid" ]]; then
        kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
        for _ in $(seq 1 50); do [[ -f "$WORK/nginx.pid" ]] || break; sleep 0.1; done
    fi
    # Deleting a namespace kills nothing by itself; anything still inside gets a TERM first.
    for ns in "$NS_C" "$NS_S"; do
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
            ip netns delete "$ns"
        fi
    done
    rm -rf "$WORK"
    if [[ $rc -ne 0 ]]; then echo "capture.sh: FAILED (exit $rc); namespaces removed" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

inc() { ip netns exec "$NS_C" "$@"; }
ins() { ip netns exec "$NS_S" "$@"; }

# --- topology -------------------------------------------------------------------------------
ip netns add "$NS_C"
ip netns add "$NS_S"
ip link add "$DEV_C" netns "$NS_C" address "$MAC_C" type veth peer name "$DEV_S" netns "$NS_S" address "$MAC_S"
setup_end() {   # NS DEV IPV4 IPV6
    local ns=$1 dev=$2 ip4=$3 ip6=$4
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_ra=0" "net.ipv6.conf.$dev.autoconf=0"
    ip netns exec "$ns" ip link set "$dev" mtu 1500
    ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null
    ip netns exec "$ns" ip addr add "$ip4/24" dev "$dev"
    ip netns exec "$ns" ip -6 addr add "$ip6/64" dev "$dev" nodad
    ip netns exec "$ns" ip link set "$dev" up
}
setup_end "$NS_C" "$DEV_C" "$IP4_C" "$IP6_C"
setup_end "$NS_S" "$DEV_S" "$IP4_S" "$IP6_S"

# --- content and nginx ----------------------------------------------------------------------
mkdir -p "$WORK/www" "$WORK/tmp" "$WORK/upload"
# Deterministic text: the same bytes on every run and every machine.
make_file() { yes 'handoff golden vector 0123456789abcdefghijklmnopqrstuvwxyz' | head -c "$2" >"$1" || true; }
make_file "$WORK/www/1k.bin" 1024
make_file "$WORK/www/100k.bin" 102400
make_file "$WORK/www/1m.bin" 1048576
make_file "$WORK/upload/20k.bin" 20480

ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
if [[ -f "$ECHO_MODULE" ]]; then
    LOAD_ECHO="load_module $ECHO_MODULE;"
    # Reads the whole body before answering, so the capture has no early response or RST.
    UPLOAD_BODY='echo_read_request_body; echo "received $content_length";'
else
    LOAD_ECHO=""
    UPLOAD_BODY='return 200 "received\n";'
fi
cat >"$WORK/nginx.conf" <<EOF
$LOAD_ECHO
user root;   # the temp dir is mode 700; this instance only lives in the lab namespace
daemon on;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 64; }
http {
    access_log $WORK/access.log;
    client_body_temp_path $WORK/tmp/body;
    proxy_temp_path $WORK/tmp/proxy;
    fastcgi_temp_path $WORK/tmp/fastcgi;
    uwsgi_temp_path $WORK/tmp/uwsgi;
    scgi_temp_path $WORK/tmp/scgi;
    default_type application/octet-stream;
    sendfile off;
    keepalive_timeout 5;
    client_max_body_size 1m;
    client_body_buffer_size 64k;
    server {
        listen $IP4_S:$HTTP_PORT;
        listen [$IP6_S]:$HTTP_PORT;
        root $WORK/www;
        location = /upload { $UPLOAD_BODY }
    }
}
EOF
ins nginx -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx.start"  \
    || { cat "$WORK/nginx.start" >&2; exit 1; }
for _ in $(seq 1 50); do [[ -s "$WORK/nginx.pid" ]] && break; sleep 0.1; done
[[ -s "$WORK/nginx.pid" ]] || { echo "capture.sh: nginx did not start" >&2; cat "$WORK/error.log" >&2; exit 1; }

# --- capture helpers ------------------------------------------------------------------------
client_defaults() {
    inc sysctl -qw net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1
}

# start_capture FILE FILTER [extra tcpdump args...]: full snaplen, Ethernet, packet-buffered.
# --immediate-mode: without it TPACKET_V3 holds packets in a ring block for up to 1 s and
# a prompt stop loses them.
start_capture() {
    local file=$1 filter=$2
    shift 2
    rm -f "$OUT_DIR/$file"
    # Not through a shell function: "ip netns exec" execs tcpdump, so $! is tcpdump itself.
    ip netns exec "$NS_C" tcpdump -i "$DEV_C" -n -p -s 0 -y EN10MB -U --immediate-mode -Z root "$@" \
        -w "$OUT_DIR/$file" "$filter" 2>"$WORK/tcpdump.err" &
    TCPDUMP_PID=$!
    for _ in $(seq 1 50); do grep -q 'listening on' "$WORK/tcpdump.err" 2>/dev/null && return 0; sleep 0.1; done
    echo "capture.sh: tcpdump did not start for $file" >&2
    cat "$WORK/tcpdump.err" >&2
    exit 1
}

stop_capture() {
    sleep 0.5   # let the last FIN/ACK reach the tap
    # TERM, not INT: a background job of a non-interactive shell starts with SIGINT ignored.
    kill -TERM "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=
    grep -E 'packets (captured|dropped)' "$WORK/tcpdump.err" | sed 's/^/    /' || true
    if grep -qE '^[1-9][0-9]* packets dropped by kernel' "$WORK/tcpdump.err"; then
        echo "capture.sh: tcpdump dropped packets" >&2
        exit 1
    fi
}

CURL=(curl -sS --http1.1 --max-time 20 -o /dev/null)
TCP4_FILTER="tcp and host $IP4_S and port $HTTP_PORT"
TCP6_FILTER="ip6 and tcp and host $IP6_S and port $HTTP_PORT"

http_get_v4() {   # FILE PATH SYSCTLS...
    local file=$1 path=$2
    shift 2
    client_defaults
    if [[ $# -gt 0 ]]; then inc sysctl -qw "$@"; fi
    echo "== $file (client sysctls: ${*:-defaults})"
    start_capture "$file" "$TCP4_FILTER"
    inc "${CURL[@]}" "http://$IP4_S$path"
    stop_capture
}

post_20k() {
    inc "${CURL[@]}" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
        --data-binary "@$WORK/upload/20k.bin" "http://$IP4_S/upload"
}

# --- scenarios ------------------------------------------------------------------------------
if wanted get; then
    http_get_v4 ipv4-http-all-options.pcap /1k.bin
    http_get_v4 ipv4-http-no-ts.pcap /1k.bin net.ipv4.tcp_timestamps=0
    http_get_v4 ipv4-http-no-sack.pcap /1k.bin net.ipv4.tcp_sack=0
    http_get_v4 ipv4-http-no-wscale.pcap /1k.bin net.ipv4.tcp_window_scaling=0
    http_get_v4 ipv4-http-no-options.pcap /1k.bin \
        net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0
fi
client_defaults

if wanted post; then
    echo "== ipv4-http-post.pcap (20 KB POST)"
    start_capture ipv4-http-post.pcap "$TCP4_FILTER"
    post_20k
    stop_capture
fi

if wanted ipv6; then
    echo "== ipv6-http-all-options.pcap"
    start_capture ipv6-http-all-options.pcap "$TCP6_FILTER"
    inc "${CURL[@]}" -g "http://[$IP6_S]/1k.bin"
    stop_capture
fi

# What tcpdump on a client host records: the client's end with its default offloads (tx
# checksum, TSO, GSO), so every packet the client sends carries a partial TCP checksum (the
# pseudo-header sum, for the device to complete) and the POST body leaves in TSO
# super-segments; the server's end keeps its offloads off, so its answers are complete.
if wanted offload; then
    echo "== ipv4-http-offload.pcap (GET 1 KB, then the 20 KB POST; client offloads on)"
    inc ethtool -K "$DEV_C" tx on tso on gso on >/dev/null
    start_capture ipv4-http-offload.pcap "$TCP4_FILTER"
    inc "${CURL[@]}" "http://$IP4_S/1k.bin"
    post_20k
    stop_capture
    inc ethtool -K "$DEV_C" tx off tso off gso off >/dev/null
fi

# Random loss on server->client data, dropped in the client's prerouting hook: the tap on the
# client veth is before netfilter, so only client->server packets are kept (the filter below),
# which is what carries the SACK blocks. The loss is random, so a run is repeated (at most
# three times) until the capture holds ACKs with every block count from 1 to MAX_BLOCKS.
sack_blocks_seen() {   # FILE -> "1 2 3 " (distinct SACK block counts, from tcpdump -v)
    tcpdump -nvr "$1" 2>/dev/null | grep -o 'sack [0-9]' | cut -d' ' -f2 | sort -u | tr '\n' ' '
}
sack_capture() {   # FILE LOSS_PERCENT MAX_BLOCKS SYSCTLS...
    local file=$1 loss=$2 max_blocks=$3 attempt want seen
    shift 3
    want="$(seq -s' ' 1 "$max_blocks") "
    for attempt in 1 2 3; do
        client_defaults
        if [[ $# -gt 0 ]]; then inc sysctl -qw "$@"; fi
        echo "== $file (1 MB GET, ${loss}% loss server->client, client->server packets only; sysctls: ${*:-defaults}; attempt $attempt)"
        inc nft -f - <<EOF
table ip hovec_loss {
    chain pre {
        type filter hook prerouting priority -300; policy accept;
        ip saddr $IP4_S tcp sport $HTTP_PORT tcp flags & (syn | fin | rst) == 0 numgen random mod 100 < $loss drop
    }
}
EOF
        start_capture "$file" "tcp and src host $IP4_C and dst host $IP4_S and dst port $HTTP_PORT"
        inc "${CURL[@]}" "http://$IP4_S/1m.bin"
        stop_capture
        inc nft delete table ip hovec_loss
        seen=$(sack_blocks_seen "$OUT_DIR/$file")
        echo "    SACK block counts seen: ${seen:-none} (want: $want)"
        if [[ "$seen" == "$want"* ]]; then return 0; fi
    done
    echo "capture.sh: $file: no ACKs with each of ${want}SACK blocks after 3 attempts" >&2
    exit 1
}
if wanted sack; then
    sack_capture ipv4-sack-blocks.pcap 3 3
    # Without timestamps the option space holds four SACK blocks instead of three; more loss is
    # needed to open four holes at once.
    sack_capture ipv4-sack-blocks-no-ts.pcap 8 4 net.ipv4.tcp_timestamps=0
fi
client_defaults

if wanted udp; then
    echo "== ipv4-udp.pcap (nanosecond timestamps)"
    # The server echoes each datagram back; payloads of odd and even length (checksum tail padding).
    ip netns exec "$NS_S" socat "UDP4-RECVFROM:$UDP_PORT,bind=$IP4_S,fork" EXEC:/bin/cat 2>"$WORK/socat.err" &
    UDP_SERVER_PID=$!
    sleep 0.3
    start_capture ipv4-udp.pcap "udp and host $IP4_S and port $UDP_PORT" --time-stamp-precision=nano
    for payload in "hello handoff" "golden vector, odd length" "$(head -c 1000 "$WORK/www/1k.bin")"; do
        printf '%s' "$payload" | inc timeout 5 socat -t 0.5 - "UDP4-DATAGRAM:$IP4_S:$UDP_PORT,bind=$IP4_C:$UDP_CLIENT_PORT,reuseaddr" >/dev/null
    done
    stop_capture
    kill "$UDP_SERVER_PID" 2>/dev/null || true
    wait "$UDP_SERVER_PID" 2>/dev/null || true
    UDP_SERVER_PID=
fi

# --- summary --------------------------------------------------------------------------------
echo
echo "nginx access log:"
sed 's/^/    /' "$WORK/access.log"
echo
echo "Wrote to $OUT_DIR:"
for f in "$OUT_DIR"/*.pcap; do
    n=$(tcpdump -nr "$f" 2>/dev/null | wc -l)
    printf '    %-32s %4d packets %8d bytes\n' "$(basename "$f")" "$n" "$(stat -c %s "$f")"
done
echo "kernel $(uname -r); $(tcpdump --version 2>&1 | head -2 | tr '\n' ' '); $(nginx -v 2>&1); $(curl --version | head -1 | cut -d' ' -f1-2)$(if command -v socat >/dev/null; then echo "; socat $(socat -V | sed -n 's/^socat version \([^ ]*\).*/\1/p')"; fi)"
