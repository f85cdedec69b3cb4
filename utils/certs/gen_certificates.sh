#!/usr/bin/env bash
# gen_certificates.sh [DIR]: makes a private CA and the certificates that
# daos_server, dmg (admin) and daos_agent use for mutual TLS.
#
# Output (DIR defaults to the current directory):
#   DIR/daosCA/private/daosCA.key   CA key: keep it off the cluster
#   DIR/daosCA/certs/daosCA.crt     CA certificate: install on every node
#   DIR/daosCA/certs/server.{crt,key}  for daos_server (serverAuth + clientAuth,
#                                     SAN: localhost, 127.0.0.1, this host)
#   DIR/daosCA/certs/admin.{crt,key}   for dmg (clientAuth, CN=admin)
#   DIR/daosCA/certs/agent.{crt,key}   for daos_agent (clientAuth, CN=agent)
# Keys are EC P-256, certificates valid for DAYS (default 365) days.
# Extra server names: SERVER_SANS="DNS:node1,IP:10.0.0.5" (comma-separated).
# An existing CA is never overwritten: remove DIR/daosCA first to start anew.
set -euo pipefail

dir=${1:-.}
days=${DAYS:-365}
ca="$dir/daosCA"

if [ -e "$ca" ]; then
	echo "gen_certificates.sh: $ca already exists; remove it to generate a new CA" >&2
	exit 1
fi
command -v openssl >/dev/null || { echo "gen_certificates.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }

umask 077
mkdir -p "$ca/private" "$ca/certs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

quiet() { "$@" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }; }

quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$ca/private/daosCA.key" -out "$ca/certs/daosCA.crt" -days "$days" \
	-subj "/O=DAOS/CN=DAOS CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# issue NAME CN EXTENSIONS
issue() {
	local name=$1 cn=$2 ext=$3
	quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$ca/certs/$name.key" -out "$work/$name.csr" -subj "/O=DAOS/CN=$cn"
	printf '%b' "$ext" >"$work/$name.ext"
	quiet openssl x509 -req -in "$work/$name.csr" -CA "$ca/certs/daosCA.crt" \
		-CAkey "$ca/private/daosCA.key" -CAcreateserial -CAserial "$work/ca.srl" \
		-out "$ca/certs/$name.crt" -days "$days" -extfile "$work/$name.ext"
}

host=$(hostname 2>/dev/null || echo localhost)
sans="DNS:localhost,IP:127.0.0.1,DNS:$host${SERVER_SANS:+,$SERVER_SANS}"
common="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
issue server server "${common}extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=$sans\n"
issue admin admin "${common}extendedKeyUsage=clientAuth\n"
issue agent agent "${common}extendedKeyUsage=clientAuth\n"

chmod 0755 "$ca" "$ca/certs"
chmod 0644 "$ca/certs/"*.crt
chmod 0600 "$ca/certs/"*.key "$ca/private/daosCA.key"
echo "Certificates are in $ca/certs (CA key: $ca/private/daosCA.key)"
