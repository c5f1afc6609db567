#!/usr/bin/env bash
# Makes the certificates of the rig's mTLS frontend with openssl, into DIR (default: .sprint-runner/cluster/certs):
#   ca.pem / ca.key           a throwaway certificate authority (signs both certificates below)
#   server.pem / server.key   the frontend's certificate, for 127.0.0.1 and localhost
#   client.pem / client.key   a client certificate (workers, CLI, Web UI, the server's own system worker)
# Existing files are kept (idempotent); delete DIR to make new ones. For a test rig only: real
# clusters get their certificates from the operator's PKI.
set -euo pipefail
DIR="${1:-.sprint-runner/cluster/certs}"
DAYS="${CERT_DAYS:-30}"
command -v openssl >/dev/null 2>&1 || { echo 'make-certs: openssl not found (Debian: apt-get install -y openssl)' >&2; exit 1; }
mkdir -p "$DIR"
cd "$DIR"
if [[ -f ca.pem && -f server.pem && -f client.pem && -f server.key && -f client.key ]]; then
  echo "make-certs: certificates already in $DIR (kept)" >&2
  exit 0
fi
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$DAYS" -subj '/CN=sprint-runner rig CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
issue() { # name, subject CN, extended key usage, subjectAltName
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$3" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days "$DAYS" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
issue server localhost serverAuth 'IP:127.0.0.1,DNS:localhost'
issue client sprint-runner-client clientAuth 'DNS:sprint-runner-client'
chmod 0644 ./*.pem
echo "make-certs: CA, server (127.0.0.1, localhost) and client certificates written to $DIR" >&2
