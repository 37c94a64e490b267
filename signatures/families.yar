/*
 * iisweep rule pack: family layer.
 *
 * One rule per published IIS malware family with static traits (knowledge
 * file sections 1.2-1.5). Score 80-100. Every rule requires an IIS component
 * (engine globals) and several distinctive strings, so that no single
 * string fires alone. Written from the published traits; no third-party
 * rule text. See signatures/README.md.
 */

import "pe"

// ---------------------------------------------------------------------------
// ESET "Anatomy of native IIS malware" groups 1-14
// ---------------------------------------------------------------------------

rule fam_iisraid
{
    meta:
        description = "IIS-Raid and its derivatives (ESET Group 1): header-based auth/command channel, credential file, CMD/PIN/INJ/DMP commands"
        score = 95
        attack = "T1505.004,T1059.003,T1056.003,T1071.001"
        reference = "0x09AL/IIS-Raid; eset/malware-ioc badiis/README.adoc (Group 1); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar"
        family = "IIS-Raid"
        layer = "family"
        sample = "families/iisraid_like.dll"
    strings:
        $h1 = "X-Chrome-Variations" ascii wide
        $h2 = "X-Password" ascii wide
        $h3 = "X-FFEServer" ascii wide
        $h4 = "Sense-Pwd" ascii wide
        $h5 = "COM_InterProt" ascii wide
        $h6 = "XXXYYY-Ref" ascii wide
        $h7 = "X-BlogEngine" ascii wide
        $m1 = "SIMPLEPASS" ascii wide
        $m2 = "No Creds Found" ascii wide
        $m3 = "INVALID COMMAND" ascii wide
        $m4 = "\\Temp\\creds.db" nocase ascii wide
        $m5 = "credwiz.exe" nocase ascii wide
        $m6 = "IIS-Backdoor" ascii wide
        $m7 = "\\Temp\\log.tmp" nocase ascii wide
        $m8 = "AAD30E0F.tmp" nocase ascii wide
        $m9 = "DllResolve.db" nocase ascii wide
        $m10 = "%02d/%02d/%04d %02d:%02d:%02d | %s" ascii wide
    condition:
        iis_component and 1 of ($h*) and 2 of ($m*)
}

rule fam_triplerriis
{
    meta:
        description = "TripleRIIS (ESET Group 2): myModuleFactory RTTI, RSAFunction, query-string regexes, embedded RSA private key, hard-coded hash"
        score = 90
        attack = "T1505.004,T1573.002"
        reference = "eset/malware-ioc badiis/README.adoc (Group 2); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (TripleRIIS)"
        family = "TripleRIIS"
        layer = "family"
        sample = "families/triplerriis_like.dll"
    strings:
        $a1 = ".?AVmyModuleFactory@@" ascii
        $a2 = "AVRSAFunction" ascii
        $a3 = "294A1FC8FA5255E704F3A53F04056C91" ascii wide
        $a4 = "([\\w+%]+)=([^&]*)" ascii wide
        $a5 = "([\\w+%]+)=([^!]*)" ascii wide
        $a6 = "MIICdgIBADA" ascii wide
        $a7 = "\\IIS 5\\x64\\Release\\Vi.pdb" ascii
    condition:
        iis_component and 3 of them
}

rule fam_xcookie
{
    meta:
        description = "XCookie (ESET Group 3): BackdoorHttpModuleFactory, X-Cookie channel, IIS-Backdoor.dll"
        score = 90
        attack = "T1505.004,T1071.001,T1059"
        reference = "eset/malware-ioc badiis/README.adoc (Group 3); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (XCookie)"
        family = "XCookie"
        layer = "family"
        sample = "families/xcookie_like.dll"
    strings:
        $factory = "BackdoorHttpModuleFactory" ascii
        $hdr = "X-Cookie" ascii wide
        $name = "IIS-Backdoor.dll" ascii wide
    condition:
        iis_component and (
            ($factory and ($hdr or $name)) or
            ($hdr and $name and
             pe.imports("crypt32.dll", "CryptStringToBinaryA") and
             pe.imports("kernel32.dll", "CreateProcessA"))
        )
}

