#!/usr/bin/env bash
# Makes "$TELEGEN_CACHE/ansible-venv" with the pinned ansible-core and ansible-lint of
# integration/ansible/requirements.txt (remade whenever that file changes), for FleetRolloutIT.
# Called by setup.sh; prints the venv's path. TELEGEN_PYTHON_BASE picks the interpreter.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements=$(dirname "$here")/ansible/requirements.txt
TELEGEN_CACHE=${TELEGEN_CACHE:-$HOME/.cache/telegen}
python=${TELEGEN_PYTHON_BASE:-/usr/bin/python3}
venv=$TELEGEN_CACHE/ansible-venv
log=$TELEGEN_CACHE/logs/ansible-venv.log
mkdir -p "$TELEGEN_CACHE/logs"

want="$(sha256sum "$requirements" | cut -c1-64) $("$python" -c 'import sys; print(sys.version.split()[0])')"
if [[ -x $venv/bin/ansible-playbook && -f $venv/.telegen-requirements && $(cat "$venv/.telegen-requirements") == "$want" ]]; then
  printf '[setup] ansible: %s (cached)\n' "$venv" >&2
  echo "$venv"
  exit 0
fi
printf '[setup] ansible: creating %s; log %s\n' "$venv" "$log" >&2
rm -rf "$venv"
if ! { "$python" -m venv "$venv" &&
  "$venv/bin/python" -m pip install --no-input --disable-pip-version-check -r "$requirements" &&
  "$venv/bin/python" -m pip check &&
  "$venv/bin/ansible-playbook" --version && "$venv/bin/ansible-lint" --version; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  printf '[setup] ERROR: the Ansible venv could not be made; log %s\n' "$log" >&2
  exit 1
fi
printf '%s\n' "$want" >"$venv/.telegen-requirements"
echo "$venv"
