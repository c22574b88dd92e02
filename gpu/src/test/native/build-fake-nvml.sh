#!/usr/bin/env bash
# Builds the fake libnvidia-ml.so.1 used by the GPU tests, checks it, and prints one line.
#
#   build-fake-nvml.sh <build directory>      (Maven passes ${project.build.directory})
#
# Outputs:
#   <build>/fake-nvml/full/libnvidia-ml.so.1        590-class driver: every entry point the fake has
#   <build>/fake-nvml/old-driver/libnvidia-ml.so.1  R450-era driver: without the newer entry points
#
# Rebuilds only when a source, a scenario or this script is newer than the last successful check.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <build directory>" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/fake-nvml"
scenarios="$(cd "$here/../resources/nvml" && pwd)"
out="$1/fake-nvml"
full="$out/full/libnvidia-ml.so.1"
old="$out/old-driver/libnvidia-ml.so.1"
checker="$out/check/check_fake_nvml"
stamp="$out/.checked"

lib_sources=("$src/fake_nvml.c" "$src/scenario.c" "$src/nvml_abi.h" "$src/fake_nvml_internal.h")
inputs=("${lib_sources[@]}" "$src/check_fake_nvml.c" "${BASH_SOURCE[0]}" "$scenarios"/*.conf)

newer_than() { # newer_than <file> <inputs...>: true if <file> is missing or older than any input
  local target="$1"
  shift
  [[ -e "$target" ]] || return 0
  local f
  for f in "$@"; do
    [[ "$f" -nt "$target" ]] && return 0
  done
  return 1
}

if ! newer_than "$stamp" "${inputs[@]}" && [[ -e "$full" && -e "$old" ]]; then
  echo "fake-nvml: up to date ($out)"
  exit 0
fi

CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "ERROR: fake-nvml: C compiler '$CC' not found. The GPU module's tests run against a fake" >&2
  echo "       libnvidia-ml.so.1 built from gpu/src/test/native; install gcc (e.g. apt-get install gcc)." >&2
  exit 1
fi

mkdir -p "$out/full" "$out/old-driver" "$out/check"
cflags=(-std=c11 -O2 -Wall -Wextra -Werror -pthread)
libflags=(-fPIC -shared -fvisibility=hidden -DFAKE_NVML_BUILDING_LIBRARY
  -Wl,-soname,libnvidia-ml.so.1 -Wl,--no-undefined)

build_lib() { # build_lib <output> [extra flags...]
  local target="$1"
  shift
  if newer_than "$target" "${lib_sources[@]}" "${BASH_SOURCE[0]}"; then
    "$CC" "${cflags[@]}" "${libflags[@]}" "$@" -o "$target.tmp" "$src/fake_nvml.c" "$src/scenario.c"
    mv -f "$target.tmp" "$target"
  fi
}
build_lib "$full"
build_lib "$old" -DFAKE_NVML_OLD_DRIVER
if newer_than "$checker" "$src/check_fake_nvml.c" "$src/nvml_abi.h" "${BASH_SOURCE[0]}"; then
  "$CC" "${cflags[@]}" -o "$checker" "$src/check_fake_nvml.c" -ldl
fi

# exactly the intended dynamic symbols: NVML entry points and the fakeNvml* test hooks
newer=(nvmlDeviceGetComputeRunningProcesses_v3 nvmlDeviceGetMemoryInfo_v2 nvmlDeviceGetTemperatureV
  nvmlGpmQueryDeviceSupport nvmlGpmSampleAlloc nvmlGpmSampleFree nvmlGpmSampleGet nvmlGpmMigSampleGet
  nvmlGpmMetricsGet nvmlDeviceGetProcessesUtilizationInfo nvmlDeviceGetCurrentClocksEventReasons
  nvmlSystemGetCudaDriverVersion_v2 nvmlDeviceGetMPSComputeRunningProcesses_v3)
common=(nvmlInit_v2 nvmlInitWithFlags nvmlShutdown nvmlErrorString nvmlSystemGetDriverVersion
  nvmlSystemGetNVMLVersion nvmlSystemGetCudaDriverVersion nvmlDeviceGetCount_v2 nvmlDeviceGetHandleByIndex_v2
  nvmlDeviceGetHandleByUUID nvmlDeviceGetIndex nvmlDeviceGetName nvmlDeviceGetUUID nvmlDeviceGetSerial
  nvmlDeviceGetPciInfo_v3 nvmlDeviceGetUtilizationRates nvmlDeviceGetMemoryInfo nvmlDeviceGetTemperature
  nvmlDeviceGetPowerUsage nvmlDeviceGetEnforcedPowerLimit nvmlDeviceGetPowerManagementLimit
  nvmlDeviceGetTotalEnergyConsumption nvmlDeviceGetClockInfo nvmlDeviceGetMaxClockInfo nvmlDeviceGetPcieThroughput
  nvmlDeviceGetEncoderUtilization nvmlDeviceGetDecoderUtilization nvmlDeviceGetNumFans nvmlDeviceGetFanSpeed
  nvmlDeviceGetFanSpeed_v2 nvmlDeviceGetCurrentClocksThrottleReasons nvmlDeviceGetComputeRunningProcesses
  nvmlDeviceGetProcessUtilization nvmlDeviceGetMigMode nvmlDeviceGetMaxMigDeviceCount
  nvmlDeviceGetMigDeviceHandleByIndex nvmlDeviceIsMigDeviceHandle nvmlDeviceGetGpuInstanceId
  nvmlDeviceGetComputeInstanceId nvmlDeviceGetDeviceHandleFromMigDeviceHandle nvmlDeviceGetAttributes_v2
  nvmlDeviceGetGpuInstanceById nvmlGpuInstanceGetInfo nvmlDeviceGetFieldValues
  fakeNvmlCallCount fakeNvmlResetCallCount fakeNvmlBlockNext fakeNvmlRelease fakeNvmlBlockedCalls
  fakeNvmlWatchedCalls fakeNvmlResetCounters fakeNvmlMisuses)
check_exports() { # check_exports <lib> <expected names...>
  local lib="$1"
  shift
  if command -v nm >/dev/null 2>&1; then
    local got want
    got="$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort)"
    want="$(printf '%s\n' "$@" | sort)"
    if [[ "$got" != "$want" ]]; then
      echo "ERROR: fake-nvml: unexpected exports in $lib:" >&2
      diff <(echo "$want") <(echo "$got") >&2 || true
      rm -f "$lib"
      exit 1
    fi
  fi
}
check_exports "$full" "${common[@]}" "${newer[@]}"
check_exports "$old" "${common[@]}"

mkdir -p "$out/check/scratch"
if ! result="$("$checker" "$full" "$old" "$scenarios" "$out/check/scratch")"; then
  echo "ERROR: fake-nvml: self-check failed (see above)" >&2
  exit 1
fi
touch "$stamp"
echo "$result -> $out"
