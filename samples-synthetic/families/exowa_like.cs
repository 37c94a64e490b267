// PwC ExOwa (DeadRinger) traits (user strings) in an inert IHttpModule.
using System;
using System.Web;

namespace Synthetic.Families.ExOwa
{
    public class OwaModule : IHttpModule
    {
        private static readonly string[] Traits = {
            "Bin\\Microsoft.Exchange.Common.dll",
            "\\EXANG",
            "\\~ex.dat",
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
