#!/usr/bin/env bash
# The lab: a real network on one machine (docs/lab.md). Run as root; `handoff lab` calls this.
#
#   lab.sh up       build namespaces, bridge, nginx origins, agents and the director;
#                   returns once a request through the VIP succeeds (safe to run twice)
#   lab.sh down     remove every namespace, process and file `up` created (also after a failed up)
#   lab.sh status   what is running, and one request through the VIP
#
# Addresses (198.18.0.0/15 only, RFC 2544), all on one bridge:
#   198.18.0.1    director (ho-director, eth0; captures there)
#   198.18.0.11   origin1 (ho-origin1): nginx on :80, agent on UDP 7070, hand-off address 198.18.10.11
#   198.18.0.12   origin2 (ho-origin2): likewise, hand-off address 198.18.10.12
#   198.18.0.100  client (ho-client): the VIP is routed via the director
#   198.18.1.1    the VIP, port 80: routed to the director, assigned to no host
# Files: $HANDOFF_LAB_DIR (default /tmp/handoff-lab): originN/www (served; add files while it
# runs), originN/access.log, director.log, originN/agent.log, configs, the shared key.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
lab=${HANDOFF_LAB_DIR:-/tmp/handoff-lab}
handoff="$root/bin/handoff"
export HANDOFF_JAVA_OPTS=${HANDOFF_JAVA_OPTS:-"-Xms32m -Xmx512m -XX:+UseSerialGC"}

# HANDOFF_LAB_NS_PREFIX (default ho-) names the namespaces, so a second lab (a benchmark, a
# developer's) can run beside the first under another prefix and its own HANDOFF_LAB_DIR.
P=${HANDOFF_LAB_NS_PREFIX:-ho-}
[[ $P =~ ^[a-z][a-z0-9-]{0,7}$ ]] || { echo "lab: HANDOFF_LAB_NS_PREFIX=$P: want 1-8 of [a-z0-9-], a letter first" >&2; exit 2; }
NAMESPACES=(${P}client ${P}director ${P}origin1 ${P}origin2 ${P}switch)
ORIGINS=(origin1 origin2)
VIP=198.18.1.1
DIRECTOR_IP=198.18.0.1
CLIENT_IP=198.18.0.100
declare -A ORIGIN_IP=([origin1]=198.18.0.11 [origin2]=198.18.0.12)

