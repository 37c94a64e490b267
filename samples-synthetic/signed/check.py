#!/usr/bin/env python3
"""Check the Authenticode samples against independent reference verifiers.

    python3 check.py              samples in manifest.json: signify and osslsigncode
    python3 check.py --msvc DIR   real Microsoft DLLs in DIR (tests/authenticode/
                                  fetch_msvc_runtime.sh): each must be microsoft_signed

Both references are run with the *embedded* roots as the only trust anchors
(src/authenticode/roots/*.der, the set iisweep ships), so `chain_trusted`
means exactly what it means for iisweep. Offline: no CRL or AIA fetching.

Needs: pip install signify (>= 0.9); osslsigncode (tested 2.9) is optional (its
column is skipped when it is missing). signify's dependency oscrypto 1.3.0
cannot parse OpenSSL "3.0.1x"-style version strings (wbond/oscrypto#75,
#78); import_signify() works around that.

Exit status 0 when every reference agrees with manifest.json, 1 otherwise.
"""
import base64
import datetime as dt
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)                      # samples-synthetic/
ROOTS = os.path.join(SAMPLES, "..", "src", "authenticode", "roots")
THROWAWAY = [os.path.join(HERE, "throwaway_root.pem"), os.path.join(HERE, "throwaway_selfsigned.pem")]
KEYS = ["signed", "digest_valid", "chain_trusted", "microsoft_signed", "signer_cn", "signer_org",
        "signature_count", "digest_algorithm", "timestamp", "expect_error"]


def import_signify():
    """signify -> oscrypto 1.3.0 rejects OpenSSL version strings like
    'OpenSSL 3.0.19' (its regex wants one digit per part); widen the regex
    while oscrypto is imported."""
    orig = re.search
    bad = "\\b(\\d\\.\\d\\.\\d[a-z]*)\\b"

    def search(p, s, *a, **k):
        if p == bad:
            p = "\\b(\\d\\.\\d\\.\\d+[a-z]*)\\b"
        return orig(p, s, *a, **k)

    re.search = search
    try:
        import oscrypto.asymmetric  # noqa: F401
    finally:
        re.search = orig
    import signify.authenticode
    import signify.x509
    return signify


def der_files():
    files = sorted(glob.glob(os.path.join(ROOTS, "*.der")))
    if not files:
        sys.exit("no roots in %s" % ROOTS)
    return files


def pem_of_der(der):
    b = base64.encodebytes(der).decode()
    return "-----BEGIN CERTIFICATE-----\n" + b + "-----END CERTIFICATE-----\n"


def rfc3339(t):
    if t is None:
        return None
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def name_attr(cert_asn1_name, key):
    v = cert_asn1_name.native.get(key)
    if isinstance(v, list):
        v = v[-1]
    return v


