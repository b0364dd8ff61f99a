#!/usr/bin/env bash
# The project's test command (README; .ci/run calls exactly this). Run as root on Debian:
#   1. install what the build and the tests need      (scripts/install-deps.sh)
#   2. unit tests of every module                     (mvn verify; Jazzer regression seeds
#                                                      run as ordinary JUnit tests here)
#   3. the launcher on the packaged jars, from the checkout and from the unpacked release
#      tarball (bin/handoff selfcheck)
#   4. JMH smoke: every benchmark once, tiny counts  (so benchmarks never rot; figures
#                                                      come from docs/benchmarks.md's commands)
#   5. namespace tests, tag "netns", one at a time    (mvn -Pnetns verify)
#      (a skipped test fails steps 2 and 5: run as root, every test can run)
#   6. bench smoke: every system and workload of      (so the bench never rots; figures come
#      `handoff bench` once, tiny counts, in its own   from docs/benchmarks.md's command)
#      lab (namespaces hb-)
# then a summary. Exits non-zero if any step fails; stops at the first failure.
set -euo pipefail
cd "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.."

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
started=$SECONDS
results=()   # one summary line per step
total_run=0 total_failed=0 total_skipped=0

step() { printf '\n=== test.sh: %s ===\n' "$*"; }

# Adds up Maven's per-module lines "Tests run: N, Failures: F, Errors: E, Skipped: S"
# (the per-class lines end in "-- in <class>" and are left out). Prints "run failed skipped".
count_tests() {
    awk '/Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$/ {
             gsub(/,/, ""); for (i = 1; i <= NF; i++) {
                 if ($i == "run:") r += $(i + 1); if ($i == "Failures:" || $i == "Errors:") f += $(i + 1)
                 if ($i == "Skipped:") s += $(i + 1) } }
         END { printf "%d %d %d\n", r, f, s }' "$1"
}

summary() {
    local status=$1
    printf '\n=== test.sh: summary ===\n'
    printf '%s\n' "${results[@]}"
    printf 'time: %d s\n' $((SECONDS - started))
    printf 'tests: %d passed, %d failed, %d skipped\n' \
        $((total_run - total_failed - total_skipped)) "$total_failed" "$total_skipped"
    if [[ $status == ok ]]; then echo "test.sh: PASS"; else echo "test.sh: FAIL"; fi
}

# run_maven LABEL ARGS...: one Maven run, output shown and kept for counting.
run_maven() {
    local label=$1 log="$logs/$1.log" rc=0
    shift
    mvn "$@" 2>&1 | tee "$log" || rc=$?
    read -r run failed skipped < <(count_tests "$log")
    total_run=$((total_run + run)) total_failed=$((total_failed + failed)) total_skipped=$((total_skipped + skipped))
    if ((rc != 0)); then
        results+=("$(printf '%-16s FAIL  (mvn exit %d) %d tests, %d failed' "$label" "$rc" "$run" "$failed")")
        summary fail
        exit 1
    fi
    if ((skipped != 0)); then
        # A test skips itself only where it cannot run (not root, not Linux, a tool missing):
        # this command runs as root after install-deps.sh, so a skip here is a failure.
        results+=("$(printf '%-16s FAIL  %d tests, %d skipped: every test must run here; the surefire reports say why' \
            "$label" "$run" "$skipped")")
        summary fail
        exit 1
    fi
    results+=("$(printf '%-16s ok    %d tests, 0 skipped' "$label" "$run")")
}

step "1/6 dependencies"
bash scripts/install-deps.sh
results+=("$(printf '%-16s ok' install-deps)")

step "2/6 unit tests, all modules (mvn -B -ntp verify)"
run_maven unit-tests -B -ntp verify

step "3/6 launcher on the packaged jars (bin/handoff selfcheck)"
release=$(mktemp -d)
if bin/handoff selfcheck \
    && tar -xzf cli/target/handoff-*.tar.gz -C "$release" \
    && "$release"/handoff-*/bin/handoff version \
    && "$release"/handoff-*/bin/handoff selfcheck; then
    rm -rf "$release"
    results+=("$(printf '%-16s ok    (checkout and unpacked release tarball)' selfcheck)")
else
    results+=("$(printf '%-16s FAIL' selfcheck)")
    summary fail
    exit 1
fi

step "4/6 benchmark smoke (JMH, one short iteration each, no fork)"
if java -jar benchmarks/target/benchmarks.jar -f 0 -wi 0 -i 1 -r 100ms -foe true; then
    results+=("$(printf '%-16s ok' jmh-smoke)")
else
    results+=("$(printf '%-16s FAIL' jmh-smoke)")
    summary fail
    exit 1
fi

step "5/6 namespace tests, tag netns, one at a time (mvn -B -ntp -Pnetns verify)"
run_maven netns-tests -B -ntp -Pnetns verify

step "6/6 bench smoke, every system and workload once (bin/handoff bench --smoke)"
if bin/handoff bench --smoke --out "$logs/bench"; then
    results+=("$(printf '%-16s ok    (direct, HAProxy, nginx, hand-off on the kernel and the user path; summary and plots written)' bench-smoke)")
else
    results+=("$(printf '%-16s FAIL  (its output above says which system and run)' bench-smoke)")
    summary fail
    exit 1
fi

summary ok
