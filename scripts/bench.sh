#!/usr/bin/env bash
# `handoff bench`: the hand-off against the peers a user would pick instead, side by side in the
# lab (docs/benchmarks.md, "Against the peers"). Run as root. The same client workloads go to:
#   direct   origin1's nginx on its ordinary address, 198.18.0.11:80 (the physical limit here)
#   haproxy  HAProxy, mode http, in the director's namespace on 198.18.0.1:8081 -> origin1
#   nginx    nginx as a reverse proxy, in the director's namespace on 198.18.0.1:8082 -> origin1
#   handoff  the hand-off director and agents on the kernel path (the lab's default), VIP
#            198.18.1.1:80 (/static/ is routed to origin1)
#   handoff-user  the same on the user path (datapath: user), in a second lab of its own (the
#            same topology under the prefix hu-), so both paths are measured side by side
# The labs' names, addresses and files come from their one description (`handoff lab env`, the
# LAB_* variables; ULAB_* for the user-path lab); the addresses above are the standard lab's.
# Workloads, each bounded in count and time:
#   rps-close      1 KB with wrk, Connection: close (a new connection per request), --duration s
#   rps-keepalive  the same on kept-alive connections
#   rps-alternating  kept-alive connections asking for /static/ and /video/ in turn, one connection
#                  per wrk thread: on the hand-off every request changes origin (origin1, origin2)
#   ttfb           1 KB, N sequential requests each on a fresh connection (curl's timers)
#   get            each --sizes object with curl, a batch of downloads per run
# Around every run the CPU time of the director-side processes (director JVM / haproxy / proxy
# nginx master+workers) and of the origin side (origin1's nginx, and its agent JVM for handoff;
# both origins' for rps-alternating) is read from /proc, and the run time of the BPF programs
# attached in the director's and the origins' namespaces from `handoff bench bpf-time`, and the
# whole machine's busy and softirq time from /proc/stat (the client and the kernel included). Runs
# are interleaved across systems; every response's status and length is checked, and where
# rps-alternating's requests went in the origins' access logs. Results in --out: raw.tsv (one
# row per run), ttfb.tsv (every sample), idle.tsv; then `handoff bench summarize` writes
# summary.md and the plot data, and gnuplot draws director-cpu.png and throughput.png. Exits 1
# when any run failed its checks (the summary marks the row INVALID).
#
# Run by `handoff bench` (cli BenchCommand), which checks the options and passes every value,
# defaults resolved; this script checks none of them again:
#   bench.sh --runs N --duration S --connections N --ttfb-requests N --sizes LABEL=BYTES,...
#            --cpu N|none --out DIR [--smoke] [--use-lab]
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
export HANDOFF_LAB_NS_PREFIX=${HANDOFF_LAB_NS_PREFIX:-hb-}
export HANDOFF_LAB_DIR=${HANDOFF_LAB_DIR:-/tmp/handoff-bench-lab}
export HANDOFF_LAB_DATAPATH=${HANDOFF_LAB_DATAPATH:-kernel}
# The second lab, for the user path: its own namespaces and directory, always the bench's own.
USER_LAB=(HANDOFF_LAB_NS_PREFIX="${HANDOFF_LAB_USER_NS_PREFIX:-hu-}" HANDOFF_LAB_DIR="$HANDOFF_LAB_DIR-user"
    HANDOFF_LAB_DATAPATH=user)
# The labs as `handoff lab up` builds them for these prefixes and directories (LabTopology).
lab_env=$("$root/bin/handoff" lab env) || { echo "bench: handoff lab env failed" >&2; exit 1; }
eval "$lab_env"
lab_env=$(env "${USER_LAB[@]}" "$root/bin/handoff" lab env | sed 's/^LAB_/ULAB_/') \
    || { echo "bench: handoff lab env (the user-path lab) failed" >&2; exit 1; }
eval "$lab_env"
[[ $ULAB_PREFIX != "$LAB_PREFIX" ]] || { echo "bench: the user-path lab needs a prefix of its own (HANDOFF_LAB_USER_NS_PREFIX)" >&2; exit 1; }

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

smoke=0 use_lab=0 runs='' duration='' connections='' ttfb_requests='' sizes='' cpu='' out=''
while (($#)); do
    case $1 in
        --smoke) smoke=1 ;;
        --use-lab) use_lab=1 ;;
        --runs) runs=$2; shift ;;
        --duration) duration=$2; shift ;;
        --connections) connections=$2; shift ;;
        --ttfb-requests) ttfb_requests=$2; shift ;;
        --sizes) sizes=$2; shift ;;
        --cpu) cpu=$2; shift ;;
        --out) out=$2; shift ;;
        *) die "unknown argument '$1' (run it as 'handoff bench', which passes every option)" ;;
    esac
    shift
done
[[ -n $runs && -n $duration && -n $connections && -n $ttfb_requests && -n $sizes && -n $cpu && -n $out ]] \
    || die "an option is missing (run it as 'handoff bench', which passes every option)"

# Smoke: no warm-up round, one download per batch.
if ((smoke)); then warmup=0 batch_max=1; else warmup=1 batch_max=20; fi
# A download run is a batch of up to batch_max downloads, about batch_bytes in all, so small
# objects are measured over enough requests and 100 MB ones stay within seconds.
batch_bytes=$((200 * 1024 * 1024))

# Sizes: "1M=1048576,10M=10485760" -> labels (file names) and bytes.
size_labels=() size_bytes=()
IFS=, read -r -a size_list <<<"$sizes"
for s in "${size_list[@]}"; do
    size_labels+=("${s%%=*}") size_bytes+=("${s#*=}")
done