# ---------------------------------------------------------------- signify
class Signify:
    def __init__(self):
        self.sf = import_signify()
        from signify.x509 import Certificate, CertificateStore
        self.Certificate = Certificate
        ms = [Certificate.from_der(open(f, "rb").read()) for f in der_files()]
        self.ms_store = CertificateStore(ms, trusted=True)
        tw = []
        for f in THROWAWAY:
            if os.path.exists(f):
                tw += Certificate.from_pems(open(f, "rb").read())
        self.tw_store = CertificateStore(tw, trusted=True)

    def chains(self, sig, store):
        try:
            return list(sig.verify(trusted_certificate_store=store, verify_additional_hashes=False)), None
        except Exception as e:  # noqa: BLE001 - any failure means "not trusted"
            return None, e

    def analyse(self, path):
        A = self.sf.authenticode
        out = {k: None for k in KEYS}
        try:
            with open(path, "rb") as fh:
                af = A.AuthenticodeFile.from_stream(fh)
                sigs = list(af.iter_signatures(signature_types="embedded", include_nested=True,
                                               ignore_parse_errors=False))
                if not sigs:
                    out.update(signed=False, signature_count=0, digest_valid=False, chain_trusted=False,
                               microsoft_signed=False, expect_error=False)
                    return out, {}
                p = sigs[0]
                si = p.signer_info
                signer = next(c for c in p.certificates
                              if c.serial_number == si.serial_number and c.issuer == si.issuer)
                digest_ok = [af.get_fingerprint(s.digest_algorithm) == s.indirect_data.digest for s in sigs]
                ms_chains, ms_err = self.chains(p, self.ms_store)
                tw_chains, tw_err = self.chains(p, self.tw_store)
        except Exception as e:  # noqa: BLE001
            out.update(expect_error=True, microsoft_signed=False, chain_trusted=False)
            return out, {"error": "%s: %s" % (type(e).__name__, e)}
        cs = si.countersigner
        ts = getattr(cs, "signing_time", None) if cs is not None else None
        out.update(
            signed=True,
            digest_valid=digest_ok[0],
            chain_trusted=ms_chains is not None,
            microsoft_signed=bool(digest_ok[0] and ms_chains is not None),
            signer_cn=name_attr(signer.asn1.subject, "common_name"),
            signer_org=name_attr(signer.asn1.subject, "organization_name"),
            signature_count=len(sigs),
            digest_algorithm=p.digest_algorithm().name.replace("sha2-", "sha") if callable(p.digest_algorithm) else None,
            timestamp=rfc3339(ts),
            expect_error=False,
        )
        extra = {
            "digest_valid_each": digest_ok,
            "valid_if_throwaway_roots_trusted": bool(digest_ok[0] and tw_chains is not None),
            "ms_error": None if ms_err is None else "%s: %s" % (type(ms_err).__name__, ms_err),
            "ms_chain": [c.subject.dn for c in ms_chains[0]] if ms_chains else None,
            "nested": [(name_attr(next(c for c in s.certificates if c.serial_number == s.signer_info.serial_number).asn1.subject, "common_name"),
                        s.digest_algorithm().name) for s in sigs[1:]],
        }
        return out, extra


# ---------------------------------------------------------------- osslsigncode
class Ossl:
    def __init__(self, tmp):
        self.exe = shutil.which("osslsigncode")
        self.ca = os.path.join(tmp, "roots.pem")
        with open(self.ca, "w") as f:
            for d in der_files():
                f.write(pem_of_der(open(d, "rb").read()))

    def analyse(self, path):
        out = {k: None for k in KEYS}
        r = subprocess.run([self.exe, "verify", "-CAfile", self.ca, "-TSA-CAfile", self.ca,
                            "-ignore-crl", "-in", path], capture_output=True, text=True)
        text = r.stdout + r.stderr
        blocks = re.split(r"^Signature Index: ", text, flags=re.M)
        if len(blocks) < 2:
            # A certificate table whose size runs past EOF is reported as
            # "Ignoring PE signature not at the end of the file" and then
            # "No signature found": a defect seen, so count it as an error.
            if "No signature found" in text and "Ignoring PE signature" not in text:
                out.update(signed=False, expect_error=False)
            else:
                out.update(expect_error=True, microsoft_signed=False, chain_trusted=False)
            return out, {"rc": r.returncode}
        p = blocks[1]
        cur = re.search(r"Current message digest\s*:\s*(\w+)", p)
        calc = re.search(r"Calculated message digest\s*:\s*(\w+)", p)
        digest_ok = bool(cur and calc and cur.group(1) == calc.group(1))
        subj = re.search(r"Signer's certificate:\s*-+\s*Signer #0:\s*Subject: (\S[^\n]*)", p)
        subj = subj.group(1) if subj else ""
        cn = re.search(r"/CN=([^/]*)", subj)
        org = re.search(r"/O=([^/]*)", subj)
        alg = re.search(r"Message digest algorithm\s*:\s*(\w+)", p)
        ts = re.search(r"Timestamp time: (.+?) GMT", p)
        chain_ok = "Signature verification: ok" in p
        out.update(
            signed=True,
            digest_valid=digest_ok,
            chain_trusted=chain_ok,
            microsoft_signed=digest_ok and chain_ok,
            signer_cn=cn.group(1) if cn else None,
            signer_org=org.group(1) if org else None,
            signature_count=len(blocks) - 1,
            digest_algorithm=alg.group(1).lower() if alg else None,
            timestamp=rfc3339(dt.datetime.strptime(" ".join(ts.group(1).split()), "%b %d %H:%M:%S %Y")
                              .replace(tzinfo=dt.timezone.utc)) if ts else None,
            expect_error=False,
        )
        extra = {"rc": r.returncode}
        if not digest_ok and not subj:
            # on a digest mismatch osslsigncode stops before printing the signer
            extra["unknown"] = ["signer_cn", "signer_org"]
        return out, extra


