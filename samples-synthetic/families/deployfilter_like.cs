// PwC DeployFilterIIS traits (China Chopper based) in an inert IHttpModule.
using System;
using System.Web;

namespace Synthetic.Families.DeployFilter
{
    public class ChopperApi_Filter : IHttpModule
    {
        private static readonly string[] Traits = {
            "This Function can not use now.",
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
