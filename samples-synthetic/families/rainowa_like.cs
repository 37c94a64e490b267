// PwC RainOwa traits in an inert IHttpModule.
using System;
using System.Web;

namespace Synthetic.Families.RainOwa
{
    public class OwaAuthModule : IHttpModule
    {
        private static readonly string[] Traits = {
            "RainFL84CA7GHhauPb1y",
            "c:\\users\\dadmin\\source\\repos\\RainOwa\\obj\\Release\\RainOwa.pdb",
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