rule fam_rgdoor
{
    meta:
        description = "RGDoor (OilRig; ESET Group 4): RGSESSIONID cookie, cmd$/upload$/download$ commands, CHelloWorld class"
        score = 95
        attack = "T1505.004,T1059.003,T1105"
        reference = "Neo23x0/signature-base yara/apt_oilrig_rgdoor.yar; eset/malware-ioc badiis/README.adoc (Group 4); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (RGDoor)"
        family = "RGDoor"
        layer = "family"
        sample = "families/rgdoor_like.dll"
    strings:
        $rg_cookie = "RGSESSIONID=" ascii wide
        $c1 = "cmd$" ascii
        $c2 = "upload$" ascii
        $c3 = "download$" ascii
        $c4 = "can't open file: " ascii
        $c5 = ".?AVCHelloWorld@@" ascii
        $c6 = "MyNativeModule.dll" ascii
        $c7 = "write done \r\n" ascii
    condition:
        iis_component and (($rg_cookie and 2 of ($c*)) or 4 of ($c*))
}

rule fam_iistealer
{
    meta:
        description = "IIStealer (ESET Group 5): checkout/payment URIs, X-IIS-Data header, hard-coded 16-char keys, Windows\\Temp\\cache.txt"
        score = 90
        attack = "T1505.004,T1056.003,T1074.001"
        reference = "eset/malware-ioc badiis/README.adoc (Group 5); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/other_rules.yar (checkout stealer)"
        family = "IIStealer"
        layer = "family"
        sample = "families/iistealer_like.dll"
    strings:
        $u1 = "/checkout/checkout.aspx" nocase ascii wide
        $u2 = "/checkout/Payment.aspx" nocase ascii wide
        $u3 = "/privacy.aspx" nocase ascii wide
        $h = "X-IIS-Data" ascii wide
        $k1 = "tojLrGzFMbcDTKcH" ascii wide
        $k2 = "4vUOj3IutgtrpVwh" ascii wide
        $k3 = "SoUnRCxgREXMu9bM" ascii wide
        $k4 = "9Zr1Z78OkgaXj1Xr" ascii wide
        $f = "\\Temp\\cache.txt" nocase ascii wide
    condition:
        iis_component and 3 of them
}

rule fam_iisniff
{
    meta:
        description = "ISN / IISniff (ESET Group 6): isn7 config strings and POST sniffing messages"
        score = 90
        attack = "T1505.004,T1040"
        reference = "eset/malware-ioc badiis/README.adoc (Group 6); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/other_rules.yar (IISniff)"
        family = "IISniff"
        layer = "family"
        sample = "families/iisniff_like.dll"
    strings:
        $s1 = "isn7 config reloaded" ascii wide
        $s2 = "isn_reloadconfig" ascii wide
        $s3 = "isn_getlog" ascii wide
        $s4 = "isn7.dll" ascii wide
        $s5 = "get POST failed %d" ascii wide
        $s6 = "\\projects\\isapi\\isn7" nocase ascii
    condition:
        iis_component and 2 of them
}

rule fam_iispy
{
    meta:
        description = "IISpy / FakeImage (ESET Group 7): cookie-field format string, /credential and /computer reply paths, fake PNG carrier"
        score = 90
        attack = "T1505.004,T1001.002,T1134.001"
        reference = "eset/malware-ioc badiis/README.adoc (Group 7); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (FakeImage)"
        family = "IISpy"
        layer = "family"
        sample = "families/iispy_like.dll"
    strings:
        $fmt = "%.8s%.8s=%.8s%.16s%.8s%.16s" ascii wide
        $p1 = "/credential/username" ascii wide
        $p2 = "/credential/password" ascii wide
        $p3 = "/computer/domain" ascii wide
        $p4 = "/computer/name" ascii wide
        $png = { 89 50 4E 47 0D 0A 1A 0A }
        $iend = { 49 45 4E 44 AE 42 60 82 }
    condition:
        iis_component and (
            ($fmt and (1 of ($p*) or ($png and $iend))) or
            3 of ($p*)
        )
}

