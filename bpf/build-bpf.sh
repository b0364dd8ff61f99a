#!/usr/bin/env bash
# Compiles every SRC_DIR/*.bpf.c into OUT_DIR/NAME.bpf.o (the Maven build runs it in
# generate-resources with OUT_DIR = target/classes/org/handoff/bpf, so the objects ship in the
# jar). A glob, so a new program needs no pom change. Any warning or error fails the build with
# clang's own message. Usage: build-bpf.sh SRC_DIR OUT_DIR
set -euo pipefail

if (($# != 2)); then
    echo "usage: build-bpf.sh SRC_DIR OUT_DIR" >&2
    exit 2
fi
src=$1 out=$2

if ! command -v clang >/dev/null; then
    echo "build-bpf.sh: clang not found on PATH; scripts/install-deps.sh installs it (with libbpf-dev for bpf/bpf_helpers.h)" >&2
    exit 1
fi

shopt -s nullglob
sources=("$src"/*.bpf.c)
if ((${#sources[@]} == 0)); then
    echo "build-bpf.sh: no *.bpf.c in $src" >&2
    exit 1
fi

mkdir -p "$out"
for c in "${sources[@]}"; do
    name=$(basename "$c" .c)
    # -g: the BTF that BTF-defined maps (SEC(".maps") with __type) need; the multiarch include
    # directory holds asm/types.h, which linux/bpf.h includes (no kernel headers package needed).
    if ! clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -Wall -Werror -c "$c" -o "$out/$name.o"; then
        echo "build-bpf.sh: compiling $c failed (clang's message above)" >&2
        exit 1
    fi
done
