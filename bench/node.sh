#!/usr/bin/env bash
# The standard node, side by side in one run: the Telegen agent and the stock collector each
# doing the node's job at the same time, and what each costs the node.
#
#   agent:     8 x H100 (the fake libnvidia-ml.so.1 from gpu/src/test/native playing
#              dgx-h100-nvlink.conf), polled every 10 s, and 4 serving endpoints scraped every
#              10 s, exported as OTLP/gRPC to a sink collector; everything else at its default
#              (receiver on, self-telemetry on, in-memory queue).
#   collector: the stock collector (integration/scripts/setup.sh builds it) whose prometheus
#              receiver scrapes the same 4 endpoints every 10 s and exports OTLP/gRPC to a sink.
#
# The 4 endpoints are one small HTTP server replaying real captures (vLLM, TGI, SGLang, Triton:
# test-support/src/main/resources/fixtures/frameworks/, see PROVENANCE.md there).
# The agent runs as a user runs it: the release archive's launcher (bin/telegen-agent) on the
# archive's runtime/, with the launcher's JVM settings; bin/package --skip-build makes the
# archive from receiver-server/target/telegen-agent.jar when the jar is newer.
#
# Figures, after WARMUP seconds (default 300): resident memory (VmRSS) and threads, each the
# largest of the samples taken every 10 s through the window; CPU as CPU time over the WINDOW
# seconds (default 180) that follow. Start to first export: from the launcher's exec to the first
# export the agent's sink logs, the median of STARTS runs (default 3, the long run included).
#
#   bench/node.sh                    prints FIGURE|<id>|<agent>|<collector>|<unit>|<target> lines
#   WINDOW=60 WARMUP=20 bench/node.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${TELEGEN_CACHE:-$HOME/.cache/telegen}
[[ -f $cache/env ]] || { echo "bench/node.sh: $cache/env missing: run integration/scripts/setup.sh" >&2; exit 1; }
# shellcheck disable=SC1091
set -a; . "$cache/env"; set +a
# Five minutes: the agent's client compiler compiles what a 10 s cycle runs only after enough
# cycles, so CPU measured from one minute in is the compiler's warm-up (0.46 % of a core from 60
# to 240 s, 0.32 % from 300 to 480 s on 2026-12-02), not the steady cost of a node agent.
warmup=${WARMUP:-300}
window=${WINDOW:-180}
starts=${STARTS:-3}
fixtures=$root/test-support/src/main/resources/fixtures/frameworks
scenario=$root/gpu/src/test/resources/nvml/dgx-h100-nvlink.conf
fake_nvml=$root/gpu/target/fake-nvml/full/libnvidia-ml.so.1
jar=$root/receiver-server/target/telegen-agent.jar
log() { echo "bench/node.sh: $*" >&2; }

if [[ ! -f $jar || ! -f $fake_nvml ]]; then
  log "building the agent jar and the fake NVML library"
  (cd "$root" && mvn -B -q -ntp -Dstyle.color=never -pl receiver-server -am package -DskipTests) >&2