rule fam_gooddownload
{
    meta:
        description = "GoodDownload (ESET Group 8): FliterSecurity/IIS7NativeModule names, download/run status messages, safedog marker"
        score = 90
        attack = "T1505.004,T1105"
        reference = "eset/malware-ioc badiis/README.adoc (Group 8); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (GoodDownload)"
        family = "GoodDownload"
        layer = "family"
        sample = "families/gooddownload_like.dll"
    strings:
        $s1 = "FliterSecurity.dll" ascii wide
        $s2 = "IIS7NativeModule.dll" ascii wide
        $s3 = "Realy path : %s" ascii wide
        $s4 = "Logged On Users : %d" ascii wide
        $s5 = "Good!Run OK!" ascii wide
        $s6 = "Shit!Download False!" ascii wide
        $s7 = "[%d]safedog" ascii wide
    condition:
        iis_component and 3 of them
}

rule fam_eset_group9_seo
{
    meta:
        description = "ESET Group 9 SEO redirector: FuckHttpModuleFactory / fuck32|64.dat, ipzz/uuu parameters, XOR-encoded spider list and zz1.php C2"
        score = 90
        attack = "T1505.004,T1608.006,T1027"
        reference = "eset/malware-ioc badiis/README.adoc (Group 9); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar (FuckIIS.dll)"
        family = "ESET-Group9"
        layer = "family"
        sample = "families/eset_g9_seo_like.dll"
    strings:
        $f1 = "FuckHttpModuleFactory" ascii
        $f2 = "FuckIIS.dll" ascii wide
        $f3 = "fuck32.dat" ascii wide
        $f4 = "fuck64.dat" ascii wide
        $p1 = "&ipzz1=" ascii wide
        $p2 = "&ipzz2=" ascii wide
        $p3 = "&uuu=" ascii wide
        $x1 = "Baiduspider" xor(1-255)
        $x2 = "YisouSpider" xor(1-255)
        $x3 = "zz1.php" xor(1-255)
    condition:
        iis_component and (
            (1 of ($f*) and (1 of ($p*) or 1 of ($x*))) or
            (2 of ($p*) and 1 of ($x*))
        )
}

rule fam_eset_group10_injector
{
    meta:
        description = "ESET Group 10 SEO injector: IIS7.dll internal name, js.breakavs.co script host, title/meta rewriting and crawler list"
        score = 85
        attack = "T1505.004,T1608.006"
        reference = "eset/malware-ioc badiis/README.adoc (Group 10)"
        family = "ESET-Group10"
        layer = "family"
        sample = "families/eset_g10_injector_like.dll"
    strings:
        $host = "js.breakavs.co" ascii wide
        $name = "IIS7.dll" ascii wide
        $title = "<title>(.*?)</title>" nocase ascii wide
        $ua1 = "Baiduspider" ascii wide
        $ua2 = "Sosospider" ascii wide
        $ua3 = "Sogou web spider" ascii wide
        $ua4 = "360Spider" ascii wide
        $ua5 = "YisouSpider" ascii wide
    condition:
        iis_component and (
            ($host and ($name or 2 of ($ua*))) or
            ($name and $title and 3 of ($ua*))
        )
}

rule fam_onecmd
{
    meta:
        description = "OneCmd (ESET Group 11): strings shifted by 2 (HTTP_cmd, C2 host), reurl/jump parameters, DnsQuery_A"
        score = 90
        attack = "T1505.004,T1027,T1059"
        reference = "eset/malware-ioc badiis/README.adoc (Group 11); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/other_rules.yar (OneCmd)"
        family = "OneCmd"
        layer = "family"
        sample = "families/onecmd_like.dll"
    strings:
        $sh1 = "JVVRaeof" ascii
        $sh2 = "zkpzz0cnnuqwnw0eqo" ascii
        $q1 = "&reurl=" ascii wide
        $q2 = "&jump=1" ascii wide
    condition:
        iis_component and 1 of ($sh*) and
        (1 of ($q*) or pe.imports("dnsapi.dll", "DnsQuery_A") or all of ($sh*))
}

