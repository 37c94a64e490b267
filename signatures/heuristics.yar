/*
 * iisweep rule pack: heuristic layer.
 *
 * Tradecraft seen across IIS malware families. Each rule carries a weight
 * (meta score, 10-60); the engine accumulates them. Every rule requires the
 * file to be an IIS component (engine globals) so that the same traits in
 * unrelated binaries do not count. See signatures/README.md.
 */

import "pe"

rule heur_cmd_exec_with_header_parsing
{
    meta:
        description = "IIS component that can start processes (CreateProcess/WinExec/ShellExecute import) and names a shell, beside HTTP header or cookie names"
        score = 60
        attack = "T1505.004,T1059.003"
        reference = "0x09AL/IIS-Raid module/Functions.cpp; Neo23x0/signature-base yara/apt_oilrig_rgdoor.yar; eset/malware-ioc badiis/README.adoc"
        layer = "heuristic"
        sample = "families/cmd_cookie_module.dll"
    strings:
        $shell1 = "cmd.exe" nocase ascii wide
        $shell2 = "cmd /c" nocase ascii wide
        $shell3 = "powershell.exe" nocase ascii wide
        $hdr1 = "Cookie" fullword ascii wide
        $hdr2 = "HTTP_COOKIE" ascii wide
        $hdr3 = "X-Chrome-Variations" ascii wide
        $hdr4 = "X-Password" ascii wide
        $hdr5 = "X-FFEServer" ascii wide
        $hdr6 = "RGSESSIONID" ascii wide
    condition:
        iis_component and
        (pe.imports("kernel32.dll", "CreateProcessA") or
         pe.imports("kernel32.dll", "CreateProcessW") or
         pe.imports("kernel32.dll", "WinExec") or
         pe.imports("advapi32.dll", "CreateProcessAsUserA") or
         pe.imports("advapi32.dll", "CreateProcessAsUserW") or
         pe.imports("shell32.dll", "ShellExecuteA") or
         pe.imports("shell32.dll", "ShellExecuteW") or
         pe.imports("shell32.dll", "ShellExecuteExW")) and
        any of ($shell*) and any of ($hdr*)
}

rule heur_custom_header_channel
{
    meta:
        description = "IIS component naming a request header or cookie that published IIS backdoors use as a command or authentication channel"
        score = 40
        attack = "T1505.004,T1071.001"
        reference = "eset/malware-ioc badiis/README.adoc (Groups 1, 3, 4, 5); 0x09AL/IIS-Raid; extrahop.com/resources/detections/sessionmanager-malware-activity"
        layer = "heuristic"
        sample = "families/xcookie_like.dll"
    strings:
        $h1 = "X-Chrome-Variations" ascii wide
        $h2 = "X-FFEServer" ascii wide
        $h3 = "X-Password" ascii wide
        $h4 = "Sense-Pwd" ascii wide
        $h5 = "COM_InterProt" ascii wide
        $h6 = "XXXYYY-Ref" ascii wide
        $h7 = "X-BlogEngine" ascii wide
        $h8 = "X-IIS-Data" ascii wide
        $h9 = "X-Cookie" ascii wide
        $h10 = "RGSESSIONID" ascii wide
        $h11 = "SM_SESSION" ascii wide
        $h12 = "_sessionsID" ascii wide
    condition:
        iis_component and any of them
}

rule heur_credential_capture
{
    meta:
        description = "IIS component with password-capture keywords next to a credential store or logon-page path"
        score = 40
        attack = "T1505.004,T1056.003"
        reference = "0x09AL/IIS-Raid (ReadEntityBody + password, PASS_FILE); eset/malware-ioc badiis/README.adoc (Group 7 /credential/ paths); attack.mitre.org/techniques/T1505/004 (OwaAuth)"
        layer = "heuristic"
        sample = "families/owa_creds_filter.dll"
    strings:
        $pw = "password" nocase ascii wide
        $sink1 = "creds.db" nocase ascii wide
        $sink2 = "No Creds Found" ascii wide
        $sink3 = "/owa/auth" nocase ascii wide
        $sink4 = "logon.aspx" nocase ascii wide
        $sink5 = "/credential/" ascii wide
    condition:
        iis_component and $pw and any of ($sink*)
}

