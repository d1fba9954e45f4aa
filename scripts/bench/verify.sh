#!/usr/bin/env bash
# Benchmarks `gomedic verify` against `osslsigncode verify` on the same signed PE files,
# side by side with hyperfine, and the peak memory (RSS) of each with /usr/bin/time -v.
#
# Files: the real Microsoft-signed samples (scripts/fetch-signed-samples.sh; the largest is
# mfc90.dll, 2007, SHA-1, legacy countersignature) and, as the largest signed file, a copy
# of the Windows go.exe (scripts/install-go-toolchains.sh) signed here by osslsigncode with
# a throwaway certificate, page hashes and its built-in timestamp authority.
# osslsigncode runs with -ignore-crl (no network) and the signature's own certificates as
# -CAfile/-TSA-CAfile, so both programs do the same work: digest, signatures, chains.
#
# Usage: bash scripts/bench/verify.sh
# Env: GOMEDIC_BENCH_RUNS (default 20), GOMEDIC_BENCH_WARMUP (default 3),
#      GOMEDIC_BENCH_OUT (default target/bench/verify.json)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${GOMEDIC_BENCH_RUNS:-20}"
warmup="${GOMEDIC_BENCH_WARMUP:-3}"
out="${GOMEDIC_BENCH_OUT:-$root/target/bench/verify.json}"
log() { printf 'bench: %s\n' "$*" >&2; }

command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine; } >&2
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; } >&2
(cd "$root" && cargo build --quiet --release --locked -p gomedic)
gomedic="$root/target/release/gomedic"
samples="$(bash "$root/scripts/fetch-signed-samples.sh")"
goroot="$(GOMEDIC_GO_PLATFORM=windows bash "$root/scripts/install-go-toolchains.sh" 1.22.10 | sed -n 's/^1.22.10=//p')"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A throwaway code-signing certificate and a TSA certificate (critical timeStamping EKU).
openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=gomedic bench signer" \
  -addext "extendedKeyUsage=codeSigning" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=gomedic bench TSA" \
  -addext "extendedKeyUsage=critical,timeStamping" -keyout "$work/tsakey.pem" -out "$work/tsa.pem" 2>/dev/null
osslsigncode sign -h sha256 -ph -certs "$work/cert.pem" -key "$work/key.pem" \
  -TSA-certs "$work/tsa.pem" -TSA-key "$work/tsakey.pem" \
  -in "$goroot/bin/go.exe" -out "$work/go-signed.exe" >/dev/null
cat "$work/cert.pem" "$work/tsa.pem" >"$work/ca-go.pem"
osslsigncode extract-signature -pem -in "$samples/mfc90.dll" -out "$work/mfc90.p7" >/dev/null
openssl pkcs7 -print_certs -in "$work/mfc90.p7" -out "$work/ca-mfc90.pem"

mkdir -p "$(dirname "$out")"
for f in go-signed.exe mfc90.dll; do
  case $f in
    go-signed.exe) path="$work/$f" ca="$work/ca-go.pem" ;;
    mfc90.dll) path="$samples/$f" ca="$work/ca-mfc90.pem" ;;
  esac
  size=$(stat -c %s "$path")
  "$gomedic" verify "$path" | head -1 >&2
  osslsigncode verify -ignore-crl -CAfile "$ca" -TSA-CAfile "$ca" -in "$path" | tail -1 >&2
  log "$f ($size bytes)"
  hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "${out%.json}.$f.json" \
    -n gomedic "$gomedic verify $path" \
    -n osslsigncode "osslsigncode verify -ignore-crl -CAfile $ca -TSA-CAfile $ca -in $path" >&2
  for cmd in "$gomedic verify $path" "osslsigncode verify -ignore-crl -CAfile $ca -TSA-CAfile $ca -in $path"; do
    /usr/bin/time -v -o "$work/time.txt" $cmd >/dev/null 2>&1 || true
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
    log "peak RSS ${rss} KiB (file $((size / 1024)) KiB): ${cmd%% *}"
  done
done
