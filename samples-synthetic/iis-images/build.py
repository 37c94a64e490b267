#!/usr/bin/env python3
"""Builds the mock IIS disk images in this folder and their manifest.json.

Stdlib only, deterministic: running it twice gives the same bytes.

    python3 samples-synthetic/iis-images/build.py          # rebuild images + manifest
    python3 samples-synthetic/iis-images/build.py --check  # rebuild in a temp dir, compare

Each image is a folder that plays the C: drive of a Windows server running
IIS. Every configuration file is composed here from the element and
attribute names documented in the iis-docs configuration reference (see
README.md for the pages); none is copied from a vendor file. Component
binaries are copies of the inert samples in ../native, ../dotnet and
../families.

The script has two halves:
  1. writers: one function per image returns the files to write;
  2. a small reference reader: it reads the written images back from disk
     (expat for line numbers, case-insensitive path lookup, configSource,
     redirection.config, location paths, web.config inheritance, managed
     type lookup through ../dotnet/ecma335.py) and derives the manifest.
     Per-image assertions (EXPECT) check that the derived facts are the
     ones each image was written to exercise.
"""

import json
import os
import re
import shutil
import struct
import sys
import tempfile
import xml.parsers.expat as expat

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)  # samples-synthetic/
sys.path.insert(0, os.path.join(SAMPLES, "dotnet"))
import check_samples  # noqa: E402  (ECMA-335 TypeDef analysis of the dotnet samples)
import ecma335  # noqa: E402

IMAGES = ["basic", "managed", "tampered", "shared-local", "shared-unc", "hostile"]

# Stand-ins for component files (paths relative to samples-synthetic/).
MOD64 = "native/x64/module.dll"          # x64 native module (in-box module stand-in)
MOD32 = "native/x86/module.dll"          # x86 native module (SysWOW64 stand-in)
EXT64 = "native/x64/isapi_ext.dll"       # x64 ISAPI extension
FLT64 = "native/x64/isapi_filter.dll"    # x64 ISAPI filter
ALLROLES64 = "native/x64/all_roles.dll"  # module + extension + filter
EXE64 = "native/x64/benign.dll"          # stand-in for a CGI / FastCGI .exe (a DLL, no IIS exports)


def fam(name):
    return "families/%s.dll" % name


def net(name):
    return "dotnet/%s.dll" % name


CRLF = "\r\n"


def dedent(text):
    lines = text.split("\n")
    if lines and lines[0].strip() == "":
        lines = lines[1:]
    while lines and lines[-1].strip() == "":
        lines = lines[:-1]
    pad = min(len(l) - len(l.lstrip(" ")) for l in lines if l.strip())
    return [l[pad:] if l.strip() else "" for l in lines]


def text_file(text, encoding="utf-8", eol=CRLF):
    """Encode composed text. encoding: utf-8 | utf-8-bom | utf-16le-bom | utf-16be-bom."""
    body = eol.join(dedent(text)) + eol
    if encoding == "utf-8":
        return body.encode("utf-8")
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + body.encode("utf-8")
    if encoding == "utf-16le-bom":
        return b"\xff\xfe" + body.encode("utf-16-le")
    if encoding == "utf-16be-bom":
        return b"\xfe\xff" + body.encode("utf-16-be")
    raise ValueError(encoding)


XMLDECL8 = '<?xml version="1.0" encoding="UTF-8"?>'
XMLDECL16 = '<?xml version="1.0" encoding="utf-16"?>'


class Image:
    def __init__(self, name, description):
        self.name = name
        self.description = description
        self.files = {}      # rel path -> bytes
        self.copies = {}     # rel path -> source rel to samples-synthetic
        self.traces = []     # (path, line, kind)
        self.not_traces = []
        self.test_generated = []
        self.notes = []

    def write(self, rel, data):
        assert rel not in self.files and rel not in self.copies, rel
        self.files[rel] = data

    def copy(self, rel, src):
        assert rel not in self.files and rel not in self.copies, rel
        assert os.path.isfile(os.path.join(SAMPLES, src)), src
        self.copies[rel] = src

    def script(self, rel, lines, encoding="utf-8", eol=CRLF):
        """lines: list of (text, trace_kind or None). Trace line numbers are computed here."""
        body = []
        for i, (text, kind) in enumerate(lines, 1):
            body.append(text)
            if kind:
                self.traces.append({"path": rel, "line": i, "kind": kind})
        data = eol.join(body) + eol
        self.write(rel, b"\xef\xbb\xbf" + data.encode("utf-8") if encoding == "utf-8-bom" else data.encode("utf-8"))

    def benign_script(self, rel, lines):
        self.write(rel, (CRLF.join(lines) + CRLF).encode("utf-8"))
        self.not_traces.append(rel)


# ---------------------------------------------------------------------------
# Shared pieces of applicationHost.config
# ---------------------------------------------------------------------------

CONFIG_SECTIONS = """
    <configSections>
        <sectionGroup name="system.applicationHost">
            <section name="applicationPools" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="configHistory" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="sites" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
        </sectionGroup>
        <sectionGroup name="system.webServer">
            <section name="defaultDocument" overrideModeDefault="Allow" />
            <section name="fastCgi" overrideModeDefault="Deny" />
            <section name="globalModules" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="handlers" overrideModeDefault="Deny" />
            <section name="httpLogging" overrideModeDefault="Deny" />
            <section name="isapiFilters" allowDefinition="MachineToApplication" overrideModeDefault="Deny" />
            <section name="modules" allowDefinition="MachineToApplication" overrideModeDefault="Deny" />
            <sectionGroup name="security">
                <section name="isapiCgiRestriction" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            </sectionGroup>
            <sectionGroup name="tracing">
                <section name="traceFailedRequests" overrideModeDefault="Allow" />
            </sectionGroup>
        </sectionGroup>
    </configSections>
"""


def indent(block, n):
    return "\n".join((" " * n + l) if l.strip() else "" for l in dedent(block))


def redirection_config(enabled, path="", user="", password=None):
    pw = ' password="%s"' % password if password else ""
    return text_file(XMLDECL8 + """
<configuration>
    <configSections>
        <section name="configurationRedirection" />
    </configSections>
    <configurationRedirection enabled="%s" path="%s" userName="%s"%s />
</configuration>
""" % ("true" if enabled else "false", path, user, pw))


def administration_config():
    # Only the root element: IIS Manager settings are out of scope.
    return text_file(XMLDECL8 + """
<configuration>
    <!-- IIS Manager settings (not used by iisweep) -->
</configuration>
""")


# ---------------------------------------------------------------------------
# Image: basic
# ---------------------------------------------------------------------------

def build_basic():
    im = Image("basic", "A tidy IIS 10 server: two sites, a 64-bit and a 32-bit (enable32BitAppOnWin64) pool, "
               "a few in-box native modules (with %WinDir%/%SystemRoot% and mixed-case paths), a bitness32 module "
               "and filter that resolve under SysWOW64, isapiFilters moved out with configSource, explicit "
               "logTargetW3C=\"File\", one site with logFile disabled, narrow failed-request tracing, and locking "
               "with overrideMode=\"Deny\" and allowOverride=\"false\".")
    cfg = "Windows/System32/inetsrv/config/"
    apphost = XMLDECL8 + """
<configuration>
""" + indent(CONFIG_SECTIONS, 4) + """

    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated" autoStart="true" />
            <add name="ShopPool32" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated" enable32BitAppOnWin64="true" />
            <applicationPoolDefaults managedRuntimeVersion="v4.0">
                <processModel identityType="ApplicationPoolIdentity" />
            </applicationPoolDefaults>
        </applicationPools>

        <sites>
            <site name="Default Web Site" id="1" serverAutoStart="true">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
                </application>
                <application path="/app1" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot\\app1" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                    <binding protocol="https" bindingInformation="*:443:" />
                </bindings>
                <traceFailedRequestsLogging enabled="true" directory="%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles" maxLogFiles="50" />
            </site>
            <site name="Contoso Shop" id="2">
                <application path="/" applicationPool="ShopPool32">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\contoso" />
                    <virtualDirectory path="/images" physicalPath="%SystemDrive%\\inetpub\\media\\images" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:8080:shop.contoso.test" />
                </bindings>
                <logFile enabled="false" />
            </site>
            <siteDefaults>
                <logFile logFormat="W3C" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" logTargetW3C="File" />
                <traceFailedRequestsLogging directory="%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles" />
            </siteDefaults>
            <applicationDefaults applicationPool="DefaultAppPool" />
            <virtualDirectoryDefaults allowSubDirConfig="true" />
        </sites>
    </system.applicationHost>

    <system.webServer>
        <globalModules>
            <add name="UriCacheModule" image="%WinDir%\\system32\\INETSRV\\CachUri.dll" />
            <add name="StaticFileModule" image="%windir%\\System32\\inetsrv\\static.dll" />
            <add name="DefaultDocumentModule" image="%SystemRoot%\\system32\\inetsrv\\defdoc.dll" />
            <add name="HttpLoggingModule" image="%windir%\\System32\\inetsrv\\loghttp.dll" />
            <add name="RequestFilteringModule" image="%windir%\\System32\\inetsrv\\modrqflt.dll" />
            <add name="IsapiFilterModule" image="%windir%\\System32\\inetsrv\\filter.dll" />
            <add name="FailedRequestsTracingModule" image="%windir%\\System32\\inetsrv\\iisfreb.dll" />
            <add name="ManagedEngineV4.0_32bit" image="%windir%\\Microsoft.NET\\Framework\\v4.0.30319\\webengine4.dll" preCondition="integratedMode,runtimeVersionv4.0,bitness32" />
            <add name="ManagedEngineV4.0_64bit" image="%windir%\\Microsoft.NET\\Framework64\\v4.0.30319\\webengine4.dll" preCondition="integratedMode,runtimeVersionv4.0,bitness64" />
            <add name="ShopCompat32" image="%windir%\\System32\\inetsrv\\shopcompat.dll" preCondition="bitness32" />
        </globalModules>

        <isapiFilters configSource="isapiFilters.config" />

        <httpLogging dontLog="false" />

        <tracing>
            <traceFailedRequests>
                <add path="*.aspx">
                    <traceAreas>
                        <add provider="WWW Server" areas="Security,Module" verbosity="Warning" />
                    </traceAreas>
                    <failureDefinitions statusCodes="500" timeTaken="00:00:30" />
                </add>
            </traceFailedRequests>
        </tracing>
    </system.webServer>

    <location path="" overrideMode="Allow">
        <system.webServer>
            <modules>
                <add name="UriCacheModule" lockItem="true" />
                <add name="StaticFileModule" lockItem="true" />
                <add name="DefaultDocumentModule" lockItem="true" />
                <add name="HttpLoggingModule" lockItem="true" />
                <add name="RequestFilteringModule" lockItem="true" />
                <add name="IsapiFilterModule" lockItem="true" />
                <add name="FailedRequestsTracingModule" lockItem="true" />
                <add name="ShopCompat32" preCondition="bitness32" />
            </modules>
            <handlers accessPolicy="Read, Script">
                <add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule" resourceType="Either" requireAccess="Read" />
            </handlers>
        </system.webServer>
    </location>

    <location path="Default Web Site" allowOverride="false">
        <system.webServer>
            <defaultDocument enabled="true">
                <files>
                    <clear />
                    <add value="index.html" />
                </files>
            </defaultDocument>
        </system.webServer>
    </location>

    <location path="Contoso Shop" overrideMode="Deny">
        <system.webServer>
            <httpLogging dontLog="false" selectiveLogging="LogAll" />
        </system.webServer>
    </location>
</configuration>
"""
    im.write(cfg + "applicationHost.config", text_file(apphost))
    im.write(cfg + "isapiFilters.config", text_file(XMLDECL8 + """
<isapiFilters>
    <filter name="ShopSeoFilter" path="%windir%\\System32\\inetsrv\\shopseo.dll" enabled="true" enableCache="true" preCondition="bitness32" />
    <filter name="HeaderHygiene" path="%windir%\\System32\\inetsrv\\hdrfilt.dll" enabled="true" preCondition="bitness64" />
</isapiFilters>
"""))
    im.write(cfg + "redirection.config", redirection_config(False))
    im.write(cfg + "administration.config", administration_config())
    # In-box stand-ins, 64-bit view and WOW64 view (the 32-bit pool loads every module without
    # a bitness precondition from SysWOW64).
    for dll in ["cachuri.dll", "static.dll", "defdoc.dll", "loghttp.dll", "modrqflt.dll", "filter.dll", "iisfreb.dll"]:
        im.copy("Windows/System32/inetsrv/" + dll, MOD64)
        im.copy("Windows/SysWOW64/inetsrv/" + dll, MOD32)
    im.copy("Windows/Microsoft.NET/Framework/v4.0.30319/webengine4.dll", MOD32)
    im.copy("Windows/Microsoft.NET/Framework64/v4.0.30319/webengine4.dll", MOD64)
    im.copy("Windows/SysWOW64/inetsrv/shopcompat.dll", MOD32)            # NOT in System32
    im.copy("Windows/SysWOW64/inetsrv/shopseo.dll", fam("seo_spider_filter"))  # x86 filter, NOT in System32
    im.copy("Windows/System32/inetsrv/hdrfilt.dll", FLT64)
    im.write("inetpub/wwwroot/index.html", b"<html><body>basic</body></html>\r\n")
    im.write("inetpub/wwwroot/app1/web.config", text_file(XMLDECL8 + """
<configuration>
    <appSettings>
        <add key="theme" value="blue" />
        <add key="module" value="not-a-module-registration" />
    </appSettings>
</configuration>
"""))
    im.write("inetpub/contoso/web.config", text_file(XMLDECL16 + """
<configuration>
    <connectionStrings>
        <add name="ShopDb" connectionString="Server=db.contoso.test;Database=shop;Integrated Security=true" providerName="System.Data.SqlClient" />
    </connectionStrings>
</configuration>
""", "utf-16le-bom"))
    im.write("inetpub/media/images/README.txt", b"static images live here\r\n")
    return im


