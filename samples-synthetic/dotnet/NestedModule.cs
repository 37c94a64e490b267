// Synthetic sample for iisweep: the module is a nested public class,
// registered in web.config as "Synthetic.Nested.Outer+InnerModule".
// Outer+Helper is a second nested class (not a component); it exists so
// that the nesting-cycle malformed fixture can re-point two NestedClass rows.
using System;
using System.Web;

namespace Synthetic.Nested
{
    public class Outer
    {
        public class InnerModule : IHttpModule
        {
            public void Init(HttpApplication context)
            {
                context.BeginRequest += OnBeginRequest;
            }

            private void OnBeginRequest(object sender, EventArgs e)
            {
                HttpApplication app = (HttpApplication)sender;
                app.Context.Items["iisweep.synthetic"] = Helper.Tag;
            }

            public void Dispose()
            {
            }
        }

        public static class Helper
        {
            public const string Tag = "nested";
        }
    }
}
