// Synthetic sample for iisweep: a managed module with meaningless names, as
// an obfuscator would leave it (namespace a, class b, methods c and d). The
// IHttpModule members are implemented explicitly, so the MethodDef names are
// "System.Web.IHttpModule.Init"/"...Dispose" and the link to the interface
// is carried by MethodImpl rows.
using System;
using System.Web;

namespace a
{
    public class b : IHttpModule
    {
        void IHttpModule.Init(HttpApplication e)
        {
            e.BeginRequest += c;
        }

        private void c(object f, EventArgs g)
        {
            ((HttpApplication)f).Context.Items["iisweep.synthetic"] = d();
        }

        private static string d()
        {
            return "b";
        }

        void IHttpModule.Dispose()
        {
        }
    }
}