# ---------------------------------------------------------------------------
# Image: managed
# ---------------------------------------------------------------------------

GAC_TOKEN = "5ee1c0de5eed0b57"  # made up: the dotnet samples are not strong-named (see README)


def build_managed():
    im = Image("managed", "Managed components: a server-level module whose assembly is in the .NET 4 GAC, site- and "
               "app-level modules in <location path=\"Default Web Site\"> and <location path=\"Default Web Site/app1\">, "
               "web.config modules/handlers resolved from bin/ (assembly-qualified with Version/Culture/PublicKeyToken, "
               "short assembly name, and no assembly at all), a plain class, a look-alike, a missing type, a missing "
               "assembly, an App_Code source file, a modules section moved out with configSource in a virtual "
               "directory's UTF-16BE web.config, and a Classic-pipeline site using system.web/httpModules and httpHandlers.")
    cfg = "Windows/System32/inetsrv/config/"
    apphost = XMLDECL8 + """
<configuration>
""" + indent(CONFIG_SECTIONS, 4) + """

    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated" />
            <add name="ClassicPool" managedRuntimeVersion="v4.0" managedPipelineMode="Classic" />
        </applicationPools>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
                    <virtualDirectory path="/api" physicalPath="%SystemDrive%\\inetpub\\api" />
                </application>
                <application path="/app1" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot\\app1" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                </bindings>
            </site>
            <site name="Legacy Intranet" id="2">
                <application path="/" applicationPool="ClassicPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\intranet" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="10.0.0.5:80:intranet.contoso.test" />
                </bindings>
            </site>
            <siteDefaults>
                <logFile logFormat="W3C" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" />
            </siteDefaults>
        </sites>
    </system.applicationHost>

    <system.webServer>
        <globalModules>
            <add name="StaticFileModule" image="%windir%\\System32\\inetsrv\\static.dll" />
            <add name="DefaultDocumentModule" image="%windir%\\System32\\inetsrv\\defdoc.dll" />
            <add name="HttpLoggingModule" image="%windir%\\System32\\inetsrv\\loghttp.dll" />
            <add name="IsapiModule" image="%windir%\\System32\\inetsrv\\isapi.dll" />
            <add name="ManagedEngineV4.0_64bit" image="%windir%\\Microsoft.NET\\Framework64\\v4.0.30319\\webengine4.dll" preCondition="integratedMode,runtimeVersionv4.0,bitness64" />
        </globalModules>
        <security>
            <isapiCgiRestriction>
                <add path="%windir%\\Microsoft.NET\\Framework64\\v4.0.30319\\aspnet_isapi.dll" allowed="true" groupId="ASP.NET v4.0.30319" description="ASP.NET v4.0.30319" />
            </isapiCgiRestriction>
        </security>
    </system.webServer>

    <location path="" overrideMode="Allow">
        <system.webServer>
            <modules>
                <add name="StaticFileModule" lockItem="true" />
                <add name="DefaultDocumentModule" lockItem="true" />
                <add name="HttpLoggingModule" lockItem="true" />
                <add name="IsapiModule" lockItem="true" />
                <add name="CorpTelemetry" type="Synthetic.Backdoor.TraitsModule, BackdoorTraits, Version=0.0.0.0, Culture=neutral, PublicKeyToken=%s" preCondition="managedHandler" />
            </modules>
            <handlers accessPolicy="Read, Script">
                <add name="PageHandlerFactory-ISAPI-4.0_64bit" path="*.aspx" verb="GET,HEAD,POST,DEBUG" modules="IsapiModule" scriptProcessor="%%windir%%\\Microsoft.NET\\Framework64\\v4.0.30319\\aspnet_isapi.dll" preCondition="ISAPIMode,runtimeVersionv4.0,bitness64" responseBufferLimit="0" />
                <add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule" resourceType="Either" requireAccess="Read" />
            </handlers>
        </system.webServer>
    </location>

    <location path="Default Web Site">
        <system.webServer>
            <modules>
                <add name="SiteAudit" type="Synthetic.Abstract.ConcreteModule, AbstractBaseModule" preCondition="managedHandler" />
            </modules>
        </system.webServer>
    </location>

    <location path="Default Web Site/app1">
        <system.webServer>
            <modules>
                <remove name="SiteAudit" />
                <add name="Obfuscated" type="a.b, ObfuscatedModule" />
            </modules>
        </system.webServer>
    </location>
</configuration>
"""
    apphost = apphost.replace('PublicKeyToken=%s"', 'PublicKeyToken=' + GAC_TOKEN + '"').replace("%%", "%")
    im.write(cfg + "applicationHost.config", text_file(apphost))
    im.write(cfg + "redirection.config", redirection_config(False))
    for dll in ["static.dll", "defdoc.dll", "loghttp.dll", "isapi.dll"]:
        im.copy("Windows/System32/inetsrv/" + dll, MOD64)
    im.copy("Windows/Microsoft.NET/Framework64/v4.0.30319/webengine4.dll", MOD64)
    im.copy("Windows/Microsoft.NET/Framework64/v4.0.30319/aspnet_isapi.dll", EXT64)
    im.copy("Windows/Microsoft.NET/assembly/GAC_MSIL/BackdoorTraits/v4.0_0.0.0.0__%s/BackdoorTraits.dll" % GAC_TOKEN,
            net("BackdoorTraits"))

    # Site root application: UTF-8 with BOM.
    im.write("inetpub/wwwroot/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules runAllManagedModulesForAllRequests="true">
            <add name="DirectModule" type="Synthetic.Direct.DirectModule, DirectModule, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null" />
            <add name="Combo" type="Synthetic.Both.ComboModule" preCondition="managedHandler" />
        </modules>
        <handlers>
            <add name="SyncHandler" path="*.sync" verb="*" type="Synthetic.Handlers.SyncHandler, Handlers" resourceType="Unspecified" preCondition="integratedMode" />
            <add name="ComboHandler" path="combo.axd" verb="GET" type="Synthetic.Both.ComboHandler, ModuleAndHandler" />
        </handlers>
    </system.webServer>
</configuration>
""", "utf-8-bom"))
    # bin/ of the root application (also serves the /api virtual directory, which belongs to it).
    for a in ["DirectModule", "ModuleAndHandler", "Handlers", "AbstractBaseModule"]:
        im.copy("inetpub/wwwroot/bin/%s.dll" % a, net(a))
    im.copy("inetpub/wwwroot/bin/detele_like.dll", fam("detele_like"))

    # /app1 is its own application: its own bin/ (it inherits the root web.config's modules and
    # handlers, so it carries the same assemblies).
    im.write("inetpub/wwwroot/app1/web.config", text_file(XMLDECL16 + """
<configuration>
    <system.webServer>
        <modules>
            <add name="Nested" type="Synthetic.Nested.Outer+InnerModule, NestedModule" />
            <add name="PlainLogger" type="Synthetic.Plain.RequestLogger, PlainLibrary" />
            <add name="FakeModule" type="Synthetic.Lookalike.FakeModule, LookalikeInterface" />
            <add name="Ghost" type="Synthetic.Direct.GhostModule, DirectModule" />
            <add name="TelemetryTrace" type="Contoso.Telemetry.TraceModule, Contoso.Telemetry" preCondition="managedHandler" />
            <add name="RequestStamp" type="Contoso.AppCode.RequestStampModule" />
        </modules>
    </system.webServer>
</configuration>
""", "utf-16le-bom"))
    for a in ["DirectModule", "ModuleAndHandler", "Handlers", "NestedModule", "PlainLibrary",
              "LookalikeInterface", "ObfuscatedModule"]:
        im.copy("inetpub/wwwroot/app1/bin/%s.dll" % a, net(a))
    im.write("inetpub/wwwroot/app1/App_Code/RequestStampModule.cs", text_file("""
// Synthetic App_Code source for iisweep's mock images (never compiled here).
// ASP.NET would compile it at run time; a static reader can only report it as source.
using System;
using System.Web;

namespace Contoso.AppCode
{
    public class RequestStampModule : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.BeginRequest += (s, e) => ((HttpApplication)s).Context.Items["stamp"] = DateTime.UtcNow.Ticks;
        }

        public void Dispose()
        {
        }
    }
}
"""))

    # /api: a virtual directory of the root application, outside wwwroot; UTF-16BE web.config whose
    # modules section lives in config\modules.config (configSource, subdirectory: allowed).
    im.write("inetpub/api/web.config", text_file(XMLDECL16 + """
<configuration>
    <system.webServer>
        <modules configSource="config\\modules.config" />
    </system.webServer>
</configuration>
""", "utf-16be-bom"))
    im.write("inetpub/api/config/modules.config", text_file(XMLDECL8 + """
<modules>
    <!-- moved out of web.config with configSource -->
    <add name="ApiGateway" type="Synthetic.Families.Detele.TraceModule" preCondition="managedHandler" />
</modules>
"""))

    # Classic pipeline site: system.web/httpModules and httpHandlers.
    im.write("inetpub/intranet/web.config", text_file(XMLDECL16 + """
<configuration>
    <system.web>
        <compilation debug="false" targetFramework="4.8" />
        <httpModules>
            <add name="LegacyAudit" type="Synthetic.Direct.DirectModule, DirectModule" />
            <add name="LegacyLoader" type="Synthetic.Families.Loader.PayloadModule" />
        </httpModules>
        <httpHandlers>
            <add verb="*" path="*.rpt" type="Synthetic.Handlers.HandlerFactory, Handlers" validate="false" />
            <add verb="POST" path="exec.axd" type="Synthetic.Families.Exec.ExecHandler" />
        </httpHandlers>
    </system.web>
</configuration>
""", "utf-16le-bom"))
    im.copy("inetpub/intranet/bin/DirectModule.dll", net("DirectModule"))
    im.copy("inetpub/intranet/bin/Handlers.dll", net("Handlers"))
    im.copy("inetpub/intranet/bin/managed_loader.dll", fam("managed_loader"))
    im.copy("inetpub/intranet/bin/managed_exec_handler.dll", fam("managed_exec_handler"))

    # Install traces and a benign deploy script.
    im.script("inetpub/deploy/install-telemetry.cmd", [
        ("@echo off", None),
        ("rem Registers the corporate telemetry module in the GAC and enables it server-wide", None),
        ("cd /d %~dp0", None),
        ("gacutil /i BackdoorTraits.dll /f", "gacutil_install"),
        ('%windir%\\system32\\inetsrv\\appcmd.exe add module /name:CorpTelemetry /type:"Synthetic.Backdoor.TraitsModule, '
         'BackdoorTraits, Version=0.0.0.0, Culture=neutral, PublicKeyToken=' + GAC_TOKEN + '" /preCondition:managedHandler',
         "appcmd_add_module"),
        ("echo done", None),
    ])
    im.benign_script("inetpub/deploy/deploy.ps1", [
        "# Copies the site build output. No IIS configuration is touched.",
        "param([string]$Source = '\\\\build01\\drops\\intranet\\latest')",
        "Copy-Item -Path (Join-Path $Source 'bin\\*.dll') -Destination 'C:\\inetpub\\intranet\\bin' -Force",
        "robocopy $Source 'C:\\inetpub\\intranet' /MIR /XD bin /NFL /NDL",
        "Write-Host 'module files copied'",
    ])
    return im


# ---------------------------------------------------------------------------
# Image: tampered (also carries the configuration history)
# ---------------------------------------------------------------------------

CACHE_IMAGE = {
    2: "C:\\ProgramData\\Microsoft\\Crypto\\cachutil.dll",
    3: "%windir%\\Temp\\cachutil.dll",
    4: "%windir%\\Temp\\cachutil.dll",
}


def tampered_apphost(stage):
    """stage 1..3: the history snapshots; 4: the live file."""
    cache_gm = ""
    cache_mod = ""
    if stage >= 2:
        cache_gm = '\n            <add name="CacheUtilModule" image="%s" />' % CACHE_IMAGE[stage]
        cache_mod = '\n                <add name="CacheUtilModule" />'
    dontlog = "true" if stage >= 4 else "false"
    return XMLDECL8 + """
