#!/usr/bin/env bash
# JMH: the in-process cost of one scrape of the bench/scrape.sh payloads (vLLM, NIM): parse,
# normalise into llm_* points, build and encode the export request, under the launcher's C1-only
# compiler. Prints µs and bytes allocated per scrape. About a minute.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -ntp -Dstyle.color=never -pl receiver-server -am install -DskipTests
exec mvn -B -q -ntp -Dstyle.color=never -pl receiver-server exec:exec -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath io.telegen.agent.export.bench.ScrapePathBenchmark"
