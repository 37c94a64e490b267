// Behaviour sample 6b (managed IHttpModule): reflection-hidden process
// creation whose split literals the compiler folds.
//
// Same shape as sample 6, but the type and method names are written as
// constant concatenations ("System.Diagn" + "ostics.Process, System",
// "St" + "art"); mcs folds them, so the IL holds the whole names in one
// ldstr each (user-string heap), while the #Strings heap still has no
// "Process" / "Start". EndRequest is subscribed with an anonymous method
// (`delegate { }`); the command comes from the query-string parameter
// "probe" or Request.Params["probe_args"]; the output goes to
// Response.Output.
//
// Inert: everything suspicious is inside `if (Inert.Off)` (static readonly,
// false at run time); the program name does not exist.
using System;
using System.Reflection;
using System.Web;

namespace Tailspin.Ops.Probes
{
    internal static class Inert
    {
        internal static readonly bool Off = ComputeOff();
        static bool ComputeOff() { return false; }
    }

    public class LatencyProbeModule : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.EndRequest += delegate(object sender, EventArgs e)
            {
                Probe(((HttpApplication)sender).Context);
            };
        }

        private static void Probe(HttpContext ctx)
        {
            if (Inert.Off)
            {
                string a = ctx.Request.QueryString["probe"] ?? ctx.Request.Params["probe_args"];
                Type p = Type.GetType("System.Diagn" + "ostics.Process, System");
                MethodInfo m = p.GetMethod("St" + "art", new Type[] { typeof(string), typeof(string) });
                object proc = m.Invoke(null, new object[] { "iisweep-inert-never-runs.exe", a });
                ctx.Response.Output.Write(proc);
            }
        }

        public void Dispose()
        {
        }
    }
}