<configuration>
""" + indent(CONFIG_SECTIONS, 4) + """

    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated" />
            <add name="PartnerPool" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated" />
            <add name="CdnPool" managedRuntimeVersion="" managedPipelineMode="Integrated" />
        </applicationPools>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                </bindings>
            </site>
            <site name="Partner Portal" id="2">
                <application path="/" applicationPool="PartnerPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\partner" />
                </application>
                <bindings>
                    <binding protocol="https" bindingInformation="*:443:partners.contoso.test" sslFlags="1" />
                </bindings>
            </site>
            <site name="Static CDN" id="3">
                <application path="/" applicationPool="CdnPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\cdn" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:cdn.contoso.test" />
                </bindings>
                <logFile logTargetW3C="ETW" />
            </site>
            <siteDefaults>
                <logFile logFormat="W3C" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" logTargetW3C="File,ETW" />
                <traceFailedRequestsLogging enabled="true" directory="%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles" maxLogFiles="500" />
            </siteDefaults>
        </sites>
    </system.applicationHost>

    <system.webServer>
        <globalModules>
            <add name="UriCacheModule" image="%windir%\\System32\\inetsrv\\cachuri.dll" />
            <add name="HttpLoggingModule" image="%windir%\\System32\\inetsrv\\loghttp2.dll" />
            <add name="StaticFileModule" image="%WinDir%\\system32\\INETSRV\\STATIC.dll" />
            <add name="DefaultDocumentModule" image="%SystemRoot%\\System32\\inetsrv\\defdoc.dll" />
            <add name="DirectoryListingModule" image="%windir%\\System32\\inetsrv\\dirlist.dll" />
            <add name="IsapiModule" image="%windir%\\System32\\inetsrv\\isapi.dll" />
            <add name="IsapiFilterModule" image="%windir%\\System32\\inetsrv\\filter.dll" />
            <add name="CgiModule" image="%windir%\\System32\\inetsrv\\cgi.dll" />
            <add name="FastCgiModule" image="%windir%\\System32\\inetsrv\\iisfcgi.dll" />
            <add name="FailedRequestsTracingModule" image="%windir%\\System32\\inetsrv\\iisfreb.dll" />
            <add name="ManagedEngineV4.0_64bit" image="%windir%\\Microsoft.NET\\Framework64\\v4.0.30319\\webengine4.dll" preCondition="integratedMode,runtimeVersionv4.0,bitness64" />
            <add name="ManagedEngineV4.1_64bit" image="%windir%\\Microsoft.NET\\Framework64\\v4.0.30319\\webengine4x.dll" preCondition="integratedMode,runtimeVersionv4.0,bitness64" />
            <add name="WebDavHelperModule" image="C:\\ProgramData\\Microsoft\\Network\\Downloader\\webdavh.dll" />
            <add name="CompressionHelper" image="C:\\Users\\Public\\Libraries\\comphelp.dll" />
            <add name="SiteBinModule" image="%SystemDrive%\\inetpub\\wwwroot\\bin\\sitemod.dll" />
            <add name="ReportingModule" image="%windir%\\System32\\inetsrv\\rptmod.dll" />
            <add name="ArchiveModule" image="D:\\IISModules\\archive.dll" />
            <add name="RemoteAuthModule" image="\\\\fileserver\\share\\remoteauth.dll" />
            <add name="DormantModule" image="%windir%\\System32\\inetsrv\\dormant.dll" />""" + cache_gm + """
        </globalModules>

        <isapiFilters>
            <filter name="UrlScan" path="%windir%\\System32\\inetsrv\\urlscan\\UrlScan.dll" enabled="true" />
            <filter name="ScriptMapFilter" path="C:\\Windows\\Temp\\smf.dll" enabled="true" enableCache="true" />
        </isapiFilters>

        <security>
            <isapiCgiRestriction notListedIsapisAllowed="true" notListedCgisAllowed="true">
                <add path="%windir%\\system32\\inetsrv\\asp.dll" allowed="true" groupId="ASP" description="Active Server Pages" />
                <add path="%SystemDrive%\\inetpub\\partner\\cgi-bin\\rptisapi.dll" allowed="true" description="Partner reports" />
                <add path="%SystemDrive%\\inetpub\\partner\\cgi-bin\\report.exe" allowed="true" description="Partner report CGI" />
            </isapiCgiRestriction>
        </security>

        <fastCgi>
            <application fullPath="C:\\PHP\\php-cgi.exe" arguments="-c C:\\PHP\\php.ini" maxInstances="4" activityTimeout="60" />
        </fastCgi>

        <httpLogging dontLog=\"""" + dontlog + """\" />

        <tracing>
            <traceFailedRequests>
                <add path="*">
                    <traceAreas>
                        <add provider="WWW Server" areas="Authentication,Security,Filter,StaticFile,CGI,Compression,Cache,RequestNotifications,Module,FastCGI,WebSocket" verbosity="Verbose" />
                    </traceAreas>
                    <failureDefinitions statusCodes="100-999" />
                </add>
            </traceFailedRequests>
        </tracing>
    </system.webServer>

    <location path="" overrideMode="Allow">
        <system.webServer>
            <modules>
                <clear />
                <add name="UriCacheModule" />
                <add name="HttpLoggingModule" />
                <add name="StaticFileModule" />
                <add name="DefaultDocumentModule" />
                <add name="DirectoryListingModule" />
                <add name="IsapiModule" />
                <add name="IsapiFilterModule" />
                <add name="CgiModule" />
                <add name="FastCgiModule" />
                <add name="FailedRequestsTracingModule" />
                <add name="WebDavHelperModule" />
                <add name="CompressionHelper" />
                <add name="SiteBinModule" />
                <add name="ReportingModule" />
                <add name="ArchiveModule" />
                <add name="RemoteAuthModule" />""" + cache_mod + """
                <remove name="DirectoryListingModule" />
            </modules>
            <handlers accessPolicy="Read, Script, Execute">
                <add name="ASPClassic" path="*.asp" verb="GET,HEAD,POST" modules="IsapiModule" scriptProcessor="%windir%\\system32\\inetsrv\\asp.dll" resourceType="File" />
                <add name="PHP_via_FastCGI" path="*.php" verb="GET,HEAD,POST" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe|-c C:\\PHP\\php.ini" resourceType="Either" />
                <add name="CGI-exe" path="*.exe" verb="*" modules="CgiModule" resourceType="File" requireAccess="Execute" allowPathInfo="true" />
                <add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule,DirectoryListingModule" resourceType="Either" requireAccess="Read" />
            </handlers>
        </system.webServer>
    </location>

    <location path="Default Web Site" overrideMode="Allow">
        <system.webServer>
            <isapiFilters />
        </system.webServer>
    </location>

    <location path="Partner Portal">
        <system.webServer>
            <httpLogging selectiveLogging="LogError" />
        </system.webServer>
    </location>

    <location path="Static CDN">
        <system.webServer>
            <modules>
                <add name="DirectoryListingModule" />
                <add name="PrefetchModule" />
            </modules>
        </system.webServer>
    </location>
</configuration>
"""


def build_tampered():
    im = Image("tampered", "A server after an intrusion: look-alike and re-pointed native modules, images in "
               "Windows\\Temp, ProgramData, Users\\Public and site content, a missing DLL, images on D: and a UNC "
               "share, a module installed but never enabled and one enabled but never installed, a site web.config "
               "(UTF-16LE) that removes HttpLoggingModule and adds an ISAPI filter from its bin, a site web.config "
               "(UTF-8 BOM) that clears the module list and maps an ISAPI DLL and a CGI .exe from its content, "
               "notListedIsapisAllowed/notListedCgisAllowed, FastCGI, dontLog at server level, selective logging, "
               "ETW-only logging on one site, failed-request tracing for every URL and status, three configuration "
               "history snapshots (module added, re-pointed, then logging off), and install traces on disk.")
    cfg = "Windows/System32/inetsrv/config/"
    im.write(cfg + "applicationHost.config", text_file(tampered_apphost(4)))
    for s in (1, 2, 3):
        im.write("inetpub/history/CFGHISTORY_%010d/applicationHost.config" % s, text_file(tampered_apphost(s)))
    im.write(cfg + "redirection.config", redirection_config(False))
    for dll in ["cachuri.dll", "loghttp.dll", "static.dll", "defdoc.dll", "dirlist.dll", "isapi.dll",
                "filter.dll", "cgi.dll", "iisfcgi.dll", "iisfreb.dll"]:
        im.copy("Windows/System32/inetsrv/" + dll, MOD64)
    im.copy("Windows/System32/inetsrv/loghttp2.dll", fam("iisniff_like"))
    im.copy("Windows/System32/inetsrv/dormant.dll", fam("tigeriis_like"))
    im.copy("Windows/System32/inetsrv/asp.dll", EXT64)
    im.copy("Windows/System32/inetsrv/urlscan/urlscan.dll", FLT64)
    im.copy("Windows/Microsoft.NET/Framework64/v4.0.30319/webengine4.dll", MOD64)
    im.copy("Windows/Microsoft.NET/Framework64/v4.0.30319/webengine4x.dll", fam("eset_g12_proxy_like"))
    im.copy("Windows/Temp/cachutil.dll", fam("iisraid_like"))
    im.copy("Windows/Temp/smf.dll", ALLROLES64)
    im.copy("ProgramData/Microsoft/Network/Downloader/webdavh.dll", fam("rgdoor_like"))
    im.copy("Users/Public/Libraries/comphelp.dll", fam("doorme_like"))
    im.copy("inetpub/wwwroot/bin/sitemod.dll", fam("iispy_like"))
    im.copy("inetpub/wwwroot/bin/sitefilt.dll", FLT64)
    im.copy("inetpub/partner/cgi-bin/rptisapi.dll", fam("w3wp_stack_ext"))
    im.copy("inetpub/partner/cgi-bin/report.exe", EXE64)
    im.copy("PHP/php-cgi.exe", EXE64)

    im.write("inetpub/wwwroot/web.config", text_file(XMLDECL16 + """
<configuration>
    <system.webServer>
        <modules>
            <remove name="HttpLoggingModule" />
        </modules>
        <isapiFilters>
            <filter name="SiteFilter" path="%SystemDrive%\\inetpub\\wwwroot\\bin\\sitefilt.dll" enabled="true" />
        </isapiFilters>
    </system.webServer>
</configuration>
""", "utf-16le-bom"))
    im.write("inetpub/partner/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules>
            <clear />
            <add name="StaticFileModule" />
            <add name="DefaultDocumentModule" />
            <add name="IsapiModule" />
            <add name="CgiModule" />
        </modules>
        <handlers>
            <add name="PartnerReports" path="*.rpt" verb="GET,POST" modules="IsapiModule" scriptProcessor="%SystemDrive%\\inetpub\\partner\\cgi-bin\\rptisapi.dll" resourceType="File" requireAccess="Execute" />
            <add name="PartnerCgi" path="*.cgi" verb="GET,POST" modules="CgiModule" scriptProcessor="%SystemDrive%\\inetpub\\partner\\cgi-bin\\report.exe" resourceType="File" requireAccess="Execute" />
        </handlers>
    </system.webServer>
</configuration>
""", "utf-8-bom"))
    im.write("inetpub/cdn/index.html", b"<html><body>cdn</body></html>\r\n")

    # Install traces.
    im.script("ProgramData/Microsoft/Crypto/inst.ps1", [
        ("Import-Module WebAdministration", None),
        ("$dll = 'C:\\ProgramData\\Microsoft\\Crypto\\cachutil.dll'", None),
        ("New-WebGlobalModule -Name 'CacheUtilModule' -Image $dll", "new_webglobalmodule"),
        ("Enable-WebGlobalModule -Name 'CacheUtilModule'", "enable_webglobalmodule"),
        ("Remove-Item $MyInvocation.MyCommand.Path", None),
    ])
    im.script("Users/Public/Libraries/setup.bat", [
        ("@echo off", None),
        ("copy /y comphelp.dll C:\\Users\\Public\\Libraries\\comphelp.dll >nul", None),
        ("%windir%\\system32\\inetsrv\\appcmd.exe install module /name:CompressionHelper /image:C:\\Users\\Public\\Libraries\\comphelp.dll",
         "appcmd_install_module"),
        ("%windir%\\system32\\inetsrv\\appcmd.exe set config /section:httpLogging /dontLog:True", "logging_disabled"),
        ("exit /b 0", None),
    ])
    hist = "Users/svc-web/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt"
    im.script(hist, [
        ("whoami /all", None),
        ("Get-Website", None),
        ("cd C:\\Windows\\Temp", None),
        ("[System.Reflection.Assembly]::Load('System.EnterpriseServices, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a')", None),
        ("([System.EnterpriseServices.Internal.Publish]::new()).GacInstall('C:\\Windows\\Temp\\Telemetry.dll')", "enterpriseservices_publish"),
        ("C:\\Windows\\System32\\inetsrv\\appcmd.exe add module /name:TelemetryModule /type:\"Telemetry.Module, Telemetry, Version=1.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef\"",
         "appcmd_add_module"),
        ("C:\\Windows\\System32\\inetsrv\\appcmd.exe install module /name:CacheUtilModule /image:%windir%\\Temp\\cachutil.dll", "appcmd_install_module"),
        ("Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter 'system.webServer/httpLogging' -Name dontLog -Value $true",
         "logging_disabled"),
        ("Remove-Item C:\\Windows\\Temp\\Telemetry.dll", None),
        ("exit", None),
    ], eol="\n")
    im.benign_script("Users/Administrator/Desktop/list-sites.bat", [
        "@echo off",
        "rem inventory only",
        "%windir%\\system32\\inetsrv\\appcmd.exe list sites",
        "%windir%\\system32\\inetsrv\\appcmd.exe list apppool",
        "%windir%\\system32\\inetsrv\\appcmd.exe list modules",
    ])
    im.benign_script("Users/Administrator/Documents/inventory.ps1", [
        "# Read-only inventory of IIS modules for the CMDB",
        "Import-Module WebAdministration",
        "Get-WebGlobalModule | Select-Object Name, Image | Export-Csv C:\\Temp\\modules.csv -NoTypeInformation",
        "Get-WebConfigurationProperty -Filter system.webServer/httpLogging -Name dontLog",
    ])
    im.benign_script("inetpub/deploy/deploy-partner.ps1", [
        "# Deploys the partner portal content",
        "Copy-Item -Recurse -Force '\\\\build01\\drops\\partner\\*' 'C:\\inetpub\\partner\\'",
        "Write-Output 'copied'",
    ])
    return im


# ---------------------------------------------------------------------------
# Images: shared configuration
# ---------------------------------------------------------------------------

