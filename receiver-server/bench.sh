#!/usr/bin/env bash
# JMH, one of:
#   receiver-server/bench.sh [queue]  the cost of one export request through the queue, in memory
#                                     and on disk (forced every second, the agent's policy, and
#                                     forced on every append). BENCH_DIR picks the file system the
#                                     disk queue is measured on (default /var/tmp, as a node's
#                                     queue directory would be). ~1 minute.
#   receiver-server/bench.sh enrich   the receiver's single pass over a relayed metrics request
#                                     (check + enrich) against protobuf-java's parse of it. ~1 minute.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ${1:-queue} in
  queue) class=io.telegen.agent.export.bench.ExportQueueBenchmark ;;
  enrich) class=io.telegen.agent.receiver.MetricsWireEnricherBenchmark ;;
  *) echo "bench.sh: queue or enrich, not '$1'" >&2; exit 2 ;;
esac
mvn -B -q -ntp -Dstyle.color=never -pl receiver-server -am install -DskipTests
exec mvn -B -q -ntp -Dstyle.color=never -pl receiver-server exec:exec -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="-Dbench.dir=${BENCH_DIR:-/var/tmp} -cp %classpath $class"
