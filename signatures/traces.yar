/*
 * iisweep rule pack: trace layer.
 *
 * Install traces of IIS components in text files (.ps1, .bat, .cmd and the
 * PowerShell PSReadLine ConsoleHost_history.txt): the commands that register
 * a module, put its assembly in the GAC, or turn HTTP logging off.
 *
 * The engine evaluates these rules per file and turns every match offset into
 * a line number, so each pattern matches inside one line and starts on the
 * part of the line that carries the command ([^\r\n] instead of `.`, bounded
 * gaps). Patterns are `ascii wide` because PowerShell 5 writes scripts
 * redirected with `>` / Out-File as UTF-16LE; the line of a wide match is
 * found the same way (0x0A still ends the line). No imports, no globals: the
 * condition of every rule is its strings.
 *
 * Written from the facts in /work/shared/knowledge/iis-components.md
 * (sections 2, 3.7, 4.1 and 4.2); no third-party rule text was copied.
 * Rule names are `trace_<kind>`, where kind is the manifest trace kind
 * (samples-synthetic/iis-images/manifest.json).
 */

rule trace_appcmd_install_module
{
    meta:
        description = "appcmd install module: registers a native IIS module image in globalModules and enables it server-wide"
        score = 50
        attack = "T1505.004"
        reference = "Sigma rules proc_creation_win_iis_appcmd_susp_module_install; Microsoft Learn iis-modules-overview (appcmd.exe install module /name: /image:); atomic-red-team T1505.004 test 1; MITRE T1505.004"
        layer = "trace"
        sample = "iis-images/tampered/Users/Public/Libraries/setup.bat"
    strings:
        // appcmd / appcmd.exe / "C:\...\appcmd.exe" install module ...
        // (`uninstall module` does not match: `install` must follow blanks)
        $appcmd = /appcmd(\.exe)?["']?[ \t]+install[ \t]+module\b/ nocase ascii wide
        // appcmd called through a variable: & $appcmd / %APPCMD% install module /name:...
        $viavar = /(\$\{?[\w:]+\}?|%\w+%)["')]?[ \t]+install[ \t]+module[ \t][^\r\n]{0,300}[\/-](name|image):/ nocase ascii wide
    condition:
        any of them
}

rule trace_appcmd_add_module
{
    meta:
        description = "appcmd add module, appcmd set config /+[name=...] on the modules or globalModules section, or the PowerShell equivalents (New-WebManagedModule, Add-WebConfiguration on modules): adds a module to an IIS module list"
        score = 40
        attack = "T1505.004"
        reference = "Sigma rules proc_creation_win_iis_susp_module_registration, win_iis_module_added; Microsoft Learn iis-modules-overview (appcmd add module /type:, set config -section:system.webServer/globalModules /+); MITRE T1505.004"
        layer = "trace"
        sample = "iis-images/managed/inetpub/deploy/install-telemetry.cmd"
    strings:
        $appcmd = /appcmd(\.exe)?["']?[ \t]+add[ \t]+module\b/ nocase ascii wide
        $viavar = /(\$\{?[\w:]+\}?|%\w+%)["')]?[ \t]+add[ \t]+module[ \t][^\r\n]{0,300}[\/-](name|type):/ nocase ascii wide
        // appcmd set config [path] /section:(system.webServer/)(global)modules ... /+"[name='X',...]"
        // (either order of the two switches)
        $setcfg = /appcmd(\.exe)?["']?[ \t]+set[ \t]+config\b[^\r\n]{0,300}([\/-]section:["']?(system\.web(Server)?\/)?(globalModules|modules|httpModules)\b[^\r\n]{0,300}[\/-]\+["']?\[|[\/-]\+["']?\[[^\r\n]{0,300}[\/-]section:["']?(system\.web(Server)?\/)?(globalModules|modules|httpModules)\b)/ nocase ascii wide
        $psmanaged = /\bNew-WebManagedModule\b/ nocase ascii wide
        // Add-WebConfiguration(Property) -Filter system.webServer/modules (or system.web/httpModules)
        $psaddcfg = /\bAdd-WebConfiguration(Property)?\b[^\r\n]{0,300}\/(modules|httpModules)\b/ nocase ascii wide
    condition:
        any of them
}

rule trace_gacutil_install
{
    meta:
        description = "gacutil /i (or -i, /if, /il, /ir): installs an assembly into the global assembly cache, where a managed IIS module can be loaded from"
        score = 40
        attack = "T1505.004"
        reference = "Sigma rules proc_creation_win_iis_susp_module_registration (gacutil + /I); Microsoft Learn modules/add (managed modules from the GAC); MITRE T1505.004"
        layer = "trace"
        sample = "iis-images/managed/inetpub/deploy/install-telemetry.cmd"
    strings:
        // gacutil[.exe]["] [/nologo] [/silent] [/f] /i[f|l|r] <file>
        // (the switches must follow gacutil directly, so `gacutil /l | findstr /i x` does not match)
        $cli = /gacutil(\.exe)?["']?[ \t]+([\/-](nologo|silent|f)[ \t]+)*[\/-]i[flr]?[ \t]+["']?[^ \t\r\n\/-]/ nocase ascii wide
        // Start-Process gacutil -ArgumentList '/i x.dll'
        $startproc = /gacutil(\.exe)?["']?[ \t]+-ArgumentList[ \t:]+[@("' \t]*([\/-](nologo|silent|f)[ \t]+)*[\/-]i[flr]?[ \t]+["']?[^ \t\r\n\/-]/ nocase ascii wide
    condition:
        any of them
}

rule trace_new_webglobalmodule
{
    meta:
        description = "PowerShell New-WebGlobalModule, Set-WebGlobalModule -Image or Add-WebConfiguration on globalModules: registers (or re-points) a native IIS module image"
        score = 50
        attack = "T1505.004"
        reference = "Splunk windows_powershell_iis_components_webglobalmodule_usage; atomic-red-team T1505.004 test 2; Sigma rule win_iis_module_added; MITRE T1505.004"
        layer = "trace"
        sample = "iis-images/tampered/ProgramData/Microsoft/Crypto/inst.ps1"
    strings:
        $new = /\bNew-WebGlobalModule\b/ nocase ascii wide
        $repoint = /\bSet-WebGlobalModule\b[^\r\n]{0,300}-Image\b/ nocase ascii wide
        // Add-WebConfiguration(Property) -Filter system.webServer/globalModules
        $psaddcfg = /\bAdd-WebConfiguration(Property)?\b[^\r\n]{0,300}\/globalModules\b/ nocase ascii wide
    condition:
        any of them
}

rule trace_enable_webglobalmodule
{
    meta:
        description = "PowerShell Enable-WebGlobalModule: enables an installed native IIS module in the modules list"
        score = 50
        attack = "T1505.004"
        reference = "Splunk windows_powershell_iis_components_webglobalmodule_usage; Microsoft Learn globalModules and modules sections; MITRE T1505.004"
        layer = "trace"
        sample = "iis-images/tampered/ProgramData/Microsoft/Crypto/inst.ps1"
    strings:
        $enable = /\bEnable-WebGlobalModule\b/ nocase ascii wide
    condition:
        any of them
}

rule trace_enterpriseservices_publish
{
    meta:
        description = "System.EnterpriseServices.Internal.Publish GacInstall from PowerShell: puts an assembly in the GAC without gacutil"
        score = 60
        attack = "T1505.004"
        reference = "Sigma rules proc_creation_win_iis_susp_module_registration (system.enterpriseservices.internal.publish); Microsoft 2022 blog Malicious IIS extensions quietly open persistent backdoors into servers; MITRE T1505.004"
        layer = "trace"
        sample = "iis-images/tampered/Users/svc-web/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt"
    strings:
        // [System.EnterpriseServices.Internal.Publish]::new().GacInstall(...),
        // (New-Object System.EnterpriseServices.Internal.Publish).GacInstall(...)
        $inline = /System\.EnterpriseServices\.Internal\.Publish\b[^\r\n]{0,300}\.GacInstall[ \t]*\(/ nocase ascii wide
        // $p = New-Object ...Publish on one line, $p.GacInstall(...) on a later one
        $viavar = /\$\{?[\w:]+\}?\.GacInstall[ \t]*\(/ nocase ascii wide
    condition:
        any of them
}

rule trace_logging_disabled
{
    meta:
        description = "Turns IIS request logging off: httpLogging dontLog true, logFile enabled false, logTargetW3C with only one of File/ETW, or HttpLoggingModule removed, through appcmd or PowerShell"
        score = 60
        attack = "T1505.004,T1562.002"
        reference = "Sigma rules proc_creation_win_iis_appcmd_http_logging, win_iis_logging_http_disabled, win_iis_logging_etw_disabled; Microsoft Learn httpLogging and siteDefaults/logFile; atomic-red-team T1562.002; MITRE T1562.002"
        layer = "trace"
        sample = "iis-images/tampered/Users/Public/Libraries/setup.bat"
    strings:
        // appcmd set config /section:httpLogging /dontLog:true
        // appcmd set site "X" /logFile.enabled:false, set config -section:sites /siteDefaults.logFile.enabled:false
        // appcmd set config -section:sites /siteDefaults.logFile.logTargetW3C:"File" (ETW removed) or "ETW" (file removed)
        // appcmd set config /section:modules /-"[name='HttpLoggingModule']"
        $appcmd_set = /appcmd(\.exe)?["']?[ \t]+set[ \t]+(config|site)\b[^\r\n]{0,400}([\/-]dontLog:["']?(true|1)\b|logFile\.enabled:["']?(false|0)\b|logTargetW3C:["']?(File|ETW)(["' \t\r\n]|$)|[\/-]-["']?\[[ \t]*name=["']?HttpLoggingModule\b)/ nocase ascii wide
        // appcmd delete|uninstall module HttpLoggingModule
        $appcmd_rm = /appcmd(\.exe)?["']?[ \t]+(delete|uninstall)[ \t]+module\b[^\r\n]{0,200}\bHttpLoggingModule\b/ nocase ascii wide
        // Set-WebConfigurationProperty -Filter system.webServer/httpLogging -Name dontLog -Value $true
        // Set-WebConfiguration -Filter system.webServer/httpLogging -Value @{dontLog=$true}
        // Set-WebConfigurationProperty ... -Value $true -Name dontLog
        $ps_dontlog = /\bSet-WebConfiguration(Property)?\b[^\r\n]{0,400}(\bdontLog["']?([ \t]+-Value[ \t:]*|[ \t]*=[ \t]*)["']?(\$true|true|1)\b|-Value[ \t:]+["']?(\$true|true|1)["']?[ \t][^\r\n]{0,200}-Name[ \t:]+["']?dontLog\b)/ nocase ascii wide
        // Set-WebConfigurationProperty -Filter .../siteDefaults/logFile -Name enabled -Value $false
        // Set-ItemProperty 'IIS:\Sites\X' -Name logFile.enabled -Value $false  /  -Name logFile -Value @{enabled=$false}
        $ps_logfile = /\bSet-(WebConfiguration(Property)?|ItemProperty)\b[^\r\n]{0,400}(logFile["']?[^\r\n]{0,200}-Name[ \t:]+["']?enabled|-Name[ \t:]+["']?logFile\.enabled)["']?[ \t]+-Value[ \t:]*["']?(\$false|false|0)\b/ nocase ascii wide
        $ps_logfile_ht = /\bSet-(WebConfiguration(Property)?|ItemProperty)\b[^\r\n]{0,400}logFile[^\r\n]{0,200}[@{;][ \t]*enabled[ \t]*=[ \t]*["']?(\$false|false|0)\b/ nocase ascii wide
        // Set-WebConfigurationProperty ... -Name logTargetW3C -Value File (or ETW), -Name logFile.logTargetW3C ...
        $ps_target = /\bSet-(WebConfiguration(Property)?|ItemProperty)\b[^\r\n]{0,400}logTargetW3C["']?([ \t]+-Value[ \t:]*|[ \t]*=[ \t]*)["']?(File|ETW)(["' \t\r\n;)}]|$)/ nocase ascii wide
        // Remove-WebGlobalModule / Disable-WebGlobalModule / Remove-WebConfigurationProperty ... HttpLoggingModule
        $ps_rm = /\b(Remove-WebGlobalModule|Disable-WebGlobalModule|Remove-WebManagedModule|Remove-WebConfigurationProperty)\b[^\r\n]{0,300}\bHttpLoggingModule\b/ nocase ascii wide
    condition:
        any of them
}