[[ $EUID -eq 0 ]] || die "must run as root (it creates network namespaces)"
for tool in ip curl wrk haproxy nginx gnuplot taskset awk pgrep timeout nsenter bpftool; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh first"
done

mkdir -p "$out"
out=$(cd -- "$out" && pwd)

# --- the systems --------------------------------------------------------------------------------

SYSTEMS=(direct haproxy nginx handoff handoff-user)
declare -A BASE=(
    [direct]=http://$LAB_ORIGIN1_ADDRESS:80
    [haproxy]=http://$LAB_DIRECTOR_ADDRESS:8081
    [nginx]=http://$LAB_DIRECTOR_ADDRESS:8082
    [handoff]=http://$LAB_VIP:$LAB_VIP_PORT
    [handoff-user]=http://$ULAB_VIP:$ULAB_VIP_PORT
)
# Which lab a system's client, origins and access logs are in: k, the main lab (the kernel path
# and the peers), or u, the user-path lab. The two are the same topology in their own namespaces.
declare -A LAB_OF=([direct]=k [haproxy]=k [nginx]=k [handoff]=k [handoff-user]=u)
declare -A CLIENT_NS=([k]=$LAB_CLIENT_NS [u]=$ULAB_CLIENT_NS)
declare -A ACCESS_LOG1=([k]=$LAB_ORIGIN1_ACCESS_LOG [u]=$ULAB_ORIGIN1_ACCESS_LOG)
declare -A ACCESS_LOG2=([k]=$LAB_ORIGIN2_ACCESS_LOG [u]=$ULAB_ORIGIN2_ACCESS_LOG)
# The hand-off systems' directors: their metrics (the capture's packet count) in their namespace.
declare -A DIRECTOR_NS=([handoff]=$LAB_DIRECTOR_NS [handoff-user]=$ULAB_DIRECTOR_NS)
declare -A DIRECTOR_METRICS=([handoff]=$LAB_DIRECTOR_METRICS [handoff-user]=$ULAB_DIRECTOR_METRICS)
CONTENT_PATH=/static/bench   # /static/ is routed to origin1 by examples/lab/director.yaml
content_dir="$LAB_ORIGIN1_WWW/static/bench"
user_content_dir="$ULAB_ORIGIN1_WWW/static/bench"
# rps-alternating asks for $CONTENT_PATH/1K.bin and $ALTERNATE_PATH/1K.bin in turn; /video/ is
# routed to origin2. Copies of 1K.bin: /video/ on origin1 for the systems that send everything
# there (direct, the proxies), and both paths on origin2, so a system that keeps a connection on
# one origin still answers 200; the origins' access logs tell where each request went. The
# user-path lab gets the same.
ALTERNATE_PATH=/video/bench
copies=("$LAB_ORIGIN1_WWW$ALTERNATE_PATH" "$LAB_ORIGIN2_WWW$CONTENT_PATH" "$LAB_ORIGIN2_WWW$ALTERNATE_PATH"
    "$ULAB_ORIGIN1_WWW$ALTERNATE_PATH" "$ULAB_ORIGIN2_WWW$CONTENT_PATH" "$ULAB_ORIGIN2_WWW$ALTERNATE_PATH")
# The peers' configs, pid files, logs and nginx's temp files live in the lab's directory, which
# nginx's worker (user nobody) can reach like the origins' www (an --out under a private
# mktemp -d is not: the proxy's spill to its temp file failed and cut a 10 MB answer short).
# They are copied to --out/peers at the end.
peers="$LAB_DIR/bench-peers"

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# client SYSTEM COMMAND...: in the client namespace of SYSTEM's lab.
client() { local sys=$1; shift; in_ns "${CLIENT_NS[${LAB_OF[$sys]}]}" "$@"; }

# --- clean-up on any exit -------------------------------------------------------------------------

