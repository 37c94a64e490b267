/*
 * iisweep rule pack: identification layer.
 *
 * What kind of IIS component a file is. Score 0: informational only, these
 * rules never raise a verdict on their own. Role rules restate the engine's
 * role globals (the engine's export / .NET analysis is authoritative, e.g.
 * it follows Extends chains and rejects decorated exports), so the report
 * carries them as named findings with ATT&CK metadata. Globals (iis_*, is_dotnet,
 * is_signed, file_*) are defined by the engine for every file; see
 * signatures/README.md.
 */

import "pe"

rule id_native_module
{
    meta:
        description = "Native IIS module (IIS 7+): exports RegisterModule"
        score = 0
        attack = "T1505.004"
        reference = "iis-docs iis/develop/runtime-extensibility/develop-a-native-cc-module-for-iis.md; mandiant/capa-rules persistence/iis/persist-via-iis-module.yml"
        layer = "identification"
        sample = "families/benign_headers.dll"
    condition:
        iis_native_module
}

rule id_native_module_ordinal1
{
    meta:
        description = "Native IIS module whose RegisterModule export sits at ordinal 1 (the usual single-export .def layout)"
        score = 0
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/iis_module_identification_rules.yar (Native_IIS_Module)"
        layer = "identification"
        sample = "families/benign_headers.dll"
    condition:
        iis_native_module and
        for any e in pe.export_details : (
            e.ordinal == 1 and e.name == "RegisterModule"
        )
}

rule id_isapi_extension
{
    meta:
        description = "ISAPI extension: exports GetExtensionVersion and HttpExtensionProc"
        score = 0
        attack = "T1505.004"
        reference = "attack.mitre.org/techniques/T1505/004; mandiant/capa-rules persistence/iis/persist-via-isapi-extension.yml"
        layer = "identification"
        sample = "families/w3wp_stack_ext.dll"
    condition:
        iis_isapi_extension
}

rule id_isapi_filter
{
    meta:
        description = "ISAPI filter: exports GetFilterVersion and HttpFilterProc"
        score = 0
        attack = "T1505.004"
        reference = "attack.mitre.org/techniques/T1505/004; mandiant/capa-rules persistence/iis/persist-via-isapi-extension.yml"
        layer = "identification"
        sample = "families/owa_creds_filter.dll"
    condition:
        iis_isapi_filter
}

rule id_managed_module
{
    meta:
        description = "Managed (.NET) IIS module: a class implements System.Web.IHttpModule"
        score = 0
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/iis_module_identification_rules.yar (Managed_IIS_Module); iis-docs system.webServer/modules"
        layer = "identification"
        sample = "families/managed_loader.dll"
    condition:
        iis_managed_module
}

rule id_managed_handler
{
    meta:
        description = "Managed (.NET) IIS handler: a class implements System.Web.IHttpHandler / IHttpAsyncHandler"
        score = 0
        attack = "T1505.004"
        reference = "iis-docs system.webServer/handlers (windowsserverdocs IIS-on-Nano-Server.md)"
        layer = "identification"
        sample = "families/managed_exec_handler.dll"
    condition:
        iis_managed_handler
}

rule id_native_module_hosts_clr
{
    meta:
        description = "Native IIS module that imports mscoree.dll (hosts the .NET runtime)"
        score = 0
        attack = "T1505.004"
        reference = "PwCUK-CTO/labscon-2024-knowledge-iis-power yara/heuristic_rules.yar"
        layer = "identification"
        sample = "families/clr_host_module.dll"
    condition:
        iis_native_module and not is_dotnet and pe.imports("mscoree.dll") > 0
}

rule id_default_handler_strings
{
    meta:
        description = "httpserv.h default CHttpModule/CGlobalModule handler text present (benign and malicious modules alike)"
        score = 0
        attack = "T1505.004"
        reference = "eset/malware-ioc badiis/badiis.yar (IIS_Native_Module); PwCUK-CTO/labscon-2024-knowledge-iis-power yara/iis_module_identification_rules.yar"
        layer = "identification"
        sample = "families/benign_headers.dll"
    strings:
        $subscribed = "This module subscribed to event" ascii wide
        $override = "but did not override the method in its" ascii wide
        $httpmodule = "CHttpModule::On" ascii wide
        $globalmodule = "CGlobalModule::OnGlobal" ascii wide
    condition:
        // Components and near misses (a module whose export set is
        // incomplete or decorated) only: files that are neither skip the
        // pack's scan (rule gating, README "What it does").
        (iis_component or iis_near_miss) and any of them
}

rule id_signed_component
{
    meta:
        description = "IIS component carrying an Authenticode certificate table (see signature_valid and microsoft_signed for what it proves)"
        score = 0
        attack = "T1505.004"
        reference = "microsoft/CSS-Exchange Shared/IISFunctions/Get-IISModules.ps1"
        layer = "identification"
        sample = "families/benign_headers.dll"
    condition:
        iis_component and is_signed
}
