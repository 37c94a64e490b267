// PwC LimitedCookie (WBGlIl/IIS_backdoor) traits in an inert IHttpModule:
// the TypeLib GUID, the assembly name and the Runpscmd method.
using System;
using System.Runtime.InteropServices;
using System.Web;

[assembly: Guid("3fda4aa9-6fc1-473f-9048-7edc058c4f65")]

namespace IIS_backdoor_dll
{
    public class CookieModule : IHttpModule
    {
        private static readonly string[] Traits = {
            "!Target requires",
        };

        public void Init(HttpApplication context)
        {
            GC.KeepAlive(Traits);
        }

        private static string Runpscmd(string script) { return null; }

        public void Dispose()
        {
        }
    }
}