def shared_local_apphost(with_legacy):
    legacy_gm = ('\n            <add name="LegacyReportModule" image="%windir%\\System32\\inetsrv\\legrpt.dll" />'
                 if with_legacy else "")
    legacy_mod = '\n                <add name="LegacyReportModule" />' if with_legacy else ""
    return XMLDECL8 + """
<configuration>
""" + indent(CONFIG_SECTIONS, 4) + """

    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" managedRuntimeVersion="v4.0" />
        </applicationPools>
        <configHistory enabled="true" path="%SystemDrive%\\IISBackups\\History" maxHistories="20" period="00:05:00" />
        <sites>
            <site name="Farm Site" id="1">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\farm" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                </bindings>
            </site>
        </sites>
    </system.applicationHost>

    <system.webServer>
        <globalModules>
            <add name="StaticFileModule" image="%windir%\\System32\\inetsrv\\static.dll" />
            <add name="HttpLoggingModule" image="%windir%\\System32\\inetsrv\\loghttp.dll" />
            <add name="RewriteModule" image="%SystemRoot%\\system32\\inetsrv\\rewrite.dll" />""" + legacy_gm + """
        </globalModules>
    </system.webServer>

    <location path="" overrideMode="Allow">
        <system.webServer>
            <modules>
                <add name="StaticFileModule" />
                <add name="HttpLoggingModule" />
                <add name="RewriteModule" />""" + legacy_mod + """
            </modules>
        </system.webServer>
    </location>
</configuration>
"""


def build_shared_local():
    im = Image("shared-local", "Shared configuration that stays on the image: redirection.config points to "
               "C:\\SharedConfig, which holds the effective applicationHost.config; the local "
               "inetsrv\\config\\applicationHost.config is stale and must not be reported as loaded. The effective "
               "file moves the configuration history to %SystemDrive%\\IISBackups\\History, whose two snapshots show "
               "a module removed.")
    cfg = "Windows/System32/inetsrv/config/"
    im.write(cfg + "redirection.config", redirection_config(True, "C:\\SharedConfig", ""))
    im.write(cfg + "applicationHost.config", text_file(XMLDECL8 + """
<configuration>
    <system.applicationHost>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
                </application>
            </site>
        </sites>
    </system.applicationHost>
    <system.webServer>
        <globalModules>
            <add name="StaleLocalModule" image="%windir%\\System32\\inetsrv\\stale.dll" />
        </globalModules>
    </system.webServer>
</configuration>
"""))
    im.write("SharedConfig/applicationHost.config", text_file(shared_local_apphost(False)))
    im.write("SharedConfig/administration.config", administration_config())
    im.write("IISBackups/History/CFGHISTORY_0000000001/applicationHost.config", text_file(shared_local_apphost(True)))
    im.write("IISBackups/History/CFGHISTORY_0000000002/applicationHost.config", text_file(shared_local_apphost(False)))
    for dll in ["static.dll", "loghttp.dll", "rewrite.dll"]:
        im.copy("Windows/System32/inetsrv/" + dll, MOD64)
    im.copy("Windows/System32/inetsrv/stale.dll", fam("onecmd_like"))
    im.copy("Windows/System32/inetsrv/legrpt.dll", MOD64)
    im.write("inetpub/farm/index.html", b"<html><body>farm</body></html>\r\n")
    return im


def build_shared_unc():
    im = Image("shared-unc", "Shared configuration on a UNC share: redirection.config points to "
               "\\\\fileserver\\iisconfig, outside the image. The reader reports where and does not follow; the local "
               "applicationHost.config is inactive, so no registration is reported.")
    cfg = "Windows/System32/inetsrv/config/"
    im.write(cfg + "redirection.config", redirection_config(
        True, "\\\\fileserver\\iisconfig", "CORP\\svc-iisconfig", "[enc:IISCngProvider:c3ludGhldGljLW5vdC1hLXNlY3JldA==:enc]"))
    im.write(cfg + "applicationHost.config", text_file(XMLDECL8 + """
<configuration>
    <system.applicationHost>
        <sites>
            <site name="Default Web Site" id="1">
                <application path="/">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
                </application>
            </site>
        </sites>
    </system.applicationHost>
    <system.webServer>
        <globalModules>
            <add name="LocalOnlyModule" image="%windir%\\System32\\inetsrv\\localonly.dll" />
        </globalModules>
    </system.webServer>
</configuration>
"""))
    im.copy("Windows/System32/inetsrv/localonly.dll", MOD64)
    return im


# ---------------------------------------------------------------------------
# Image: hostile
# ---------------------------------------------------------------------------

HOSTILE_APPS = ["malformed", "laughs", "xxe", "deep", "csloop", "csescape", "csparent", "ctrlref", "ctrlraw",
                "apphostonly", "fifo", "huge", "bidi", "good"]
DEEP = 10000
BIDI_NAME = "Safe\u202eeludoMyrtemeleT"


def build_hostile():
    im = Image("hostile", "Configuration written to break readers. The effective applicationHost.config is "
               "C:\\SharedLoop\\applicationHost.config (redirection), whose own redirection.config points back "
               "(a loop). Site applications hold: malformed XML, a billion-laughs DTD, an external entity, 10,000-deep "
               "nesting, a configSource loop, configSource escaping the image, configSource to a parent folder, "
               "control characters as character references and raw, globalModules in a web.config (AppHostOnly), "
               "a FIFO and a 20 MiB file (both made by the test), a module name with U+202E, and one good "
               "web.config last so that a sweep that stops early misses it.")
    cfg = "Windows/System32/inetsrv/config/"
    im.write(cfg + "redirection.config", redirection_config(True, "C:\\SharedLoop"))
    im.write("SharedLoop/redirection.config", redirection_config(True, "%windir%\\System32\\inetsrv\\config"))
    apps = "\n".join(
        '                <application path="/%s" applicationPool="DefaultAppPool">\n'
        '                    <virtualDirectory path="/" physicalPath="%%SystemDrive%%\\inetpub\\hostile\\%s" />\n'
        '                </application>' % (a, a) for a in HOSTILE_APPS)
    im.write("SharedLoop/applicationHost.config", text_file(XMLDECL8 + """
<configuration>
""" + indent(CONFIG_SECTIONS, 4) + """

    <system.applicationHost>
        <applicationPools>
            <add name="DefaultAppPool" managedRuntimeVersion="v4.0" />
        </applicationPools>
        <sites>
            <site name="Hostile Site" id="1">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\hostile\\root" />
                </application>
""" + apps + """
                <bindings>
                    <binding protocol="http" bindingInformation="*:80:" />
                </bindings>
            </site>
        </sites>
    </system.applicationHost>

    <system.webServer>
        <globalModules>
            <add name="StaticFileModule" image="%windir%\\System32\\inetsrv\\static.dll" />
            <add name="ManagedEngineV4.0_64bit" image="%windir%\\Microsoft.NET\\Framework64\\v4.0.30319\\webengine4.dll" preCondition="integratedMode,runtimeVersionv4.0,bitness64" />
        </globalModules>
    </system.webServer>

    <location path="" overrideMode="Allow">
        <system.webServer>
            <modules>
                <add name="StaticFileModule" />
            </modules>
        </system.webServer>
    </location>
</configuration>
"""))
    im.copy("Windows/System32/inetsrv/static.dll", MOD64)
    im.copy("Windows/Microsoft.NET/Framework64/v4.0.30319/webengine4.dll", MOD64)
    h = "inetpub/hostile/"
    im.write(h + "root/index.html", b"<html><body>hostile</body></html>\r\n")
    # 1. Unclosed tag.
    im.write(h + "malformed/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules>
            <add name="Broken" type="Synthetic.Direct.DirectModule, DirectModule" />
        </system.webServer>
</configuration>
"""))
    # 2. Billion laughs.
    ents = ['<!ENTITY lol "lol">'] + ['<!ENTITY lol%d "%s">' % (i, ("&lol%s;" % ("" if i == 1 else i - 1)) * 10)
                                      for i in range(1, 10)]
    im.write(h + "laughs/web.config", text_file(XMLDECL8 + "\n<!DOCTYPE configuration [\n" + "\n".join(
        "  " + e for e in ents) + """
]>
<configuration>
    <appSettings>
        <add key="laugh" value="&lol9;" />
    </appSettings>
</configuration>
"""))
    # 3. External entity.
    im.write(h + "xxe/web.config", text_file(XMLDECL8 + """
<!DOCTYPE configuration [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<configuration>
    <appSettings>
        <add key="leak" value="&xxe;" />
    </appSettings>
</configuration>
"""))
    # 4. 10,000 nested elements on one line.
    im.write(h + "deep/web.config", (XMLDECL8 + CRLF + "<configuration>" + CRLF + "<d>" * DEEP + "</d>" * DEEP + CRLF
                                     + "</configuration>" + CRLF).encode("utf-8"))
    # 5. configSource loop: web.config -> a.config -> b.config -> a.config.
    im.write(h + "csloop/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules configSource="a.config" />
    </system.webServer>
</configuration>
"""))
    im.write(h + "csloop/a.config", text_file('<modules configSource="b.config" />'))
    im.write(h + "csloop/b.config", text_file('<modules configSource="a.config" />'))
    # 6. configSource escaping the image.
    im.write(h + "csescape/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules configSource="..\\..\\..\\..\\..\\etc\\passwd" />
    </system.webServer>
</configuration>
"""))
    # 7. configSource into a parent folder that stays on the image (IIS allows only the same folder or below).
    im.write(h + "csparent/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules configSource="..\\good\\modules.config" />
    </system.webServer>
</configuration>
"""))
    im.write(h + "good/modules.config", text_file(XMLDECL8 + """
<modules>
    <add name="ParentFolderModule" type="Synthetic.Direct.DirectModule, DirectModule" />
</modules>
"""))
    # 8. Control characters / terminal escapes as character references (forbidden in XML 1.0).
    im.write(h + "ctrlref/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules>
            <add name="x&#x1b;]0;pwned&#x07;" type="Synthetic.Direct.DirectModule, DirectModule" />
        </modules>
    </system.webServer>
</configuration>
"""))
    # 9. The same, raw bytes.
    im.write(h + "ctrlraw/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules>
            <add name="x\x1b[2J\x1b]0;pwned\x07" type="Synthetic.Direct.DirectModule, DirectModule" />
        </modules>
    </system.webServer>
</configuration>
"""))
    # 10. globalModules is AppHostOnly: a web.config cannot install a native module.
    im.write(h + "apphostonly/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <globalModules>
            <add name="SneakyModule" image="%SystemDrive%\\inetpub\\hostile\\apphostonly\\sneaky.dll" />
        </globalModules>
    </system.webServer>
</configuration>
"""))
    im.copy(h + "apphostonly/sneaky.dll", MOD64)
    # 11/12. Made at test time.
    im.write(h + "fifo/PLACEHOLDER.txt", b"The test creates web.config here as a FIFO (os.mkfifo); see manifest test_generated.\r\n")
    im.write(h + "huge/PLACEHOLDER.txt", b"The test creates a 20 MiB web.config here; see manifest test_generated.\r\n")
    im.test_generated = [
        {"path": h + "fifo/web.config", "kind": "not_regular_file",
         "recipe": "os.mkfifo(path) before the sweep, remove it after",
         "expect": "the sweep neither opens it for reading nor blocks; it reports the file as not a regular file "
                   "(error kind not_regular_file) and goes on"},
        {"path": h + "huge/web.config", "kind": "too_large",
         "recipe": "write '<?xml version=\"1.0\" encoding=\"UTF-8\"?>\\r\\n<configuration>\\r\\n', then the line "
                   "'<!-- ' + 'x' * 1000 + ' -->\\r\\n' repeated until the file is at least 20 * 1024 * 1024 bytes, "
                   "then '</configuration>\\r\\n'",
         "expect": "refused by the reader's size limit without reading it whole (error kind too_large), sweep goes on"},
    ]
    # 13. Bidi override in a module name: legal XML; must be escaped on output.
    im.write(h + "bidi/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules>
            <add name="%s" type="Synthetic.Direct.DirectModule, DirectModule" />
        </modules>
    </system.webServer>
</configuration>
""" % BIDI_NAME))
    im.copy(h + "bidi/bin/DirectModule.dll", net("DirectModule"))
    # 14. A good one, last.
    im.write(h + "good/web.config", text_file(XMLDECL8 + """
<configuration>
    <system.webServer>
        <modules>
            <add name="GoodModule" type="Synthetic.Direct.DirectModule, DirectModule" />
        </modules>
    </system.webServer>
</configuration>
"""))
    im.copy(h + "good/bin/DirectModule.dll", net("DirectModule"))
    im.copy(h + "csparent/bin/DirectModule.dll", net("DirectModule"))
    return im


BUILDERS = {
    "basic": build_basic,
    "managed": build_managed,
    "tampered": build_tampered,
    "shared-local": build_shared_local,
    "shared-unc": build_shared_unc,
    "hostile": build_hostile,
}


# ===========================================================================
# Reference reader
# ===========================================================================

MAX_DEPTH = 256
MAX_SIZE = 4 * 1024 * 1024


class ConfigError(Exception):
    def __init__(self, kind, config, line, column, message, exact=True, extra=None):
        Exception.__init__(self, message)
        self.kind, self.config, self.line, self.column, self.message = kind, config, line, column, message
        self.exact = exact
        self.extra = extra or {}

    def entry(self):
        e = {"config": self.config, "line": self.line, "column": self.column, "kind": self.kind,
             "message": self.message, "exact_position": self.exact}
        e.update(self.extra)
        return e


class Node:
    __slots__ = ("tag", "attrs", "line", "col", "children", "parent", "file", "xpath")

    def __init__(self, tag, attrs, line, col, parent, file):
        self.tag, self.attrs, self.line, self.col = tag, attrs, line, col
        self.children, self.parent, self.file = [], parent, file
        self.xpath = None

    def get(self, k, default=None):
        return self.attrs.get(k, default)

    def child(self, tag):
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def kids(self, *tags):
        return [c for c in self.children if c.tag in tags]


def xq(v):
    return "'%s'" % v if "'" not in v else '"%s"' % v


