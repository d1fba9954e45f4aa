#!/usr/bin/env bash
# Starts the real-server lab for `gomedic net` (issue #9): nginx TLS/HTTP variants, squid,
# microsocks and mitmproxy on free loopback ports, serving a fixture module in GOPROXY
# layout. Prints the path of the JSON manifest (scenarios: GOPROXY, env, expected outcome);
# stop with `bash LABDIR/stop.sh`.
# Usage: scripts/lab/start.sh [LABDIR]   (default: a new temp dir)
# Env: GOMEDIC_LAB_SKIP_INSTALL=1 skips scripts/lab/install.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ "${GOMEDIC_LAB_SKIP_INSTALL:-0}" = 1 ] || bash "$here/install.sh"
venv="${GOMEDIC_LAB_VENV:-$HOME/.cache/gomedic/lab/venv}"

lab="${1:-}"
own_dir=0
if [ -z "$lab" ]; then lab="$(mktemp -d /tmp/gomedic-lab.XXXXXX)"; own_dir=1; fi
mkdir -p "$lab"
lab="$(cd "$lab" && pwd)"
# squid and nginx workers drop root; they read certs and files here.
chmod 755 "$lab"
cd "$lab"
: >pids
cat >stop.sh <<EOF
#!/usr/bin/env bash
# Stops this lab's servers (by the pids they were started with) and waits for them.
pids=\$(cat "$lab"/nginx/nginx.pid "$lab"/squid/squid.pid "$lab/pids" 2>/dev/null)
for pid in \$pids; do kill "\$pid" 2>/dev/null || true; done
for _ in \$(seq 1 100); do
  alive=0
  for pid in \$pids; do
    st=\$(awk '{print \$3}' "/proc/\$pid/stat" 2>/dev/null) || continue
    [ "\$st" != Z ] && alive=1
  done
  [ \$alive = 0 ] && break
  sleep 0.1
done
EOF
# A temp dir made here goes with the lab.
[ "$own_dir" = 1 ] && echo "rm -rf '$lab'" >>stop.sh
chmod +x stop.sh
# Whatever fails below, nothing is left running.
trap 'st=$?; if [ $st != 0 ]; then bash "$lab/stop.sh"; echo "lab: start failed, see $lab" >&2; fi' EXIT

# A name that is not `localhost` and resolves to 127.0.0.1 through the system resolver:
# go never proxies localhost or loopback IPs, so proxied scenarios need such a name (the
# proxies resolve it; squid also gets it from its own hosts file).
labhost=""
for n in "$(hostname)" vm runsc; do
  [ -n "$n" ] && [ "$n" != localhost ] || continue
  if getent ahostsv4 "$n" 2>/dev/null | awk '{print $1}' | grep -qx '127\.0\.0\.1'; then labhost="$n"; break; fi
done
socks_ok=1
if [ -z "$labhost" ]; then labhost=gomedic-lab.test; socks_ok=0; fi

# ---- certificates (openssl) ------------------------------------------------------------
mkdir -p pki && cd pki
sans="DNS:localhost,DNS:$labhost,DNS:proxied.gomedic-lab.test,IP:127.0.0.1"
ext() { # ext FILE SAN: a server leaf's extensions
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n%s' "${2:+subjectAltName=$2}" >"$1"
}
q() { "$@" 2>/dev/null; }
q openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout ca.key -out ca.pem \
  -subj "/O=gomedic lab/CN=gomedic lab root" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -new -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/O=gomedic lab/CN=gomedic lab intermediate"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >int.ext
q openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key -set_serial 0x$(openssl rand -hex 8) -days 3650 -sha256 -extfile int.ext -out int.pem
leaf() { # leaf NAME SIGNER CN SAN NEWKEY...
  local n=$1 signer=$2 cn=$3 san=$4; shift 4
  q openssl req -new "$@" -nodes -keyout "$n.key" -out "$n.csr" -subj "/O=gomedic lab/CN=$cn"
  ext "$n.ext" "$san"
  q openssl x509 -req -in "$n.csr" -CA "$signer.pem" -CAkey "$signer.key" -set_serial 0x$(openssl rand -hex 8) \
    -days 825 -sha256 -extfile "$n.ext" -out "$n.pem"
}
leaf good ca localhost "$sans" -newkey rsa:2048
leaf viaint int localhost "$sans" -newkey rsa:2048
cat viaint.pem int.pem >viaint-chain.pem
leaf wrongname ca wrong.example "DNS:wrong.example,DNS:www.wrong.example" -newkey rsa:2048
leaf cnonly ca localhost "" -newkey rsa:2048
leaf rsa1024 ca localhost "$sans" -newkey rsa:1024
leaf p521 ca localhost "$sans" -newkey ec -pkeyopt ec_paramgen_curve:secp521r1
# Expired: `openssl x509` (3.0) cannot backdate, `openssl ca` can.
mkdir -p cadb && : >cadb/index.txt
cat >cadb/ca.cnf <<EOF
[ca]
default_ca = lab
[lab]
database = $lab/pki/cadb/index.txt
new_certs_dir = $lab/pki/cadb
serial = $lab/pki/cadb/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF
openssl rand -hex 8 >cadb/serial
q openssl req -new -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr -subj "/CN=localhost"
ext expired.ext "$sans"
q openssl ca -batch -notext -config cadb/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20210101000000Z -extfile expired.ext
# A self-signed server certificate with CA:TRUE, trusted directly (SSL_CERT_FILE is itself).
q openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 -keyout selfca.key -out selfca.pem \
  -subj "/O=gomedic lab/CN=localhost" -addext basicConstraints=critical,CA:TRUE \
  -addext "subjectAltName=$sans" -addext extendedKeyUsage=serverAuth
for c in good viaint wrongname cnonly rsa1024 p521 expired selfca; do [ -s "$c.pem" ] || { echo "lab: no $c.pem" >&2; exit 1; }; done
cd "$lab"

# ---- ports and the fixture module --------------------------------------------------------
names=(ok chain intmissing wrongname expired cnonly selfca rsa1024 p521 tls10 cbc
  http redir_https redir307 files_http block s401 s403 s502
  squid_auth squid_deny socks socks_auth mitm dead)
read -r -a ports <<<"$(python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' ${#names[@]})"
declare -A P
for i in "${!names[@]}"; do P[${names[$i]}]=${ports[$i]}; done

python3 - "$lab/www" <<'PY'
import io, os, sys, zipfile
root = os.path.join(sys.argv[1], "example.com/lab/m/@v")
os.makedirs(root, exist_ok=True)
mod = "module example.com/lab/m\n\ngo 1.21\n"
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("example.com/lab/m@v1.0.0/go.mod", mod)
    z.writestr("example.com/lab/m@v1.0.0/m.go", "package m\n\nconst Lab = true\n")
files = {
    "list": "v1.0.0\n",
    "v1.0.0.info": '{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}\n',
    "v1.0.0.mod": mod,
}
for n, t in files.items():
    open(os.path.join(root, n), "w").write(t)
open(os.path.join(root, "v1.0.0.zip"), "wb").write(b.getvalue())
PY
chmod -R a+rX "$lab/www" "$lab/pki"