rule heur_windows_temp_path
{
    meta:
        description = "IIS component that writes files (CreateFile/WriteFile import, or .NET File/Stream writers) and names a path under Windows\\Temp (credential logs, staging files)"
        score = 20
        attack = "T1505.004,T1074.001"
        reference = "eset/malware-ioc badiis/README.adoc (Group 1 creds.db/log.tmp, Group 5 cache.txt); 0x09AL/IIS-Raid PASS_FILE"
        layer = "heuristic"
        sample = "families/iistealer_like.dll"
    strings:
        $t1 = "\\Windows\\Temp\\" nocase ascii wide
        // .NET file-writing members (#Strings heap)
        $net1 = "AppendAllText" ascii
        $net2 = "WriteAllText" ascii
        $net3 = "WriteAllBytes" ascii
        $net4 = "StreamWriter" ascii
        $net5 = "FileStream" ascii
    condition:
        iis_component and $t1 and
        (pe.imports("kernel32.dll", "CreateFileA") or
         pe.imports("kernel32.dll", "CreateFileW") or
         pe.imports("kernel32.dll", "WriteFile") or
         (is_dotnet and any of ($net*)))
}

rule heur_native_module_clr_hosting
{
    meta:
        description = "Native IIS module importing mscoree!CLRCreateInstance / CorBindToRuntimeEx: hosts and runs .NET code from native code"
        score = 45
        attack = "T1505.004,T1620"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar (Detele, IISInjectorPlus, Frebniis)"
        layer = "heuristic"
        sample = "families/clr_host_module.dll"
    condition:
        iis_native_module and
        (pe.imports("mscoree.dll", "CLRCreateInstance") or
         pe.imports("mscoree.dll", "CorBindToRuntimeEx"))
}

rule heur_seo_crawler_user_agents
{
    meta:
        description = "IIS component carrying three or more search-crawler user-agent names (SEO cloaking / fraud)"
        score = 40
        attack = "T1505.004,T1608.006"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar; eset/malware-ioc badiis/README.adoc (Groups 9, 10)"
        layer = "heuristic"
        sample = "families/seo_spider_filter.dll"
    strings:
        $ua1 = "Baiduspider" nocase ascii wide
        $ua2 = "Sogou web spider" nocase ascii wide
        $ua3 = "Sosospider" nocase ascii wide
        $ua4 = "360Spider" nocase ascii wide
        $ua5 = "YisouSpider" nocase ascii wide
        $ua6 = "Googlebot" nocase ascii wide
        $ua7 = "bingbot" nocase ascii wide
        $ua8 = "YandexBot" nocase ascii wide
        $ua9 = "coccocbot" nocase ascii wide
    condition:
        iis_component and 3 of them
}

rule heur_seo_pipe_keyword_list
{
    meta:
        description = "IIS component carrying pipe-delimited crawler, search-engine, device or gambling keyword lists (SEO redirector)"
        score = 30
        attack = "T1505.004,T1608.006"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/redirector_rules.yar; elastic/protections-artifacts yara/rules/Windows_Trojan_BadIIS.yar; eset/malware-ioc badiis/README.adoc (Group 12)"
        layer = "heuristic"
        sample = "families/dragonrank_badiis_like.dll"
    strings:
        $p1 = "|baidu|" nocase ascii wide
        $p2 = "|poker|" nocase ascii wide
        $p3 = "|Googlebot|" nocase ascii wide
        $p4 = "|coccoc|" nocase ascii wide
        $p5 = "|naver.com|" nocase ascii wide
        $p6 = "bing|google|naver" nocase ascii wide
        $p7 = "bingbot|Googlebot" nocase ascii wide
        $p8 = "iPhone|iPad|iPod" nocase ascii wide
        $p9 = "Hotcss/|Hotjs/" ascii wide
        $p10 = ".js|.css|.jpg" nocase ascii wide
    condition:
        iis_component and any of them
}

