#!/usr/bin/env bash
# JMH: CPU cost of one collection cycle for 8 GPUs (fake driver, all metrics on), the native calls
# per cycle, and allocation per cycle. Takes about a minute.
#
#   gpu/bench.sh          8 x H100 through NVML (NvmlCollectionBenchmark)
#   gpu/bench.sh amd      8 x MI300X through AMD SMI (AmdSmiCollectionBenchmark)
set -euo pipefail
bench=NvmlCollectionBenchmark
if [[ "${1:-}" == amd ]]; then
  bench=AmdSmiCollectionBenchmark
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -ntp -Dstyle.color=never -pl gpu -am install -DskipTests
exec mvn -B -q -ntp -Dstyle.color=never -pl gpu exec:exec -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath io.telegen.gpu.bench.${bench}"
