#!/usr/bin/env python3
"""Check that no behaviour sample carries a family string.

Family strings are every text-string definition (`$id = "..." mods`) in
signatures/families.yar, plus a few family traits from the knowledge file
that the rule pack does not carry (EXTRA below). Each sample listed in
manifest.json (and every *.dll in this folder) is searched for each string
as ASCII and as UTF-16LE; `nocase` strings are compared case-insensitively;
`xor` strings are also tried under every single-byte key the rule allows.

Exit 1 if any sample carries one.
"""
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)                    # samples-synthetic/
REPO = os.path.dirname(ROOT)
FAMILIES = os.path.join(REPO, "signatures", "families.yar")

# Family traits named in the knowledge file (sections 1.2-1.5) that
# families.yar does not list as strings. Generic protocol words the
# samples need (the Cookie header, "password" inside AUTH_PASSWORD) are
# not family traits and are not listed.
EXTRA = [
    "cmd.exe", "credwiz.exe", "CMD|", "PIN|", "INJ|", "DMP|", "PONG",
    "X-Forwarded-Proto", "X-Forward", "X-Via", "X-Cache", "X-BLOG",
    "Strict-Transport-Security", "3389", "HTTP_cmd", "upload$",
    "ASPSESSIONID", "Ope#2Rx@Lq", "7ux4398!", "C:\\Users\\S3crt\\",
    "HealthMailbox", "ClearHeaders", "get_UserHostAddress",
    "ExtenderControlDesigner", "PreSend_RequestContent", "powershell.exe",
    "<RSAKeyValue><Modulus>", "MIGfMA0GC", "MSExchangeService", "W3WPDIAG",
    "%s%s_%04d%02d%02d_.tmp", "CHelloWorld", "MyHttpModule", "CMyHttpModule",
    "SessionManagerModule", "SM_SESSIONID", "PUTFILE", "GETFILE",
    "RELAYCONNECT", "Rewrite.dll", "JVVRaeof", "popen", "w3wp",
    "FuckHttpModule", "HelloWorld", "Backdoor", "IIS-Raid", "SIMPLEPASS",
    "failed\r\n", "MicrosoftCorporationValidation", "Microsoft Credental",
    "creds.db", "\\Windows\\Temp\\", "Baiduspider", "Googlebot", "bingbot",
    "YandexBot", "Sogou", "360Spider", "YisouSpider", "Sosospider",
    "coccoc", "|baidu|", "<!DOCTYPE html><html><body><script src=\"",
    "RunPs", "RunProcess", "Runpscmd",
]

STR_DEF = re.compile(r'^\s*\$\w*\s*=\s*"((?:[^"\\]|\\.)*)"\s*(.*)$')


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\", '"': b'"'}.get(n, n.encode())
            i += 2
            continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def family_strings():
    res = []
    with open(FAMILIES, encoding="utf-8") as f:
        for line in f:
            m = STR_DEF.match(line)
            if not m:
                continue
            mods = m.group(2)
            xor = None
            xm = re.search(r"\bxor(?:\((\d+)(?:-(\d+))?\))?", mods)
            if xm:
                lo = int(xm.group(1) or 0)
                hi = int(xm.group(2) or (xm.group(1) or 255))
                xor = (lo, hi)
            res.append((unescape(m.group(1)), "nocase" in mods, xor, "families.yar"))
    for e in EXTRA:
        res.append((e.encode(), False, None, "knowledge"))
    return res


def variants(s, nocase, xor):
    forms = [s, s.decode("utf-8", "replace").encode("utf-16-le")]
    if xor:
        lo, hi = xor
        for k in range(max(lo, 1), hi + 1):
            forms.append(bytes(b ^ k for b in s))
    return [f.lower() for f in forms] if nocase else forms


def samples():
    paths = set()
    man = os.path.join(HERE, "manifest.json")
    if os.path.exists(man):
        with open(man) as f:
            for s in json.load(f)["samples"]:
                paths.add(os.path.join(ROOT, s["path"]))
    paths.update(glob.glob(os.path.join(HERE, "*.dll")))
    return sorted(paths)


def main():
    strs = family_strings()
    bad = 0
    files = samples()
    for p in files:
        data = open(p, "rb").read()
        low = data.lower()
        for s, nocase, xor, src in strs:
            hay = low if nocase else data
            for v in variants(s, nocase, xor):
                if v and v in hay:
                    print("FAIL %s carries %r (%s)" % (os.path.relpath(p, ROOT), s.decode("latin-1"), src))
                    bad += 1
                    break
    print("%d samples checked against %d family strings: %s"
          % (len(files), len(strs), "FAIL" if bad else "ok"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