say() { printf 'lab: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

# Every file and directory `up` creates is listed here, so `down` removes exactly those
# (files a user added under www stay).
manifest="$lab/.lab-created"
created() { printf '%s\n' "$@" >>"$manifest"; }
# Records every directory it makes, parents included, top-down (so `down` removes them bottom-up).
make_dir() {
    local d missing=()
    for d in "$@"; do
        missing=()
        while [[ ! -d $d ]]; do missing=("$d" "${missing[@]}"); d=$(dirname -- "$d"); done
        for d in "${missing[@]}"; do mkdir "$d"; created "$d"; done
    done
}
make_file() { created "$1"; cat >"$1"; }

require_root() { [[ $EUID -eq 0 ]] || die "must run as root (it creates network namespaces)"; }

# Running and not a zombie (a killed, orphaned process may wait unreaped under some inits).
alive() {
    local pid state
    [[ -f $1 ]] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1   # the process may remove it as it exits
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

stop_pid() {
    local pidfile=$1 pid i
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if alive "$pidfile"; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do alive "$pidfile" || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

vip_request() {
    in_ns ${P}client curl -sS -o /dev/null -w '%{http_code}' --max-time 3 "http://$VIP/index.html" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------

down() {
    require_root
    local o
    stop_pid "$lab/director.pid"
    for o in "${ORIGINS[@]}"; do
        stop_pid "$lab/$o/agent.pid"
        created "$lab/teardown-$o.log"
        if ns_exists "$P$o" && [[ -f $lab/agent-$o.yaml ]]; then
            in_ns "$P$o" "$handoff" agent teardown --config "$lab/agent-$o.yaml" >"$lab/teardown-$o.log" 2>&1 \
                || say "agent teardown in $P$o reported a problem (the namespace goes anyway)"
        fi
        stop_pid "$lab/$o/nginx.pid"
    done
    for o in "${NAMESPACES[@]}"; do
        if ns_exists "$o"; then
            # Anything still running inside goes with the namespace.
            ip netns pids "$o" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
            ip netns delete "$o"
        fi
    done
    if [[ -f $manifest ]]; then
        # Files first, then directories deepest first; a directory still holding a user's file stays.
        tac "$manifest" | while read -r path; do
            if [[ -d $path ]]; then rmdir "$path" 2>/dev/null || true; else rm -f "$path"; fi
        done
        rm -f "$manifest"
        rmdir "$lab" 2>/dev/null || true
    fi
    say "down: namespaces, processes and lab files removed"
}

up() {
    require_root
    if [[ $(status_quiet) == up ]]; then
        say "already up (a request through $VIP succeeds); nothing to do"
        return 0
    fi
    if ls_ns_any; then
        say "a previous lab is partly there: taking it down first"
        down
    fi
    for tool in ip nginx curl ethtool java; do
        command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh first"
    done
    up_done=0
    trap '[[ $up_done == 1 ]] || { say "up failed: taking the lab down"; down; }' EXIT

    mkdir -p "$lab"
    : >"$manifest"
    make_dir "$lab/origin1/www" "$lab/origin2/www"

    say "namespaces and the bridge"
    local ns
    for ns in "${NAMESPACES[@]}"; do
        ip netns add "$ns"
        in_ns "$ns" ip link set lo up
    done
    in_ns ${P}switch ip link add br0 type bridge
    in_ns ${P}switch ip link set br0 up
    attach() { # attach NAMESPACE ADDRESS
        local host=$1 address=$2 port="p-${1#"$P"}"
        ip link add eth0 netns "$host" type veth peer name "$port" netns ${P}switch
        in_ns ${P}switch ip link set "$port" master br0 up
        in_ns "$host" ip addr add "$address/24" dev eth0
        in_ns "$host" ip link set eth0 up
    }
    attach ${P}director "$DIRECTOR_IP"
    attach ${P}client "$CLIENT_IP"
    attach ${P}origin1 "${ORIGIN_IP[origin1]}"
    attach ${P}origin2 "${ORIGIN_IP[origin2]}"
    # The director captures on eth0: no GRO/TSO, so frames are MTU-sized and the ring holds many.
    in_ns ${P}director ethtool -K eth0 gro off tso off gso off >/dev/null
    # The client sends wire-sized frames, as a real NIC puts on the wire: with TSO/GSO on, its
    # veth hands the bridge 64 KB super-frames that reach the director whole, longer than the
    # capture ring's MTU-sized slots, so they are dropped as truncated and every upload burst
    # waits for a retransmission timeout (a 5 MB PUT stalled; docs/lab.md).
    in_ns ${P}client ethtool -K eth0 tso off gso off >/dev/null
    # The VIP is routed to the director and assigned nowhere; ip_forward stays 0 there, so its
    # kernel drops VIP packets silently while the capture sees them (docs/director-io.md).
    in_ns ${P}client ip route add "$VIP/32" via "$DIRECTOR_IP"
    in_ns ${P}director sysctl -qw net.ipv4.ip_forward=0

    say "content and nginx on the origins"
    local o
    for o in "${ORIGINS[@]}"; do
        make_dir "$lab/$o/www/static" "$lab/$o/www/video" "$lab/$o/tmp"
        [[ -f $lab/$o/www/index.html ]] || make_file "$lab/$o/www/index.html" <<<"<h1>$o</h1>"
        [[ -f $lab/$o/www/static/hello.txt ]] || make_file "$lab/$o/www/static/hello.txt" <<<"hello from $o"
        [[ -f $lab/$o/www/video/clip.txt ]] || make_file "$lab/$o/www/video/clip.txt" <<<"a clip from $o"
        make_file "$lab/$o/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid $lab/$o/nginx.pid;
error_log $lab/$o/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log $lab/$o/access.log;
    client_body_temp_path $lab/$o/tmp/body;
    proxy_temp_path $lab/$o/tmp/proxy;
    fastcgi_temp_path $lab/$o/tmp/fastcgi;
    uwsgi_temp_path $lab/$o/tmp/uwsgi;
    scgi_temp_path $lab/$o/tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 1000;
    client_max_body_size 200m;
    server {
        listen 80 reuseport;
        root $lab/$o/www;
        add_header X-Served-By $o always;
        # Uploads (PUT) land in www/uploads, so a test can check them byte for byte.
        location /uploads/ {
            dav_methods PUT;
            create_full_put_path on;
        }
    }
}
EOF
        created "$lab/$o/nginx.pid" "$lab/$o/nginx-error.log" "$lab/$o/access.log" "$lab/$o/tmp/body" \
            "$lab/$o/tmp/proxy" "$lab/$o/tmp/fastcgi" "$lab/$o/tmp/uwsgi" "$lab/$o/tmp/scgi"
        in_ns "$P$o" nginx -c "$lab/$o/nginx.conf"
    done

    say "the shared hand-off key"
    make_file "$lab/lab-handoff.key" <<<"# the lab's hand-off key (docs/handoff-protocol.md, key files)
1 $(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') send"
    chmod 600 "$lab/lab-handoff.key"

    say "agents"
    for o in "${ORIGINS[@]}"; do
        # The example's state file is a fixed path under /run, shared by every lab on the host:
        # each lab keeps its own in its directory, so a second lab's set-up and teardown do not
        # read or delete the first's record.
        sed "s#^\( *state-file:\).*#\1 $lab/$o/agent-setup-state.json#" "$root/examples/lab/agent-$o.yaml" \
            | make_file "$lab/agent-$o.yaml"
        created "$lab/$o/agent-setup-state.json"
        in_ns "$P$o" "$handoff" agent setup --config "$lab/agent-$o.yaml" >"$lab/$o/agent-setup.log" 2>&1 \
            || { cat "$lab/$o/agent-setup.log" >&2; die "agent setup failed in $P$o"; }
        created "$lab/$o/agent-setup.log" "$lab/$o/agent.log" "$lab/$o/agent.pid"
        # Not through in_ns: a function would run in a subshell and $! would not be the agent.
        ip netns exec "$P$o" setsid "$handoff" agent --config "$lab/agent-$o.yaml" >"$lab/$o/agent.log" 2>&1 &
        echo $! >"$lab/$o/agent.pid"
    done

    say "the director"
    make_file "$lab/director.yaml" <"$root/examples/lab/director.yaml"
    created "$lab/director.log" "$lab/director.pid" "$lab/director.pid.run"
    ip netns exec ${P}director setsid "$handoff" director --config "$lab/director.yaml" --pid-file "$lab/director.pid.run" \
        >"$lab/director.log" 2>&1 &
    echo $! >"$lab/director.pid"

    say "waiting for a request through the VIP to succeed"
    local i code=
    for i in $(seq 1 120); do
        code=$(vip_request)
        [[ $code == 200 ]] && break
        if ! alive "$lab/director.pid"; then tail -20 "$lab/director.log" >&2; die "the director exited"; fi
        for o in "${ORIGINS[@]}"; do
            if ! alive "$lab/$o/agent.pid"; then tail -20 "$lab/$o/agent.log" >&2; die "the agent in $P$o exited"; fi
        done
        sleep 0.5
    done
    [[ $code == 200 ]] || die "no successful request through $VIP after 60 s (last status '$code'); see $lab/*.log"
    up_done=1
    say "up: curl http://$VIP/ from ${P}client works; logs and content in $lab"
    say "try: ip netns exec ${P}client curl -si http://$VIP/static/hello.txt"
}

ls_ns_any() {
    local ns
    for ns in "${NAMESPACES[@]}"; do ns_exists "$ns" && return 0; done
    return 1
}

status_quiet() {
    if ns_exists ${P}client && alive "$lab/director.pid" && [[ $(vip_request) == 200 ]]; then echo up; else echo down; fi
}

status() {
    require_root
    local ns o
    for ns in "${NAMESPACES[@]}"; do
        printf '%-14s %s\n' "$ns" "$(ns_exists "$ns" && echo present || echo absent)"
    done
    printf '%-14s %s\n' director "$(alive "$lab/director.pid" && echo "running (pid $(cat "$lab/director.pid"), log $lab/director.log)" || echo stopped)"
    for o in "${ORIGINS[@]}"; do
        printf '%-14s %s\n' "agent $o" "$(alive "$lab/$o/agent.pid" && echo "running (log $lab/$o/agent.log)" || echo stopped)"
        printf '%-14s %s\n' "nginx $o" "$(alive "$lab/$o/nginx.pid" && echo "running (root $lab/$o/www)" || echo stopped)"
    done
    if ns_exists ${P}client; then
        printf '%-14s %s\n' "GET via VIP" "$(vip_request)"
    fi
    printf '%-14s %s\n' metrics "ip netns exec ${P}director curl -s 127.0.0.1:9464/metrics (director); ${P}originN :9465 (agents)"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: lab.sh up|down|status" >&2; exit 2 ;;
esac
