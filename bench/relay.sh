#!/usr/bin/env bash
# Side by side, in one run: the CPU the Telegen agent's OTLP receiver spends relaying metrics to a
# collector, against the stock collector as a relay (otlp receiver -> otlp exporter), per data
# point that reaches the sink. telemetrygen (bench/telemetrygen.sh) sends unthrottled into each
# relay at the same time; each relay exports OTLP/gRPC (gzip, both defaults) to its own sink
# collector, whose own telemetry counts the points it accepted. CPU is user + system time of the
# relay's process from /proc/<pid>/stat over the measured window (after a warm-up run).
#
#   bench/relay.sh                 # needs integration/scripts/setup.sh first (the collector) and Go
#   SECONDS_MEASURED=60 bench/relay.sh
#
# Prints a table and one line
#   FIGURE|relay_cpu_us_per_point|<agent us>|<collector us>|us|1.0
# (CPU microseconds per point delivered; the target is agent <= 1.0 x collector). Exits 0 when it
# measured, whether or not the target is met (bench/run judges); non-zero when it could not.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${TELEGEN_CACHE:-$HOME/.cache/telegen}
[[ -f $cache/env ]] || { echo "relay.sh: $cache/env missing; run integration/scripts/setup.sh" >&2; exit 2; }
# shellcheck disable=SC1091
set -a; . "$cache/env"; set +a
measured=${SECONDS_MEASURED:-30}
warmup=${SECONDS_WARMUP:-15}
telemetrygen=$("$root/bench/telemetrygen.sh")
jar=${TELEGEN_AGENT_JAR:-$root/receiver-server/target/telegen-agent.jar}
[[ -f $jar ]] || (cd "$root" && mvn -B -q -ntp -DskipTests package -pl receiver-server -am)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
alive() { kill -0 "$1" 2>/dev/null || { echo "relay.sh: $2 exited; its log:" >&2; tail -20 "$3" >&2; exit 2; }; }
wait_port() { # port pid name log
  local deadline=$((SECONDS + 60))
  until python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null; do
    alive "$2" "$3" "$4"
    ((SECONDS < deadline)) || { echo "relay.sh: $3 did not listen on $1" >&2; exit 2; }
    sleep 0.2
  done
}

# A sink: accepts OTLP and counts the points in its own telemetry (scraped from its /metrics).
sink() { # name -> sets <name>_grpc <name>_metrics
  local grpc metrics
  grpc=$(port); metrics=$(port)
  cat >"$work/$1.yaml" <<YAML
receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:$grpc"}}}}
exporters: {debug: {verbosity: basic, sampling_initial: 1, sampling_thereafter: 1000000}}
service:
  pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}
  telemetry:
    metrics:
      level: basic
      readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: $metrics}}}}]
YAML
  "$TELEGEN_OTELCOL" --config "$work/$1.yaml" >"$work/$1.log" 2>&1 &
  pids+=($!)
  wait_port "$grpc" "$!" "$1" "$work/$1.log"
  printf -v "${1}_grpc" %s "$grpc"
  printf -v "${1}_metrics" %s "$metrics"
}
accepted() { # metrics port: points the sink's otlp receiver accepted so far
  python3 - "$1" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
print(int(sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
              if l.startswith("otelcol_receiver_accepted_metric_points"))))
PY
}
sink sink_a; sink sink_c

# The collector as a relay.
relay_c=$(port)
cat >"$work/relay.yaml" <<YAML
receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:$relay_c"}}}}
exporters:
  otlp_grpc: {endpoint: "127.0.0.1:$sink_c_grpc", tls: {insecure: true}}
service:
  pipelines: {metrics: {receivers: [otlp], exporters: [otlp_grpc]}}
  telemetry: {metrics: {level: none}}
YAML
"$TELEGEN_OTELCOL" --config "$work/relay.yaml" >"$work/relay.log" 2>&1 &
col=$!; pids+=($col)