def compare(expected, got, unknown=()):
    """Keys where `got` disagrees with `expected` (None in expected = not checked;
    for expect_error samples only expect_error/chain_trusted/microsoft_signed count;
    `unknown`: keys this reference does not report for this file)."""
    keys = KEYS
    if expected.get("expect_error"):
        keys = ["expect_error", "chain_trusted", "microsoft_signed"]
    return [k for k in keys if k in expected and expected[k] is not None and k not in unknown
            and got.get(k) != expected[k]]


def check_manifest():
    manifest = json.load(open(os.path.join(HERE, "manifest.json")))
    tmp = tempfile.mkdtemp()
    try:
        refs = [("signify", Signify())]
        o = Ossl(tmp)
        if o.exe:
            refs.append(("osslsigncode", o))
        else:
            print("osslsigncode not found: skipping that reference")
        bad = 0
        for s in manifest["samples"]:
            path = os.path.join(SAMPLES, s["path"])
            for name, ref in refs:
                got, extra = ref.analyse(path)
                diff = compare(s, got, extra.get("unknown", ()))
                if name == "signify" and "valid_if_throwaway_roots_trusted" in s and not s.get("expect_error"):
                    if extra.get("valid_if_throwaway_roots_trusted") != s["valid_if_throwaway_roots_trusted"]:
                        diff.append("valid_if_throwaway_roots_trusted")
                status = "ok  " if not diff else "FAIL"
                bad += bool(diff)
                summary = {k: got[k] for k in KEYS if got.get(k) is not None}
                print("%s %-14s %-34s %s" % (status, name, s["path"], json.dumps(summary, sort_keys=True)))
                for k in diff:
                    print("       %s: expected %r, %s says %r" % (k, s.get(k), name, got.get(k, extra.get(k))))
                notes = {k: v for k, v in extra.items() if k in ("error", "nested", "unknown") and v}
                if notes:
                    print("       %s" % json.dumps(notes))
        print("%d passed, %d failed" % (len(manifest["samples"]) * len(refs) - bad, bad))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp)


def check_msvc(d):
    dlls = sorted(glob.glob(os.path.join(d, "*.dll")))
    if not dlls:
        sys.exit("no DLLs in %s" % d)
    tmp = tempfile.mkdtemp()
    try:
        sg, o = Signify(), Ossl(tmp)
        bad = 0
        for f in dlls:
            got, extra = sg.analyse(f)
            ok = got["microsoft_signed"] is True and all(extra.get("digest_valid_each", [False]))
            line = "%s signify %-26s signer=%r alg=%s sigs=%s ts=%s chain=%s nested=%s" % (
                "ok  " if ok else "FAIL", os.path.basename(f), got["signer_cn"], got["digest_algorithm"],
                got["signature_count"], got["timestamp"],
                " <- ".join(x.split(",")[0] for x in reversed(extra.get("ms_chain") or [])), extra.get("nested"))
            print(line)
            if o.exe:
                og, _ = o.analyse(f)
                ook = og["microsoft_signed"] is True
                ok = ok and ook
                print("     osslsigncode: microsoft_signed=%s signer=%r alg=%s sigs=%s ts=%s" % (
                    og["microsoft_signed"], og["signer_cn"], og["digest_algorithm"], og["signature_count"], og["timestamp"]))
            bad += not ok
        print("%d passed, %d failed" % (len(dlls) - bad, bad))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--msvc":
        sys.exit(check_msvc(sys.argv[2]))
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    sys.exit(check_manifest())
