#!/usr/bin/env bash
# Upgrade a pip/pipx/systemd install of lnpilot: backup, stop, install, migrate, check, start; on any
# failed step put the previous version and the backed-up store back. docs/deploy.md explains it.
#
#   deploy/upgrade.sh --venv /opt/lnpilot --package 'lnpilot==0.2.0' [--previous 'lnpilot==0.1.0']
#                     [--check 'curl -fsS http://127.0.0.1:8000/ready'] [--no-restart]
#
# The environment is lnpilot's own (LNPILOT_DATA_DIR, DATABASE_URL, ... e.g. from
# /etc/lnpilot/lnpilot.env): the same store the services use. --previous defaults to the version
# installed now, from the package index.
set -euo pipefail

venv="" package="" previous="" restart=1
checks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) venv="$2"; shift 2 ;;
    --package) package="$2"; shift 2 ;;
    --previous) previous="$2"; shift 2 ;;
    --check) checks+=("$2"); shift 2 ;;
    --no-restart) restart=0; shift ;;
    *) echo "upgrade: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$venv" ] && [ -n "$package" ] || { echo "upgrade: --venv and --package are required" >&2; exit 2; }
lnpilot="$venv/bin/lnpilot"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
units=(lnpilot-daemon lnpilot-api)

say() { echo "upgrade: $*"; }
services() {  # start|stop the systemd units, when there are any and --no-restart is not given
  if [ "$restart" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then systemctl "$1" "${units[@]}"; fi
}

old_version="$("$lnpilot" --version | awk '{print $2}')"
previous="${previous:-lnpilot==$old_version}"
say "installed: $old_version; upgrading to $package"

backup_json="$("$lnpilot" db backup --json)"
backup="$(printf '%s' "$backup_json" | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["path"])')"
say "backup: $backup"

rollback() {
  say "FAILED at: $1; rolling back to $previous"
  services stop || true
  "${pip[@]}" --force-reinstall --no-deps "$previous" && "${pip[@]}" "$previous"
  "$lnpilot" db restore "$backup" --yes >/dev/null
  "$lnpilot" db check >/dev/null
  services start || true
  say "rolled back to $("$lnpilot" --version | awk '{print $2}'); store restored from $backup"
  exit 1
}

services stop || rollback "stopping the services"
"${pip[@]}" "$package" || rollback "installing $package"
"$lnpilot" db upgrade || rollback "migrating the store"
"$lnpilot" db check || rollback "checking the store"
"$lnpilot" config check || rollback "checking the settings"
services start || rollback "starting the services"
for check in "${checks[@]}"; do
  bash -c "$check" || rollback "post-deploy check: $check"
done
say "upgraded to $("$lnpilot" --version | awk '{print $2}')"