def predicate(tag, attrs):
    if tag == "location":
        return "[@path=%s]" % xq(attrs.get("path", ""))
    for k in ("name",):
        if k in attrs:
            return "[@%s=%s]" % (k, xq(attrs[k]))
    if "path" in attrs and "verb" in attrs:
        return "[@path=%s][@verb=%s]" % (xq(attrs["path"]), xq(attrs["verb"]))
    for k in ("path", "fullPath", "value", "key", "provider"):
        if k in attrs:
            return "[@%s=%s]" % (k, xq(attrs[k]))
    return ""


def position_of(text, needle):
    i = text.index(needle)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1)
    return line, col


def parse_xml(image_root, rel):
    """Parse one file; returns the root Node. Raises ConfigError."""
    full = os.path.join(image_root, rel)
    data = open(full, "rb").read()
    if len(data) > MAX_SIZE:
        raise ConfigError("too_large", rel, 1, 0, "file larger than %d bytes" % MAX_SIZE, exact=False)
    p = expat.ParserCreate()
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack = []
    root = []

    def start(tag, attrs):
        if len(stack) >= MAX_DEPTH:
            raise ConfigError("too_deep", rel, p.CurrentLineNumber, p.CurrentColumnNumber,
                              "element nesting deeper than %d" % MAX_DEPTH, exact=False)
        n = Node(tag, attrs, p.CurrentLineNumber, p.CurrentColumnNumber, stack[-1] if stack else None, rel)
        n.xpath = (stack[-1].xpath if stack else "") + "/" + tag + predicate(tag, attrs)
        if stack:
            stack[-1].children.append(n)
        else:
            root.append(n)
        stack.append(n)

    def end(tag):
        stack.pop()

    def doctype(*a):
        raise ConfigError("dtd_refused", rel, 0, 0, "document type declaration refused")

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.StartDoctypeDeclHandler = doctype
    try:
        p.Parse(data, True)
    except ConfigError as e:
        if e.kind == "dtd_refused":
            text = decode(data)
            e.line, e.column = position_of(text, "<!DOCTYPE")
            e.message = "document type declaration refused (position of '<!DOCTYPE', computed from the text)"
        raise
    except expat.ExpatError as e:
        msg = expat.ErrorString(e.code)
        kind = "invalid_char" if e.code in (expat.errors.codes[expat.errors.XML_ERROR_BAD_CHAR_REF],
                                            expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]) \
            and has_control_char(data) else "xml_syntax"
        raise ConfigError(kind, rel, e.lineno, e.offset, "expat: " + msg)
    return root[0]


def has_control_char(data):
    t = decode(data)
    return bool(re.search(r"&#x(1b|07|0?[0-8bcef]|1[0-9a-f]);|[\x00-\x08\x0b\x0c\x0e-\x1f]", t, re.I))


def decode(data):
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    return data.decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------

ENV = {"windir": "C:\\Windows", "systemroot": "C:\\Windows", "systemdrive": "C:", "programdata": "C:\\ProgramData",
       "programfiles": "C:\\Program Files", "public": "C:\\Users\\Public"}


def expand(value):
    return re.sub(r"%([^%]+)%", lambda m: ENV.get(m.group(1).lower(), m.group(0)), value)


def ci_find(image_root, parts):
    """Case-insensitive lookup; returns the real-case relative path or None."""
    cur = image_root
    out = []
    for part in parts:
        if not os.path.isdir(cur):
            return None
        match = None
        for e in sorted(os.listdir(cur)):
            if e.lower() == part.lower():
                match = e
                break
        if match is None:
            return None
        out.append(match)
        cur = os.path.join(cur, match)
    return "/".join(out)


def win_parts(value, wow64=False):
    """-> ('image', [parts]) | ('outside', reason) | ('relative', [parts])."""
    v = expand(value)
    if v.startswith("\\\\"):
        return ("outside", "unc")
    m = re.match(r"^([A-Za-z]):[\\/]*(.*)$", v)
    if not m:
        return ("relative", [p for p in re.split(r"[\\/]+", v) if p])
    if m.group(1).upper() != "C":
        return ("outside", "drive %s:" % m.group(1).upper())
    parts = [p for p in re.split(r"[\\/]+", m.group(2)) if p]
    if any(p == ".." for p in parts):
        norm = []
        for p in parts:
            if p == "..":
                if not norm:
                    return ("outside", "escapes the drive root")
                norm.pop()
            elif p != ".":
                norm.append(p)
        parts = norm
    if wow64 and len(parts) >= 2 and parts[0].lower() == "windows" and parts[1].lower() == "system32":
        parts = [parts[0], "SysWOW64"] + parts[2:]
    return ("image", parts)


def resolve_file(image_root, value, wow64=False):
    """-> (status, resolved_rel or None, logical_rel)."""
    kind, x = win_parts(value, wow64)
    if kind == "outside":
        return "outside_image", None, None
    if kind == "relative":
        return "missing", None, None
    found = ci_find(image_root, x)
    if found and os.path.isfile(os.path.join(image_root, found)):
        return "resolved", found, found
    return "missing", None, "/".join(x)


def pe_bitness(path):
    with open(path, "rb") as f:
        d = f.read(4096)
    off = struct.unpack_from("<I", d, 0x3C)[0]
    machine = struct.unpack_from("<H", d, off + 4)[0]
    return {0x8664: 64, 0x14C: 32, 0xAA64: 64}.get(machine)


# ---------------------------------------------------------------------------
# In-box knowledge (knowledge file section 4.3)
# ---------------------------------------------------------------------------

INBOX = {
    "UriCacheModule": "cachuri.dll", "FileCacheModule": "cachfile.dll", "TokenCacheModule": "cachtokn.dll",
    "HttpCacheModule": "cachhttp.dll", "StaticCompressionModule": "compstat.dll",
    "DynamicCompressionModule": "compdyn.dll", "DefaultDocumentModule": "defdoc.dll",
    "DirectoryListingModule": "dirlist.dll", "ProtocolSupportModule": "protsup.dll",
    "HttpRedirectionModule": "redirect.dll", "ServerSideIncludeModule": "iis_ssi.dll",
    "StaticFileModule": "static.dll", "AnonymousAuthenticationModule": "authanon.dll",
    "CertificateMappingAuthenticationModule": "authcert.dll", "BasicAuthenticationModule": "authbas.dll",
    "WindowsAuthenticationModule": "authsspi.dll", "DigestAuthenticationModule": "authmd5.dll",
    "UrlAuthorizationModule": "urlauthz.dll", "IsapiModule": "isapi.dll", "IsapiFilterModule": "filter.dll",
    "IpRestrictionModule": "iprestr.dll", "DynamicIpRestrictionModule": "diprestr.dll",
    "RequestFilteringModule": "modrqflt.dll", "CustomLoggingModule": "logcust.dll",
    "CustomErrorModule": "custerr.dll", "HttpLoggingModule": "loghttp.dll",
    "FailedRequestsTracingModule": "iisfreb.dll", "RequestMonitorModule": "iisreqs.dll",
    "TracingModule": "iisetw.dll", "CgiModule": "cgi.dll", "FastCgiModule": "iisfcgi.dll",
    "ConfigurationValidationModule": "validcfg.dll", "ApplicationInitializationModule": "warmup.dll",
    "WebSocketModule": "iiswsock.dll",
}
MANAGED_ENGINE = {
    "ManagedEngineV4.0_32bit": "Windows/Microsoft.NET/Framework/v4.0.30319/webengine4.dll",
    "ManagedEngineV4.0_64bit": "Windows/Microsoft.NET/Framework64/v4.0.30319/webengine4.dll",
}
INBOX_OUTSIDE_INETSRV = {  # known in-box files that live outside inetsrv (lower case)
    "windows/microsoft.net/framework/v4.0.30319/webengine4.dll",
    "windows/microsoft.net/framework64/v4.0.30319/webengine4.dll",
    "windows/microsoft.net/framework/v4.0.30319/aspnet_isapi.dll",
    "windows/microsoft.net/framework64/v4.0.30319/aspnet_isapi.dll",
}


def in_inetsrv(logical):
    l = logical.lower()
    return l.startswith("windows/system32/inetsrv/") or l.startswith("windows/syswow64/inetsrv/")


def imitates_inbox(name, logical):
    if name in MANAGED_ENGINE:
        return logical is None or logical.lower() != MANAGED_ENGINE[name].lower()
    if re.match(r"(?i)^managedengine", name) and name not in ("ManagedEngine", "ManagedEngine64"):
        return True
    for inbox, dll in INBOX.items():
        if inbox.lower() == name.lower():
            return logical is None or not in_inetsrv(logical) or logical.lower().rsplit("/", 1)[-1] != dll
    return False


# ---------------------------------------------------------------------------
# Managed type lookup
# ---------------------------------------------------------------------------

_md_cache = {}


def assembly_info(path):
    if path not in _md_cache:
        md, roles, comps = check_samples.analyse(path, verbose=False)
        types = [md.typedef_name(r) for r in range(1, md.nrows(ecma335.TABLE_NUMBER["TypeDef"]) + 1)]
        name = md.string(md.cell(ecma335.TABLE_NUMBER["Assembly"], 1, "Name"))
        _md_cache[path] = {"name": name, "types": types, "components": comps}
    return _md_cache[path]


def parse_type(type_str):
    parts = [p.strip() for p in type_str.split(",")]
    tname = parts[0]
    asm = parts[1] if len(parts) > 1 and parts[1] else None
    props = {}
    for p in parts[2:]:
        if "=" in p:
            k, v = p.split("=", 1)
            props[k.strip().lower()] = v.strip()
    return tname, asm, props


def app_code_types(image_root, app_dir):
    out = {}
    d = ci_find(image_root, app_dir.split("/") + ["App_Code"]) if app_dir else None
    if not d:
        return out
    for dirpath, dirs, files in sorted(os.walk(os.path.join(image_root, d))):
        dirs.sort()
        for f in sorted(files):
            if f.lower().endswith((".cs", ".vb")):
                full = os.path.join(dirpath, f)
                src = open(full, encoding="utf-8-sig").read()
                ns = re.search(r"namespace\s+([\w.]+)", src)
                for m in re.finditer(r"\bclass\s+(\w+)", src):
                    tn = (ns.group(1) + "." if ns else "") + m.group(1)
                    out[tn] = os.path.relpath(full, image_root).replace(os.sep, "/")
    return out


def resolve_managed(image_root, type_str, app_dir):
    """app_dir: image-relative real-case directory of the application (None: server scope).
    -> dict(status, resolved, gac?)."""
    tname, asm, props = parse_type(type_str)
    extra = {}
    candidates = []
    if asm:
        tok = props.get("publickeytoken", "null").lower()
        if tok != "null":
            ver = props.get("version", "")
            cult = props.get("culture", "neutral")
            cult = "" if cult.lower() == "neutral" else cult
            for g in ("GAC_MSIL", "GAC_64", "GAC_32"):
                candidates.append(["Windows", "Microsoft.NET", "assembly", g, asm, "v4.0_%s_%s_%s" % (ver, cult, tok),
                                   asm + ".dll"])
            for g in ("GAC_MSIL", "GAC"):
                candidates.append(["Windows", "assembly", g, asm, "%s_%s_%s" % (ver, cult, tok), asm + ".dll"])
        if app_dir:
            candidates.append(app_dir.split("/") + ["bin", asm + ".dll"])
        found = None
        for c in candidates:
            f = ci_find(image_root, c)
            if f and os.path.isfile(os.path.join(image_root, f)):
                found = f
                break
        if not found:
            return {"status": "assembly_missing", "resolved": None}
        if "/assembly/" in found.lower():
            extra["gac"] = {"layout": "v4.0" if "microsoft.net" in found.lower() else "v2.0",
                            "token_in_config": tok, "assembly_public_key": None}
        info = assembly_info(os.path.join(image_root, found))
        if tname not in info["types"]:
            return dict({"status": "type_missing", "resolved": found}, **extra)
        if tname not in info["components"]:
            return dict({"status": "type_not_component", "resolved": found}, **extra)
        return dict({"status": "type_found", "resolved": found}, **extra)
    # No assembly: the application's bin/ assemblies, then App_Code.
    if app_dir:
        b = ci_find(image_root, app_dir.split("/") + ["bin"])
        if b:
            for f in sorted(os.listdir(os.path.join(image_root, b))):
                if f.lower().endswith(".dll"):
                    info = assembly_info(os.path.join(image_root, b, f))
                    if tname in info["types"]:
                        st = "type_found" if tname in info["components"] else "type_not_component"
                        return {"status": st, "resolved": b + "/" + f}
        src = app_code_types(image_root, app_dir).get(tname)
        if src:
            return {"status": "source_only", "resolved": src}
    return {"status": "type_missing", "resolved": None}


# ---------------------------------------------------------------------------
# Reading one image
# ---------------------------------------------------------------------------

PRECOND_TOKENS = {"bitness32", "bitness64", "integratedmode", "isapimode", "classicmode",
                  "runtimeversionv1.1", "runtimeversionv2.0", "runtimeversionv4.0", "managedhandler"}


def precond_ok(precond, pool):
    for tok in [t.strip().lower() for t in (precond or "").split(",") if t.strip()]:
        if tok == "bitness32" and pool["bitness"] != 32:
            return False
        if tok == "bitness64" and pool["bitness"] != 64:
            return False
        if tok == "integratedmode" and pool["pipeline"] != "Integrated":
            return False
        if tok in ("isapimode", "classicmode") and pool["pipeline"] != "Classic":
            return False
        if tok.startswith("runtimeversion") and pool["runtime"] != tok[len("runtimeversion"):]:
            return False
    return True


def is_bitness32(precond):
    return "bitness32" in [t.strip().lower() for t in (precond or "").split(",")]


def is_bitness64(precond):
    return "bitness64" in [t.strip().lower() for t in (precond or "").split(",")]