rule heur_js_redirector_prefix
{
    meta:
        description = "IIS component carrying an HTML prefix that injects a remote script (redirector template)"
        score = 30
        attack = "T1505.004,T1608.006"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar"
        layer = "heuristic"
        sample = "families/dragonrank_badiis_like.dll"
    strings:
        $r = "<!DOCTYPE html><html><body><script src=\"" nocase ascii wide
    condition:
        iis_component and $r
}

rule heur_embedded_rsa_key
{
    meta:
        description = "IIS component embedding an RSA key (base64 DER public/private key header or .NET RSAKeyValue XML)"
        score = 20
        attack = "T1505.004,T1573.002"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar (TripleRIIS); ditekshen/detection yara/malware.yar (Owowa)"
        layer = "heuristic"
        sample = "families/triplerriis_like.dll"
    strings:
        $der_pub = "MIGfMA0GC" ascii wide
        $der_priv = "MIICdgIBADA" ascii wide
        $xml = "<RSAKeyValue><Modulus>" ascii wide
    condition:
        iis_component and any of them
}

rule heur_name_imitates_builtin
{
    meta:
        description = "IIS component whose file name imitates a built-in IIS/.NET/Exchange module (authmd4 vs authmd5, ManagedEngineV4.1 vs V4.0, isapicache_, ...)"
        score = 45
        attack = "T1505.004,T1036.005"
        reference = "eset/malware-ioc badiis/README.adoc (on-disk names, Groups 1, 5, 9, 11, 12); knowledge 4.3/4.4 built-in module list"
        layer = "heuristic"
        sample = "families/authmd4.dll"
    condition:
        iis_component and (
            file_name startswith "isapicache_" or
            file_name startswith "managedenginev4.1" or
            file_name startswith "managedengine_" or
            for any n in (
                "authmd4.dll", "authmd.dll", "authcutd.dll", "autehbas.dll",
                "autohbas.dll", "cachport.dll", "httpcache.dll", "mscore.dll",
                "mscorevt.dll", "webengine.dll", "webengine5.dll",
                "microsoft.exchange.clients.owaauth.dll"
            ) : (file_name == n)
        )
}

rule heur_component_non_dll_extension
{
    meta:
        description = "IIS component stored under a non-DLL file extension (IIS loads any extension; e.g. isapicache_.dll_, .tmp)"
        score = 40
        attack = "T1505.004,T1036.008"
        reference = "eset/malware-ioc badiis/README.adoc (Group 5 isapicache_.dll_)"
        layer = "heuristic"
        sample = "families/webcache.tmp"
    condition:
        iis_component and pe.is_dll() and file_ext != "dll" and
        not for any e in ("ocx", "cpl", "drv", "acm", "ax", "tlb", "sys",
                          "ime", "mui", "ds", "tsp", "dll16", "drv16",
                          "msstyles") : (file_ext == e)
}

rule heur_managed_assembly_load_from_bytes
{
    meta:
        description = "A request handler reads request input, decodes it (base64, decompression, decryption) and loads code (Assembly.Load, AppDomain.Load, compilation): runs code sent in the request"
        score = 70
        attack = "T1505.004,T1620,T1140"
        reference = "mandiant/capa-rules nursery/load-dotnet-assembly.yml, nursery/decode-data-using-base64-in-dotnet.yml; ECMA-335 III (call graph over IL)"
        layer = "heuristic"
        sample = "behaviour/Fabrikam.Analytics.Web.dll"
    condition:
        iis_component and request_decode_load and not microsoft_signed
}

rule heur_managed_process_start
{
    meta:
        description = "A request handler reads request input, decodes it and starts a process: runs commands sent (encoded or encrypted) in the request"
        score = 70
        attack = "T1505.004,T1059,T1140"
        reference = "mandiant/capa-rules host-interaction/process/create/create-process-in-dotnet.yml; ECMA-335 III (call graph over IL)"
        layer = "heuristic"
        sample = "behaviour/Northwind.Reporting.Export.dll"
    condition:
        iis_component and request_decode_run and not microsoft_signed
}

