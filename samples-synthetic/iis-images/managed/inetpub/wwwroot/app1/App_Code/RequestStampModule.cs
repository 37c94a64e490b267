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
