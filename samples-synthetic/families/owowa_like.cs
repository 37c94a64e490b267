// Owowa (Kaspersky 2021; ditekshen MALWARE_Win_Owowa) traits in an inert
// IHttpModule: the three special usernames, the assembly GUID, the
// PreSend_RequestContent / RunCommand methods. Nothing is hooked or run.
using System;
using System.Runtime.InteropServices;
using System.Web;

[assembly: Guid("6801b573-4cdb-4307-8d4a-3d1e2842f09f")]

namespace Synthetic.Families.Owowa
{
    public class ExtenderControlDesigner : IHttpModule
    {
        private static readonly string[] Traits = {
            "dEUM3jZXaDiob8BrqSy2PQO1",
            "Fb8v91c6tHiKsWzrulCeqO",
            "jFuLIXpzRdateYHoVwMlfc",
            "HealthMailbox",
            "C:\\Users\\S3crt\\",
        };

        public void Init(HttpApplication context)
        {
            GC.KeepAlive(Traits);
        }

        private void PreSend_RequestContent(object sender, EventArgs e)
        {
        }

        private static string RunCommand(string command)
        {
            return null;
        }

        public void Dispose()
        {
        }
    }
}