rule heur_request_runs_process
{
    meta:
        description = "A request handler reads request input and starts processes (managed: on the IL call graph from the entry point, through reflection on a built type name too; native: a role export beside process-creation imports)"
        score = 60
        attack = "T1505.004,T1059"
        reference = "MITRE ATT&CK T1505.004; eset/malware-ioc badiis/README.adoc (command execution); samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/Tailspin.Ops.Probes.dll"
    condition:
        iis_component and request_runs_process and not microsoft_signed
}

rule heur_request_loads_code
{
    meta:
        description = "A request handler reads request input and loads assemblies or compiles code"
        score = 55
        attack = "T1505.004,T1620"
        reference = "mandiant/capa-rules nursery/load-dotnet-assembly.yml; samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/Fabrikam.Analytics.Web.dll"
    condition:
        iis_component and request_loads_code and not microsoft_signed
}

rule heur_request_injects
{
    meta:
        description = "A request handler reads request input and writes code into another process and runs it there (VirtualAllocEx/WriteProcessMemory with CreateRemoteThread/QueueUserAPC, by P/Invoke or import)"
        score = 75
        attack = "T1505.004,T1055"
        reference = "MITRE ATT&CK T1055.001, T1055.004; samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/Litware.Diagnostics.Agent.dll"
    condition:
        iis_component and request_injects and not microsoft_signed
}

rule heur_request_credentials_kept
{
    meta:
        description = "A request handler reads credential fields (password-like form fields or server variables) and writes files or sends data out: a credential logger"
        score = 60
        attack = "T1505.004,T1056,T1552"
        reference = "MITRE ATT&CK T1056.003; eset/malware-ioc badiis/README.adoc (credential stealing); samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/Contoso.Identity.Audit.dll"
    condition:
        iis_component and request_credentials_out and not microsoft_signed
}

rule heur_request_fetch_and_rewrite
{
    meta:
        description = "A module's request path reads request input, fetches from the network and rewrites the response (body, filter, status or redirect): content injection or SEO cloaking"
        score = 60
        attack = "T1505.004,T1565.002"
        reference = "eset/malware-ioc badiis/README.adoc (SEO fraud, proxy); samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/AdventureWorks.Web.Optimizer.dll"
    condition:
        iis_component and request_fetch_rewrite and not microsoft_signed
}

rule heur_native_request_network
{
    meta:
        description = "Native IIS component (its role export is handed every request) that imports outbound networking (WinINet, WinHTTP, socket connect): opens connections from inside the web server"
        score = 60
        attack = "T1505.004,T1071.001"
        reference = "eset/malware-ioc badiis/README.adoc (proxy, SEO fraud modules); samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/content_boost_module.dll"
    condition:
        (iis_native_module or iis_isapi_extension or iis_isapi_filter) and
        request_network and not microsoft_signed
}

rule heur_reflection_hidden_type
{
    meta:
        description = "Managed component passing a built name of a process, assembly-loading, network or file type to reflection (Type.GetType, Activator.CreateInstance) instead of referencing it: hides what it calls"
        score = 40
        attack = "T1505.004,T1027"
        reference = "ECMA-335 III (ldstr, String.Concat folding); samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/Contoso.Telemetry.dll"
    condition:
        iis_component and
        reflection_names matches /(^|,)System\.(Diagnostics\.Process|Reflection\.Assembly|AppDomain|Net\.|IO\.File)/
}

rule heur_custom_request_header
{
    meta:
        description = "IIS component that reads or sets a custom (non-standard) request header: a possible command or authentication channel; weak by itself"
        score = 15
        attack = "T1505.004,T1071.001"
        reference = "eset/malware-ioc badiis/README.adoc (header-based channels); samples-synthetic/behaviour/README.md"
        layer = "heuristic"
        sample = "behaviour/edge_trace_filter.dll"
    condition:
        iis_component and custom_request_names != ""
}