fi
# The staging directory of the jar's own version: bin/package --version V (FleetRolloutIT makes
# one) stages others beside it.
version=$(unzip -p "$jar" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *\([^[:space:]]*\).*/\1/p')
launcher=$root/receiver-server/target/package/telegen-agent-$version/bin/telegen-agent
if [[ ! -x $launcher || $jar -nt $launcher || $root/bin/telegen-agent -nt $launcher || $root/bin/package -nt $launcher || $root/collector-config/kubernetes/image/jlink-runtime.sh -nt $launcher ]]; then
  log "packaging the release archive (bin/package --skip-build)"
  "$root/bin/package" --skip-build >/dev/null
fi
log "agent: $launcher (runtime $("$(dirname "$launcher")/../runtime/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p'))"

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

# The 4 serving endpoints: one port each (the agent scrapes a host:port once, whatever the path),
# served by one small threaded HTTP server, which logs one line per scrape.
for f in vllm:vllm-datadog-fixture-v0-plus-v1.txt tgi:tgi-datadog-fixture-PREFIX.txt \
  sglang:sglang-datadog-fixture.txt triton:triton-datadog-fixture-PREFIX.txt; do
  cp "$fixtures/${f#*:}" "$work/${f%%:*}.txt"
done
python3 -u - "$work" >"$work/serve.log" 2>&1 <<'PY' &
import http.server, socketserver, sys, threading
work = sys.argv[1]
class Replay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = self.server.body if self.path == "/metrics" else None
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")
        print(self.server.name, self.path, flush=True)
    def log_message(self, *args):
        pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
for name in ("vllm", "tgi", "sglang", "triton"):
    s = Server(("127.0.0.1", 0), Replay)
    s.name, s.body = name, open(f"{work}/{name}.txt", "rb").read()
    print("PORT", name, s.server_address[1], flush=True)
    threading.Thread(target=s.serve_forever, daemon=True).start()
threading.Event().wait()
PY
pids+=($!)
until [[ $(grep -c '^PORT' "$work/serve.log" 2>/dev/null) -eq 4 ]]; do sleep 0.1; done
endpoint() { echo "127.0.0.1:$(awk -v n="$1" '$1 == "PORT" && $2 == n {print $3}' "$work/serve.log")"; }
vllm=$(endpoint vllm) tgi=$(endpoint tgi) sglang=$(endpoint sglang) triton=$(endpoint triton)

# A sink each, logging one line per export request received.
sink() { # name port
  cat >"$work/sink-$1.yaml" <<YAML
receivers: {otlp: {protocols: {grpc: {endpoint: 127.0.0.1:$2}}}}
exporters: {debug: {verbosity: basic}}
service:
  pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}
  telemetry: {metrics: {level: none}}
YAML
  "$TELEGEN_OTELCOL" --config "$work/sink-$1.yaml" >"$work/sink-$1.log" 2>&1 &
  pids+=($!)
}
agent_sink=$(port); sink agent "$agent_sink"
collector_sink=$(port); sink collector "$collector_sink"
for s in agent collector; do
  until grep -q 'Everything is ready' "$work/sink-$s.log"; do sleep 0.1; done
done

# The collector's equivalent job.
cat >"$work/collector.yaml" <<YAML
receivers:
  prometheus:
    config:
      scrape_configs:
        - {job_name: vllm, scrape_interval: 10s, static_configs: [{targets: ["$vllm"]}]}
        - {job_name: tgi, scrape_interval: 10s, static_configs: [{targets: ["$tgi"]}]}
        - {job_name: sglang, scrape_interval: 10s, static_configs: [{targets: ["$sglang"]}]}
        - {job_name: triton, scrape_interval: 10s, static_configs: [{targets: ["$triton"]}]}
exporters:
  otlp_grpc: {endpoint: "127.0.0.1:$collector_sink", tls: {insecure: true}}
service:
  pipelines: {metrics: {receivers: [prometheus], exporters: [otlp_grpc]}}
  telemetry: {metrics: {level: none}}
YAML
# The agent's job.
agent_config() { # receiver-port
  cat <<YAML
agent:
  exporter: {endpoint: "127.0.0.1:$agent_sink"}
  receiver: {endpoint: "127.0.0.1:$1"}
  gpu: {nvml_library: "$fake_nvml", poll_interval: 10s}
  aiml:
    scrape_interval: 10s
    frameworks:
      vllm: {metrics_endpoint: "http://$vllm/metrics"}
      tgi: {metrics_endpoint: "http://$tgi/metrics"}
      sglang: {metrics_endpoint: "http://$sglang/metrics"}
      triton: {metrics_endpoint: "http://$triton/metrics"}
YAML
}
exports() { grep -c 'Metrics.*resource metrics' "$work/sink-agent.log" 2>/dev/null || true; }
# Starts the agent; sets agent_pid and start_ms (launch to the sink's first logged export).
start_agent() {
  agent_config "$(port)" >"$work/agent.yaml"
  local before launched first
  before=$(exports)
  launched=$(date +%s%3N)
  FAKE_NVML_SCENARIO=$scenario HOME=$work/home "$launcher" run --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
  agent_pid=$!
  until [[ $(exports) -gt $before ]]; do
    kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; log "the agent exited"; exit 1; }
    sleep 0.01
  done
  first=$(date +%s%3N)
  start_ms=$((first - launched))
  start_cpu_ms=$(($(ticks "$agent_pid") * 1000 / hz))
}
mkdir -p "$work/home"
start_times=(); start_cpus=()
for ((i = 1; i < starts; i++)); do
  start_agent
  start_times+=("$start_ms"); start_cpus+=("$start_cpu_ms")
  kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
