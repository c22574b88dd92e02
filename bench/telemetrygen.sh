#!/usr/bin/env bash
# Prints the path of telemetrygen (the OpenTelemetry load generator), installing it first from the
# Go module proxy into $TELEGEN_CACHE/gobin/telemetrygen-<version> (~/.cache/telegen, beside the
# collector integration/scripts/setup.sh builds) when it is not there. Only the benchmarks use it,
# so CI does not install it. Needs Go (the one setup.sh uses for the collector).
#
#   TELEGEN_TELEMETRYGEN_VERSION=v0.161.0 bench/telemetrygen.sh
set -euo pipefail

version=${TELEGEN_TELEMETRYGEN_VERSION:-v0.161.0}
cache=${TELEGEN_CACHE:-$HOME/.cache/telegen}
gobin=$cache/gobin/telemetrygen-$version
if [[ ! -x $gobin/telemetrygen ]]; then
  command -v go >/dev/null || { echo "telemetrygen.sh: Go is needed to install telemetrygen" >&2; exit 2; }
  echo "telemetrygen.sh: go install telemetrygen@$version into $gobin (first run only)..." >&2
  mkdir -p "$gobin"
  GOBIN=$gobin CGO_ENABLED=0 go install -trimpath \
    github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@"$version" >&2
fi
echo "$gobin/telemetrygen"
