#!/usr/bin/env bash
# Builds the Authenticode samples in samples-synthetic/signed/ from the
# committed unsigned DLLs in ../native/x64/ (see README.md here).
# Needs: openssl (3.x), osslsigncode (tested with 2.9, Debian bookworm-backports;
# older releases may lack the built-in TSA options -TSA-certs/-TSA-key/-TSA-time), python3.
# Every key is throwaway: generated into a temp dir and deleted on exit, so a
# rebuild gives different bytes (new keys, new signatures) but the same
# verdicts (manifest.json). Everything else is fixed: certificate validity,
# serials, signing time and timestamp time.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
MODULE=../native/x64/module.dll     # native IIS module (RegisterModule)
BENIGN=../native/x64/benign.dll     # plain DLL, no IIS exports
for f in "$MODULE" "$BENIGN"; do [ -f "$f" ] || { echo "missing $f (run ../native/build.sh)" >&2; exit 1; }; done

SIGN_TIME=1767225600                # 2026-01-01T00:00:00Z: signing time and TSA time
NOT_BEFORE=250101000000Z            # every certificate: 2025-01-01 .. 2045-01-01
NOT_AFTER=450101000000Z

T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT

cat > "$T/ca.cnf" <<'EOF'
[ ca ]
default_ca = throwaway
[ throwaway ]
dir              = .
database         = $dir/index.txt
new_certs_dir    = $dir/newcerts
serial           = $dir/serial
default_md       = sha256
policy           = anything
unique_subject   = no
email_in_dn      = no
preserve         = yes
copy_extensions  = none
string_mask      = default
[ anything ]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = optional
[ req ]
distinguished_name = dn
string_mask        = default
prompt             = no
[ dn ]
CN = unused
[ root_ext ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
[ fake_ms_root_ext ]
# Same name AND same subjectKeyIdentifier as the real
# "Microsoft Root Certificate Authority 2011"; throwaway key.
basicConstraints       = critical, CA:TRUE
keyUsage               = digitalSignature, keyCertSign, cRLSign
subjectKeyIdentifier   = 72:2D:3A:02:31:90:43:B9:14:05:4E:E1:EA:A7:C7:31:D1:23:89:34
[ ca_ext ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
extendedKeyUsage       = codeSigning, timeStamping
[ leaf_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ self_leaf_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = codeSigning
subjectKeyIdentifier   = hash
[ tsa_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
mkdir -p "$T/newcerts"
: > "$T/index.txt"

# cert NAME SUBJECT EXT SERIAL [ISSUER]: key + certificate in $T (self-signed without ISSUER)
cert() {
  local name=$1 subj=$2 ext=$3 serial=$4 issuer=${5:-}
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/$name.key" 2>/dev/null
  openssl req -new -config "$T/ca.cnf" -key "$T/$name.key" -subj "$subj" -out "$T/$name.csr"
  echo "$serial" > "$T/serial"
  if [ -z "$issuer" ]; then
    (cd "$T" && openssl ca -config ca.cnf -batch -notext -preserveDN -selfsign -keyfile "$name.key" \
       -startdate "$NOT_BEFORE" -enddate "$NOT_AFTER" -extensions "$ext" -in "$name.csr" -out "$name.crt" 2>/dev/null)
  else
    (cd "$T" && openssl ca -config ca.cnf -batch -notext -preserveDN -cert "$issuer.crt" -keyfile "$issuer.key" \
       -startdate "$NOT_BEFORE" -enddate "$NOT_AFTER" -extensions "$ext" -in "$name.csr" -out "$name.crt" 2>/dev/null)
  fi
  openssl x509 -in "$T/$name.crt" -noout -subject -issuer | sed "s/^/  $name: /"
}

echo "== throwaway PKI"
MS="/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation"
cert self     "/O=iisweep tests/CN=iisweep test self-signed"                  self_leaf_ext 1001
cert root     "/O=iisweep tests/CN=iisweep test root CA"                      root_ext      2001
cert inter    "/O=iisweep tests/CN=iisweep test intermediate CA"              ca_ext        2002 root
cert leaf     "/O=iisweep tests/CN=iisweep test chained signer"               leaf_ext      2003 inter
cert tsa      "/O=iisweep tests/CN=iisweep test timestamp authority"          tsa_ext       2004 inter
cert msroot   "$MS/CN=Microsoft Root Certificate Authority 2011"              fake_ms_root_ext 3001
cert mspca    "$MS/CN=Microsoft Code Signing PCA 2011"                        ca_ext        3002 msroot
cert msleaf   "$MS/CN=Microsoft Corporation"                                  leaf_ext      3003 mspca

cat "$T/leaf.crt"   "$T/inter.crt"                    > "$T/leaf_bag.pem"     # root not in the bag
cat "$T/msleaf.crt" "$T/mspca.crt"                    > "$T/msleaf_bag.pem"
cat "$T/msleaf.crt" "$T/mspca.crt" "$T/msroot.crt"    > "$T/msleaf_full.pem"
cat "$T/tsa.crt"    "$T/inter.crt"                    > "$T/tsa_bag.pem"

# sign IN OUT CERTS KEY HASH [extra osslsigncode args...]
sign() {
  local in=$1 out=$2 certs=$3 key=$4 hash=$5; shift 5
  rm -f "$out"
  osslsigncode sign -certs "$certs" -key "$key" -h "$hash" -time "$SIGN_TIME" \
    -n "iisweep test sample" "$@" -in "$in" -out "$out" >/dev/null
  case "$out" in "$T"/*) ;; *) echo "built $out";; esac
}

echo "== signing"
sign "$MODULE" selfsigned.dll             "$T/self.crt"        "$T/self.key"   sha256
sign "$MODULE" fake_microsoft.dll         "$T/msleaf_bag.pem"  "$T/msleaf.key" sha256
sign "$MODULE" fake_microsoft_fullchain.dll "$T/msleaf_full.pem" "$T/msleaf.key" sha256
sign "$BENIGN" chained.dll                "$T/leaf_bag.pem"    "$T/leaf.key"   sha256
sign "$MODULE" "$T/chained_module.dll"    "$T/leaf_bag.pem"    "$T/leaf.key"   sha256
python3 make_broken.py tamper "$T/chained_module.dll" tampered.dll; echo "built tampered.dll"
sign "$BENIGN" "$T/nested_sha1.dll"       "$T/self.crt"        "$T/self.key"   sha1
sign "$T/nested_sha1.dll" nested.dll      "$T/leaf_bag.pem"    "$T/leaf.key"   sha256 -nest
sign "$MODULE" timestamped.dll            "$T/leaf_bag.pem"    "$T/leaf.key"   sha256 \
     -TSA-certs "$T/tsa_bag.pem" -TSA-key "$T/tsa.key" -TSA-time "$SIGN_TIME"
python3 make_broken.py garbage   selfsigned.dll garbage_certtable.dll;   echo "built garbage_certtable.dll"
python3 make_broken.py truncated selfsigned.dll truncated_certtable.dll; echo "built truncated_certtable.dll"

# The throwaway roots, public part only, for tests that want to trust them
# explicitly (chain_trusted in manifest.json is about the embedded roots).
cp "$T/root.crt" throwaway_root.pem
cp "$T/self.crt" throwaway_selfsigned.pem
echo "wrote throwaway_root.pem throwaway_selfsigned.pem (certificates only; keys deleted)"
