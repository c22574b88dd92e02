#!/usr/bin/env bash
# Side by side, in one run: the CPU the Telegen agent and the stock collector's prometheus
# receiver spend per scrape of the same replayed serving payloads (the vLLM capture of the shared
# fixtures, and the NIM payload of the frameworks tests, written from NIM's documented format: the
# fixtures hold no real NIM capture), each scraped every 50 ms and exported as OTLP/gRPC to a sink collector, so both pay
# for the HTTP exchange, parse, conversion and export. Both scrapers run at the same time, each
# against its own replay server; CPU is user + system time of the scraper's process from
# /proc/<pid>/stat between its scrape WARMUP and scrape WARMUP + SCRAPES (both endpoints counted).
#
#   bench/scrape.sh                  # needs integration/scripts/setup.sh first (the collector)
#   SCRAPES=4000 bench/scrape.sh     # a longer window (default 2000 scrapes, ~50 s)
#
# Prints a table and one line
#   FIGURE|scrape_cpu_ms|<agent ms>|<collector ms>|ms|0.5
# (CPU milliseconds per scrape; the target is agent <= 0.5 x collector). Exits 0 when it measured,
# whether or not the target is met (bench/run judges); non-zero when it could not measure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${TELEGEN_CACHE:-$HOME/.cache/telegen}
[[ -f $cache/env ]] || { echo "scrape.sh: $cache/env missing; run integration/scripts/setup.sh" >&2; exit 2; }
# shellcheck disable=SC1091
set -a; . "$cache/env"; set +a
scrapes=${SCRAPES:-2000}
warmup=${WARMUP:-800}
vllm=$root/test-support/src/main/resources/fixtures/frameworks/vllm-datadog-fixture-v0-plus-v1.txt
nim=$root/frameworks/src/test/resources/llm/nim-first.txt
jar=${TELEGEN_AGENT_JAR:-$root/receiver-server/target/telegen-agent.jar}
[[ -f $jar ]] || (cd "$root" && mvn -B -q -ntp -DskipTests package -pl receiver-server -am)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
count() { grep -c '^GET ' "$1" 2>/dev/null || true; }
alive() { kill -0 "$1" 2>/dev/null || { echo "scrape.sh: $2 exited; its log:" >&2; tail -20 "$3" >&2; exit 2; }; }
wait_scrapes() { # log n pid name proclog
  local deadline=$((SECONDS + 600))
  until [[ $(count "$1") -ge $2 ]]; do
    alive "$3" "$4" "$5"
    ((SECONDS < deadline)) || { echo "scrape.sh: $4 did not reach $2 scrapes" >&2; exit 2; }
    sleep 0.1
  done
}

# A replay server per scraper, serving both payloads where each framework serves them.
serve() { # port log
  python3 -u "$root/bench/replay-server.py" "$1" "/metrics=$vllm" "/v1/metrics=$nim" >"$2" 2>&1 &
  pids+=($!)
}

sink_port=$(port)
cat >"$work/sink.yaml" <<YAML
receivers: {otlp: {protocols: {grpc: {endpoint: 127.0.0.1:$sink_port}}}}
exporters: {debug: {verbosity: basic, sampling_initial: 1, sampling_thereafter: 100000}}
service:
  pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}
  telemetry: {metrics: {level: none}}
YAML
"$TELEGEN_OTELCOL" --config "$work/sink.yaml" >"$work/sink.log" 2>&1 &
pids+=($!)

# The stock collector's prometheus receiver, exporting OTLP/gRPC (gzip, its default).
pc=$(port); serve "$pc" "$work/c.log"
cat >"$work/collector.yaml" <<YAML
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: vllm
          scrape_interval: 50ms
          scrape_timeout: 40ms
          static_configs: [{targets: ["127.0.0.1:$pc"]}]
        - job_name: nim
          scrape_interval: 50ms
          scrape_timeout: 40ms
          metrics_path: /v1/metrics
          static_configs: [{targets: ["127.0.0.1:$pc"]}]
exporters:
  otlp_grpc: {endpoint: "127.0.0.1:$sink_port", tls: {insecure: true}}
