#!/usr/bin/env bash
# Builds the NCCL stand-in that the NCCL counter tests run against the real plugin.
#
#   build-nccl-driver.sh <build directory>      (Maven passes ${project.build.directory})
#
# Output: <build>/nccl-driver/nccl-driver. Rebuilds only when the source or this script changed.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <build directory>" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/nccl-driver/nccl_driver.c"
out="$1/nccl-driver"
bin="$out/nccl-driver"

if [[ -e "$bin" && ! "$src" -nt "$bin" && ! "${BASH_SOURCE[0]}" -nt "$bin" ]]; then
  echo "nccl-driver: up to date ($bin)"
  exit 0
fi
CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "ERROR: nccl-driver: C compiler '$CC' not found. The NCCL counter tests drive the plugin" >&2
  echo "       from gpu/src/test/native/nccl-driver; install gcc (e.g. apt-get install gcc)." >&2
  exit 1
fi
mkdir -p "$out"
"$CC" -std=c11 -O2 -Wall -Wextra -Werror -o "$bin.tmp" "$src" -ldl
mv -f "$bin.tmp" "$bin"
echo "nccl-driver: built $bin"