class Reader:
    def __init__(self, root, name):
        self.root = root
        self.name = name
        self.errors = []
        self.findings = []
        self.registrations = []
        self.inactive = []
        self.redirection = None

    # -- findings -----------------------------------------------------------
    def finding(self, fid, config, line, subject, sites):
        f = {"id": fid, "config": config, "line": line, "subject": subject, "sites": sorted(sites)}
        if f not in self.findings:
            self.findings.append(f)

    def error(self, e):
        ent = e.entry()
        if ent not in self.errors:
            self.errors.append(ent)

    # -- files ----------------------------------------------------------------
    def load(self, rel):
        try:
            return parse_xml(self.root, rel)
        except ConfigError as e:
            self.error(e)
            return None

    def section(self, node, seen=()):
        """Follow configSource on a section element. Returns the element whose children hold the content."""
        cs = node.get("configSource")
        if cs is None:
            return node
        base = node.file.rsplit("/", 1)[0] if "/" in node.file else ""
        kind, parts = win_parts(cs)
        if kind != "relative":
            self.error(ConfigError("outside_image" if kind == "outside" else "config_source_invalid", node.file,
                                   node.line, node.col, "configSource must be a relative path: %r" % cs))
            return None
        norm = base.split("/") if base else []
        below = True
        for p in parts:
            if p == "..":
                below = False
                if not norm:
                    self.error(ConfigError("outside_image", node.file, node.line, node.col,
                                           "configSource escapes the image: %r" % cs))
                    return None
                norm.pop()
            elif p != ".":
                norm.append(p)
        if not below:
            self.error(ConfigError("config_source_invalid", node.file, node.line, node.col,
                                   "configSource must name a file in the same folder or below: %r" % cs))
            return None
        target = ci_find(self.root, norm)
        if not target:
            self.error(ConfigError("config_source_invalid", node.file, node.line, node.col,
                                   "configSource file not found: %r" % cs))
            return None
        if target in seen or target == node.file:
            self.error(ConfigError("config_source_loop", node.file, node.line, node.col,
                                   "configSource loop back to %s" % target))
            return None
        ext = self.load(target)
        if ext is None:
            return None
        if ext.tag != node.tag:
            self.error(ConfigError("config_source_invalid", target, ext.line, ext.col,
                                   "root element %s does not match section %s" % (ext.tag, node.tag)))
            return None
        return self.section(ext, tuple(seen) + (node.file,))

    # -- the whole image ---------------------------------------------------------
    def read(self):
        cfgdir = ci_find(self.root, ["Windows", "System32", "inetsrv", "config"])
        apphost_rel = cfgdir + "/applicationHost.config" if cfgdir else None
        red = ci_find(self.root, ["Windows", "System32", "inetsrv", "config", "redirection.config"])
        if red:
            rn = self.load(red)
            cr = rn.child("configurationRedirection") if rn is not None else None
            if cr is not None and cr.get("enabled", "false").lower() == "true":
                path = cr.get("path", "")
                kind, parts = win_parts(path)
                self.redirection = {"config": red, "line": cr.line, "enabled": True, "path": path}
                if kind != "image":
                    self.redirection["target"] = None
                    self.finding("shared_config_outside_image", red, cr.line, "configurationRedirection/@path", [])
                    if apphost_rel and ci_find(self.root, apphost_rel.split("/")):
                        self.inactive.append(ci_find(self.root, apphost_rel.split("/")))
                    return
                tdir = ci_find(self.root, parts)
                self.redirection["target"] = tdir
                if apphost_rel and ci_find(self.root, apphost_rel.split("/")):
                    self.inactive.append(ci_find(self.root, apphost_rel.split("/")))
                apphost_rel = tdir + "/applicationHost.config"
                # One hop only; a redirection.config at the target that is enabled is a loop.
                red2 = ci_find(self.root, parts + ["redirection.config"])
                if red2:
                    rn2 = self.load(red2)
                    cr2 = rn2.child("configurationRedirection") if rn2 is not None else None
                    if cr2 is not None and cr2.get("enabled", "false").lower() == "true":
                        self.error(ConfigError("redirection_loop", red2, cr2.line, cr2.col,
                                               "redirection target holds an enabled redirection.config (%s); "
                                               "not followed" % cr2.get("path")))
        self.apphost_rel = ci_find(self.root, apphost_rel.split("/"))
        self.apphost = self.load(self.apphost_rel)
        self.read_structure()
        self.read_registrations()
        self.compute_effective()
        self.compute_findings()
        self.read_history()

    # -- structure ------------------------------------------------------------------
    def sections(self, cfg_node, path):
        """All elements at cfg_node/<path...> (path list), following configSource on the last one."""
        cur = [cfg_node]
        for i, p in enumerate(path):
            nxt = []
            for c in cur:
                nxt += c.kids(p)
            cur = nxt
        out = []
        for n in cur:
            s = self.section(n)
            if s is not None:
                out.append(s)
        return out

    def read_structure(self):
        ah = self.apphost
        self.pools = []
        self.pool_by = {}
        for ap in self.sections(ah, ["system.applicationHost", "applicationPools"]):
            for a in ap.kids("add"):
                pool = {"name": a.get("name"),
                        "bitness": 32 if a.get("enable32BitAppOnWin64", "false").lower() == "true" else 64,
                        "pipeline": a.get("managedPipelineMode", "Integrated"),
                        "runtime": a.get("managedRuntimeVersion", "v4.0")}
                self.pools.append(pool)
                self.pool_by[pool["name"].lower()] = pool
        self.sites = []
        self.site_nodes = []
        self.site_defaults = None
        for ss in self.sections(ah, ["system.applicationHost", "sites"]):
            self.site_defaults = ss.child("siteDefaults")
            appdef = ss.child("applicationDefaults")
            for s in ss.kids("site"):
                site = {"name": s.get("name"), "id": int(s.get("id")), "applications": []}
                for a in s.kids("application"):
                    pool = a.get("applicationPool") or (appdef.get("applicationPool") if appdef is not None else None) \
                        or "DefaultAppPool"
                    app = {"path": a.get("path"), "pool": pool, "physical_path": None, "resolved": None,
                           "virtual_directories": []}
                    for v in a.kids("virtualDirectory"):
                        st, res, logical = resolve_dir(self.root, v.get("physicalPath"))
                        if v.get("path") == "/":
                            app["physical_path"] = v.get("physicalPath")
                            app["resolved"] = res
                        else:
                            app["virtual_directories"].append({"path": v.get("path"),
                                                               "physical_path": v.get("physicalPath"),
                                                               "resolved": res})
                    if not app["virtual_directories"]:
                        del app["virtual_directories"]
                    site["applications"].append(app)
                self.sites.append(site)
                self.site_nodes.append(s)
        self.site_names = [s["name"] for s in self.sites]
        # URL paths: (site, vpath) -> dict(app, physical dir, kind)
        self.paths = []
        for site in self.sites:
            for app in site["applications"]:
                self.paths.append({"site": site["name"], "vpath": app["path"], "app": app, "dir": app["resolved"]})
                for v in app.get("virtual_directories", []):
                    vp = (app["path"].rstrip("/") + v["path"]) if app["path"] != "/" else v["path"]
                    self.paths.append({"site": site["name"], "vpath": vp, "app": app, "dir": v["resolved"]})
        self.content_roots = sorted({p["dir"] for p in self.paths if p["dir"]})
        # web.config per URL path, and apphost location nodes
        self.webconfigs = {}
        for p in self.paths:
            if p["dir"]:
                wc = ci_find(self.root, p["dir"].split("/") + ["web.config"])
                if wc:
                    self.webconfigs[self.key(p["site"], p["vpath"])] = wc
        self.wc_nodes = {}
        for k in [self.key(p["site"], p["vpath"]) for p in self.paths]:
            if k in self.webconfigs and k not in self.wc_nodes:
                self.wc_nodes[k] = self.load(self.webconfigs[k])
        self.locations = []
        for loc in ah.kids("location"):
            ent = {"config": loc.file, "line": loc.line, "path": loc.get("path", "")}
            for k in ("overrideMode", "allowOverride", "inheritInChildApplications"):
                if k in loc.attrs:
                    ent[k] = loc.get(k)
            ent["sections"] = section_paths(loc)
            self.locations.append(ent)

    @staticmethod
    def key(site, vpath):
        return site + ("/" if vpath == "/" else vpath)

    def scope_of_key(self, key):
        if key is None:
            return "server"
        site = key.split("/", 1)[0]
        if key == site or key == site + "/":
            return "site:" + site
        return "path:" + key

    def loc_key(self, path):
        if path in ("", "."):
            return None
        for s in self.site_names:
            if path.lower() == s.lower():
                return s + "/"
            if path.lower().startswith(s.lower() + "/"):
                return s + path[len(s):]
        return path

    def sources_in_order(self):
        """(key, cfg_node) for every place configuration is written: server, locations, web.configs."""
        out = [(None, self.apphost)]
        for loc in self.apphost.kids("location"):
            out.append((self.loc_key(loc.get("path", "")), loc))
        for p in self.paths:
            k = self.key(p["site"], p["vpath"])
            if k in self.wc_nodes and self.wc_nodes[k] is not None and (k, self.wc_nodes[k]) not in out:
                out.append((k, self.wc_nodes[k]))
        return out

    def chain(self, key):
        """Ordered cfg nodes that apply at URL key ('Site/' or 'Site/app1')."""
        site, rest = key.split("/", 1)
        prefixes = [site + "/"]
        acc = site
        for seg in [s for s in rest.split("/") if s]:
            acc += "/" + seg
            prefixes.append(acc)
        out = [(None, self.apphost)] + [(None, l) for l in self.apphost.kids("location")
                                         if self.loc_key(l.get("path", "")) is None]
        for pre in prefixes:
            for l in self.apphost.kids("location"):
                lk = self.loc_key(l.get("path", ""))
                if lk is not None and lk.lower() == pre.lower():
                    out.append((pre, l))
            n = self.wc_nodes.get(pre)
            if n is not None:
                out.append((pre, n))
        return out

    def sites_for_key(self, key):
        if key is None:
            return list(self.site_names)
        return [key.split("/", 1)[0]]

    def apps_under(self, key):
        """Path entries within scope key."""
        out = []
        for p in self.paths:
            k = self.key(p["site"], p["vpath"])
            if key is None or k.lower() == key.lower() or k.lower().startswith(key.rstrip("/").lower() + "/"):
                out.append(p)
        return out

    def app_dir_for(self, key):
        """Directory of the application that serves URL key (for managed lookup)."""
        if key is None:
            return None
        best = None
        for p in self.paths:
            k = self.key(p["site"], p["vpath"])
            if k.lower() == key.lower():
                best = p
        return best["app"]["resolved"] if best else None

    # -- registrations --------------------------------------------------------------------
    def add_reg(self, node, kind, name, value, value_kind, key, extra=None):
        reg = {"kind": kind, "name": name, "value": value, "value_kind": value_kind,
               "precondition": node.get("preCondition"), "config": node.file, "line": node.line,
               "xpath": node.xpath, "scope": self.scope_of_key(key), "_key": key, "sites": [],
               "enabled": None, "status": None, "resolved": None, "bitness": None}
        if extra:
            reg.update(extra)
        self.registrations.append(reg)
        return reg

    def read_registrations(self):
        gm_by = {}
        for key, cfg in self.sources_in_order():
            ws = cfg.kids("system.webServer")
            web = cfg.kids("system.web")
            for w in ws:
                for sec in [self.section(s) for s in w.kids("globalModules")]:
                    if sec is None:
                        continue
                    if cfg.file != self.apphost_rel:
                        self.error(ConfigError("section_not_allowed", sec.file, sec.line, sec.col,
                                               "globalModules is AppHostOnly; ignored in %s" % sec.file))
                        continue
                    for a in sec.kids("add"):
                        r = self.add_reg(a, "global_module", a.get("name"), a.get("image"), "image", key)
                        self.native(r)
                        gm_by[a.get("name").lower()] = r
                for sec in [self.section(s) for s in w.kids("modules")]:
                    if sec is None:
                        continue
                    for a in sec.kids("add"):
                        if a.get("type") is not None:
                            r = self.add_reg(a, "module", a.get("name"), a.get("type"), "type", key)
                            self.managed(r, key)
                        else:
                            r = self.add_reg(a, "module", a.get("name"), None, None, key)
                            r["_native_ref"] = True
                for sec in [self.section(s) for s in w.kids("isapiFilters")]:
                    if sec is None:
                        continue
                    for f in sec.kids("filter"):
                        r = self.add_reg(f, "isapi_filter", f.get("name"), f.get("path"), "path", key)
                        r["enabled"] = f.get("enabled", "true").lower() == "true"
                        self.native(r)
                for sec in [self.section(s) for s in w.kids("handlers")]:
                    if sec is None:
                        continue
                    for a in sec.kids("add"):
                        if a.get("scriptProcessor"):
                            r = self.add_reg(a, "handler", a.get("name"), a.get("scriptProcessor"),
                                             "script_processor", key)
                            self.native(r)
                        elif a.get("type"):
                            r = self.add_reg(a, "handler", a.get("name"), a.get("type"), "type", key)
                            self.managed(r, key)
                for secu in w.kids("security"):
                    for sec in [self.section(s) for s in secu.kids("isapiCgiRestriction")]:
                        if sec is None:
                            continue
                        for a in sec.kids("add"):
                            r = self.add_reg(a, "isapi_cgi_restriction", None, a.get("path"), "path", key)
                            r["allowed"] = a.get("allowed", "false").lower() == "true"
                            self.native(r)
                for sec in [self.section(s) for s in w.kids("fastCgi")]:
                    if sec is None:
                        continue
                    for a in sec.kids("application"):
                        r = self.add_reg(a, "fastcgi_application", None, a.get("fullPath"), "full_path", key)
                        self.native(r)
            for w in web:
                for sec in [self.section(s) for s in w.kids("httpModules")]:
                    if sec is None:
                        continue
                    for a in sec.kids("add"):
                        r = self.add_reg(a, "http_module", a.get("name"), a.get("type"), "type", key)
                        self.managed(r, key)
                for sec in [self.section(s) for s in w.kids("httpHandlers")]:
                    if sec is None:
                        continue
                    for a in sec.kids("add"):
                        r = self.add_reg(a, "http_handler", a.get("name"), a.get("type"), "type", key)
                        self.managed(r, key)
        self.gm_by = gm_by
        for r in self.registrations:
            if r.pop("_native_ref", False):
                g = gm_by.get(r["name"].lower())
                if g is None:
                    r["status"] = "not_installed"
                else:
                    r["status"], r["resolved"], r["bitness"] = g["status"], g["resolved"], g["bitness"]
                    r["_gm"] = g

    def native(self, r):
        b32 = is_bitness32(r["precondition"])
        value = r["value"]
        if r["value_kind"] == "script_processor":
            value = value.split("|", 1)[0]  # FastCGI: "fullPath|arguments"
        st, res, logical = resolve_file(self.root, value, wow64=b32)
        r["status"], r["resolved"] = st, res
        r["_logical"] = res or logical
        if res:
            r["bitness"] = pe_bitness(os.path.join(self.root, res))
        if any(p["bitness"] == 32 for p in self.pools) and not b32 and not is_bitness64(r["precondition"]) \
                and r["kind"] in ("global_module", "isapi_filter", "handler"):
            kind, parts = win_parts(r["value"], wow64=True)
            if kind == "image" and len(parts) > 1 and parts[1] == "SysWOW64":
                st2, res2, _ = resolve_file(self.root, r["value"], wow64=True)
                r["resolved_wow64"] = res2
            else:
                r["resolved_wow64"] = res

    def managed(self, r, key):
        app_dir = self.app_dir_for(key)
        res = resolve_managed(self.root, r["value"], app_dir)
        r["status"], r["resolved"] = res["status"], res["resolved"]
        if "gac" in res:
            r["gac"] = res["gac"]

    # -- effective module lists -----------------------------------------------------------
    def compute_effective(self):
        self.effective = []
        enabled_names = set()
        self.removals = []  # (key, node, name)
        for p in self.paths:
            key = self.key(p["site"], p["vpath"])
            pool = self.pool_by.get(p["app"]["pool"].lower())
            mods = []  # list of (name, reg-or-None)
            http_mods = []
            for ckey, cfg in self.chain(key):
                for w in cfg.kids("system.webServer"):
                    for sec in [self.section(s) for s in w.kids("modules")]:
                        if sec is None:
                            continue
                        for op in sec.children:
                            if op.tag == "clear":
                                for n, _ in mods:
                                    self.removals.append((ckey, op, n))
                                mods = []
                            elif op.tag == "remove":
                                nm = op.get("name", "")
                                if any(n.lower() == nm.lower() for n, _ in mods):
                                    self.removals.append((ckey, op, nm))
                                mods = [(n, r) for n, r in mods if n.lower() != nm.lower()]
                            elif op.tag == "add":
                                reg = self.reg_at(op)
                                mods.append((op.get("name"), reg))
                for w in cfg.kids("system.web"):
                    for sec in [self.section(s) for s in w.kids("httpModules")]:
                        if sec is None:
                            continue
                        for op in sec.children:
                            if op.tag == "clear":
                                http_mods = []
                            elif op.tag == "remove":
                                http_mods = [n for n in http_mods if n.lower() != op.get("name", "").lower()]
                            elif op.tag == "add":
                                http_mods.append(op.get("name"))
            for n, r in mods:
                enabled_names.add(n.lower())
            out = []
            for n, r in mods:
                if r is None:
                    continue
                # In effect = in the merged list and applicable to this pool; whether it can load is the
                # registration's status.
                if r["value_kind"] == "type":
                    if pool["pipeline"] != "Integrated":
                        continue
                    if not precond_ok(r["precondition"], pool):
                        continue
                    out.append(n)
                    continue
                g = self.gm_by.get(n.lower())
                if g is not None and not precond_ok(g["precondition"], pool):
                    continue
                if not precond_ok(r["precondition"], pool):
                    continue
                out.append(n)
            ent = {"path": key, "pool": p["app"]["pool"], "modules": out}
            if pool["pipeline"] == "Classic":
                ent["http_modules"] = http_mods
            self.effective.append(ent)
        self.enabled_names = enabled_names
        for r in self.registrations:
            if r["kind"] == "global_module":
                r["enabled"] = r["name"].lower() in enabled_names
        # pools: global modules loaded into each worker process
        for pool in self.pools:
            pool["loads"] = [r["name"] for r in self.registrations if r["kind"] == "global_module"
                             and r["status"] == "resolved" and precond_ok(r["precondition"], pool)]
        # sites per registration
        for r in self.registrations:
            key = r["_key"]
            sites = set()
            for p in self.apps_under(key):
                pool = self.pool_by.get(p["app"]["pool"].lower())
                pre = r["precondition"]
                if r["kind"] in ("module", "handler") and r["value_kind"] == "type" and pool["pipeline"] != "Integrated":
                    continue
                if r["kind"] in ("http_module", "http_handler") and pool["pipeline"] != "Classic":
                    continue
                if r.get("_gm") and not precond_ok(r["_gm"]["precondition"], pool):
                    continue
                if precond_ok(pre, pool):
                    sites.add(p["site"])
            r["sites"] = sorted(sites)

    def reg_at(self, node):
        for r in self.registrations:
            if r["config"] == node.file and r["line"] == node.line and r["xpath"] == node.xpath:
                return r
        return None

    # -- findings ----------------------------------------------------------------------------
    def compute_findings(self):
        for r in self.registrations:
            k, st, sites = r["kind"], r["status"], r["sites"]
            cfg, line = r["config"], r["line"]
            subj = r["name"] if r["name"] is not None else r["value"]
            native_dll = k in ("global_module", "isapi_filter") or (
                k == "handler" and r["value_kind"] == "script_processor" and r["value"].lower().endswith(".dll"))
            if native_dll and st == "resolved":
                self.finding("module_not_microsoft_signed", cfg, line, subj, sites)
            logical = r.get("_logical")
            if native_dll:
                out_inetsrv = st == "outside_image" or (logical is not None and not in_inetsrv(logical)
                                                        and logical.lower() not in INBOX_OUTSIDE_INETSRV)
                if out_inetsrv:
                    self.finding("image_outside_inetsrv", cfg, line, subj, sites)
            writable = logical is not None and self.user_writable(logical)
            if (native_dll or k in ("handler", "fastcgi_application")) and r["value_kind"] != "type" and writable:
                self.finding("image_user_writable", cfg, line, subj, sites)
            if k == "handler" and r["value_kind"] == "script_processor" and writable:
                self.finding("unexpected_script_processor", cfg, line, subj, sites)
            if k == "global_module" and imitates_inbox(r["name"], logical):
                self.finding("name_imitates_inbox", cfg, line, subj, sites)
            if st == "missing" and k in ("global_module", "isapi_filter", "handler", "fastcgi_application"):
                self.finding("registered_file_missing", cfg, line, subj, sites)
            if st == "outside_image" and k != "module":
                self.finding("image_outside_image", cfg, line, subj, sites)
            if k == "global_module" and r["enabled"] is False and r["name"] not in MANAGED_ENGINE:
                self.finding("module_installed_not_enabled", cfg, line, subj, sites)
            if k == "module" and st == "not_installed":
                self.finding("module_enabled_not_installed", cfg, line, subj, self.sites_for_key(r["_key"]))
            if st == "type_missing":
                self.finding("managed_type_missing", cfg, line, subj, sites or self.sites_for_key(r["_key"]))
            if st == "type_not_component":
                self.finding("managed_type_not_component", cfg, line, subj, sites or self.sites_for_key(r["_key"]))
            if st == "assembly_missing":
                self.finding("managed_assembly_missing", cfg, line, subj, sites or self.sites_for_key(r["_key"]))
            if r["name"] and re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f]", r["name"]):
                self.finding("name_has_bidi_override", cfg, line, subj, sites or self.sites_for_key(r["_key"]))
        for key, node, name in self.removals:
            if key is not None and name.lower() in self.gm_by:
                self.finding("site_removes_global_module", node.file, node.line, name, self.sites_for_key(key))
        # logging and tracing
        for key, cfg in self.sources_in_order():
            for w in cfg.kids("system.webServer"):
                for hl in [self.section(s) for s in w.kids("httpLogging")]:
                    if hl is None:
                        continue
                    if hl.get("dontLog", "false").lower() == "true":
                        self.finding("http_logging_disabled", hl.file, hl.line, "httpLogging/@dontLog", self.sites_for_key(key))
                    sel = hl.get("selectiveLogging")
                    if sel is not None and sel != "LogAll":
                        self.finding("http_logging_selective", hl.file, hl.line, "httpLogging/@selectiveLogging",
                                     self.sites_for_key(key))
                for tr in w.kids("tracing"):
                    for tfr in [self.section(s) for s in tr.kids("traceFailedRequests")]:
                        if tfr is None:
                            continue
                        for a in tfr.kids("add"):
                            fd = a.child("failureDefinitions")
                            codes = fd.get("statusCodes", "") if fd is not None else ""
                            if a.get("path") == "*" and covers_success(codes):
                                on = self.freb_sites(key)
                                if on:
                                    self.finding("failed_request_tracing_broad", a.file, a.line,
                                                 "traceFailedRequests/add[@path='*']", on)
        sd_log = self.site_defaults.child("logFile") if self.site_defaults is not None else None
        for sn, s in zip(self.site_names, self.site_nodes):
            lf = s.child("logFile")
            for attr in ("enabled", "logTargetW3C"):
                node = lf if lf is not None and attr in lf.attrs else (
                    sd_log if sd_log is not None and attr in sd_log.attrs else None)
                if node is None:
                    continue
                v = node.get(attr)
                if attr == "enabled" and v.lower() == "false":
                    self.finding("site_log_file_disabled", node.file, node.line, "logFile/@enabled", [sn])
                if attr == "logTargetW3C":
                    targets = {t.strip().lower() for t in v.split(",")}
                    if "etw" not in targets:
                        self.finding("log_target_etw_removed", node.file, node.line, "logFile/@logTargetW3C", [sn])
                    if "file" not in targets:
                        self.finding("log_target_file_removed", node.file, node.line, "logFile/@logTargetW3C", [sn])
        # merge per-site findings on the same element
        merged = {}
        order = []
        for f in self.findings:
            k = (f["id"], f["config"], f["line"], f["subject"])
            if k in merged:
                merged[k]["sites"] = sorted(set(merged[k]["sites"]) | set(f["sites"]))
            else:
                merged[k] = dict(f)
                order.append(k)
        self.findings = [merged[k] for k in order]
        for w in self.apphost.kids("system.webServer"):
            for secu in w.kids("security"):
                for sec in [self.section(s) for s in secu.kids("isapiCgiRestriction")]:
                    if sec is None:
                        continue
                    if sec.get("notListedIsapisAllowed", "false").lower() == "true":
                        self.finding("not_listed_isapis_allowed", sec.file, sec.line, "isapiCgiRestriction/@notListedIsapisAllowed",
                                     self.site_names)
                    if sec.get("notListedCgisAllowed", "false").lower() == "true":
                        self.finding("not_listed_cgis_allowed", sec.file, sec.line, "isapiCgiRestriction/@notListedCgisAllowed",
                                     self.site_names)

    def freb_sites(self, key):
        sd = self.site_defaults.child("traceFailedRequestsLogging") if self.site_defaults is not None else None
        out = []
        for sn, s in zip(self.site_names, self.site_nodes):
            if key is not None and key.split("/", 1)[0] != sn:
                continue
            t = s.child("traceFailedRequestsLogging")
            node = t if t is not None and "enabled" in t.attrs else sd
            if node is not None and node.get("enabled", "false").lower() == "true":
                out.append(sn)
        return out

    def user_writable(self, logical):
        l = logical.lower()
        if l.startswith(("windows/temp/", "programdata/", "users/")):
            return True
        return any(l.startswith(c.lower() + "/") for c in self.content_roots)

    # -- configuration history -----------------------------------------------------------------
    def read_history(self):
        self.history = []
        self.history_dir = None
        path = "%SystemDrive%\\inetpub\\history"
        for ch in self.apphost.kids("system.applicationHost"):
            c = ch.child("configHistory")
            if c is not None and c.get("path"):
                path = c.get("path")
        kind, parts = win_parts(path)
        d = ci_find(self.root, parts) if kind == "image" else None
        if not d:
            return
        self.history_dir = d
        snaps = sorted(e for e in os.listdir(os.path.join(self.root, d)) if re.match(r"(?i)^CFGHISTORY_\d+$", e))
        seq = []
        for s in snaps:
            f = ci_find(self.root, [*d.split("/"), s, "applicationHost.config"])
            if f:
                seq.append((s, f))
        seq.append(("live", self.apphost_rel))
        states = [(s, f, history_state(self.root, f)) for s, f in seq]
        for (s0, f0, a), (s1, f1, b) in zip(states, states[1:]):
            for name in b["gm"]:
                if name not in a["gm"]:
                    self.history.append({"snapshot": s1, "config": f1, "line": b["gm"][name][1],
                                         "change": "module_added", "subject": name, "from": None,
                                         "to": b["gm"][name][0]})
                elif a["gm"][name][0] != b["gm"][name][0]:
                    self.history.append({"snapshot": s1, "config": f1, "line": b["gm"][name][1],
                                         "change": "module_repointed", "subject": name,
                                         "from": a["gm"][name][0], "to": b["gm"][name][0]})
            for name in a["gm"]:
                if name not in b["gm"]:
                    self.history.append({"snapshot": s1, "config": f0, "line": a["gm"][name][1],
                                         "change": "module_removed", "subject": name,
                                         "from": a["gm"][name][0], "to": None})
            for k in sorted(set(a["log"]) | set(b["log"])):
                va, vb = a["log"].get(k, (None, None)), b["log"].get(k, (None, None))
                if va[0] != vb[0]:
                    self.history.append({"snapshot": s1, "config": f1 if vb[1] else f0, "line": vb[1] or va[1],
                                         "change": "logging_changed", "subject": k, "from": va[0], "to": vb[0]})
        ids = {"module_added": "history_module_added", "module_removed": "history_module_removed",
               "module_repointed": "history_module_repointed", "logging_changed": "history_logging_changed"}
        for h in self.history:
            self.finding(ids[h["change"]], h["config"], h["line"], h["subject"], self.site_names)


