// Synthetic sample for iisweep: a managed IIS module that implements
// System.Web.IHttpModule directly. Inert: the BeginRequest handler only sets
// an item in the per-request context dictionary.
using System;
using System.Web;

namespace Synthetic.Direct
{
    public class DirectModule : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.BeginRequest += OnBeginRequest;
        }

        private void OnBeginRequest(object sender, EventArgs e)
        {
            HttpApplication app = (HttpApplication)sender;
            app.Context.Items["iisweep.synthetic"] = "direct";
        }

        public void Dispose()
        {
        }
    }
}
