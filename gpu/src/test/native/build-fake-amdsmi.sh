#!/usr/bin/env bash
# Builds the fake libamd_smi.so used by the AMD GPU tests, checks its exports, and prints one line.
#
#   build-fake-amdsmi.sh <build directory>      (Maven passes ${project.build.directory})
#
# Outputs (each a libamd_smi.so exporting the AMD SMI ABI of amdsmi_abi.h):
#   <build>/fake-amdsmi/current/libamd_smi.so          AMD SMI 26.x (ROCm 7): every entry point the fake has
#   <build>/fake-amdsmi/rocm6/libamd_smi.so            AMD SMI 24.x/25.x (ROCm 6.x): the older struct layouts
#   <build>/fake-amdsmi/missing-symbols/libamd_smi.so  26.x without amdsmi_get_energy_count,
#                                                      amdsmi_get_gpu_memory_total and amdsmi_get_gpu_memory_usage
#   <build>/fake-amdsmi/rocm-smi/librocm_smi64.so      ROCm SMI (rocm_smi_abi.h) on the same scenario files
#
# Rebuilds only when a source or this script is newer than the last successful check.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <build directory>" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/fake-amdsmi"
out="$1/fake-amdsmi"
stamp="$out/.checked"
sources=("$src/fake_amdsmi.c" "$src/fake_rocmsmi.c" "$src/rocm_smi_abi.h" "$src/fake_amd_scenario.h" "$src/amdsmi_abi.h" "$src/check_fake_amdsmi.c" "${BASH_SOURCE[0]}")

up_to_date=1
[[ -e "$stamp" ]] || up_to_date=0
for f in "${sources[@]}"; do
  [[ -e "$stamp" && "$f" -nt "$stamp" ]] && up_to_date=0
done
if [[ $up_to_date -eq 1 ]]; then
  echo "fake-amdsmi: up to date ($out)"
  exit 0
fi

CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "ERROR: fake-amdsmi: C compiler '$CC' not found. The GPU module's tests run against a fake" >&2
  echo "       libamd_smi.so built from gpu/src/test/native; install gcc (e.g. apt-get install gcc)." >&2
  exit 1
fi

cflags=(-std=c11 -O2 -Wall -Wextra -Werror -pthread)
libflags=(-fPIC -shared -fvisibility=hidden -DFAKE_AMDSMI_BUILDING_LIBRARY -Wl,-soname,libamd_smi.so -Wl,--no-undefined)
build() { # build <variant> [flags...]
  local variant="$1"
  shift
  mkdir -p "$out/$variant"
  "$CC" "${cflags[@]}" "${libflags[@]}" "$@" -o "$out/$variant/libamd_smi.so.tmp" "$src/fake_amdsmi.c"
  mv -f "$out/$variant/libamd_smi.so.tmp" "$out/$variant/libamd_smi.so"
}
build current
build rocm6 -DFAKE_AMDSMI_ABI_24
build missing-symbols -DFAKE_AMDSMI_NO_ENERGY_AND_MEMORY
mkdir -p "$out/rocm-smi"
"$CC" "${cflags[@]}" -fPIC -shared -fvisibility=hidden -DFAKE_ROCMSMI -Wl,-soname,librocm_smi64.so -Wl,--no-undefined \
  -o "$out/rocm-smi/librocm_smi64.so.tmp" "$src/fake_rocmsmi.c"
mv -f "$out/rocm-smi/librocm_smi64.so.tmp" "$out/rocm-smi/librocm_smi64.so"

# exactly the intended dynamic symbols: real AMD SMI names and the fakeAmdSmiCallCount test hook
lacking=(amdsmi_get_energy_count amdsmi_get_gpu_memory_total amdsmi_get_gpu_memory_usage)
common=(amdsmi_init amdsmi_shut_down amdsmi_get_lib_version amdsmi_status_code_to_string amdsmi_get_socket_handles
  amdsmi_get_processor_handles amdsmi_get_processor_type amdsmi_get_gpu_device_uuid amdsmi_get_gpu_device_bdf
  amdsmi_get_gpu_asic_info amdsmi_get_gpu_kfd_info amdsmi_get_gpu_driver_info amdsmi_get_gpu_compute_partition
  amdsmi_get_gpu_memory_partition amdsmi_get_gpu_activity amdsmi_get_gpu_vram_usage amdsmi_get_temp_metric
  amdsmi_get_power_info amdsmi_get_power_cap_info amdsmi_get_gpu_fan_speed amdsmi_get_gpu_fan_speed_max
  amdsmi_get_clk_freq amdsmi_get_gpu_pci_throughput amdsmi_get_link_metrics amdsmi_get_gpu_process_list
  fakeAmdSmiCallCount)
check_exports() { # check_exports <lib> <expected names...>
  local lib="$1"
  shift
  if command -v nm >/dev/null 2>&1; then
    local got want
    got="$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort)"
    want="$(printf '%s\n' "$@" | sort)"
    if [[ "$got" != "$want" ]]; then
      echo "ERROR: fake-amdsmi: unexpected exports in $lib:" >&2
      diff <(echo "$want") <(echo "$got") >&2 || true
      rm -f "$lib"
      exit 1
    fi
  fi
}
check_exports "$out/current/libamd_smi.so" "${common[@]}" "${lacking[@]}"
check_exports "$out/rocm6/libamd_smi.so" "${common[@]}" "${lacking[@]}"
check_exports "$out/missing-symbols/libamd_smi.so" "${common[@]}"
check_exports "$out/rocm-smi/librocm_smi64.so" rsmi_init rsmi_shut_down rsmi_status_string rsmi_version_get \
  rsmi_version_str_get rsmi_num_monitor_devices rsmi_dev_name_get rsmi_dev_unique_id_get rsmi_dev_pci_id_get \
  rsmi_dev_busy_percent_get rsmi_dev_memory_busy_percent_get rsmi_dev_memory_total_get rsmi_dev_memory_usage_get \
  rsmi_dev_temp_metric_get rsmi_dev_power_ave_get rsmi_dev_current_socket_power_get rsmi_dev_power_cap_get \
  rsmi_dev_energy_count_get rsmi_dev_fan_speed_get rsmi_dev_fan_speed_max_get rsmi_dev_gpu_clk_freq_get \
  rsmi_dev_pci_throughput_get rsmi_dev_compute_partition_get rsmi_dev_memory_partition_get \
  rsmi_dev_partition_id_get rsmi_compute_process_info_get rsmi_compute_process_gpus_get \
  rsmi_compute_process_info_by_device_get

# each build answers amdsmi_get_lib_version in its own layout
mkdir -p "$out/check"
"$CC" "${cflags[@]}" -o "$out/check/check_fake_amdsmi" "$src/check_fake_amdsmi.c" -ldl
"$CC" "${cflags[@]}" -DFAKE_AMDSMI_ABI_24 -o "$out/check/check_fake_amdsmi_24" "$src/check_fake_amdsmi.c" -ldl
"$out/check/check_fake_amdsmi" "$out/current/libamd_smi.so" 26
"$out/check/check_fake_amdsmi" "$out/missing-symbols/libamd_smi.so" 26
"$out/check/check_fake_amdsmi_24" "$out/rocm6/libamd_smi.so" 24
touch "$stamp"
echo "fake-amdsmi: built and checked current, rocm6, missing-symbols, rocm-smi -> $out"
