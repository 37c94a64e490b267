// PwC ReviseIIS traits (member names) in an inert IHttpModule.
using System;
using System.Web;

namespace Synthetic.Families.ReviseIIS
{
    public class OwaFilterModule : IHttpModule
    {
        private bool trafficObfuscation;

        public void Init(HttpApplication context)
        {
            trafficObfuscation = false;
            GC.KeepAlive(trafficObfuscation);
        }

        private static string RunExshell(string script) { return null; }

        public void Dispose()
        {
        }
    }
}