lab_started=0 user_lab_started=0 lab_ready=0 user_lab_ready=0 director_pid='' director_affinity='' bpf_time_pid=''
declare -A saved_port_range=() saved_tw_reuse=()
# The director's and origin1's agent's metrics and the tail of their logs, for reading a failed
# or surprising run after the lab is gone: save_lab_state DIR DIRECTOR_NS DIRECTOR_METRICS
# ORIGIN1_NS AGENT_METRICS DIRECTOR_LOG AGENT_LOG.
save_lab_state() {
    mkdir -p "$1"
    in_ns "$2" curl -s --max-time 3 "http://$3/metrics" >"$1/director-metrics.txt" 2>&1
    in_ns "$4" curl -s --max-time 3 "http://$5/metrics" >"$1/agent-origin1-metrics.txt" 2>&1
    tail -n 2000 "$6" >"$1/director.log" 2>&1
    tail -n 2000 "$7" >"$1/agent-origin1.log" 2>&1
}
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    local f pid
    ((lab_ready)) && save_lab_state "$out/lab" "$LAB_DIRECTOR_NS" "$LAB_DIRECTOR_METRICS" "$LAB_ORIGIN1_NS" \
        "$LAB_ORIGIN1_AGENT_METRICS" "$LAB_DIRECTOR_LOG" "$LAB_ORIGIN1_AGENT_LOG"
    ((user_lab_ready)) && save_lab_state "$out/lab-user" "$ULAB_DIRECTOR_NS" "$ULAB_DIRECTOR_METRICS" "$ULAB_ORIGIN1_NS" \
        "$ULAB_ORIGIN1_AGENT_METRICS" "$ULAB_DIRECTOR_LOG" "$ULAB_ORIGIN1_AGENT_LOG"
    if [[ -n $bpf_time_pid ]]; then
        # Its input closed, the sampler puts kernel.bpf_stats_enabled back and exits. (Bash
        # unsets BPF_TIME once the sampler has ended on its own.)
        [[ -n ${BPF_TIME[1]-} ]] && eval "exec ${BPF_TIME[1]}>&-"
        wait "$bpf_time_pid" 2>/dev/null
    fi
    for f in "$peers/haproxy.pid" "$peers/nginx.pid"; do
        [[ -f $f ]] || continue
        pid=$(cat "$f")
        # Only what this script started: its pid file, in the director's namespace.
        [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
        rm -f "$f"
    done
    if [[ -d $peers ]]; then
        mkdir -p "$out/peers"
        cp "$peers"/*.cfg "$peers"/*.conf "$peers"/*.log "$out/peers/" 2>/dev/null
        for i in $(seq 1 30); do pgrep -f "nginx -c $peers/nginx.conf" >/dev/null || break; sleep 0.1; done
        rm -rf "$peers"
    fi
    local ns
    for ns in "${!saved_port_range[@]}"; do
        ip netns list | awk '{print $1}' | grep -qx "$ns" && in_ns "$ns" sysctl -q -w \
            "net.ipv4.ip_local_port_range=${saved_port_range[$ns]}" "net.ipv4.tcp_tw_reuse=${saved_tw_reuse[$ns]}" >/dev/null 2>&1
    done
    # A lab that stays up gets its director's CPU affinity back.
    [[ -n $director_affinity ]] && taskset -a -p "$director_affinity" "$director_pid" >/dev/null 2>&1
    rm -rf "$content_dir" "$user_content_dir" "${copies[@]}" "$out/tmp"
    ((user_lab_started)) && env "${USER_LAB[@]}" "$root/bin/handoff" lab down
    if ((lab_started)); then
        "$root/bin/handoff" lab down
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the lab, the peers, the content --------------------------------------------------------------

if ((use_lab)); then
    [[ -f $LAB_DIRECTOR_PID_FILE ]] || die "--use-lab: no lab in $LAB_DIR (HANDOFF_LAB_DIR); bring it up with 'handoff lab up'"
else
    say "bringing the lab up (prefix $LAB_PREFIX, directory $LAB_DIR)"
    lab_started=1
    # No per-request log lines on any system: the proxies below log nothing, and at WARN the
    # director and the agents skip their per-request decision and flow lines.
    HANDOFF_LOG_LEVEL=${HANDOFF_LOG_LEVEL:-warn} "$root/bin/handoff" lab up
fi
lab_ready=1
[[ ! -f $ULAB_DIRECTOR_PID_FILE ]] || die "a lab is already up in $ULAB_DIR: the bench brings its user-path lab up itself ('${USER_LAB[*]} handoff lab down' ends that one)"
say "bringing the user-path lab up (prefix $ULAB_PREFIX, directory $ULAB_DIR)"
user_lab_started=1
env "${USER_LAB[@]}" HANDOFF_LOG_LEVEL="${HANDOFF_LOG_LEVEL:-warn}" "$root/bin/handoff" lab up
user_lab_ready=1
# java_pid FILE: the pid in FILE, which must be a running JVM.
java_pid() {
    local pid
    pid=$(cat "$1")
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == java ]] || die "pid $pid in $1 is not a running JVM"
    echo "$pid"
}
director_pid=$(java_pid "$LAB_DIRECTOR_PID_FILE")
user_director_pid=$(java_pid "$ULAB_DIRECTOR_PID_FILE")
# Per lab (k, u): origin1's and origin2's agent JVMs and nginx masters.
declare -A AGENT1=([k]=$(java_pid "$LAB_ORIGIN1_AGENT_PID_FILE") [u]=$(java_pid "$ULAB_ORIGIN1_AGENT_PID_FILE"))
declare -A AGENT2=([k]=$(java_pid "$LAB_ORIGIN2_AGENT_PID_FILE") [u]=$(java_pid "$ULAB_ORIGIN2_AGENT_PID_FILE"))
declare -A NGINX1=([k]=$(cat "$LAB_ORIGIN1_NGINX_PID_FILE") [u]=$(cat "$ULAB_ORIGIN1_NGINX_PID_FILE"))
declare -A NGINX2=([k]=$(cat "$LAB_ORIGIN2_NGINX_PID_FILE") [u]=$(cat "$ULAB_ORIGIN2_NGINX_PID_FILE"))

# Many short connections from one client: a wide port range, and TIME_WAIT ports reused (they
# are the client's own connections; the namespaces are the labs'). Put back on exit.
for ns in "$LAB_CLIENT_NS" "$ULAB_CLIENT_NS"; do
    saved_port_range[$ns]=$(in_ns "$ns" sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')
    saved_tw_reuse[$ns]=$(in_ns "$ns" sysctl -n net.ipv4.tcp_tw_reuse)
    in_ns "$ns" sysctl -q -w "net.ipv4.ip_local_port_range=10000 65000" net.ipv4.tcp_tw_reuse=1
done

mkdir -p "$peers" "$out/tmp" "$out/logs"
# The run time of BPF programs attached in the director's and the origins' namespaces, which no
# process's /proc figures show: one sampler for the whole bench (docs/benchmarks.md), asked
# around every run; it keeps the kernel's BPF statistics on until its input closes.
coproc BPF_TIME { HANDOFF_LOG_LEVEL=warn exec "$root/bin/handoff" bench bpf-time --netns "$LAB_DIRECTOR_NS" --netns "$LAB_ORIGIN1_NS" \
    --netns "$LAB_ORIGIN2_NS" --netns "$ULAB_DIRECTOR_NS" --netns "$ULAB_ORIGIN1_NS" --netns "$ULAB_ORIGIN2_NS" \
    2>>"$out/logs/bpf-time.log"; }
bpf_time_pid=$BPF_TIME_PID
say "HAProxy and the proxy nginx in $LAB_DIRECTOR_NS, both to origin1 $LAB_ORIGIN1_ADDRESS:80"
# HAProxy: one thread, keep-alive on both sides; http-reuse always lets the first request of a
# new client connection use an idle server connection (the default, safe, opens a new server
# connection for every first request, i.e. for every request of a Connection: close client).
cat >"$peers/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 8000
    pidfile $peers/haproxy.pid
    daemon
defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
frontend bench
    bind $LAB_DIRECTOR_ADDRESS:8081
    default_backend origin1
backend origin1
    server origin1 $LAB_ORIGIN1_ADDRESS:80
EOF
# nginx: one worker, HTTP/1.1 with an upstream keep-alive pool. Default buffering (large
# responses spill to a temp file when the client reads slower than the origin sends).
mkdir -p "$peers/nginx-tmp"
cat >"$peers/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid $peers/nginx.pid;
error_log $peers/nginx-error.log warn;
events { worker_connections 8000; }
http {
    access_log off;
    client_body_temp_path $peers/nginx-tmp/body;
    proxy_temp_path $peers/nginx-tmp/proxy;
    fastcgi_temp_path $peers/nginx-tmp/fastcgi;
    uwsgi_temp_path $peers/nginx-tmp/uwsgi;
    scgi_temp_path $peers/nginx-tmp/scgi;
    upstream origin1 {
        server $LAB_ORIGIN1_ADDRESS:80;
        keepalive 64;
    }
    server {
        listen $LAB_DIRECTOR_ADDRESS:8082;
        location / {
            proxy_pass http://origin1;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
in_ns "$LAB_DIRECTOR_NS" haproxy -c -q -f "$peers/haproxy.cfg" || die "haproxy rejected $peers/haproxy.cfg"
in_ns "$LAB_DIRECTOR_NS" nginx -t -q -c "$peers/nginx.conf" 2>/dev/null || die "nginx rejected $peers/nginx.conf"
pin=()
[[ $cpu == none ]] || pin=(taskset -c "$cpu")
in_ns "$LAB_DIRECTOR_NS" "${pin[@]}" haproxy -f "$peers/haproxy.cfg"
in_ns "$LAB_DIRECTOR_NS" "${pin[@]}" nginx -c "$peers/nginx.conf"
for i in $(seq 1 50); do [[ -s $peers/haproxy.pid && -s $peers/nginx.pid ]] && break; sleep 0.1; done
[[ -s $peers/haproxy.pid && -s $peers/nginx.pid ]] || die "haproxy or the proxy nginx did not start (see $peers)"
if [[ $cpu != none ]]; then
    # The directors' JVMs are already running: pin every thread (new ones inherit it). The
    # user-path lab goes down with the bench, so only the main lab's affinity is put back.
    director_affinity=$(taskset -p "$director_pid" | awk '{ print $NF }')
    taskset -a -p -c "$cpu" "$director_pid" >/dev/null
    taskset -a -p -c "$cpu" "$user_director_pid" >/dev/null
fi

say "content under $content_dir"
mkdir -p "$content_dir"
head -c 1024 /dev/urandom >"$content_dir/1K.bin"
for i in "${!size_labels[@]}"; do
    [[ -f $content_dir/${size_labels[i]}.bin ]] || head -c "${size_bytes[i]}" /dev/urandom >"$content_dir/${size_labels[i]}.bin"
done
# The user-path lab serves the same bytes: hard links where both labs' directories share a
# file system (the defaults, both under /tmp), copies otherwise.
mkdir -p "$user_content_dir"
cp -l "$content_dir"/*.bin "$user_content_dir/" 2>/dev/null || cp "$content_dir"/*.bin "$user_content_dir/"
for d in "${copies[@]}"; do
    mkdir -p "$d"
    cp "$content_dir/1K.bin" "$d/1K.bin"
done

# Director-side and origin-side processes of each system (pids read once: none of them restarts).
children() { pgrep -P "$1" | tr '\n' ' '; }
declare -A DIRECTOR_PIDS=(
    [direct]=""
    [haproxy]="$(cat "$peers/haproxy.pid") $(children "$(cat "$peers/haproxy.pid")")"
    [nginx]="$(cat "$peers/nginx.pid") $(children "$(cat "$peers/nginx.pid")")"
    [handoff]="$director_pid"
    [handoff-user]="$user_director_pid"
)
declare -A ORIGIN1_PIDS=([k]="${NGINX1[k]} $(children "${NGINX1[k]}")" [u]="${NGINX1[u]} $(children "${NGINX1[u]}")")
declare -A ORIGIN2_PIDS=([k]="${NGINX2[k]} $(children "${NGINX2[k]}")" [u]="${NGINX2[u]} $(children "${NGINX2[u]}")")

# --- CPU from /proc -----------------------------------------------------------------------------

# cpu_snapshot PID...: "t PID/TID NS" per thread (schedstat: time on CPU, in ns) and "s PID TICKS"
# per process (utime + stime from stat: whole process, in clock ticks).
cpu_snapshot() {
    local pid f ns rest tid
    for pid in "$@"; do
        [[ -d /proc/$pid ]] || continue
        for f in /proc/"$pid"/task/*/schedstat; do
            # A thread may end between the listing and the read: skip it.
            read -r ns rest 2>/dev/null <"$f" || continue
            tid=${f%/schedstat}
            echo "t $pid/${tid##*/} $ns"
        done
        sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk -v pid="$pid" '{ print "s", pid, $12 + $13 }' || true
    done
}
# cpu_delta BEFORE AFTER: "NS TICKS" spent between the two snapshots. A thread that started in
# between counts whole; one that ended in between loses what it spent since BEFORE. (%.0f, not
# %d: mawk's %d stops at 2^31 - 1, 2.1 s in ns.)
cpu_delta() {
    awk 'FNR == NR { before[$1 " " $2] = $3; next }
         { d = $3 - (($1 " " $2) in before ? before[$1 " " $2] : 0); if ($1 == "t") ns += d; else if (($1 " " $2) in before) ticks += d }
         END { printf "%.0f %.0f\n", ns, ticks }' "$1" "$2"
}

