#!/usr/bin/env bash
# JMH: Prometheus text parser throughput (MB/s) and allocation on the vLLM capture repeated to
# ~1 MB. Takes about half a minute.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -ntp -Dstyle.color=never -pl frameworks -am install -DskipTests
exec mvn -B -q -ntp -Dstyle.color=never -pl frameworks exec:exec -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath io.telegen.frameworks.bench.ParserBenchmark"
