#!/usr/bin/env bash
# JMH: the cost of one export request through the queue, in memory and on disk (forced every
# second, the agent's policy, and forced on every append). BENCH_DIR picks the file system the
# disk queue is measured on (default /var/tmp, as a node's queue directory would be). ~1 minute.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -ntp -Dstyle.color=never -pl receiver-server -am install -DskipTests
exec mvn -B -q -ntp -Dstyle.color=never -pl receiver-server exec:exec -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-Dbench.dir=${BENCH_DIR:-/var/tmp} -cp %classpath io.telegen.agent.export.bench.ExportQueueBenchmark"
