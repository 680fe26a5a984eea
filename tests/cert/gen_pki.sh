#!/bin/sh
# Generate the test PKI for test_cert into DIR with the openssl CLI: a
# root (RSA 4096) and an intermediate, leaves of every key type and flaw
# the tests need, a second root signed with SHA-1, and unparsable inputs.
# Every certificate gets exact dates from "openssl ca -startdate/-enddate"
# so that test_cert, which pins TLSAUDIT_NOW, can assert days and expiry.
# For each NAME it writes NAME.der and NAME.expect (fingerprints, serial,
# subject and issuer as "openssl x509" prints them, to cross-check against).
# Private keys exist only in DIR; nothing here is committed.
#
# usage: gen_pki.sh DIR     (DIR must exist and be empty)
set -eu

d=${1:?usage: gen_pki.sh DIR}
cd "$d"
log="$d/openssl.log"
: >"$log"
SAN=
export SAN

run() {
	if ! "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		echo "gen_pki: failed: $*" >&2
		exit 1
	fi
}

# Two fake SCTs (RFC 6962 3.2 layout; the signatures are not real): version,
# log id, timestamp, no extensions, sha256/ecdsa, a 4-byte signature.
sct=003300$(printf "11%.0s" 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
sct=${sct}0000018c0000000000000403000430020000
scts=006a${sct}${sct}

cat >req.cnf <<EOF
[ req ]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[ dn ]
EOF

for ca in root int root2 self; do
	mkdir -p "db_$ca"
	: >"db_$ca/index.txt"
done
echo 1000 >db_root/serial
echo 2000 >db_int/serial
echo 3000 >db_root2/serial
echo 4000 >db_self/serial

cat >ca.cnf <<EOF
[ root ]
database = $d/db_root/index.txt
new_certs_dir = $d/db_root
serial = $d/db_root/serial
certificate = $d/root.pem
private_key = $d/root.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ int ]
database = $d/db_int/index.txt
new_certs_dir = $d/db_int
serial = $d/db_int/serial
certificate = $d/int.pem
private_key = $d/int.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ root2 ]
database = $d/db_root2/index.txt
new_certs_dir = $d/db_root2
serial = $d/db_root2/serial
certificate = $d/root2.pem
private_key = $d/root2.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ self ]
database = $d/db_self/index.txt
new_certs_dir = $d/db_self
serial = $d/db_self/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
EOF

cat >ext.cnf <<EOF
[ v3_root ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_int ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ rsa ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::SAN}
[ ec ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::SAN}
[ client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::SAN}
[ staple ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::SAN}
tlsfeature = status_request
[ urls ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::SAN}
authorityInfoAccess = OCSP;URI:http://ocsp.example.test/, OCSP;URI:http://ocsp2.example.test/status, caIssuers;URI:http://ca.example.test/int.der
crlDistributionPoints = URI:http://crl.example.test/int.crl, URI:ldap://crl.example.test/cn=int
[ sct ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::SAN}
1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:$scts
[ nosan ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
[ self ]
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = \${ENV::SAN}
EOF

# key NAME SPEC: leaves of one kind share a key (generated once), CAs get their own.
key() {
	case $1 in
	root | root2 | int) k=$1.key ;;
	*) k=leafkey_$(echo "$2" | tr ':-' '__').key ;;
	esac
	if [ ! -f "$k" ]; then
		case $2 in
		rsa:*) run openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa:}" \
			-out "$k" ;;
		ec:*) run openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${2#ec:}" \
			-pkeyopt ec_param_enc:named_curve -out "$k" ;;
		ed25519) run openssl genpkey -algorithm ED25519 -out "$k" ;;
		esac
	fi
	[ "$k" = "$1.key" ] || cp "$k" "$1.key"
}

# finish NAME: NAME.der, and NAME.expect with what "openssl x509" says about it.
finish() {
	run openssl x509 -in "$1.pem" -outform DER -out "$1.der"
	{
		openssl x509 -in "$1.pem" -noout -fingerprint -sha256
		openssl x509 -in "$1.pem" -noout -fingerprint -sha1
		openssl x509 -in "$1.pem" -noout -serial
		openssl x509 -in "$1.pem" -noout -subject -nameopt RFC2253,-esc_msb
		openssl x509 -in "$1.pem" -noout -issuer -nameopt RFC2253,-esc_msb
	} >"$1.expect" 2>>"$log"
}

# cert NAME KEYSPEC SUBJECT CA EXTSECTION START END SAN [MD]
cert() {
	key "$1" "$2"
	run openssl req -new -config req.cnf -utf8 -key "$1.key" -subj "$3" -out "$1.csr"
	set -- "$@" sha256
	SAN=$8
	export SAN
	if [ "$4" = self ]; then
		run openssl ca -batch -config ca.cnf -name self -selfsign -keyfile "$1.key" \
			-in "$1.csr" -out "$1.pem" -notext -preserveDN -startdate "$6" \
			-enddate "$7" -extfile ext.cnf -extensions "$5" -md "$9"
	else
		run openssl ca -batch -config ca.cnf -name "$4" -in "$1.csr" -out "$1.pem" \
			-notext -preserveDN -startdate "$6" -enddate "$7" -extfile ext.cnf \
			-extensions "$5" -md "$9"
	fi
	finish "$1"
}