rule heur_capability_off_request_path
{
    meta:
        description = "IIS component that can start processes, load code or inject, but not from a request handler that reads input (weighs little: frameworks do this)"
        score = 15
        attack = "T1505.004"
        reference = "signatures/README.md (combination table)"
        layer = "heuristic"
        sample = "families/managed_exec_handler.dll"
    condition:
        iis_component and not microsoft_signed and
        capabilities matches /(^|,)(runs_process|process_creation|loads_code|assembly_loading|pinvoke_injection)(,|$)/ and
        not (request_runs_process or request_loads_code or request_injects)
}

rule heur_unsigned_component
{
    meta:
        description = "IIS component without an Authenticode certificate table (built-in IIS modules are signed)"
        score = 10
        attack = "T1505.004"
        reference = "microsoft/CSS-Exchange Shared/IISFunctions/Get-IISModules.ps1"
        layer = "heuristic"
        sample = "families/authmd4.dll"
    condition:
        iis_component and not is_signed
}

rule heur_unsigned_sample_factory_name
{
    meta:
        description = "Unsigned IIS component whose module/factory class name comes from SDK samples reused by several malware families (CHelloWorld, MyHttpModuleFactory)"
        score = 30
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar, other_rules.yar (HelloWorldFactory)"
        layer = "heuristic"
        sample = "families/rgdoor_like.dll"
    strings:
        $f1 = "CHelloWorldFactory" ascii wide
        $f2 = "MyHttpModuleFactory" ascii wide
        $f3 = ".?AVCHelloWorld@@" ascii
    condition:
        iis_component and not is_signed and any of them
}

rule heur_popen_failure_string
{
    meta:
        description = "IIS component with a popen failure message (runs shell commands through popen)"
        score = 30
        attack = "T1505.004,T1059.003"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar (SessionsIIS, TripleRIIS)"
        layer = "heuristic"
        sample = "families/sessionsiis_like.dll"
    strings:
        $p1 = "popen() failed!" ascii wide
        $p2 = "popen failed!" ascii wide
    condition:
        iis_component and any of them
}

rule heur_w3wp_stack_string
{
    meta:
        description = "IIS component building \"w3wp\" + \".exe\" as a stack string (hides a worker-process name)"
        score = 40
        attack = "T1505.004,T1027"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar"
        layer = "heuristic"
        sample = "families/w3wp_stack_ext.dll"
    strings:
        // two 32-bit immediate stores: mov dword [..], 'w3wp' ; mov dword [..], '.exe'
        $split = { 77 33 77 70 [3-5] 2E 65 78 65 }
        // one 64-bit immediate: mov r64, 'w3wp.exe'
        $imm64 = { 4? B? 77 33 77 70 2E 65 78 65 }
    condition:
        iis_component and any of them
}

rule heur_signature_invalid
{
    meta:
        description = "IIS component whose Authenticode signature does not verify against the file (image digest or signer signature mismatch): modified after signing, or a signature copied from another file"
        score = 60
        attack = "T1505.004,T1553.002"
        reference = "Microsoft Authenticode PE specification (Authenticode_PE.docx); microsoft/CSS-Exchange Shared/IISFunctions/Get-IISModules.ps1"
        layer = "heuristic"
        sample = "signed/tampered.dll"
    condition:
        // yara-x's own check is a second opinion: a signature iisweep cannot
        // parse but yara-x verifies is not called broken.
        iis_component and is_signed and not signature_valid and
        not (for any s in pe.signatures : (s.verified))
}

rule heur_fake_microsoft_signer
{
    meta:
        description = "IIS component signed by a certificate that names Microsoft but does not chain to a Microsoft root (checked offline against the embedded Microsoft roots)"
        score = 70
        attack = "T1505.004,T1036.001"
        reference = "microsoft/CSS-Exchange Shared/IISFunctions/Get-IISModules.ps1"
        layer = "heuristic"
        sample = "signed/fake_microsoft.dll"
    condition:
        // signature_valid: the signature was read and verifies; only its
        // chain fails to reach a Microsoft root.
        iis_component and signature_valid and not microsoft_signed and
        for any s in pe.signatures : (s.subject contains "Microsoft")
}
