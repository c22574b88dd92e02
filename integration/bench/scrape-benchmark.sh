#!/usr/bin/env bash
# Side by side: the CPU the Telegen agent and the stock collector's prometheus receiver spend to
# scrape the same replayed vLLM /metrics endpoint, in CPU seconds per 1000 scrapes, and the ratio.
# Each scraper runs alone (one after the other), scrapes every 50 ms, and exports what it scraped
# as OTLP to the same sink collector, so both pay for parse, convert and export. CPU is read from
# /proc/<pid>/stat between scrape 200 (warmed up) and scrape 200 + SCRAPES.
#
#   integration/bench/scrape-benchmark.sh            # needs integration/scripts/setup.sh first
#   SCRAPES=2000 integration/bench/scrape-benchmark.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${TELEGEN_CACHE:-$HOME/.cache/telegen}
# shellcheck disable=SC1091
set -a; . "$cache/env"; set +a
scrapes=${SCRAPES:-1000}
warmup=200
fixture=$root/test-support/src/main/resources/fixtures/frameworks/vllm-datadog-fixture-v0-plus-v1.txt
jar=$root/receiver-server/target/telegen-agent.jar
[[ -f $jar ]] || (cd "$root" && mvn -B -q -ntp -DskipTests package -pl receiver-server -am)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# A replay server per scraper, logging one line per request so scrapes can be counted.
serve() { # dir port log
  mkdir -p "$1"; cp "$fixture" "$1/metrics"
  python3 -u -m http.server "$2" --bind 127.0.0.1 --directory "$1" >"$3" 2>&1 &
  pids+=($!)
}
count() { grep -c 'GET /metrics' "$1" 2>/dev/null || true; }
wait_scrapes() { # log n
  until [[ $(count "$1") -ge $2 ]]; do sleep 0.2; done
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

measure() { # name pid log
  wait_scrapes "$3" "$warmup"
  local t0 n0 t1 n1
  t0=$(ticks "$2"); n0=$(count "$3")
  wait_scrapes "$3" $((warmup + scrapes))
  t1=$(ticks "$2"); n1=$(count "$3")
  python3 -c "print(f'{($t1-$t0)/$hz/($n1-$n0)*1000:.3f}')"
}

# 1. The stock collector's prometheus receiver.
p1=$(port); serve "$work/a" "$p1" "$work/a.log"
col_metrics=$(port)
cat >"$work/collector.yaml" <<YAML
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: vllm
          scrape_interval: 50ms
          scrape_timeout: 40ms
          static_configs: [{targets: ["127.0.0.1:$p1"]}]
exporters:
  otlp_grpc: {endpoint: "127.0.0.1:$sink_port", tls: {insecure: true}}
service:
  pipelines: {metrics: {receivers: [prometheus], exporters: [otlp_grpc]}}
  telemetry: {metrics: {level: none}}
YAML
"$TELEGEN_OTELCOL" --config "$work/collector.yaml" >"$work/collector.log" 2>&1 &
col=$!; pids+=($col)
echo "collector prometheus receiver: scraping $warmup + $scrapes times..." >&2
collector_cpu=$(measure collector "$col" "$work/a.log")
kill "$col"

# 2. The agent, with the launcher's JVM settings.
p2=$(port); serve "$work/b" "$p2" "$work/b.log"
cat >"$work/agent.yaml" <<YAML
agent:
  exporter: {endpoint: "127.0.0.1:$sink_port"}
  receiver: {enabled: false}
  self_telemetry: {enabled: false}
  gpu: {enabled: false}
  aiml:
    scrape_interval: 50ms
    frameworks:
      vllm: {metrics_endpoint: "http://127.0.0.1:$p2/metrics"}
YAML
TELEGEN_AGENT_JAR=$jar "$root/bin/telegen-agent" --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
agent=$!; pids+=($agent)
echo "telegen agent: scraping $warmup + $scrapes times..." >&2
agent_cpu=$(measure agent "$agent" "$work/b.log")

printf 'CPU seconds per 1000 scrapes of the vLLM capture (%s bytes):\n' "$(wc -c <"$fixture")"
printf '  stock collector (prometheus receiver): %s\n' "$collector_cpu"
printf '  telegen agent:                         %s\n' "$agent_cpu"
python3 -c "print(f'  ratio collector / agent: {$collector_cpu/$agent_cpu:.2f}')"