rule fam_eset_group12_proxy
{
    meta:
        description = "ESET Group 12 SEO proxy: F5XFFHttpModule, gtest_redir, +1-shifted http://, xhost parameter, msf/unknown cmd messages"
        score = 90
        attack = "T1505.004,T1608.006,T1090"
        reference = "eset/malware-ioc badiis/README.adoc (Group 12)"
        family = "ESET-Group12"
        layer = "family"
        sample = "families/eset_g12_proxy_like.dll"
    strings:
        $s1 = "F5XFFHttpModule.dll" ascii wide
        $s2 = "gtest_redir" ascii wide
        $s3 = "iuuq;00" ascii
        $s4 = "?xhost=" ascii wide
        $s5 = "Hotcss/|Hotjs/" ascii wide
        $s6 = "msf connect error !!" ascii wide
        $s7 = "unknown cmd !" ascii wide
    condition:
        iis_component and 3 of them
}

rule fam_iiserpent
{
    meta:
        description = "IISerpent (ESET Group 13): module-config query switches, lunlian.txt config, spider/referer redirect options"
        score = 90
        attack = "T1505.004,T1608.006"
        reference = "eset/malware-ioc badiis/README.adoc (Group 13)"
        family = "IISerpent"
        layer = "family"
        sample = "families/iiserpent_like.dll"
    strings:
        $s1 = "?DisplayModuleConfig=1" ascii wide
        $s2 = "?ReloadModuleConfig=1" ascii wide
        $s3 = "/mconfig/lunlian.txt" ascii wide
        $s4 = "folderlinkpath" ascii wide
        $s5 = "onlymobilespider" ascii wide
        $s6 = "redirectreferer" ascii wide
        $s7 = "loadSuccessfull : " ascii wide
    condition:
        iis_component and 3 of them
}

rule fam_eset_group14_seo
{
    meta:
        description = "ESET Group 14 SEO: agent-self header format, utf.php/self.php C2 paths and hosts"
        score = 90
        attack = "T1505.004,T1608.006"
        reference = "eset/malware-ioc badiis/README.adoc (Group 14)"
        family = "ESET-Group14"
        layer = "family"
        sample = "families/eset_g14_seo_like.dll"
    strings:
        $s1 = "agent-self: %s" ascii wide
        $s2 = "/utf.php?key=" ascii wide
        $s3 = "/self.php?v=" ascii wide
        $s4 = "now.asmkpo.co" ascii wide
        $s5 = "speed.wlaspsd.co" ascii wide
    condition:
        iis_component and 2 of them
}

// ---------------------------------------------------------------------------
// PwC LABScon 2024 "Knowledge IIS power" native families
// ---------------------------------------------------------------------------

rule fam_regeorgiis
{
    meta:
        description = "reGeorgIIS: reGeorg SOCKS tunnel messages and hard-coded key in a native module"
        score = 90
        attack = "T1505.004,T1090"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (reGeorgIIS)"
        family = "reGeorgIIS"
        layer = "family"
        sample = "families/regeorgiis_like.dll"
    strings:
        $s1 = "Socks connect error: " ascii wide
        $s2 = "Clear Rules Success!" ascii wide
        $s3 = "tn7rM2851XVvOFbc" ascii wide
        $s4 = "GetFromSource: " ascii wide
    condition:
        iis_component and 2 of them
}

rule fam_sessionsiis
{
    meta:
        description = "SessionsIIS: _sessionsID + If-Modified-Since channel, date key, HostRewriteModule RTTI, internal name Rewrite.dll"
        score = 90
        attack = "T1505.004,T1036.005,T1059.003"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (SessionsIIS)"
        family = "SessionsIIS"
        layer = "family"
        sample = "families/sessionsiis_like.dll"
    strings:
        $sid = "_sessionsID" ascii wide
        $ims = "If-Modified-Since" ascii wide
        $key = "Sat, 29 Oct 2021 19:43:31 GMT" ascii wide
        $rtti = "HostRewriteModule" ascii
        $pdb = "\\eNe.pdb" ascii
    condition:
        iis_component and (
            ($key and ($sid or $rtti or $pdb)) or
            ($sid and $ims and ($rtti or $pdb or pe.dll_name == "Rewrite.dll"))
        )
}