service:
  pipelines: {metrics: {receivers: [prometheus], exporters: [otlp_grpc]}}
  telemetry: {metrics: {level: none}}
YAML
"$TELEGEN_OTELCOL" --config "$work/collector.yaml" >"$work/collector.log" 2>&1 &
col=$!; pids+=($col)

# The agent, with the launcher's JVM settings, exporting OTLP/gRPC (gzip, its default).
pa=$(port); serve "$pa" "$work/a.log"
cat >"$work/agent.yaml" <<YAML
agent:
  exporter: {endpoint: "127.0.0.1:$sink_port"}
  receiver: {enabled: false}
  self_telemetry: {enabled: false}
  gpu: {enabled: false}
  aiml:
    scrape_interval: 50ms
    frameworks:
      vllm: {metrics_endpoint: "http://127.0.0.1:$pa/metrics"}
      nim: {metrics_endpoint: "http://127.0.0.1:$pa/v1/metrics"}
YAML
TELEGEN_AGENT_JAR=$jar "$root/bin/telegen-agent" --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
agent=$!; pids+=($agent)

echo "scrape.sh: both scrape vLLM + NIM every 50 ms; warming up ($warmup scrapes each)..." >&2
wait_scrapes "$work/c.log" "$warmup" "$col" collector "$work/collector.log"
wait_scrapes "$work/a.log" "$warmup" "$agent" agent "$work/agent.log"
ct0=$(ticks "$col"); cn0=$(count "$work/c.log")
at0=$(ticks "$agent"); an0=$(count "$work/a.log")
load0=$(cut -d' ' -f1 /proc/loadavg)
echo "scrape.sh: measuring $scrapes scrapes each (load $load0)..." >&2
# Each window closes when its scraper has done its share; the other keeps going meanwhile.
done_c= done_a=
deadline=$((SECONDS + 900))
while [[ -z $done_c || -z $done_a ]]; do
  alive "$col" collector "$work/collector.log"; alive "$agent" agent "$work/agent.log"
  if [[ -z $done_c && $(count "$work/c.log") -ge $((cn0 + scrapes)) ]]; then
    ct1=$(ticks "$col"); cn1=$(count "$work/c.log"); done_c=1
  fi
  if [[ -z $done_a && $(count "$work/a.log") -ge $((an0 + scrapes)) ]]; then
    at1=$(ticks "$agent"); an1=$(count "$work/a.log"); done_a=1
  fi
  ((SECONDS < deadline)) || { echo "scrape.sh: scrapes did not finish within 15 minutes" >&2; exit 2; }
  sleep 0.1
done
load1=$(cut -d' ' -f1 /proc/loadavg)
grep -q 'Exporting\|ResourceMetrics\|data points' "$work/sink.log" || {
  echo "scrape.sh: the sink received nothing; its log:" >&2; tail -20 "$work/sink.log" >&2; exit 2; }

python3 - "$hz" "$at0" "$at1" "$an0" "$an1" "$ct0" "$ct1" "$cn0" "$cn1" "$load0" "$load1" \
  "$(wc -c <"$vllm")" "$(wc -c <"$nim")" <<'PY'
import sys
hz, at0, at1, an0, an1, ct0, ct1, cn0, cn1 = (float(x) for x in sys.argv[1:10])
load0, load1, vb, nb = sys.argv[10:14]
agent = (at1 - at0) / hz / (an1 - an0) * 1000
collector = (ct1 - ct0) / hz / (cn1 - cn0) * 1000
print(f"CPU per scrape (vLLM {vb} B + NIM {nb} B, every 50 ms, OTLP out; load {load0}..{load1}):")
print(f"  {'':34} {'CPU ms/scrape':>14} {'scrapes':>8}")
print(f"  {'telegen agent':34} {agent:14.3f} {an1 - an0:8.0f}")
print(f"  {'stock collector (prometheus rcvr)':34} {collector:14.3f} {cn1 - cn0:8.0f}")
print(f"  agent / collector: {agent / collector:.2f}  (target <= 0.5)")
print(f"FIGURE|scrape_cpu_ms|{agent:.3f}|{collector:.3f}|ms|0.5")
PY
