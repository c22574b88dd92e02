#!/usr/bin/env bash
# TensorBoard event-file read throughput: the agent's EventFileTailer against tensorboard's own
# EventFileLoader, on one file of 1,000,000 scalar records (simple_value, four HF Trainer tags).
# Prints records/s for each and their ratio.
#
# The file is made once with the venv's tensorboard (write_tfevents.py --bench) and cached under
# "$TELEGEN_CACHE/bench" (default ~/.cache/telegen/bench); the venv comes from
# integration/scripts/setup.sh, or TELEGEN_PYTHON names another interpreter with the pinned
# packages. Takes about two minutes the first time, one after that.
# Environment: TFEVENTS_BENCH_RECORDS (default 1000000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TELEGEN_CACHE=${TELEGEN_CACHE:-$HOME/.cache/telegen}
PYTHON=${TELEGEN_PYTHON:-$TELEGEN_CACHE/venv/bin/python}
RECORDS=${TFEVENTS_BENCH_RECORDS:-1000000}
BENCH_DIR=$TELEGEN_CACHE/bench
FILE=$BENCH_DIR/events.out.tfevents.$RECORDS.bench

[[ -x $PYTHON ]] || { echo "no Python venv at $PYTHON; run integration/scripts/setup.sh (or set TELEGEN_PYTHON)" >&2; exit 1; }
mkdir -p "$BENCH_DIR"
if [[ ! -f $FILE ]]; then
  echo "[bench] writing $RECORDS records to $FILE with tensorboard's RecordWriter"
  "$PYTHON" frameworks/src/test/python/write_tfevents.py --bench "$FILE" --records "$RECORDS"
fi
echo "[bench] $FILE: $(stat -c %s "$FILE") bytes"

# Compile in the reactor and take the test classpath from it, so nothing is installed into the
# local Maven repository.
CP_FILE=$(mktemp)
trap 'rm -f "$CP_FILE"' EXIT
mvn -B -q -ntp -Dstyle.color=never -pl frameworks -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >/dev/null
CP=frameworks/target/test-classes:frameworks/target/classes:proto/target/classes:$(cat "$CP_FILE")

JAVA_OUT=$(java -cp "$CP" io.telegen.frameworks.bench.EventFileReadBenchmark "$FILE" 3 5)
echo "$JAVA_OUT"

PY_OUT=$("$PYTHON" - "$FILE" <<'PY'
import sys, time
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
path = sys.argv[1]
def load():
    n = 0
    for _ in EventFileLoader(path).Load():
        n += 1
    return n
load()  # warm: imports, page cache
start = time.perf_counter()
n = load()
elapsed = time.perf_counter() - start
print("python records: %d in %.1f s" % (n, elapsed))
print("python records/s: %.0f" % (n / elapsed))
PY
)
echo "$PY_OUT"

java_rate=$(sed -n 's/^java records\/s: \([0-9]*\).*/\1/p' <<<"$JAVA_OUT")
py_rate=$(sed -n 's/^python records\/s: \([0-9]*\).*/\1/p' <<<"$PY_OUT")
awk -v j="$java_rate" -v p="$py_rate" 'BEGIN { printf "ratio java/python: %.1fx\n", j / p }'