rule fam_tigeriis
{
    meta:
        description = "TigerIIS (Andariel): misspelt 'Microsoft Credental.dll', MicrosoftCorporationValidation key, numeric C2 tokens"
        score = 95
        attack = "T1505.004,T1036.005"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (TigerIIS); CISA AA24-207A"
        family = "TigerIIS"
        layer = "family"
        sample = "families/tigeriis_like.dll"
    strings:
        $key = "MicrosoftCorporationValidation@#$%^&*()!US" ascii wide
        $name = "Microsoft Credental.dll" ascii wide
        $t1 = "198409" ascii wide
        $t2 = "199703" ascii wide
        $t3 = "202106" ascii wide
        $t4 = "201445" ascii wide
    condition:
        iis_component and (
            ($key and ($name or 2 of ($t*))) or
            ($name and 3 of ($t*))
        )
}

rule fam_lighthandiis
{
    meta:
        description = "LightHandIIS (Andariel / Onyx Sleet): CIISModuleFactory, upload status messages, IIS-Backup PDB path"
        score = 90
        attack = "T1505.004,T1105"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (LightHandIIS)"
        family = "LightHandIIS"
        layer = "family"
        sample = "families/lighthandiis_like.dll"
    strings:
        $s1 = "CIISModuleFactory" ascii
        $s2 = "Read Body Failed!" ascii wide
        $s3 = "Upload Success!" ascii wide
        $s4 = "Create File Failed!" ascii wide
        $s5 = "\\Backup\\IIS-Backup\\" ascii
        $s6 = "IIS-Backup.pdb" ascii
        $s7 = "A:\\tool\\Backup\\" ascii
    condition:
        iis_component and 3 of them
}

rule fam_cookiehash
{
    meta:
        description = "CookieHash / IISCook: %ld|%ld|%s|| record format together with the iisc_v1.2.dll internal name"
        score = 85
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (CookieHash)"
        family = "CookieHash"
        layer = "family"
        sample = "families/cookiehash_like.dll"
    strings:
        $fmt = "%ld|%ld|%s||" ascii wide
        $name = "iisc_v1.2.dll" ascii wide
    condition:
        iis_component and all of them
}

rule fam_nosuch
{
    meta:
        description = "NoSuch: NoSuchHeaderError marker, file getter/uploader error messages, hard-coded key"
        score = 90
        attack = "T1505.004,T1105"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (NoSuch)"
        family = "NoSuch"
        layer = "family"
        sample = "families/nosuch_like.dll"
    strings:
        $s1 = "NoSuchHeaderError" ascii wide
        $s2 = "getFile: offset exceeds file size" ascii wide
        $s3 = "qNfn3mYyasd75Adne" ascii wide
        $s4 = "Uploader: WriteFile failed." ascii wide
    condition:
        iis_component and 2 of them
}

rule fam_sessionmanager
{
    meta:
        description = "SessionManager (Gelsemium): SessionManagerModuleFactory, status/file messages, cool.html attachment, GodLike PDB path"
        score = 95
        attack = "T1505.004,T1105,T1071.001"
        reference = "securelist.com/the-sessionmanager-iis-backdoor/106868/; PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (SessionManager); extrahop.com/resources/detections/sessionmanager-malware-activity"
        family = "SessionManager"
        layer = "family"
        sample = "families/sessionmanager_like.dll"
    strings:
        $s1 = "SessionManagerModuleFactory" ascii wide
        $s2 = "Session Manager Works OK" ascii wide
        $s3 = "error to open file for read/write" ascii wide
        $s4 = "attachment; filename = \"cool.html\"" ascii wide
        $s5 = "Complete Write To File :" ascii wide
        $s6 = "\\GodLike\\" ascii
        $s7 = "\\sessionmanagermodule.pdb" nocase ascii
        $s8 = "SM_SESSION" ascii wide
    condition:
        iis_component and 3 of them
}

