#!/usr/bin/env bash
# Installs the Debian packages the project needs to build, test and run its lab.
# Idempotent and non-interactive; run as root. When everything is already there it does not
# touch apt at all, so a second run takes a fraction of a second.
#
# While apt runs, a temporary /usr/sbin/policy-rc.d (exit 101) stops packages such as nginx,
# haproxy and bird2 from starting system services: the lab and the bench start their own instances.
# A pre-existing policy-rc.d is put back afterwards, whatever happens. After an install that
# brought bird2, it checks that no system BIRD runs (the lab's BIRDs run in its namespaces with
# control sockets of their own; a system one would route in the host's own namespace).
set -euo pipefail

say() { echo "install-deps: $*"; }

if [[ $EUID -ne 0 ]]; then
    say "must run as root (it installs Debian packages with apt-get)" >&2
    exit 1
fi

# One line each: the package, and why.
required=(
    openjdk-17-jdk-headless  # compiler and runtime (Java 17)
    maven                    # the build
    libpcap0.8               # packet capture and injection through pcap4j (JNA loads it)
    tcpdump                  # looking at lab traffic
    curl                     # the lab's client
    iproute2                 # ip netns, veth, routes
    nftables                 # the lab's drop rules for the VIP
    ethtool                  # turning off offloads on lab links
    procps                   # sysctl, pgrep
    netcat-openbsd           # raw requests (malformed, pipelined) in namespace tests
    chromium                 # e2e: a real browser loads a page of images under both origins through the VIP (issue 12)
    haproxy                  # a peer in `handoff bench` (runs its own instance; the service never starts)
    wrk                      # `handoff bench`: requests/s and latency
    gnuplot-nox              # `handoff bench`: the plots (pngcairo, no X)
    clang                    # BPF programs: the bench's BPF run-time test; the kernel data path (issue 13)
    llvm                     # llc and llvm-objdump beside clang for BPF objects; the kernel data path too
    libbpf-dev               # bpf/bpf_helpers.h for BPF programs; libbpf for the kernel data path's loader
    bpftool                  # `handoff bench`: run time of BPF programs in the lab; the kernel data path too
    ca-certificates          # Maven fetches over TLS
    systemd                  # systemd-analyze: the tests verify the release's systemd units
    bird2                    # a routed lab (`handoff lab up --directors N`): BGP + BFD between its router and directors (issue 14)
)
# Any nginx flavour serves as the lab's origin; nginx-light is the smallest.
nginx_flavours=(nginx-light nginx nginx-full nginx-core nginx-extras)

installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for pkg in "${required[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
need_nginx=1
for pkg in "${nginx_flavours[@]}"; do
    if installed "$pkg"; then need_nginx=0; break; fi
done

if ((${#missing[@]} == 0 && need_nginx == 0)); then
    say "all ${#required[@]} packages and nginx already installed; apt not run"
    exit 0
fi

# Stop services from starting during the install; restore what was there before.
policy=/usr/sbin/policy-rc.d
backup=""
if [[ -e "$policy" || -L "$policy" ]]; then
    backup=$(mktemp /usr/sbin/policy-rc.d.handoff-saved.XXXXXX)
    mv -f "$policy" "$backup"
fi
restore_policy() {
    rm -f "$policy"
    if [[ -n "$backup" ]]; then
        mv -f "$backup" "$policy"
    fi
}
trap restore_policy EXIT
trap 'exit 130' INT   # turn signals into an exit so the EXIT trap restores the policy
trap 'exit 143' TERM
printf '#!/bin/sh\n# Written by the handoff install-deps.sh while apt runs; removed afterwards.\nexit 101\n' >"$policy"
chmod 755 "$policy"

export DEBIAN_FRONTEND=noninteractive
say "apt-get update"
apt-get update -q

if ((need_nginx)); then
    if [[ -n "$(apt-cache policy nginx-light 2>/dev/null | awk '/Candidate:/ {print ($2 == "(none)") ? "" : $2}')" ]]; then
        missing+=(nginx-light)
    else
        missing+=(nginx)
    fi
fi

say "installing: ${missing[*]}"
apt-get install -y -q --no-install-recommends "${missing[@]}"
say "installed: ${missing[*]}"

# A BIRD started by the package runs with the default control socket; the lab's always name
# their own (-s) and run inside the lab's namespaces.
if [[ " ${missing[*]} " == *" bird2 "* ]]; then
    system_bird=$(pgrep -a -x bird | grep -v -- ' -s ' || true)
    if [[ -n "$system_bird" ]]; then
        say "a system BIRD runs after installing bird2 (policy-rc.d should have stopped it): $system_bird" >&2
        say "stop and disable it (systemctl disable --now bird); the lab runs its own BIRDs" >&2
        exit 1
    fi
    say "bird2: no system BIRD running (the lab starts its own)"
fi