# machine_snapshot NAME: sets NAME_busy and NAME_softirq to the whole machine's CPU time so far,
# in clock ticks, from /proc/stat's first line (user nice system idle iowait irq softirq steal):
# busy is everything but idle and iowait, so the kernel's work for a system (softirq, where most
# packet processing and the BPF programs run, and irq) counts with the processes'. The client
# (wrk, curl) is in it for every system alike.
machine_snapshot() {
    local _cpu user nice system idle iowait irq softirq steal _rest
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    printf -v "$1_busy" '%s' $((user + nice + system + irq + softirq + steal))
    printf -v "$1_softirq" '%s' "$softirq"
}
clock_ticks=$(getconf CLK_TCK)

# packet_counts SYSTEM TAG: sets pk_TAG_captured to the packets the hand-off system's director
# capture has handed to its Java process so far (handoff_director_tcp_packets: what reached the
# Java process; "-" for the other systems) and pk_TAG_client to the TCP segments the system's
# client has sent (/proc/net/snmp's OutSegs in the client namespace). The director's metrics are
# read through HTTP, which costs it CPU: snap_all reads them outside the CPU window.
packet_counts() {
    local sys=$1 tag=$2 captured=- segments
    if [[ -n ${DIRECTOR_NS[$sys]-} ]]; then
        captured=$(in_ns "${DIRECTOR_NS[$sys]}" curl -s --max-time 3 "http://${DIRECTOR_METRICS[$sys]}/metrics" \
            | awk '/^handoff_director_tcp_packets_total/ { n += $2; seen = 1 } END { if (seen) printf "%.0f", n; else print "-" }')
    fi
    segments=$(client "$sys" awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == "OutSegs") c = i; h = 1 } else { print $c; exit } }' \
        /proc/net/snmp)
    printf -v "pk_${tag}_captured" '%s' "$captured"
    printf -v "pk_${tag}_client" '%s' "${segments:--}"
}

