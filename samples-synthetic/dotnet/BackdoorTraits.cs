// Synthetic sample for iisweep: an INERT managed module that carries the
// static traits of a managed IIS backdoor (cf. Owowa, LimitedCookie, Detele):
// PreSendRequestHeaders/BeginRequest subscriptions, a request header and a
// cookie read, Convert.FromBase64String, System.Reflection.Assembly.Load(byte[]),
// System.Diagnostics.Process.Start("cmd.exe", ...) and a C:\Windows\Temp\ path.
//
// Nothing dangerous is reachable: the only call to Dormant() sits behind
// `token.Length < 0`, which is false for every string, and Dormant() is the
// only place that loads an assembly or starts a process. No file is written
// and no connection is made anywhere.
using System;
using System.Diagnostics;
using System.Reflection;
using System.Web;

namespace Synthetic.Backdoor
{
    public class TraitsModule : IHttpModule
    {
        private const string TokenHeader = "X-Debug-Token";
        private const string CookieName = "SID_TRAIT";

        public void Init(HttpApplication context)
        {
            context.BeginRequest += OnBeginRequest;
            context.PreSendRequestHeaders += OnPreSendRequestHeaders;
        }

        private void OnBeginRequest(object sender, EventArgs e)
        {
            HttpApplication app = (HttpApplication)sender;
            string token = app.Request.Headers[TokenHeader];
            HttpCookie cookie = app.Request.Cookies[CookieName];
            // Always false: a string's Length is never negative.
            if (token != null && cookie != null && token.Length < 0)
            {
                byte[] payload = Convert.FromBase64String(token);
                Dormant(payload, cookie.Value);
            }
        }

        private void OnPreSendRequestHeaders(object sender, EventArgs e)
        {
            HttpApplication app = (HttpApplication)sender;
            app.Context.Items["iisweep.synthetic"] = "traits";
        }

        // Unreachable at runtime (see the guard in OnBeginRequest).
        private static void Dormant(byte[] payload, string arg)
        {
            Assembly.Load(payload);
            string dir = @"C:\Windows\Temp\";
            Process.Start("cmd.exe", "/c dir " + dir + arg);
        }

        public void Dispose()
        {
        }
    }
}