rule fam_doorme
{
    meta:
        description = "DoorMe (ChamelGang): Doorme RTTI, IISBeacon.dll internal name, wide BCcD marker"
        score = 90
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (DoorMe)"
        family = "DoorMe"
        layer = "family"
        sample = "families/doorme_like.dll"
    strings:
        $rtti = "AVDoorme@@" ascii
        $name = "IISBeacon.dll" ascii wide
        $w = "BCcD;= " wide
    condition:
        iis_component and 2 of them
}

rule fam_threetrack
{
    meta:
        description = "ThreeTrack (related to RGDoor): w3trc module/PDB names, adobeproducttemp staging path, built from StripHeaders 1.0.5"
        score = 85
        attack = "T1505.004,T1074.001"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (ThreeTrack)"
        family = "ThreeTrack"
        layer = "family"
        sample = "families/threetrack_like.dll"
    strings:
        $t1 = "\\Users\\T\\Desktop\\er\\" ascii
        $t2 = "\\x64\\Release\\w3trc.pdb" ascii
        $t3 = "\\adobeproducttemp\\" nocase ascii wide
        $t4 = "w3trcModule.dll" ascii wide
        // the open-source base alone is benign: counted only with an own trait
        $strip = "\\StripHeaders-1.0.5\\" ascii
    condition:
        iis_component and (2 of ($t*) or (1 of ($t*) and $strip))
}

rule fam_blackmould
{
    meta:
        description = "BlackMould (GALLIUM): installer log messages for ApplicationHost.config / filter install, srvhttp.log"
        score = 85
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (BlackMould)"
        family = "BlackMould"
        layer = "family"
        sample = "families/blackmould_like.dll"
    strings:
        $s1 = "To configure ApplicationHost.config file OK..." ascii wide
        $s2 = "Install Filter start..." ascii wide
        $s3 = "srvhttp.log" nocase ascii wide
    condition:
        iis_component and 2 of them
}

rule fam_iisinjectorplus
{
    meta:
        description = "IISInjectorPlus: IISBackDoorPlus, hard-coded key, MyHttpModuleRegistrationInfo / MyWpfSettings classes"
        score = 90
        attack = "T1505.004,T1620"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/other_rules.yar (IISInjectorPlus)"
        family = "IISInjectorPlus"
        layer = "family"
        sample = "families/iisinjectorplus_like.dll"
    strings:
        $s1 = "IISBackDoorPlus" ascii wide
        $s2 = "c21Ffc565eb86fec" ascii wide
        $s3 = "MyHttpModuleRegistrationInfo" ascii
        $s4 = "MyWpfSettings" ascii
    condition:
        iis_component and 2 of them
}

rule fam_iis_seo
{
    meta:
        description = "IIS_Seo: CIIS_SeoFactory and httpdata.url/ua log formats"
        score = 85
        attack = "T1505.004,T1608.006"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/other_rules.yar (IIS_Seo)"
        family = "IIS_Seo"
        layer = "family"
        sample = "families/iis_seo_like.dll"
    strings:
        $s1 = "CIIS_SeoFactory" ascii
        $s2 = "httpdata.url:%s" ascii wide
        $s3 = "httpdata.ua:%s" ascii wide
    condition:
        iis_component and 2 of them
}

rule fam_dongtai
{
    meta:
        description = "Dongtai: LMIISModule-main source tree and Dongtai.pdb build path"
        score = 80
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/other_rules.yar (Dongtai)"
        family = "Dongtai"
        layer = "family"
        sample = "families/dongtai_like.dll"
    strings:
        $src = "\\LMIISModule-main\\" ascii
        $pdb = "\\Release\\Dongtai.pdb" ascii
    condition:
        iis_component and all of them
}

// ---------------------------------------------------------------------------
// Other named families (knowledge 1.5)
// ---------------------------------------------------------------------------

