#!/usr/bin/env bash
# Prepares everything the integration tests (integration/) run besides the JVM:
#
#   1. Prometheus and promtool from Debian (apt), with the package's own service kept stopped;
#   2. a Python venv with the pinned OpenTelemetry SDK and TensorBoard writers
#      (integration/python/requirements.txt), remade whenever that file changes;
#   3. the stock OpenTelemetry Collector, built with the OpenTelemetry Collector Builder (ocb)
#      from integration/otelcol/builder-config.yaml, through the Go module proxy;
#   4. Helm (helm.sh/helm/v3/cmd/helm at HELM_VERSION), go-installed through the Go module proxy
#      into "$TELEGEN_CACHE/gobin/helm-$HELM_VERSION", for the chart's lint and template tests;
#   5. for FleetRolloutIT: a Python venv with pinned ansible-core and ansible-lint
#      (ansible-venv.sh, integration/ansible/requirements.txt) and a debootstrap'd Debian root
#      booted as test hosts with systemd-nspawn (debian-root.sh), both under "$TELEGEN_CACHE";
#   6. "$TELEGEN_CACHE/env", KEY=VALUE lines naming the executables the tests run.
#
# Idempotent and fast when everything is cached. Safe on a fresh Debian bookworm machine as root.
# Environment:
#   TELEGEN_CACHE          cache root (default: $HOME/.cache/telegen)
#   TELEGEN_PYTHON_BASE    interpreter the venv is made from (default: /usr/bin/python3)
#   GOPROXY, GOSUMDB, GOCACHE, GOMODCACHE   honoured as usual; the Go caches stay in their
#                          default places (~/go/pkg/mod, ~/.cache/go-build) so reruns reuse them.
#
# The tests compute the same paths themselves (see TelegenTools.java), so the env file is for
# shells and other tools: `set -a; . "$TELEGEN_CACHE/env"; set +a`.
set -euo pipefail

# ---- pins -------------------------------------------------------------------------------------
OCB_VERSION=v0.159.0                       # must equal dist.version in builder-config.yaml
GO_TOOLCHAIN=go1.26.8                      # cmd/builder v0.159.0 needs go >= 1.26.0
HELM_VERSION=v3.21.4                       # helm lint/template of collector-config/helm/ (TelegenTools reads it)
# h1 hashes of golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-<arch> as sum.golang.org lists them;
# used only when this machine has no Go >= 1.21 and the toolchain is fetched from the module proxy.
declare -A GO_TOOLCHAIN_H1=(
  [amd64]='h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM='
  [arm64]='h1:sYL/O6MqS68ML0kjsQ36WoYIpJqkw60TxizWUYUKQMc='
)

# ---- paths ------------------------------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEGRATION_DIR=$(dirname "$SCRIPT_DIR")
MANIFEST=$INTEGRATION_DIR/otelcol/builder-config.yaml
REQUIREMENTS=$INTEGRATION_DIR/python/requirements.txt
TELEGEN_CACHE=${TELEGEN_CACHE:-$HOME/.cache/telegen}
PYTHON_BASE=${TELEGEN_PYTHON_BASE:-/usr/bin/python3}
VENV=$TELEGEN_CACHE/venv
LOG_DIR=$TELEGEN_CACHE/logs

mkdir -p "$TELEGEN_CACHE" "$LOG_DIR"
exec 9>"$TELEGEN_CACHE/.setup.lock"
flock 9                                     # one setup at a time per cache

step() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# run_logged LOG CMD...: runs CMD with its output in LOG; on failure shows the end of LOG and exits.
run_logged() {
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    printf '[setup] ERROR: "%s" failed; last lines of %s:\n' "$*" "$log" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

elapsed() { local s=$1; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

APT_UPDATED=0
apt_install() {
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install $*"
  export DEBIAN_FRONTEND=noninteractive
  if [[ $APT_UPDATED -eq 0 ]]; then
    run_logged "$LOG_DIR/apt-update.log" apt-get update
    APT_UPDATED=1
  fi
  run_logged "$LOG_DIR/apt-install.log" apt-get install -y --no-install-recommends "$@"
}

# ---- 1. Prometheus ----------------------------------------------------------------------------
install_prometheus() {
  if [[ -x /usr/bin/prometheus && -x /usr/bin/promtool ]]; then
    step "prometheus: $(/usr/bin/prometheus --version 2>&1 | head -n1 | awk '{print $3}') (installed)"
    return
  fi
  step "prometheus: installing the Debian package"
  # Keep the package's service from starting (the tests run their own instances on free ports):
  # a policy-rc.d that says 101 makes invoke-rc.d skip the start in postinst.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt_install prometheus
  if [[ $(trap -p EXIT) == *policy-rc.d* ]]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
  [[ -x /usr/bin/prometheus && -x /usr/bin/promtool ]] || die "prometheus/promtool missing after apt-get install"
  # With systemd, deb-systemd-helper may still have enabled/started the unit: stop and disable it.
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
}

# ---- 2. Python venv ---------------------------------------------------------------------------
install_venv() {
  if [[ ! -x $PYTHON_BASE ]] || ! "$PYTHON_BASE" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    [[ $PYTHON_BASE == /usr/bin/python3 ]] || die "$PYTHON_BASE cannot make a venv (needs venv and ensurepip)"
    step "python: installing python3-venv"
    apt_install python3 python3-venv
  fi
  local stamp want
  want="$(sha256sum "$REQUIREMENTS" | cut -c1-64) $("$PYTHON_BASE" -c 'import sys; print(sys.version.split()[0])')"
  stamp=$VENV/.telegen-requirements
  if [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    step "python venv: $VENV (cached)"
    return
  fi
  step "python venv: creating $VENV"
  rm -rf "$VENV"
  run_logged "$LOG_DIR/venv.log" "$PYTHON_BASE" -m venv "$VENV"
  run_logged "$LOG_DIR/pip.log" "$VENV/bin/python" -m pip install --no-input --disable-pip-version-check \
    -r "$REQUIREMENTS"
  run_logged "$LOG_DIR/pip-check.log" "$VENV/bin/python" -m pip check
  run_logged "$LOG_DIR/pip-import.log" "$VENV/bin/python" -c \
    'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc.metric_exporter, tensorboardX
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
import kubernetes_validate'
  printf '%s\n' "$want" >"$stamp"
}

# ---- 3. Go toolchain, ocb, otelcol ------------------------------------------------------------
go_minor() { # prints the minor version of the go binary $1 (go1.21.x -> 21), or 0
  local v
  v=$(GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || { echo 0; return; }
  [[ $v =~ ^go1\.([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

# Verifies a module zip against a go.sum h1 hash (golang.org/x/mod/sumdb/dirhash.Hash1) and unpacks it.
unpack_module_zip() { # zip, h1, destination
  "$PYTHON_BASE" - "$@" <<'PY'
import base64, hashlib, os, sys, zipfile
path, want, dest = sys.argv[1:4]
with zipfile.ZipFile(path) as z:
    names = sorted(n for n in z.namelist() if not n.endswith('/'))
    summary = ''.join('%s  %s\n' % (hashlib.sha256(z.read(n)).hexdigest(), n) for n in names)
    got = 'h1:' + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()
    if got != want:
        sys.exit('hash mismatch for %s: got %s, want %s' % (path, got, want))
    for info in z.infolist():
        z.extract(info, dest)
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(os.path.join(dest, info.filename), mode)
PY
}

GO=
find_go() {
  local c
  for c in "$(command -v go || true)" /usr/local/go/bin/go "$TELEGEN_CACHE/go/bin/go"; do
    if [[ -n $c && -x $c && $(go_minor "$c") -ge 21 ]]; then GO=$c; return; fi
  done
  # No Go that can switch toolchains (Debian bookworm's golang-go is 1.19): fetch the pinned
  # toolchain, which is itself a module, from the Go module proxy and check its go.sum hash.
  local arch proxy mod zip
  case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) die "no Go toolchain pin for $(uname -m)" ;; esac
  command -v curl >/dev/null || apt_install curl ca-certificates
  proxy=${GOPROXY:-https://proxy.golang.org}; proxy=${proxy%%[,|]*}
  if [[ $proxy == off || $proxy == direct ]]; then proxy=https://proxy.golang.org; fi
  mod="v0.0.1-$GO_TOOLCHAIN.linux-$arch"
  step "go: fetching $GO_TOOLCHAIN from $proxy"
  zip=$(mktemp "$TELEGEN_CACHE/go-toolchain.XXXXXX.zip")
  run_logged "$LOG_DIR/go-download.log" curl -fsSL --retry 3 -o "$zip" "$proxy/golang.org/toolchain/@v/$mod.zip"
  rm -rf "$TELEGEN_CACHE/go" "$TELEGEN_CACHE/go.unpack"
  run_logged "$LOG_DIR/go-unpack.log" unpack_module_zip "$zip" "${GO_TOOLCHAIN_H1[$arch]}" "$TELEGEN_CACHE/go.unpack"
  mv "$TELEGEN_CACHE/go.unpack/golang.org/toolchain@$mod" "$TELEGEN_CACHE/go"
  rm -rf "$TELEGEN_CACHE/go.unpack" "$zip"
  GO=$TELEGEN_CACHE/go/bin/go
}

build_otelcol() {
  [[ -f $MANIFEST ]] || die "missing $MANIFEST"
  local hash dir bin name
  hash=$(sha256sum "$MANIFEST" | cut -c1-12)
  dir=$TELEGEN_CACHE/otelcol/$hash
  bin=$dir/otelcol
  if [[ -x $bin ]] && "$bin" --version >/dev/null 2>&1; then
    step "otelcol: $bin (cached)"
    OTELCOL=$bin
    return
  fi

  find_go
  # Go >= 1.21 switches to exactly this toolchain (downloading it through GOPROXY if needed).
  export GOTOOLCHAIN=$GO_TOOLCHAIN
  export PATH="$(dirname "$GO"):$PATH"
  local gobin=$TELEGEN_CACHE/gobin/$OCB_VERSION
  if [[ ! -x $gobin/builder ]] || [[ $("$gobin/builder" version 2>/dev/null) != *"$OCB_VERSION"* ]]; then
    step "ocb: go install go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
    mkdir -p "$gobin"
    GOBIN=$gobin CGO_ENABLED=0 run_logged "$LOG_DIR/ocb-install.log" \
      go install -trimpath go.opentelemetry.io/collector/cmd/builder@"$OCB_VERSION"
  fi

  step "otelcol: building from $(basename "$MANIFEST") (sha256 $hash) with ocb $OCB_VERSION; log $LOG_DIR/otelcol-build.log"
  mkdir -p "$TELEGEN_CACHE/otelcol"
  local work start
  work=$(mktemp -d "$TELEGEN_CACHE/otelcol/.build-$hash.XXXXXX")
  cp "$MANIFEST" "$work/builder-config.yaml"
  start=$SECONDS
  (cd "$work" && run_logged "$LOG_DIR/otelcol-build.log" "$gobin/builder" --config builder-config.yaml)
  name=$(sed -n 's/^[[:space:]]\{1,\}name:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$work/builder-config.yaml" | head -n1)
  local built
  built=$(find "$work" -type f -name "${name:-otelcol}" -perm -u+x | head -n1)
  [[ -n $built ]] || die "ocb finished but produced no ${name:-otelcol} binary under $work"
  mkdir -p "$dir"
  cp "$MANIFEST" "$dir/builder-config.yaml"
  mv -f "$built" "$dir/otelcol.tmp"
  mv -f "$dir/otelcol.tmp" "$bin"
  rm -rf "$work"
  "$bin" --version >/dev/null || die "$bin does not run"
  step "otelcol: built in $(elapsed $((SECONDS - start))) -> $bin"
  OTELCOL=$bin
}

# ---- 4. Helm ----------------------------------------------------------------------------------
install_helm() {
  local gobin=$TELEGEN_CACHE/gobin/helm-$HELM_VERSION
  HELM=$gobin/helm
  if [[ -x $HELM ]] && [[ $("$HELM" version --template '{{.Version}}' 2>/dev/null) == "$HELM_VERSION" ]]; then
    step "helm: $HELM (cached)"
    return
  fi
  find_go
  export GOTOOLCHAIN=$GO_TOOLCHAIN
  export PATH="$(dirname "$GO"):$PATH"
  step "helm: go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION; log $LOG_DIR/helm-install.log"
  mkdir -p "$gobin"
  # Helm's release builds set its version by -ldflags; without it `helm version` says only v3.21.
  GOBIN=$gobin CGO_ENABLED=0 run_logged "$LOG_DIR/helm-install.log" \
    go install -trimpath -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    helm.sh/helm/v3/cmd/helm@"$HELM_VERSION"
  "$HELM" version >/dev/null || die "$HELM does not run"
}

# ---- 5. Ansible and the Debian root of the fleet tests ---------------------------------------
install_fleet() {
  ANSIBLE_VENV=$(TELEGEN_CACHE=$TELEGEN_CACHE TELEGEN_PYTHON_BASE=$PYTHON_BASE "$SCRIPT_DIR/ansible-venv.sh")
  DEBIAN_ROOT=$(TELEGEN_CACHE=$TELEGEN_CACHE "$SCRIPT_DIR/debian-root.sh")
}

# ---- 6. env file ------------------------------------------------------------------------------
write_env() {
  local env=$TELEGEN_CACHE/env
  cat >"$env.tmp" <<EOF
# written by integration/scripts/setup.sh; read with: set -a; . "$env"; set +a
TELEGEN_CACHE=$TELEGEN_CACHE
TELEGEN_OTELCOL=$OTELCOL
TELEGEN_PROMETHEUS=/usr/bin/prometheus
TELEGEN_PROMTOOL=/usr/bin/promtool
TELEGEN_PYTHON=$VENV/bin/python
TELEGEN_KUBERNETES_VALIDATE=$VENV/bin/kubernetes-validate
TELEGEN_HELM=$HELM
TELEGEN_ANSIBLE_VENV=$ANSIBLE_VENV
TELEGEN_DEBIAN_ROOT=$DEBIAN_ROOT
EOF
  mv -f "$env.tmp" "$env"
  step "wrote $env"
}

OTELCOL=
HELM=
ANSIBLE_VENV=
DEBIAN_ROOT=
install_prometheus
install_venv
build_otelcol
install_helm
install_fleet
write_env
