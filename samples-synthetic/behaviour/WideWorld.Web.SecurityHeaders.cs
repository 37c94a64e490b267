// Behaviour sample 11a (managed IHttpModule): benign counterpart.
//
// A security-headers module: PreSendRequestHeaders adds
// X-Content-Type-Options / Referrer-Policy and removes X-Powered-By;
// BeginRequest reads Request.Headers["User-Agent"] and logs it with
// System.Diagnostics.Trace. Nothing decodes, runs, loads, writes files,
// injects, reaches the network or rewrites the body. Expected level: info.
using System;
using System.Diagnostics;
using System.Web;

namespace WideWorld.Web.SecurityHeaders
{
    public class SecurityHeadersModule : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.BeginRequest += OnBeginRequest;
            context.PreSendRequestHeaders += OnPreSendRequestHeaders;
        }

        private static void OnBeginRequest(object sender, EventArgs e)
        {
            HttpContext ctx = ((HttpApplication)sender).Context;
            string ua = ctx.Request.Headers["User-Agent"];
            Trace.WriteLine("request from " + (ua ?? "-"), "WideWorld.SecurityHeaders");
        }

        private static void OnPreSendRequestHeaders(object sender, EventArgs e)
        {
            HttpResponse resp = ((HttpApplication)sender).Context.Response;
            resp.Headers.Remove("X-Powered-By");
            resp.AppendHeader("X-Content-Type-Options", "nosniff");
            resp.AppendHeader("Referrer-Policy", "strict-origin-when-cross-origin");
        }

        public void Dispose()
        {
        }
    }
}