# ---- nginx -------------------------------------------------------------------------------
mkdir -p nginx/tmp
block='<!DOCTYPE html><html><head><title>Access denied</title></head><body><h1>Access denied</h1><p>This site is blocked by your organization.</p></body></html>'
tls() { # tls PORT CERT KEY [PROTOCOLS [CIPHERS]]
  printf '  server {\n    listen 127.0.0.1:%s ssl;\n    ssl_certificate %s;\n    ssl_certificate_key %s;\n    ssl_protocols %s;\n    ssl_ciphers "%s";\n' \
    "$1" "$lab/pki/$2" "$lab/pki/$3" "${4:-TLSv1.2 TLSv1.3}" "${5:-HIGH:!aNULL}"
}
files='    location / { root '"$lab"'/www; }\n  }\n'
{
  cat <<EOF
daemon on;
pid $lab/nginx/nginx.pid;
error_log $lab/nginx/error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log $lab/nginx/access.log;
  client_body_temp_path $lab/nginx/tmp/body;
  proxy_temp_path $lab/nginx/tmp/proxy;
  fastcgi_temp_path $lab/nginx/tmp/fastcgi;
  uwsgi_temp_path $lab/nginx/tmp/uwsgi;
  scgi_temp_path $lab/nginx/tmp/scgi;
  default_type application/octet-stream;
EOF
  tls "${P[ok]}" good.pem good.key; printf "$files"
  tls "${P[chain]}" viaint-chain.pem viaint.key; printf "$files"
  tls "${P[intmissing]}" viaint.pem viaint.key; printf "$files"
  tls "${P[wrongname]}" wrongname.pem wrongname.key; printf "$files"
  tls "${P[expired]}" expired.pem expired.key; printf "$files"
  tls "${P[cnonly]}" cnonly.pem cnonly.key; printf "$files"
  tls "${P[selfca]}" selfca.pem selfca.key; printf "$files"
  # OpenSSL 3 refuses 1024-bit keys, TLS 1.0 and SHA-1 CBC suites above security level 0.
  tls "${P[rsa1024]}" rsa1024.pem rsa1024.key "TLSv1.2 TLSv1.3" "DEFAULT:@SECLEVEL=0"; printf "$files"
  tls "${P[p521]}" p521.pem p521.key; printf "$files"
  tls "${P[tls10]}" good.pem good.key "TLSv1" "DEFAULT:@SECLEVEL=0"; printf "$files"
  tls "${P[cbc]}" good.pem good.key "TLSv1.2" "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"; printf "$files"
  printf '  server {\n    listen 127.0.0.1:%s;\n    return 301 https://127.0.0.1:%s$request_uri;\n  }\n' "${P[http]}" "${P[ok]}"
  tls "${P[redir_https]}" good.pem good.key; printf '    return 302 https://localhost:%s$request_uri;\n  }\n' "${P[chain]}"
  printf '  server {\n    listen 127.0.0.1:%s;\n%b' "${P[redir307]}" "    location / { return 307 http://localhost:${P[files_http]}\$request_uri; }\n  }\n"
  printf '  server {\n    listen 127.0.0.1:%s;\n%b' "${P[files_http]}" "$files"
  tls "${P[block]}" good.pem good.key; printf '    location / { default_type text/html; return 200 %s; }\n  }\n' "'$block'"
  tls "${P[s401]}" good.pem good.key; printf '    location / { add_header WWW-Authenticate "Basic realm=\\"modules\\"" always; return 401; }\n  }\n'
  tls "${P[s403]}" good.pem good.key; printf '    location / { return 403; }\n  }\n'
  tls "${P[s502]}" good.pem good.key; printf '    location / { return 502; }\n  }\n'
  echo "}"
} >nginx/nginx.conf
nginx -p "$lab/nginx" -c "$lab/nginx/nginx.conf" -e "$lab/nginx/error.log"

# ---- squid: CONNECT with basic auth on one port, an ACL that denies everything on another
mkdir -p squid
# Only squid knows proxied.gomedic-lab.test: go succeeds with it only through squid.
printf '127.0.0.1 localhost %s proxied.gomedic-lab.test\n' "$labhost" >squid/hosts
# carol's password is never sent: the wrong-password scenarios use her. squid caches a
# user's verified credentials by name, and a wrong password for a user just verified
# (alice) now and then got through while the right one was cached (seen once in CI).
{ printf 'alice:%s\n' "$(openssl passwd -apr1 's3cret-pw')"
  printf 'carol:%s\n' "$(openssl passwd -apr1 'carols-pw')"; } >squid/passwd
cat >squid/squid.conf <<EOF
http_port 127.0.0.1:${P[squid_auth]} name=auth
http_port 127.0.0.1:${P[squid_deny]} name=deny
pid_filename $lab/squid/squid.pid
cache_log $lab/squid/cache.log
access_log stdio:$lab/squid/access.log
netdb_filename none
coredump_dir $lab/squid
cache deny all
hosts_file $lab/squid/hosts
shutdown_lifetime 0 seconds
auth_param basic program /usr/lib/squid/basic_ncsa_auth $lab/squid/passwd
auth_param basic children 2 startup=1
auth_param basic realm gomedic lab
acl denyport myportname deny
acl authed proxy_auth REQUIRED
http_access deny denyport
http_access allow authed
http_access deny all
EOF
chmod 777 squid
squid -f "$lab/squid/squid.conf"