# shellcheck disable=SC2086 # the pid lists are space-separated on purpose
snap_all() { # snap_all SYSTEM TAG [both]: the origin side is origin1's, or with "both" origin1's and origin2's
    local lab=${LAB_OF[$1]}
    local origins=${ORIGIN1_PIDS[$lab]} agents=${AGENT1[$lab]}
    if [[ ${3-} == both ]]; then
        origins+=" ${ORIGIN2_PIDS[$lab]}" agents+=" ${AGENT2[$lab]}"
    fi
    [[ $2 == b ]] || packet_counts "$1" "$2"
    cpu_snapshot ${DIRECTOR_PIDS[$1]} >"$out/tmp/$2.dir"
    cpu_snapshot $origins >"$out/tmp/$2.org"
    cpu_snapshot $agents >"$out/tmp/$2.agt"
    machine_snapshot "machine_$2"
    # The sampler answers "RUN_TIME_NS RUN_COUNT" per namespace: the main lab's director, origin1,
    # origin2, then the user-path lab's.
    [[ -n ${BPF_TIME[1]-} ]] || die "the BPF run-time sampler has stopped (see $out/logs/bpf-time.log)"
    printf 'sample\n' >&"${BPF_TIME[1]}"
    local kd ko ko2 ud uo uo2
    read -r -t 30 kd _ ko _ ko2 _ ud _ uo _ uo2 _ <&"${BPF_TIME[0]}" \
        || die "the BPF run-time sampler stopped (see $out/logs/bpf-time.log)"
    if [[ $lab == k ]]; then
        printf -v "bpf_$2_dir" '%s' "$kd"; printf -v "bpf_$2_org" '%s' "$ko"; printf -v "bpf_$2_org2" '%s' "$ko2"
    else
        printf -v "bpf_$2_dir" '%s' "$ud"; printf -v "bpf_$2_org" '%s' "$uo"; printf -v "bpf_$2_org2" '%s' "$uo2"
    fi
    [[ $2 != b ]] || packet_counts "$1" "$2"
}
# Sets dir_ns dir_ticks org_ns agent_ns dir_bpf_ns org_bpf_ns machine_ns softirq_ns captured
# client_segments for the run between snap_all SYSTEM a [both] and ... b [both]; cpu_of_run [both]
# likewise. The BPF totals are cumulative over the programs attached at the time: one detached in
# between takes its total with it, hence the floor at 0.
cpu_of_run() {
    read -r dir_ns dir_ticks < <(cpu_delta "$out/tmp/a.dir" "$out/tmp/b.dir")
    read -r org_ns _ < <(cpu_delta "$out/tmp/a.org" "$out/tmp/b.org")
    read -r agent_ns _ < <(cpu_delta "$out/tmp/a.agt" "$out/tmp/b.agt")
    machine_ns=$(((machine_b_busy - machine_a_busy) * 1000000000 / clock_ticks))
    softirq_ns=$(((machine_b_softirq - machine_a_softirq) * 1000000000 / clock_ticks))
    dir_bpf_ns=$((bpf_b_dir > bpf_a_dir ? bpf_b_dir - bpf_a_dir : 0))
    org_bpf_ns=$((bpf_b_org > bpf_a_org ? bpf_b_org - bpf_a_org : 0))
    if [[ ${1-} == both ]]; then
        org_bpf_ns=$((org_bpf_ns + (bpf_b_org2 > bpf_a_org2 ? bpf_b_org2 - bpf_a_org2 : 0)))
    fi
    captured=- client_segments=-
    [[ $pk_a_captured == - || $pk_b_captured == - ]] || captured=$((pk_b_captured - pk_a_captured))
    [[ $pk_a_client == - || $pk_b_client == - ]] || client_segments=$((pk_b_client - pk_a_client))
}

