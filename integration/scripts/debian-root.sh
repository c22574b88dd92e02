#!/usr/bin/env bash
# Makes the Debian root filesystem that FleetRolloutIT boots as test hosts with systemd-nspawn
# (real systemd and sshd, no Java): `debootstrap --variant=minbase` of bookworm with systemd,
# dbus, openssh-server, python3 and python3-apt (what Ansible needs on a managed Debian host, as
# on Debian's cloud images), cached under
#   "$TELEGEN_CACHE/debian-root/<key>/rootfs"
# where <key> hashes the suite, the package list and ROOT_LAYOUT (bump it when the setup of the
# root below changes), so a change makes a new root; older roots are removed.
# The tests never write to it: each host boots an overlay of it (see FleetHosts.java).
# Also installs the host's tools for it (debootstrap, systemd-container for systemd-nspawn).
#   debian-root.sh            make (or reuse) the root, print its path on stdout
# Environment: TELEGEN_CACHE (default ~/.cache/telegen), TELEGEN_DEBIAN_MIRROR (default
# http://deb.debian.org/debian).
set -euo pipefail

SUITE=bookworm
# The version of what this script does to the root after debootstrap.
ROOT_LAYOUT=1
PACKAGES=systemd,systemd-sysv,dbus,openssh-server,python3,python3-apt,iproute2,procps,ca-certificates
MIRROR=${TELEGEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TELEGEN_CACHE=${TELEGEN_CACHE:-$HOME/.cache/telegen}
LOG_DIR=$TELEGEN_CACHE/logs

step() { printf '[debian-root] %s\n' "$*" >&2; }
die() { printf '[debian-root] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "debootstrap and systemd-nspawn need root"
mkdir -p "$TELEGEN_CACHE/debian-root" "$LOG_DIR"
exec 8>"$TELEGEN_CACHE/debian-root/.lock"
flock 8                                     # one debootstrap at a time per cache

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v ssh >/dev/null || need+=(openssh-client)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
if ((${#need[@]})); then
  step "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >"$LOG_DIR/debian-root-apt.log" 2>&1 || { tail -n 20 "$LOG_DIR/debian-root-apt.log" >&2; die "apt-get update failed"; }
  apt-get install -y --no-install-recommends "${need[@]}" >>"$LOG_DIR/debian-root-apt.log" 2>&1 \
    || { tail -n 20 "$LOG_DIR/debian-root-apt.log" >&2; die "apt-get install ${need[*]} failed"; }
fi

key=$(echo "$SUITE $PACKAGES $ROOT_LAYOUT" | sha256sum | cut -c1-12)
dir=$TELEGEN_CACHE/debian-root/$key
if [[ -f $dir/.complete ]]; then
  step "$dir/rootfs (cached)"
  echo "$dir/rootfs"
  exit 0
fi

step "debootstrap $SUITE into $dir/rootfs (first run only, a few minutes); log $LOG_DIR/debootstrap.log"
rm -rf "$dir"
mkdir -p "$dir"
start=$SECONDS
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$dir/rootfs" "$MIRROR" \
  >"$LOG_DIR/debootstrap.log" 2>&1; then
  tail -n 30 "$LOG_DIR/debootstrap.log" >&2
  die "debootstrap failed"
fi
root=$dir/rootfs
# A host key is made per host at boot (ssh-keygen -A in the overlay), not baked into the cache.
rm -f "$root"/etc/ssh/ssh_host_*
# systemd makes a machine id per boot when the file is empty.
: >"$root/etc/machine-id"
# Root logs in with the key each test writes to /root/.ssh/authorized_keys; no passwords.
mkdir -p "$root/root/.ssh"
chmod 700 "$root/root/.ssh"
cat >"$root/etc/ssh/sshd_config.d/telegen-test.conf" <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
CONF
# sshd needs host keys before it starts; a oneshot makes them on first boot of each overlay.
cat >"$root/etc/systemd/system/ssh-hostkeys.service" <<'UNIT'
[Unit]
Description=Generate SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/ssh-hostkeys.service "$root/etc/systemd/system/multi-user.target.wants/ssh-hostkeys.service"
# Nothing in a test host needs a console login or udev.
ln -sf /dev/null "$root/etc/systemd/system/console-getty.service"
ln -sf /dev/null "$root/etc/systemd/system/getty@.service"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
touch "$dir/.complete"
for old in "$TELEGEN_CACHE"/debian-root/*/; do   # not .lock: the glob matches directories only
  [[ ${old%/} == "$dir" ]] || rm -rf "${old%/}"
done
step "made $root in $((SECONDS - start))s ($(du -sh "$root" | cut -f1))"
echo "$root"