def history_state(root, rel):
    n = parse_xml(root, rel)
    gm, log = {}, {}
    for w in n.kids("system.webServer"):
        for g in w.kids("globalModules"):
            for a in g.kids("add"):
                gm[a.get("name")] = (a.get("image"), a.line)
        for h in w.kids("httpLogging"):
            for k in ("dontLog", "selectiveLogging"):
                if k in h.attrs:
                    log["httpLogging/@" + k] = (h.get(k), h.line)
    for ah in n.kids("system.applicationHost"):
        for s in ah.kids("sites"):
            sd = s.child("siteDefaults")
            lf = sd.child("logFile") if sd is not None else None
            if lf is not None:
                for k in ("enabled", "logTargetW3C"):
                    if k in lf.attrs:
                        log["siteDefaults/logFile/@" + k] = (lf.get(k), lf.line)
    return {"gm": gm, "log": log}


def covers_success(codes):
    for part in [p.strip() for p in codes.split(",") if p.strip()]:
        m = re.match(r"^(\d+)(?:\.\d+)?(?:-(\d+))?", part)
        if not m:
            continue
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if lo < 400 and hi >= 100:
            return True
    return False


def section_paths(loc):
    out = []
    for g in loc.children:
        for sec in g.children:
            if sec.tag in ("security", "tracing"):
                out += ["%s/%s/%s" % (g.tag, sec.tag, s2.tag) for s2 in sec.children]
            else:
                out.append("%s/%s" % (g.tag, sec.tag))
    return out


