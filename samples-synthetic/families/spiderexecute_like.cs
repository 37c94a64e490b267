// PwC SpiderExecute traits in an inert IHttpModule.
using System;
using System.Web;

namespace Synthetic.Families.SpiderExecute
{
    public class RequestMonitorModule : IHttpModule
    {
        private static readonly string[] Traits = {
            "execute-cmd-iis",
            "D:\\src\\RequestMonitor\\obj\\Release\\RequestMonitor.pdb",
        };

        public void Init(HttpApplication context)
        {
            GC.KeepAlive(Traits);
        }

        private static bool IsSpiderReferer(string referer) { return false; }
        private static void HandleSpiderHijack(HttpContext context) { }
        private static void ExecuteCommandFromHeader(HttpContext context) { }

        public void Dispose()
        {
        }
    }
}
