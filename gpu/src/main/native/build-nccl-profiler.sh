#!/usr/bin/env bash
# Builds the Telegen NCCL profiler plugin that the gpu jar carries, checks its exports, and
# prints one line.
#
#   build-nccl-profiler.sh <build directory>      (Maven passes ${project.build.directory})
#
# Output: <build>/classes/io/telegen/gpu/nccl/linux-<arch>/libnccl-profiler-telegen.so, where
# <arch> is `uname -m` (x86_64, aarch64): NcclProfilerPlugin.extractTo reads it from there.
# Rebuilds only when a source or this script is newer than the library.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <build directory>" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/nccl-profiler"
out="$1/classes/io/telegen/gpu/nccl/linux-$(uname -m)"
lib="$out/libnccl-profiler-telegen.so"
inputs=("$src/telegen_nccl_profiler.c" "$src/telegen_nccl_shm.h" "$src/nccl_profiler_abi.h"
  "${BASH_SOURCE[0]}")

up_to_date=1
[[ -e "$lib" ]] || up_to_date=0
for f in "${inputs[@]}"; do
  [[ -e "$lib" && "$f" -nt "$lib" ]] && up_to_date=0
done
if [[ $up_to_date -eq 1 ]]; then
  echo "nccl-profiler: up to date ($lib)"
  exit 0
fi

CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "ERROR: nccl-profiler: C compiler '$CC' not found. The gpu module ships the NCCL profiler" >&2
  echo "       plugin built from gpu/src/main/native/nccl-profiler; install gcc (e.g. apt-get install gcc)" >&2
  echo "       or point CC at a C11 compiler." >&2
  exit 1
fi

mkdir -p "$out"
# No link to libnccl or libcudart: ncclGetVersion and cudaGetDevice are looked up at run time
# in the process NCCL already lives in. -ldl for glibc < 2.34, where dlsym lives in libdl.
"$CC" -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -pthread \
  -Wl,-soname,libnccl-profiler-telegen.so -Wl,--no-undefined \
  -o "$lib.tmp" "$src/telegen_nccl_profiler.c" -ldl

# Exactly the six interface structs: anything else exported could clash with NCCL or the app.
if command -v nm >/dev/null 2>&1; then
  got="$(nm -D --defined-only "$lib.tmp" | awk 'NF == 3 { print $3 }' | sort)"
  want="$(printf 'ncclProfiler_v%s\n' 1 2 3 4 5 6)"
  if [[ "$got" != "$want" ]]; then
    echo "ERROR: nccl-profiler: $lib must export exactly ncclProfiler_v1..v6; difference:" >&2
    diff <(echo "$want") <(echo "$got") >&2 || true
    rm -f "$lib.tmp"
    exit 1
  fi
fi
mv -f "$lib.tmp" "$lib"
echo "nccl-profiler: built $lib"