rule fam_dragonrank_badiis
{
    meta:
        description = "DragonRank / BadIIS SEO module: engine/crawler/device pipe lists, gambling keywords, analytics-script hosts, domain and zz1/xx1 C2 paths"
        score = 90
        attack = "T1505.004,T1608.006"
        reference = "elastic/protections-artifacts yara/rules/Windows_Trojan_BadIIS.yar; Cisco-Talos/IOCs 2024/09/DragonRank, a Chinese-speaking SEO manipulator service provider.txt"
        family = "DragonRank-BadIIS"
        layer = "family"
        sample = "families/dragonrank_badiis_like.dll"
    strings:
        $l1 = "bing|google|naver" ascii wide
        $l2 = "bingbot|Googlebot|Yeti" ascii wide
        $l3 = "bingbot|Googlebot|coccocbot" ascii wide
        $l4 = "iPhone|iPad|iPod|iOS|Android|uc|BlackBerry|HUAWEI" ascii wide
        $l5 = "|poker|gam" ascii wide
        $w1 = "hm.baidu.com/hm.js" ascii wide
        $w2 = "googletagmanager.com/gtag/js?id" ascii wide
        $w3 = "index.php?domain=" ascii wide
        $w4 = "js-alert-btn" ascii wide
        $c1 = "/zz1.php" ascii wide
        $c2 = "/xx1.php" ascii wide
    condition:
        iis_component and 1 of ($l*) and 3 of them
}

rule fam_tollbooth
{
    meta:
        description = "TOLLBOOTH SEO/cloaking module: seo config and hijack-rule names, landpage/sitemap paths, hj-plugin-iis version tags, {本地友链} token"
        score = 90
        attack = "T1505.004,T1608.006"
        reference = "elastic/protections-artifacts yara/rules/Windows_Trojan_Tollbooth.yar"
        family = "TOLLBOOTH"
        layer = "family"
        sample = "families/tollbooth_like.dll"
    strings:
        $s1 = "sitemapRangeBegin" ascii wide
        $s2 = "seoGroupHijackbotUaMatchRules" ascii wide
        $s3 = "clean?type=conf" ascii wide
        $s4 = "/landpage?seoConfigId=" ascii wide
        $s5 = "<!- GP -->" ascii wide
        $s6 = "gooqlebot" ascii wide
        $s7 = "GetRandomLinesFromMultipleResources" ascii wide
        $s8 = "hj-plugin-iis-cpp-v" ascii wide
        $s9 = "hj-iis-cim-v" ascii wide
        $s10 = "<form action='/scjg' method='POST'" ascii wide
        $s11 = "AffLinkServer" ascii wide
        $s12 = { 7B E6 9C AC E5 9C B0 E5 8F 8B E9 93 BE 7D }  // "{本地友链}" UTF-8
        $s13 = { 7B 00 2C 67 30 57 CB 53 FE 94 7D 00 }        // "{本地友链}" UTF-16LE
    condition:
        iis_component and 4 of them
}

// ---------------------------------------------------------------------------
// Managed (.NET) families
// ---------------------------------------------------------------------------

rule fam_owowa
{
    meta:
        description = "Owowa OWA credential stealer / backdoor: three special usernames, assembly GUID, PreSend_RequestContent + RunCommand"
        score = 95
        attack = "T1505.004,T1056.003,T1059.001"
        reference = "securelist.com/owowa-credential-stealer-and-remote-access/105219/; ditekshen/detection yara/malware.yar (MALWARE_Win_Owowa)"
        family = "Owowa"
        layer = "family"
        sample = "families/owowa_like.dll"
    strings:
        $u1 = "dEUM3jZXaDiob8BrqSy2PQO1" wide
        $u2 = "Fb8v91c6tHiKsWzrulCeqO" wide
        $u3 = "jFuLIXpzRdateYHoVwMlfc" wide
        $guid = "6801b573-4cdb-4307-8d4a-3d1e2842f09f" nocase ascii wide
        $m1 = "PreSend_RequestContent" ascii
        $m2 = "RunCommand" ascii
    condition:
        is_dotnet and iis_component and (
            2 of ($u*) or
            ($guid and 1 of ($u*, $m*)) or
            ($m1 and $m2 and 1 of ($u*))
        )
}

rule fam_spiderexecute
{
    meta:
        description = "SpiderExecute managed module: spider-hijack and header-command method names, RequestMonitor project, execute-cmd-iis marker"
        score = 90
        attack = "T1505.004,T1059,T1608.006"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (SpiderExecute)"
        family = "SpiderExecute"
        layer = "family"
        sample = "families/spiderexecute_like.dll"
    strings:
        $m1 = "HandleSpiderHijack" ascii
        $m2 = "IsSpiderReferer" ascii
        $m3 = "ExecuteCommandFromHeader" ascii
        $p = "\\RequestMonitor\\" ascii wide
        $w = "execute-cmd-iis" wide
    condition:
        is_dotnet and iis_component and 3 of them
}

