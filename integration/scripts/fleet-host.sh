#!/usr/bin/env bash
# Starts and stops one test host for FleetRolloutIT: a real systemd machine booted with
# systemd-nspawn from the cached Debian root (debian-root.sh), in its own network namespace,
# reached over SSH as root with the test's key.
#   fleet-host.sh up NAME INDEX ROOTFS DIR PUBKEY   boot; prints the host's address when sshd answers
#   fleet-host.sh down NAME DIR                     power it off and remove all it left
# NAME: a short host name (<= 8 characters); INDEX 1..250 picks its addresses: the host is
# 198.18.INDEX.2, this machine's end of its link 198.18.INDEX.1 (198.18.0.0/15 is the range set
# aside for network tests, RFC 2544; nothing else routes there). The host boots an overlay of
# ROOTFS (never written) with its changes under DIR, the console in DIR/console.log.
set -euo pipefail

die() { printf 'fleet-host.sh: %s\n' "$*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, mounts, systemd-nspawn)"

up() {
  local name=$1 index=$2 rootfs=$3 dir=$4 pubkey=$5
  local ns=telegen-$name host_if=tgh-$name guest_if=tgc-$name addr=198.18.$index.2
  [[ -d $rootfs/etc/systemd ]] || die "$rootfs is not a Debian root; run integration/scripts/debian-root.sh"
  mkdir -p "$dir"/{upper,work,merged}
  ip netns add "$ns"
  ip link add "$host_if" type veth peer name "$guest_if"
  ip link set "$guest_if" netns "$ns"
  ip addr add "198.18.$index.1/24" dev "$host_if"
  ip link set "$host_if" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev "$guest_if"
  ip -n "$ns" link set "$guest_if" up
  ip -n "$ns" route add default via "198.18.$index.1"
  mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$dir/upper,workdir=$dir/work" "$dir/merged"
  local m=$dir/merged
  install -d -m 700 "$m/root/.ssh"
  install -m 600 "$pubkey" "$m/root/.ssh/authorized_keys"
  echo "$name" >"$m/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$name" >"$m/etc/hosts"
  setsid systemd-nspawn --quiet --register=no --keep-unit --boot -D "$m" -M "$name" \
    --network-namespace-path="/run/netns/$ns" </dev/null >"$dir/console.log" 2>&1 &
  echo $! >"$dir/nspawn.pid"
  local i
  for ((i = 0; i < 120; i++)); do
    if ! kill -0 "$(cat "$dir/nspawn.pid")" 2>/dev/null; then
      tail -n 30 "$dir/console.log" >&2
      die "$name: systemd-nspawn exited while booting; console above ($dir/console.log)"
    fi
    if (exec 3<>"/dev/tcp/$addr/22") 2>/dev/null; then
      echo "$addr"
      return
    fi
    sleep 0.5
  done
  tail -n 30 "$dir/console.log" >&2
  die "$name: sshd did not answer on $addr:22 within 60s; console above ($dir/console.log)"
}

down() {
  local name=$1 dir=$2 pid i
  if [[ -f $dir/nspawn.pid ]]; then
    pid=$(cat "$dir/nspawn.pid")
    # SIGTERM makes systemd-nspawn ask the container's systemd to power off.
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60 && $(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0); i++)); do sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/nspawn.pid"
  fi
  if mountpoint -q "$dir/merged"; then umount "$dir/merged" || umount -l "$dir/merged"; fi
  ip link del "tgh-$name" 2>/dev/null || true
  ip netns del "telegen-$name" 2>/dev/null || true
  rm -rf "$dir/upper" "$dir/work" "$dir/merged"
}

case ${1:-} in
  up) (($# == 6)) || die "usage: fleet-host.sh up NAME INDEX ROOTFS DIR PUBKEY"; up "${@:2}" ;;
  down) (($# == 3)) || die "usage: fleet-host.sh down NAME DIR"; down "${@:2}" ;;
  *) die "usage: fleet-host.sh up NAME INDEX ROOTFS DIR PUBKEY | down NAME DIR" ;;
esac