# ---- SOCKS5 (microsocks): one open, one with user/password ------------------------------
if [ "$socks_ok" = 1 ]; then
  microsocks -i 127.0.0.1 -p "${P[socks]}" >socks.log 2>&1 &
  echo $! >>pids
  microsocks -i 127.0.0.1 -p "${P[socks_auth]}" -u bob -P 'socks-pw' >socks-auth.log 2>&1 &
  echo $! >>pids
fi

# ---- mitmproxy: intercepts TLS with its own CA; trusts the lab CA upstream ----------------
mkdir -p mitm
"$venv/bin/mitmdump" -q --listen-host 127.0.0.1 --listen-port "${P[mitm]}" \
  --set confdir="$lab/mitm" --set ssl_verify_upstream_trusted_ca="$lab/pki/ca.pem" >mitm/mitm.log 2>&1 &
echo $! >>pids

# ---- wait until every server accepts connections ----------------------------------------
wait_ports=(ok chain intmissing wrongname expired cnonly selfca rsa1024 p521 tls10 cbc http redir_https
  redir307 files_http block s401 s403 s502 squid_auth squid_deny mitm)
[ "$socks_ok" = 1 ] && wait_ports+=(socks socks_auth)
for _ in $(seq 1 200); do
  missing=()
  for n in "${wait_ports[@]}"; do
    (exec 3<>"/dev/tcp/127.0.0.1/${P[$n]}") 2>/dev/null || missing+=("$n")
  done
  [ ${#missing[@]} = 0 ] && [ -s mitm/mitmproxy-ca-cert.pem ] && break
  sleep 0.1
done
if [ ${#missing[@]} != 0 ] || [ ! -s mitm/mitmproxy-ca-cert.pem ]; then
  echo "lab: not listening: ${missing[*]}" >&2
  tail -n 5 nginx/error.log squid/cache.log mitm/mitm.log >&2 || true
  exit 1
fi

# ---- manifest ----------------------------------------------------------------------------
ports_json="{$(for n in "${names[@]}"; do printf '"%s":%s,' "$n" "${P[$n]}"; done | sed 's/,$//')}"
python3 - "$lab" "$labhost" "$socks_ok" "$ports_json" <<'PY'
import json, sys
lab, host, socks_ok, P = sys.argv[1], sys.argv[2], sys.argv[3] == "1", json.loads(sys.argv[4])
ca, mitm_ca = f"{lab}/pki/ca.pem", f"{lab}/mitm/mitmproxy-ca-cert.pem"
S = []
def sc(name, goproxy, expect, about, ca=ca, **env):
    e = {"SSL_CERT_FILE": ca}
    e.update(env)
    S.append({"name": name, "goproxy": goproxy, "env": e, "expect": expect, "about": about})
loc = lambda p, s="https", h="127.0.0.1": f"{s}://{h}:{P[p]}"
sc("tls_ok", loc("ok"), "works", "nginx, leaf from the private CA trusted via SSL_CERT_FILE")
sc("tls_chain", loc("chain", h="localhost"), "works", "nginx sends leaf + intermediate")
sc("tls_missing_intermediate", loc("intmissing"), "tls", "nginx sends only the leaf; its intermediate is unknown")
sc("tls_wrong_name", loc("wrongname"), "tls", "certificate for wrong.example")
sc("tls_expired", loc("expired"), "tls", "certificate expired in 2021")
sc("tls_cn_only", loc("cnonly", h="localhost"), "tls", "CN=localhost, no subjectAltName")
sc("tls_self_signed_ca", loc("selfca"), "works", "self-signed CA:TRUE server certificate, trusted directly",
   ca=f"{lab}/pki/selfca.pem")
sc("tls_rsa1024", loc("rsa1024"), "works", "RSA-1024 leaf (@SECLEVEL=0)")
sc("tls_p521", loc("p521"), "works", "ECDSA P-521 (secp521r1) leaf")
sc("tls_1_0_only", loc("tls10"), "tls", "server speaks only TLS 1.0")
sc("tls_cbc_only", loc("cbc"), "works", "TLS 1.2 with only ECDHE-RSA-AES128-SHA (CBC)")
sc("redirect_http_to_https", loc("http", s="http"), "works", "301 from http:// to https://")
sc("redirect_302_other_host", loc("redir_https"), "works", "302 to https://localhost on another port")
sc("redirect_307_other_port", loc("redir307", s="http"), "works", "307 to another plain-HTTP port serving the files")
sc("plain_http", loc("files_http", s="http"), "works", "plain HTTP file server (the redirect target)")
sc("block_page", loc("block"), "protocol", "200 text/html \"Access denied\" for every path")
sc("http_401", loc("s401"), "http", "401 with WWW-Authenticate for every path")
sc("http_403", loc("s403"), "http", "403 for every path")
sc("http_502", loc("s502"), "http", "502 for every path")
target = f"https://{host}:{P['ok']}"
squid_target = f"https://proxied.gomedic-lab.test:{P['ok']}"
sq = lambda u, port: f"http://{u}127.0.0.1:{P[port]}"
sc("squid_auth_ok", squid_target, "works", "squid CONNECT with the right basic credentials",
   HTTPS_PROXY=sq("alice:s3cret-pw@", "squid_auth"))
sc("squid_auth_wrong", squid_target, "proxy", "squid CONNECT with wrong credentials: 407",
   HTTPS_PROXY=sq("carol:not-the-pw@", "squid_auth"))
sc("squid_auth_missing", squid_target, "proxy", "squid CONNECT without credentials: 407",
   HTTPS_PROXY=sq("", "squid_auth"))
sc("squid_acl_denied", squid_target, "proxy", "squid denies CONNECT by ACL: 403",
   HTTPS_PROXY=sq("alice:s3cret-pw@", "squid_deny"))
http_target = f"http://proxied.gomedic-lab.test:{P['files_http']}"
sc("squid_http_goproxy", http_target, "works", "http:// GOPROXY through squid (HTTP_PROXY, GET with an absolute URL)",
   HTTP_PROXY=sq("alice:s3cret-pw@", "squid_auth"))
sc("squid_http_auth_wrong", http_target, "proxy", "http:// GOPROXY through squid with wrong credentials: 407 to GET",
   HTTP_PROXY=sq("carol:not-the-pw@", "squid_auth"))
sc("squid_http_acl_denied", http_target, "http", "http:// GOPROXY through squid, denied by ACL: 403 to GET",
   HTTP_PROXY=sq("alice:s3cret-pw@", "squid_deny"))
sc("squid_lowercase_env", squid_target, "works", "https_proxy (lower case) with the right credentials",
   https_proxy=sq("alice:s3cret-pw@", "squid_auth"))
if socks_ok:
    sc("socks5_https_proxy", target, "works", "microsocks via HTTPS_PROXY=socks5://",
       HTTPS_PROXY=f"socks5://127.0.0.1:{P['socks']}")
    sc("socks5_auth_ok", target, "works", "microsocks with user/password in the URL",
       HTTPS_PROXY=f"socks5://bob:socks-pw@127.0.0.1:{P['socks_auth']}")
    sc("socks5_auth_wrong", target, "proxy", "microsocks with a wrong password",
       HTTPS_PROXY=f"socks5://bob:nope@127.0.0.1:{P['socks_auth']}")
    # These also need a non-localhost name that resolves to 127.0.0.1 (go connects to it
    # directly, mitmproxy resolves it upstream).
    sc("all_proxy_ignored", target, "works", "ALL_PROXY=socks5:// to a closed port: go ignores ALL_PROXY",
       ALL_PROXY=f"socks5://127.0.0.1:{P['dead']}")
    sc("mitm_trusted", target, "works", "mitmproxy intercepts; its CA is trusted",
       ca=mitm_ca, HTTPS_PROXY=f"http://127.0.0.1:{P['mitm']}")
    sc("mitm_untrusted", target, "tls", "mitmproxy intercepts; its CA is not trusted",
       HTTPS_PROXY=f"http://127.0.0.1:{P['mitm']}")
else:
    print("lab: no non-localhost name resolves to 127.0.0.1: the SOCKS5, ALL_PROXY and "
          "mitmproxy scenarios are left out", file=sys.stderr)
m = {"schema": "gomedic.lab/v1", "lab_dir": lab, "labhost": host, "ports": P,
     "module": "example.com/lab/m", "version": "v1.0.0", "scenarios": S}
json.dump(m, open(f"{lab}/manifest.json", "w"), indent=2)
PY
echo "$lab/manifest.json"