rule fam_detele
{
    meta:
        description = "Detele managed module: [iis] strCmdValueEncrypted / .Net Exec Succeed / Detele Failed messages"
        score = 90
        attack = "T1505.004,T1620,T1562.001"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (Detele)"
        family = "Detele"
        layer = "family"
        sample = "families/detele_like.dll"
    strings:
        $s1 = "[iis] strCmdValueEncrypted" ascii wide
        $s2 = "[+] .Net Exec Succeed" ascii wide
        $s3 = "[-] Detele Failed" ascii wide
    condition:
        is_dotnet and iis_component and 2 of them
}

rule fam_reviseiis
{
    meta:
        description = "ReviseIIS managed Exchange module: RunExshell and trafficObfuscation members"
        score = 85
        attack = "T1505.004,T1059.001"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (ReviseIIS)"
        family = "ReviseIIS"
        layer = "family"
        sample = "families/reviseiis_like.dll"
    strings:
        $s1 = "RunExshell" ascii wide
        $s2 = "trafficObfuscation" ascii wide
    condition:
        is_dotnet and iis_component and all of them
}

rule fam_rainowa
{
    meta:
        description = "RainOwa managed OWA module: dadmin build path and RainFL84CA7GHhauPb1y key"
        score = 90
        attack = "T1505.004,T1056.003"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (RainOwa)"
        family = "RainOwa"
        layer = "family"
        sample = "families/rainowa_like.dll"
    strings:
        $path = "c:\\users\\dadmin\\" nocase ascii wide
        $key = "RainFL84CA7GHhauPb1y" ascii wide
    condition:
        is_dotnet and iis_component and all of them
}

rule fam_deployfilteriis
{
    meta:
        description = "DeployFilterIIS (China Chopper based) managed module: ChopperApi_ names and 'This Function can not use now.'"
        score = 85
        attack = "T1505.004,T1505.003"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (DeployFilterIIS)"
        family = "DeployFilterIIS"
        layer = "family"
        sample = "families/deployfilter_like.dll"
    strings:
        $w = "This Function can not use now." wide
        $n = "ChopperApi_" ascii wide
    condition:
        is_dotnet and iis_component and all of them
}

rule fam_limitedcookie
{
    meta:
        description = "LimitedCookie (WBGlIl/IIS_backdoor) managed module: IIS_backdoor_dll, Runpscmd, TypeLib GUIDs"
        score = 90
        attack = "T1505.004,T1059.001"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (LimitedCookie); Neo23x0/signature-base yara/gen_github_net_redteam_tools_guids.yar (HKTL_NET_GUID_IIS_backdoor)"
        family = "LimitedCookie"
        layer = "family"
        sample = "families/limitedcookie_like.dll"
    strings:
        $s1 = "!Target requires" ascii wide
        $s2 = "Runpscmd" ascii wide
        $s3 = "IIS_backdoor_dll" ascii wide
        $g1 = "3fda4aa9-6fc1-473f-9048-7edc058c4f65" nocase ascii wide
        $g2 = "73ca4159-5d13-4a27-8965-d50c41ab203c" nocase ascii wide
    condition:
        is_dotnet and iis_component and 2 of them
}

rule fam_exowa
{
    meta:
        description = "ExOwa (DeadRinger) managed OWA module: Exchange common DLL path, EXANG and ~ex.dat files"
        score = 85
        attack = "T1505.004,T1056.003"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/backdoor_rules.yar (ExOwa)"
        family = "ExOwa"
        layer = "family"
        sample = "families/exowa_like.dll"
    strings:
        $s1 = "Bin\\Microsoft.Exchange.Common.dll" wide
        $s2 = "\\EXANG" wide
        $s3 = "\\~ex.dat" wide
    condition:
        is_dotnet and iis_component and 2 of them
}