def resolve_dir(root, value):
    kind, parts = win_parts(value)
    if kind != "image":
        return "outside_image", None, None
    d = ci_find(root, parts)
    return ("resolved", d, d) if d else ("missing", None, "/".join(parts))


def public_reg(r):
    out = {k: v for k, v in r.items() if not k.startswith("_")}
    order = ["kind", "name", "value", "value_kind", "precondition", "config", "line", "xpath", "scope", "sites",
             "enabled", "status", "resolved", "bitness"]
    res = {k: out[k] for k in order}
    for k in sorted(out):
        if k not in res:
            res[k] = out[k]
    return res


# ---------------------------------------------------------------------------
# Expectations: what each image was written to exercise
# ---------------------------------------------------------------------------

def expect(images):
    by = {i["name"]: i for i in images}

    def reg(img, name, kind=None):
        rs = [r for r in by[img]["registrations"] if r["name"] == name and (kind is None or r["kind"] == kind)]
        assert len(rs) == 1, (img, name, kind, len(rs))
        return rs[0]

    def has(img, fid, subject=None):
        return any(f["id"] == fid and (subject is None or f["subject"] == subject) for f in by[img]["findings"])

    # basic
    r = reg("basic", "UriCacheModule", "global_module")
    assert r["resolved"] == "Windows/System32/inetsrv/cachuri.dll" and r["resolved_wow64"] == "Windows/SysWOW64/inetsrv/cachuri.dll"
    r = reg("basic", "ShopCompat32", "global_module")
    assert r["resolved"] == "Windows/SysWOW64/inetsrv/shopcompat.dll" and r["bitness"] == 32, r
    assert r["sites"] == ["Contoso Shop"] and r["enabled"] is True
    r = reg("basic", "ShopSeoFilter")
    assert r["config"] == "Windows/System32/inetsrv/config/isapiFilters.config" and r["bitness"] == 32
    assert r["resolved"] == "Windows/SysWOW64/inetsrv/shopseo.dll"
    assert has("basic", "site_log_file_disabled") and has("basic", "log_target_etw_removed")
    assert not has("basic", "failed_request_tracing_broad") and not has("basic", "http_logging_selective")
    assert not any(f["id"] not in ("module_not_microsoft_signed", "site_log_file_disabled", "log_target_etw_removed",
                                   "image_outside_inetsrv") for f in by["basic"]["findings"]), by["basic"]["findings"]
    assert not has("basic", "image_outside_inetsrv")
    # managed
    expected = {"CorpTelemetry": "type_found", "SiteAudit": "type_found", "Obfuscated": "type_found",
                "DirectModule": "type_found", "Combo": "type_found", "SyncHandler": "type_found",
                "ComboHandler": "type_found", "Nested": "type_found", "PlainLogger": "type_not_component",
                "FakeModule": "type_not_component", "Ghost": "type_missing", "TelemetryTrace": "assembly_missing",
                "RequestStamp": "source_only", "ApiGateway": "type_found", "LegacyAudit": "type_found",
                "LegacyLoader": "type_found"}
    for n, st in expected.items():
        assert reg("managed", n)["status"] == st, (n, reg("managed", n))
    assert reg("managed", "CorpTelemetry")["resolved"].startswith("Windows/Microsoft.NET/assembly/GAC_MSIL/")
    assert reg("managed", "ApiGateway")["config"] == "inetpub/api/config/modules.config"
    assert reg("managed", "ApiGateway")["resolved"] == "inetpub/wwwroot/bin/detele_like.dll"
    assert reg("managed", "SiteAudit")["scope"] == "site:Default Web Site"
    assert reg("managed", "Obfuscated")["scope"] == "path:Default Web Site/app1"
    hh = [r for r in by["managed"]["registrations"] if r["kind"] == "http_handler"]
    assert len(hh) == 2 and all(r["status"] == "type_found" and r["sites"] == ["Legacy Intranet"] for r in hh)
    eff = {e["path"]: e for e in by["managed"]["effective_modules"]}
    assert "SiteAudit" not in eff["Default Web Site/app1"]["modules"]
    assert "SiteAudit" in eff["Default Web Site/"]["modules"] and "CorpTelemetry" not in eff["Legacy Intranet/"]["modules"]
    # tampered
    T = "tampered"
    assert reg(T, "StaticFileModule", "global_module")["resolved"] == "Windows/System32/inetsrv/static.dll"
    for n in ("HttpLoggingModule", "ManagedEngineV4.1_64bit"):
        assert has(T, "name_imitates_inbox", n), n
    for n in ("CacheUtilModule", "WebDavHelperModule", "CompressionHelper", "SiteBinModule", "ScriptMapFilter",
              "SiteFilter", "PartnerReports", "PartnerCgi"):
        assert has(T, "image_user_writable", n), n
    assert has(T, "registered_file_missing", "ReportingModule")
    for n in ("ArchiveModule", "RemoteAuthModule"):
        assert has(T, "image_outside_image", n) and reg(T, n, "global_module")["status"] == "outside_image"
    assert has(T, "module_installed_not_enabled", "DormantModule")
    assert not has(T, "module_installed_not_enabled", "DirectoryListingModule")
    assert has(T, "module_enabled_not_installed", "PrefetchModule")
    assert has(T, "site_removes_global_module", "HttpLoggingModule")
    for fid in ("http_logging_disabled", "http_logging_selective", "log_target_file_removed",
                "failed_request_tracing_broad", "not_listed_isapis_allowed", "not_listed_cgis_allowed",
                "unexpected_script_processor", "history_module_added", "history_module_repointed",
                "history_logging_changed"):
        assert has(T, fid), fid
    assert not has(T, "unexpected_script_processor", "ASPClassic")
    assert not has(T, "unexpected_script_processor", "PHP_via_FastCGI")
    ch = [h["change"] for h in by[T]["history"]]
    assert ch == ["module_added", "module_repointed", "logging_changed"], by[T]["history"]
    kinds = {t["kind"] for t in by[T]["traces"]} | {t["kind"] for t in by["managed"]["traces"]}
    assert kinds == {"appcmd_install_module", "appcmd_add_module", "new_webglobalmodule", "enable_webglobalmodule",
                     "gacutil_install", "enterpriseservices_publish", "logging_disabled"}, kinds
    # shared
    assert reg("shared-local", "RewriteModule", "global_module")["config"] == "SharedConfig/applicationHost.config"
    assert not any(r["name"] == "StaleLocalModule" for r in by["shared-local"]["registrations"])
    assert [h["change"] for h in by["shared-local"]["history"]] == ["module_removed"]
    assert by["shared-local"]["history"][0]["snapshot"] == "CFGHISTORY_0000000002"
    assert by["shared-unc"]["registrations"] == [] and has("shared-unc", "shared_config_outside_image")
    # hostile
    ek = sorted(e["kind"] for e in by["hostile"]["errors"])
    assert ek == sorted(["redirection_loop", "xml_syntax", "dtd_refused", "dtd_refused", "too_deep",
                         "config_source_loop", "outside_image", "config_source_invalid", "invalid_char",
                         "invalid_char", "section_not_allowed"]), ek
    assert reg("hostile", "GoodModule")["status"] == "type_found"
    assert reg("hostile", BIDI_NAME)["status"] == "type_found" and has("hostile", "name_has_bidi_override")
    assert not any(r["name"] in ("SneakyModule", "Broken", "ParentFolderModule") for r in by["hostile"]["registrations"])
    # every resolved native DLL registration carries module_not_microsoft_signed
    for img in images:
        for r in img["registrations"]:
            nd = r["kind"] in ("global_module", "isapi_filter") or (
                r["kind"] == "handler" and r["value_kind"] == "script_processor" and r["value"].lower().endswith(".dll"))
            if nd and r["status"] == "resolved":
                assert any(f["id"] == "module_not_microsoft_signed" and f["config"] == r["config"]
                           and f["line"] == r["line"] for f in img["findings"]), (img["name"], r["name"])


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def write_images(dest):
    built = []
    for name in IMAGES:
        im = BUILDERS[name]()
        root = os.path.join(dest, name)
        if os.path.isdir(root):
            shutil.rmtree(root)
        for rel, data in sorted(im.files.items()):
            full = os.path.join(root, *rel.split("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)
        for rel, src in sorted(im.copies.items()):
            full = os.path.join(root, *rel.split("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            shutil.copyfile(os.path.join(SAMPLES, src), full)
        built.append((im, root))
    return built


def read_image(im, root):
    rd = Reader(root, im.name)
    rd.read()
    entry = {"name": im.name, "root": "iis-images/" + im.name, "description": im.description}
    if rd.redirection:
        entry["redirection"] = rd.redirection
    entry["effective_config"] = getattr(rd, "apphost_rel", None)
    entry["inactive_configs"] = rd.inactive
    if not hasattr(rd, "apphost"):
        entry.update({"sites": [], "pools": [], "registrations": [], "findings": rd.findings, "errors": rd.errors,
                      "history": [], "traces": im.traces, "not_traces": im.not_traces})
        entry["effective_config"] = None
        return entry
    entry["sites"] = rd.sites
    entry["pools"] = rd.pools
    entry["locations"] = rd.locations
    entry["registrations"] = [public_reg(r) for r in rd.registrations]
    entry["findings"] = rd.findings
    entry["errors"] = rd.errors
    entry["effective_modules"] = rd.effective
    entry["history_dir"] = rd.history_dir
    entry["history"] = rd.history
    entry["traces"] = im.traces
    entry["not_traces"] = im.not_traces
    if im.test_generated:
        entry["test_generated"] = im.test_generated
    return entry


def build(dest):
    built = write_images(dest)
    images = [read_image(im, root) for im, root in built]
    expect(images)
    manifest = {"generated_by": "iis-images/build.py", "images": images}
    data = json.dumps(manifest, indent=1, ensure_ascii=True, sort_keys=False) + "\n"
    with open(os.path.join(dest, "manifest.json"), "w", encoding="ascii", newline="\n") as f:
        f.write(data)
    return images


def main(argv):
    if "--check" in argv:
        tmp = tempfile.mkdtemp(prefix="iis-images-")
        try:
            build(tmp)
            bad = []
            for dirpath, dirs, files in os.walk(tmp):
                for f in files:
                    rel = os.path.relpath(os.path.join(dirpath, f), tmp)
                    mine = os.path.join(HERE, rel)
                    if not os.path.isfile(mine) or open(mine, "rb").read() != open(os.path.join(dirpath, f), "rb").read():
                        bad.append(rel)
            for name in IMAGES:
                for dirpath, dirs, files in os.walk(os.path.join(HERE, name)):
                    for f in files:
                        rel = os.path.relpath(os.path.join(dirpath, f), HERE)
                        if not os.path.isfile(os.path.join(tmp, rel)):
                            bad.append(rel + " (stale)")
            if bad:
                print("differs from a fresh build:\n  " + "\n  ".join(sorted(bad)))
                return 1
            print("iis-images: up to date")
            return 0
        finally:
            shutil.rmtree(tmp)
    images = build(HERE)
    for i in images:
        print("%-13s registrations=%3d findings=%3d errors=%2d history=%d traces=%d" % (
            i["name"], len(i["registrations"]), len(i["findings"]), len(i["errors"]), len(i["history"]),
            len(i["traces"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
