// Synthetic sample for iisweep: one assembly holding both a managed module
// and a managed handler. Inert.
using System;
using System.Web;

namespace Synthetic.Both
{
    public class ComboModule : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.EndRequest += OnEndRequest;
        }

        private void OnEndRequest(object sender, EventArgs e)
        {
            HttpApplication app = (HttpApplication)sender;
            app.Context.Items["iisweep.synthetic"] = "combo";
        }

        public void Dispose()
        {
        }
    }

    public class ComboHandler : IHttpHandler
    {
        public bool IsReusable { get { return true; } }

        public void ProcessRequest(HttpContext context)
        {
            context.Response.StatusCode = 204;
        }
    }
}
