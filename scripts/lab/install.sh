#!/usr/bin/env bash
# Installs, once, what the real-server lab needs: nginx, squid and microsocks from Debian,
# mitmproxy from PyPI into a venv under ~/.cache/gomedic/lab (pip caches under ~/.cache).
# Idempotent: does nothing when everything is there.
set -euo pipefail

venv="${GOMEDIC_LAB_VENV:-$HOME/.cache/gomedic/lab/venv}"
mitm_version=11.0.2 # the newest that runs on Debian bookworm's Python 3.11

need_apt=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
[ -x /usr/sbin/squid ] || need_apt+=(squid)
command -v microsocks >/dev/null || need_apt+=(microsocks)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "lab: installing ${need_apt[*]}" >&2
  if [ "$(id -u)" != 0 ]; then echo "scripts/lab/install.sh: need root to apt-get install ${need_apt[*]}" >&2; exit 1; fi
  apt-get update -qq >&2
  # (Debian may also start its own nginx/squid on ports 80/3128; the lab uses other ports.)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi

# (Read the whole output: `| grep -q` under pipefail fails when mitmdump gets SIGPIPE.)
have="$("$venv/bin/mitmdump" --version 2>/dev/null || true)"
if [[ "$have" != *"Mitmproxy: $mitm_version"* ]]; then
  echo "lab: installing mitmproxy $mitm_version into $venv" >&2
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "mitmproxy==$mitm_version" >&2
fi