O="/O=tlsaudit test"
LEAF="20251201000000Z 20260531235959Z"

# The roots are self-signed by "openssl ca -selfsign", for exact dates.
key root rsa:4096
run openssl req -new -config req.cnf -key root.key -subj "$O/CN=tlsaudit test root" -out root.csr
run openssl ca -batch -config ca.cnf -name root -selfsign -keyfile root.key -in root.csr \
	-out root.pem -notext -preserveDN -startdate 20200101000000Z -enddate 20510101000000Z \
	-extfile ext.cnf -extensions v3_root
finish root
key root2 rsa:2048
run openssl req -new -config req.cnf -key root2.key -subj "$O/CN=tlsaudit test sha1 root" \
	-out root2.csr
run openssl ca -batch -config ca.cnf -name root2 -selfsign -keyfile root2.key -in root2.csr \
	-out root2.pem -notext -preserveDN -startdate 20200101000000Z -enddate 20400101000000Z \
	-extfile ext.cnf -extensions v3_root -md sha1
finish root2

cert int rsa:2048 "$O/CN=tlsaudit test intermediate" root v3_int \
	20210101000000Z 20310101000000Z ""
# shellcheck disable=SC2086 # $LEAF is two words on purpose
{
	cert rsa1024 rsa:1024 "$O/CN=rsa1024.example.test" int rsa $LEAF "DNS:rsa1024.example.test"
	cert rsa2048 rsa:2048 "$O/CN=rsa2048.example.test" int rsa $LEAF \
		"DNS:rsa2048.example.test, DNS:www.example.test"
	cert rsa3072 rsa:3072 "$O/CN=rsa3072.example.test" int rsa $LEAF "DNS:rsa3072.example.test"
	cert rsa4096 rsa:4096 "$O/CN=rsa4096.example.test" int rsa $LEAF "DNS:rsa4096.example.test"
	cert ec256 ec:P-256 "$O/CN=ec256.example.test" int ec $LEAF "DNS:ec256.example.test"
	cert ec384 ec:P-384 "$O/CN=ec384.example.test" int ec $LEAF "DNS:ec384.example.test"
	cert ed25519 ed25519 "$O/CN=ed25519.example.test" int ec $LEAF "DNS:ed25519.example.test"
	cert sha1 rsa:2048 "$O/CN=sha1.example.test" int rsa $LEAF "DNS:sha1.example.test" sha1
	cert wronghost rsa:2048 "$O/CN=other.test" int rsa $LEAF "DNS:other.test"
	cert wildcard rsa:2048 "$O/CN=*.example.test" int rsa $LEAF "DNS:*.example.test"
	cert ip rsa:2048 "$O/CN=127.0.0.1" int rsa $LEAF "IP:127.0.0.1, IP:::1"
	cert staple rsa:2048 "$O/CN=staple.example.test" int staple $LEAF "DNS:staple.example.test"
	cert urls rsa:2048 "$O/CN=urls.example.test" int urls $LEAF \
		"DNS:urls.example.test, email:admin@example.test, URI:https://urls.example.test/"
	cert clientonly rsa:2048 "$O/CN=client.example.test" int client $LEAF \
		"DNS:client.example.test"
	cert sct rsa:2048 "$O/CN=sct.example.test" int sct $LEAF "DNS:sct.example.test"
	cert cnonly rsa:2048 "$O/CN=cnonly.example.test" int nosan $LEAF ""
	cert utf8 rsa:2048 "/O=Tëst, Inc./CN=utf8.example.test" int rsa $LEAF "DNS:utf8.example.test"
	cert leaf2 rsa:2048 "$O/CN=leaf2.example.test" root2 rsa $LEAF "DNS:leaf2.example.test"
}
cert expired rsa:2048 "$O/CN=expired.example.test" int rsa \
	20240101000000Z 20250101000000Z "DNS:expired.example.test"
cert notyet rsa:2048 "$O/CN=notyet.example.test" int rsa \
	20270101000000Z 20280101000000Z "DNS:notyet.example.test"
cert selfsigned ec:P-256 "$O/CN=self.example.test" self self \
	20260101000000Z 20270101000000Z "DNS:self.example.test"

# Inputs that must not parse.
head -c 200 rsa2048.der >truncated.der
cat rsa2048.der >trailing.der
printf '\000' >>trailing.der
printf 'this is not a certificate' >garbage.der
rm -f ./*.key
