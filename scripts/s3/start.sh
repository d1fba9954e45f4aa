#!/usr/bin/env bash
# Starts a real S3 server for gomedic-proxy's S3 test (crates/gomedic-proxy/tests/s3.rs):
# s3s-fs on a free loopback port over a temp dir, with fixed test credentials and one bucket.
# Installs s3s-fs into ~/.cargo/bin once (cargo install, about 3 minutes).
# Prints the environment to use, as `export K=V` lines (eval them); stop with
# `bash "$GOMEDIC_TEST_S3_DIR/stop.sh"`, which also removes the temp dir.
set -euo pipefail
version=0.14.1
bin="${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs"
if ! "$bin" --version 2>/dev/null | grep -q "$version"; then
  echo "== installing s3s-fs $version (cargo install)" >&2
  cargo install "s3s-fs@$version" --features binary --locked >&2
fi

dir="$(mktemp -d /tmp/gomedic-s3.XXXXXX)"
bucket=gomedic-test
mkdir -p "$dir/root/$bucket"   # s3s-fs: a directory under the root is a bucket
access=gomedic-test-key
secret=gomedic-test-secret
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$bin" --host 127.0.0.1 --port "$port" --access-key "$access" --secret-key "$secret" \
  "$dir/root" >"$dir/log" 2>&1 &
pid=$!
cat >"$dir/stop.sh" <<STOP
#!/usr/bin/env bash
kill $pid 2>/dev/null || true
for _ in \$(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
rm -rf '$dir'
STOP
up=0
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
  sleep 0.1
done
if [ $up = 0 ]; then
  echo "scripts/s3/start.sh: s3s-fs did not start:" >&2
  cat "$dir/log" >&2
  bash "$dir/stop.sh"
  exit 1
fi
cat <<ENV
export GOMEDIC_TEST_S3_DIR='$dir'
export GOMEDIC_TEST_S3_ENDPOINT='http://127.0.0.1:$port'
export GOMEDIC_TEST_S3_ACCESS_KEY='$access'
export GOMEDIC_TEST_S3_SECRET_KEY='$secret'
export GOMEDIC_TEST_S3_BUCKET='$bucket'
ENV
