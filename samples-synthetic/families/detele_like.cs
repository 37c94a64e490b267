// PwC Detele traits (user strings) in an inert IHttpModule.
using System;
using System.Web;

namespace Synthetic.Families.Detele
{
    public class TraceModule : IHttpModule
    {
        private static readonly string[] Traits = {
            "[iis] strCmdValueEncrypted",
            "[+] .Net Exec Succeed",
            "[-] Detele Failed",
        };

        public void Init(HttpApplication context)
        {
            GC.KeepAlive(Traits);
        }

        public void Dispose()
        {
        }
    }
}
