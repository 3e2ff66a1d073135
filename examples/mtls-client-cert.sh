#!/bin/sh
# A test client CA and a client certificate for the proxy's mTLS (listen.tls.clientAuth, spec A13), made with openssl.
# Real KMS presents CN=cks.kms.<region>.amazonaws.com chained to Amazon Trust Services; this stands in for it in tests.
#
#   sh examples/mtls-client-cert.sh [subject] [out-dir]      default: cks.kms.us-east-1.amazonaws.com  mtls
#
# Then, in the proxy configuration:  "clientAuth": { "caFile": "mtls/client-ca.pem", "allowedSubjects": ["cks.kms.*.amazonaws.com"] }
# and a client:  curl --cacert <server CA> --cert mtls/client.pem --key mtls/client-key.pem https://localhost:7700/ping
set -eu
CN="${1:-cks.kms.us-east-1.amazonaws.com}"
OUT="${2:-mtls}"
mkdir -p "$OUT"
cd "$OUT"
# 1. The client CA (what clientAuth.caFile trusts).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-ca-key.pem -out client-ca.pem -days 30 \
  -subj "/CN=xks-proxy test client CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# 2. The client key and certificate, subject CN and SAN DNS name = $CN (what allowedSubjects matches), for client auth.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-key.pem -out client.csr -subj "/CN=$CN" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:%s\n' "$CN" > client.ext
openssl x509 -req -in client.csr -CA client-ca.pem -CAkey client-ca-key.pem -CAcreateserial -out client.pem -days 30 -extfile client.ext 2>/dev/null
rm -f client.csr client.ext client-ca.srl
chmod 600 client-ca-key.pem client-key.pem
echo "client CA: $OUT/client-ca.pem   client certificate: $OUT/client.pem (CN=$CN)   key: $OUT/client-key.pem"