# --- the workloads ------------------------------------------------------------------------------

raw="$out/raw.tsv"
ttfb_raw="$out/ttfb.tsv"
printf 'run\tworkload\tsize\tsystem\trequests\tbody_bytes\tseconds\terrors\tp50_us\tp90_us\tp99_us\tconnect_p50_us\tdirector_cpu_ns\tdirector_cpu_ticks\torigin_cpu_ns\tagent_cpu_ns\tvalid\tdirector_bpf_ns\torigin_bpf_ns\tmachine_cpu_ns\tmachine_softirq_ns\tdirector_capture_packets\tclient_segments\n' >"$raw"
printf 'run\tsystem\tlocal_port\tconnect_us\tfirst_byte_us\n' >"$ttfb_raw"
invalid=0

# record RUN WORKLOAD SIZE SYSTEM REQUESTS BODY_BYTES SECONDS ERRORS P50 P90 P99 CONNECT_P50
# (run 0 is the warm-up: not recorded)
record() {
    local valid=yes
    (($8 == 0 && $5 > 0)) || valid=no
    if [[ $valid == no ]]; then
        invalid=$((invalid + 1))
        say "INVALID: run $1 $2 $3 on $4: $8 errors, $5 requests (details above and in $out/logs)"
    fi
    (($1 > 0)) || return 0
    [[ $4 == handoff* ]] || agent_ns=0   # the agent is origin-side CPU of the hand-off only
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" \
        "$dir_ns" "$dir_ticks" "$org_ns" "$agent_ns" "$valid" "$dir_bpf_ns" "$org_bpf_ns" "$machine_ns" "$softirq_ns" \
        "$captured" "$client_segments" >>"$raw"
}

wrk_script="$out/tmp/report.lua"
cat >"$wrk_script" <<'EOF'
-- Prints wrk's own counters on one line; no per-request hooks, so wrk keeps its fast path.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%.0f duration_us=%.0f bytes=%.0f connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f p50=%.0f p90=%.0f p99=%.0f\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
EOF
# The same report, and every request asks for the other path than the one before. wrk calls
# request() per thread, not per connection, so this workload runs one connection per thread.
alternate_script="$out/tmp/alternate.lua"
{
    cat <<EOF
local paths = { "$CONTENT_PATH/1K.bin", "$ALTERNATE_PATH/1K.bin" }
EOF
    cat <<'EOF'
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, paths[n % 2 + 1])
end
EOF
    cat "$wrk_script"
} >"$alternate_script"
mkdir -p "$out/logs"

# access_mark SYSTEM: the sizes of origin1's and origin2's access logs in SYSTEM's lab now.
access_mark() {
    local lab=${LAB_OF[$1]}
    echo "$(stat -c %s "${ACCESS_LOG1[$lab]}") $(stat -c %s "${ACCESS_LOG2[$lab]}")"
}
# access_count LOG FROM TEXT: lines written to LOG after byte FROM that contain TEXT.
access_count() {
    tail -c +$(($2 + 1)) "$1" | grep -cF -- "$3" || true
}