done

"$TELEGEN_OTELCOL" --config "$work/collector.yaml" >"$work/collector.log" 2>&1 &
collector_pid=$!; pids+=($collector_pid)
start_agent
start_times+=("$start_ms"); start_cpus+=("$start_cpu_ms")
pids+=($agent_pid)
log "agent pid $agent_pid, collector pid $collector_pid; warming up ${warmup}s, then measuring ${window}s (load $(cut -d' ' -f1-3 /proc/loadavg))"
sleep "$warmup"

# The agent's threads by name (numbered pool threads counted together).
thread_names() {
  for t in /proc/$1/task/*; do cat "$t/comm" 2>/dev/null || true; done | sed 's/[-#]*[0-9]*$//' | sort | uniq -c | sort -rn |
    awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}'
}
a_rss=0; c_rss=0; a_thr=0; c_thr=0; a_thr_names=
sample() {
  local v
  v=$(status_kb "$agent_pid" VmRSS); ((v > a_rss)) && a_rss=$v
  v=$(status_kb "$collector_pid" VmRSS); ((v > c_rss)) && c_rss=$v
  v=$(status_kb "$agent_pid" Threads)
  if ((v > a_thr)); then a_thr=$v; a_thr_names=$(thread_names "$agent_pid"); fi
  v=$(status_kb "$collector_pid" Threads); ((v > c_thr)) && c_thr=$v
  return 0
}
# Each agent thread's CPU ticks, by thread id, to say where the window's CPU went.
thread_ticks() {
  for t in /proc/$1/task/*; do
    echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0) $(tr ' ' _ <"$t/comm" 2>/dev/null || echo gone)"
  done | sort -k1,1
}
thread_ticks "$agent_pid" >"$work/threads-0"
a0=$(ticks "$agent_pid"); c0=$(ticks "$collector_pid")
for ((t = 0; t < window; t += 10)); do
  sample
  sleep 10
  kill -0 "$agent_pid" && kill -0 "$collector_pid" || { log "a process exited"; cat "$work/agent.log" "$work/collector.log" >&2; exit 1; }
done
sample
a1=$(ticks "$agent_pid"); c1=$(ticks "$collector_pid")
thread_ticks "$agent_pid" >"$work/threads-1"
log "agent CPU in the window by thread (% of a core): $(join -a 2 "$work/threads-0" "$work/threads-1" |
  awk -v hz="$hz" -v w="$window" 'NF == 5 {d = $4 - $2; n = $5} NF == 3 {d = $2; n = $3}
    {sub(/[-#]*[0-9]*$/, "", n); cpu[n] += d} END {for (n in cpu) if (cpu[n] > 0) printf "%.3f %s\n", 100 * cpu[n] / hz / w, n}' |
  sort -rn | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')"
log "load after: $(cut -d' ' -f1-3 /proc/loadavg); agent exports received: $(exports); scrapes served: $(awk '$2 == "/metrics" {n[$1]++} END {for (k in n) printf "%s %s ", k, n[k]}' "$work/serve.log")"
log "agent threads at the most ($a_thr): $a_thr_names"
log "agent threads at the end: $(thread_names "$agent_pid")"
if grep -qiE 'error|warn' "$work/agent.log"; then log "agent log:"; cat "$work/agent.log" >&2; fi
median=$(printf '%s\n' "${start_times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
log "start to first export (ms): ${start_times[*]}; the agent's CPU time by then (ms): ${start_cpus[*]}"

python3 - "$a_rss" "$c_rss" "$a_thr" "$c_thr" "$((a1 - a0))" "$((c1 - c0))" "$hz" "$window" "$median" <<'PY'
import sys
a_rss, c_rss, a_thr, c_thr, a_t, c_t, hz, window, start = map(int, sys.argv[1:])
cpu = lambda t: 100.0 * t / hz / window
print(f"FIGURE|node_rss_mib|{a_rss / 1024:.1f}|{c_rss / 1024:.1f}|MiB|max=64,ratio<1")
print(f"FIGURE|node_threads|{a_thr}|{c_thr}|threads|max=16")
print(f"FIGURE|node_cpu_percent|{cpu(a_t):.3f}|{cpu(c_t):.3f}|% of a core|max=0.25")
print(f"FIGURE|start_to_first_export_ms|{start}|-|ms|max=1000")
PY
