// Heuristic-only managed sample: an IHttpHandler holding (never invoking) a
// delegate to Process.Start, the shape of a handler that runs commands.
// Inert: ProcessRequest only sets a 404 status.
using System;
using System.Diagnostics;
using System.Web;

namespace Synthetic.Families.Exec
{
    public class ExecHandler : IHttpHandler
    {
        private static readonly Func<ProcessStartInfo, Process> Starter = Process.Start;

        public bool IsReusable { get { return false; } }

        public void ProcessRequest(HttpContext context)
        {
            GC.KeepAlive(Starter);
            context.Response.StatusCode = 404;
        }
    }
}
