#!/usr/bin/env bash
# JMH: CPU cost of one NVML collection cycle for 8 GPUs (fake driver, all metrics on), the native
# calls per cycle, and allocation per cycle. Takes about a minute.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -ntp -Dstyle.color=never -pl gpu -am install -DskipTests
exec mvn -B -q -ntp -Dstyle.color=never -pl gpu exec:exec -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath io.telegen.gpu.bench.NvmlCollectionBenchmark"