# The agent as a relay: its receiver and exporter only, with the launcher's JVM settings.
relay_a=$(port)
cat >"$work/agent.yaml" <<YAML
agent:
  exporter: {endpoint: "127.0.0.1:$sink_a_grpc"}
  receiver: {endpoint: "127.0.0.1:$relay_a"}
  self_telemetry: {enabled: false}
  gpu: {enabled: false}
YAML
TELEGEN_AGENT_JAR=$jar "$root/bin/telegen-agent" --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
agent=$!; pids+=($agent)
wait_port "$relay_c" "$col" collector "$work/relay.log"
wait_port "$relay_a" "$agent" agent "$work/agent.log"

load() { # seconds: telemetrygen unthrottled into both relays at once
  "$telemetrygen" metrics --otlp-insecure --otlp-endpoint "127.0.0.1:$relay_a" --rate 0 \
    --duration "${1}s" --workers 1 >"$work/gen-a.log" 2>&1 &
  local ga=$!
  "$telemetrygen" metrics --otlp-insecure --otlp-endpoint "127.0.0.1:$relay_c" --rate 0 \
    --duration "${1}s" --workers 1 >"$work/gen-c.log" 2>&1 &
  local gc=$!
  wait "$ga" || { echo "relay.sh: telemetrygen into the agent failed:" >&2; tail "$work/gen-a.log" >&2; exit 2; }
  wait "$gc" || { echo "relay.sh: telemetrygen into the collector failed:" >&2; tail "$work/gen-c.log" >&2; exit 2; }
}
settle() { sleep 3; } # what the relays still hold reaches the sinks

echo "relay.sh: warming up both relays (${warmup}s of telemetrygen)..." >&2
load "$warmup"; settle
at0=$(ticks "$agent"); ct0=$(ticks "$col")
an0=$(accepted "$sink_a_metrics"); cn0=$(accepted "$sink_c_metrics")
load0=$(cut -d' ' -f1 /proc/loadavg)
echo "relay.sh: measuring ${measured}s (load $load0)..." >&2
load "$measured"; settle
alive "$agent" agent "$work/agent.log"; alive "$col" collector "$work/relay.log"
at1=$(ticks "$agent"); ct1=$(ticks "$col")
an1=$(accepted "$sink_a_metrics"); cn1=$(accepted "$sink_c_metrics")
load1=$(cut -d' ' -f1 /proc/loadavg)
if ((an1 <= an0 || cn1 <= cn0)); then
  echo "relay.sh: a sink received nothing (agent $((an1 - an0)), collector $((cn1 - cn0)) points)" >&2
  exit 2
fi

python3 - "$hz" "$at0" "$at1" "$an0" "$an1" "$ct0" "$ct1" "$cn0" "$cn1" "$load0" "$load1" \
  "$measured" <<'PY'
import sys
hz, at0, at1, an0, an1, ct0, ct1, cn0, cn1 = (float(x) for x in sys.argv[1:10])
load0, load1, secs = sys.argv[10:13]
agent = (at1 - at0) / hz / (an1 - an0) * 1e6
collector = (ct1 - ct0) / hz / (cn1 - cn0) * 1e6
print(f"CPU per OTLP point relayed (telemetrygen unthrottled, {secs} s; load {load0}..{load1}):")
print(f"  {'':36} {'CPU us/point':>12} {'points':>10} {'CPU s':>7}")
print(f"  {'telegen agent (receiver -> exporter)':36} {agent:12.2f} {an1 - an0:10.0f} {(at1 - at0) / hz:7.2f}")
print(f"  {'stock collector (otlp -> otlp)':36} {collector:12.2f} {cn1 - cn0:10.0f} {(ct1 - ct0) / hz:7.2f}")
print(f"  agent / collector: {agent / collector:.2f}  (target <= 1.0)")
print(f"FIGURE|relay_cpu_us_per_point|{agent:.2f}|{collector:.2f}|us|1.0")
PY