# run_rps RUN SYSTEM close|keepalive|alternating: wrk for --duration seconds on --connections
# connections (alternating: one thread each, both origins' CPU, and the access logs checked).
run_rps() {
    local run=$1 sys=$2 mode=$3 log="$out/logs/rps-$3-$2-run$1.txt" threads=$((connections < 2 ? 1 : 2))
    local header=() line seconds=$duration script=$wrk_script origins=one mark=''
    ((run > 0 || seconds <= 2)) || seconds=2   # the warm-up only needs each path exercised
    [[ $mode == close ]] && header=(-H "Connection: close")
    if [[ $mode == alternating ]]; then
        threads=$connections script=$alternate_script origins=both
        mark=$(access_mark "$sys")
    fi
    snap_all "$sys" a "$origins"
    client "$sys" timeout $((seconds + 20)) wrk -t "$threads" -c "$connections" -d "${seconds}s" --timeout 2s \
        "${header[@]}" -s "$script" "${BASE[$sys]}$CONTENT_PATH/1K.bin" >"$log" 2>&1 || true
    snap_all "$sys" b "$origins"
    cpu_of_run "$origins"
    line=$(grep '^WRK ' "$log" || true)
    if [[ -z $line ]]; then
        say "wrk on $sys ($mode) printed no result: $(tail -3 "$log" | tr '\n' ' ')"
        record "$run" "rps-$mode" 1024 "$sys" 0 0 0 1 - - - -
        return
    fi
    # requests duration_us bytes connect read write status timeout p50 p90 p99
    local -A w
    local kv
    for kv in ${line#WRK }; do w[${kv%%=*}]=${kv#*=}; done
    local errors=$((w[connect] + w[read] + w[write] + w[status] + w[timeout]))
    # Every response must carry the 1 KB body: fewer bytes read than that means short answers.
    if ((w[requests] > 0 && w[bytes] < w[requests] * 1024)); then
        say "wrk on $sys ($mode): ${w[bytes]} bytes for ${w[requests]} responses (expected: >= 1024 each)"
        errors=$((errors + 1))
    fi
    ((errors == 0)) || say "wrk on $sys ($mode): errors connect ${w[connect]} read ${w[read]} write ${w[write]} status ${w[status]} timeout ${w[timeout]}"
    [[ -z $mark ]] || errors=$((errors + $(alternation_errors "$sys" "${w[requests]}" $mark)))
    record "$run" "rps-$mode" 1024 "$sys" "${w[requests]}" $((w[requests] * 1024)) \
        "$(awk -v d="${w[duration_us]}" 'BEGIN { printf "%.6f", d / 1e6 }')" "$errors" "${w[p50]}" "${w[p90]}" "${w[p99]}" -
}

# alternation_errors SYSTEM REQUESTS FROM1 FROM2: after an alternating run, from the origins'
# access logs: did every connection ask for both paths in turn (about half the requests for
# /video/: wrk counts the answers it read, and each connection may have had one more in flight
# at the end), and did the hand-off send each to its rule's origin (/static/ to origin1, /video/
# to origin2; the others send everything to origin1). Prints the number of failed checks and
# misrouted requests.
alternation_errors() {
    local sys=$1 requests=$2 from1=$3 from2=$4 static1 alt1 static2 alt2 errors=0
    local log1=${ACCESS_LOG1[${LAB_OF[$sys]}]} log2=${ACCESS_LOG2[${LAB_OF[$sys]}]}
    sleep 0.2   # nginx logs a request once it has answered it
    static1=$(access_count "$log1" "$from1" "GET $CONTENT_PATH/1K.bin ")
    alt1=$(access_count "$log1" "$from1" "GET $ALTERNATE_PATH/1K.bin ")
    static2=$(access_count "$log2" "$from2" "GET $CONTENT_PATH/1K.bin ")
    alt2=$(access_count "$log2" "$from2" "GET $ALTERNATE_PATH/1K.bin ")
    local alt=$((alt1 + alt2)) slack=$((2 * connections + 2))
    if ((2 * alt < requests - slack || 2 * alt > requests + slack)); then
        say "alternating on $sys: $alt of $requests requests asked for $ALTERNATE_PATH (expected: about half)"
        errors=$((errors + 1))
    fi
    if [[ $sys == handoff* ]] && ((alt1 + static2 > 0)); then
        say "alternating on $sys: misrouted: $alt1 $ALTERNATE_PATH requests answered by origin1, $static2 $CONTENT_PATH by origin2"
        errors=$((errors + alt1 + static2))
    fi
    echo "$errors"
}

# run_ttfb RUN SYSTEM: N sequential 1 KB requests, each on a new connection (Connection: close),
# in one curl process; curl's timers start per transfer, so its start-up is not measured.
run_ttfb() {
    local run=$1 sys=$2 n=$ttfb_requests log="$out/logs/ttfb-$2-run$1.txt" stats
    snap_all "$sys" a
    client "$sys" timeout $((n * 5 + 10)) curl -sS --max-time 5 -H "Connection: close" -o /dev/null \
        -w '%{http_code} %{size_download} %{num_connects} %{time_connect} %{time_starttransfer} %{local_port}\n' \
        "${BASE[$sys]}$CONTENT_PATH/1K.bin?ttfb=[1-$n]" >"$log" 2>"$log.err" || true
    snap_all "$sys" b
    cpu_of_run
    # requests errors p50 p90 p99 connect_p50; every line must be 200, 1024 bytes, 1 new connection.
    stats=$(awk -v n="$n" '
        function pct(a, k, p,   i, j, t) { # sorts a[1..k] in place, returns the nearest-rank percentile p
            for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            i = int(p / 100 * k + 0.999999); if (i < 1) i = 1; return a[i] }
        NF == 6 { lines++; if ($1 != 200 || $2 != 1024 || $3 != 1) bad++
                  k++; fb[k] = $5 * 1e6; c[k] = $4 * 1e6 }
        END { bad += n - lines; if (k == 0) { print 0, bad + 0, "-", "-", "-", "-"; exit }
              p50 = pct(fb, k, 50); p90 = pct(fb, k, 90); p99 = pct(fb, k, 99)
              printf "%d %d %.0f %.0f %.0f %.0f\n", k, bad, p50, p90, p99, pct(c, k, 50) }' "$log")
    awk -v run="$run" -v sys="$sys" 'NF == 6 { printf "%s\t%s\t%s\t%.0f\t%.0f\n", run, sys, $6, $4 * 1e6, $5 * 1e6 }' "$log" \
        | { if ((run > 0)); then cat >>"$ttfb_raw"; else cat >/dev/null; fi; }
    local requests errors p50 p90 p99 cp50
    read -r requests errors p50 p90 p99 cp50 <<<"$stats"
    ((errors == 0)) || say "ttfb on $sys: $errors of $n requests failed (status, length or not a new connection): $(head -c 300 "$log.err")"
    record "$run" ttfb 1024 "$sys" "$requests" $((requests * 1024)) \
        "$(awk 'NF == 6 { s += $5 } END { printf "%.6f", s }' "$log")" "$errors" "$p50" "$p90" "$p99" "$cp50"
}

# run_get RUN SYSTEM LABEL BYTES: a batch of downloads, each on a new connection, status and
# length checked; throughput is the batch's bytes over the sum of the transfers' times.
run_get() {
    local run=$1 sys=$2 label=$3 bytes=$4 log="$out/logs/get-$3-$2-run$1.txt" count stats
    count=$((batch_bytes / bytes))
    ((count > batch_max)) && count=$batch_max
    ((count < 1)) && count=1
    ((run == 0 && count > 2)) && count=2   # the warm-up only needs each path exercised
    # At least 5 MB/s, else the transfer is a failure rather than a figure.
    local max_time=$((10 + bytes / 5000000))
    snap_all "$sys" a
    client "$sys" timeout $((count * max_time + 10)) curl -sS --max-time "$max_time" -H "Connection: close" -o /dev/null \
        -w '%{http_code} %{size_download} %{num_connects} %{time_total}\n' \
        "${BASE[$sys]}$CONTENT_PATH/$label.bin?get=[1-$count]" >"$log" 2>"$log.err" || true
    snap_all "$sys" b
    cpu_of_run
    stats=$(awk -v n="$count" -v size="$bytes" '
        NF == 4 { lines++; if ($1 != 200 || $2 != size || $3 != 1) bad++; else { ok++; secs += $4 } }
        END { bad += n - lines; printf "%d %d %.6f\n", ok, bad, secs }' "$log")
    local ok errors secs
    read -r ok errors secs <<<"$stats"
    ((errors == 0)) || say "get $label on $sys: $errors of $count downloads failed (status, length or connection): $(head -c 300 "$log.err")"
    record "$run" get "$bytes" "$sys" "$ok" $((ok * bytes)) "$secs" "$errors" - - - -
}

# --- correctness first: every system serves every object byte for byte ----------------------------

say "checking every system serves every object byte-exact (SHA-256)"
for sys in "${SYSTEMS[@]}"; do
    objects=("$ALTERNATE_PATH/1K.bin")
    for label in 1K "${size_labels[@]}"; do objects+=("$CONTENT_PATH/$label.bin"); done
    for object in "${objects[@]}"; do
        expected=$(sha256sum "$content_dir/$(basename "$object")" | cut -d' ' -f1)
        code=$(client "$sys" timeout 120 curl -sS --max-time 100 -o "$out/tmp/check.bin" -w '%{http_code}' \
            "${BASE[$sys]}$object") || code="curl failed"
        got=$(sha256sum "$out/tmp/check.bin" 2>/dev/null | cut -d' ' -f1)
        rm -f "$out/tmp/check.bin"
        [[ $code == 200 && $got == "$expected" ]] \
            || die "$sys: $object answered '$code' with SHA-256 ${got:-none} (expected: 200 and $expected)"
    done
done

# Idle cost: what each director-side set of processes spends doing nothing, over 2 s.
idle_file="$out/idle.tsv"
printf 'system\tdirector_cpu_ms_per_s\n' >"$idle_file"
for sys in haproxy nginx handoff handoff-user; do
    snap_all "$sys" a; sleep 2; snap_all "$sys" b; cpu_of_run
    printf '%s\t%s\n' "$sys" "$(awk -v n="$((dir_ns + dir_bpf_ns))" 'BEGIN { printf "%.2f", n / 2e6 }')" >>"$idle_file"
done

# --- the runs, interleaved across systems -------------------------------------------------------

# Run r starts at system r mod 5 (run 1: haproxy nginx handoff handoff-user direct, run 2: nginx
# handoff handoff-user direct haproxy, ...): each system takes every position, and drift on the
# shared machine hits all alike.
order() {
    local r=$1 i n=${#SYSTEMS[@]}
    for ((i = 0; i < n; i++)); do printf '%s ' "${SYSTEMS[(r + i) % n]}"; done
}
started=$SECONDS
est=$(( (3 * ${#SYSTEMS[@]} * duration + ${#SYSTEMS[@]} * 2 + ${#size_labels[@]} * ${#SYSTEMS[@]} * 3) * (runs + warmup) ))
say "$runs run(s)$( ((warmup)) && echo " after a warm-up"), director side pinned to CPU $cpu, results in $out (about $((est / 60 + 1)) min)"
for ((run = 1 - warmup; run <= runs; run++)); do
    say "run $run of $runs$( ((run == 0)) && echo " (warm-up, not recorded)")"
    for sys in $(order "$run"); do run_rps "$run" "$sys" close; done
    for sys in $(order "$run"); do run_rps "$run" "$sys" keepalive; done
    for sys in $(order "$run"); do run_rps "$run" "$sys" alternating; done
    for sys in $(order "$run"); do run_ttfb "$run" "$sys"; done
    for i in "${!size_labels[@]}"; do
        for sys in $(order "$run"); do run_get "$run" "$sys" "${size_labels[i]}" "${size_bytes[i]}"; done
    done
done
say "measured in $((SECONDS - started)) s"

# --- the summary --------------------------------------------------------------------------------

machine="$(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
# Medians, ratios, the goals' verdicts, summary.md and the plot data: Java (cli BenchSummary).
"$root/bin/handoff" bench summarize "$out" --runs "$runs" --duration "$duration" --connections "$connections" \
    --ttfb-requests "$ttfb_requests" --cpu "$cpu" --machine "$machine" || die "no summary of $raw (see above)"
(cd "$out" && gnuplot plots.gnuplot) || die "gnuplot failed on $out/plots.gnuplot"
[[ -s $out/director-cpu.png && -s $out/throughput.png ]] || die "gnuplot wrote no PNGs in $out"

cat "$out/summary.md"
echo
say "results: $out (raw.tsv, ttfb.tsv, summary.md, director-cpu.png, throughput.png, logs/)"
if ((invalid > 0)); then
    say "FAIL: $invalid run(s) failed their checks; their rows are marked INVALID"
    exit 1
fi
say "OK: every response checked (status and length) on every system"
