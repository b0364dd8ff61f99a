#!/usr/bin/env bash
# The README's first command: installs what it needs, builds, and shows what the project does
# today. Run as root on Debian.
#
# The demo builds the lab (client, director and two origins in network namespaces), runs
# requests and downloads through the VIP, prints a summary table, and takes the lab down.
set -euo pipefail
cd "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.."

echo "=== demo.sh: installing dependencies ==="
bash scripts/install-deps.sh

echo "=== demo.sh: building (mvn -q -B -ntp -DskipTests package) ==="
mvn -q -B -ntp -DskipTests package

echo "=== demo.sh: the lab demo (bin/handoff demo) ==="
bin/handoff demo
