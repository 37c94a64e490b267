// clrcheck: what a CLR (mono here) sees in a managed fixture. Loads the
// assembly for reflection only (no type initializer, no module code runs) and
// prints the concrete public types that implement System.Web.IHttpModule /
// IHttpHandler. Build: mcs -r:System.Web -out:clrcheck.exe clrcheck.cs
// Run:   mono clrcheck.exe FILE.dll
using System;
using System.Reflection;

class ClrCheck
{
    static int Main(string[] args)
    {
        try {
            Assembly web = Assembly.ReflectionOnlyLoad(typeof(System.Web.IHttpModule).Assembly.FullName);
            AppDomain.CurrentDomain.ReflectionOnlyAssemblyResolve +=
                (s, e) => Assembly.ReflectionOnlyLoad(e.Name);
            Assembly a = Assembly.ReflectionOnlyLoadFrom(args[0]);
            Type mod = web.GetType("System.Web.IHttpModule");
            Type hnd = web.GetType("System.Web.IHttpHandler");
            Console.Write("{\"loaded\": true, \"modules\": [");
            string sep = "";
            foreach (Type t in a.GetTypes())
                if (!t.IsAbstract && !t.IsInterface && mod.IsAssignableFrom(t)) { Console.Write(sep + "\"" + t.FullName + "\""); sep = ", "; }
            Console.Write("], \"handlers\": [");
            sep = "";
            foreach (Type t in a.GetTypes())
                if (!t.IsAbstract && !t.IsInterface && hnd.IsAssignableFrom(t)) { Console.Write(sep + "\"" + t.FullName + "\""); sep = ", "; }
            Console.WriteLine("]}");
            return 0;
        } catch (Exception e) {
            Console.WriteLine("{\"loaded\": false, \"error\": \"" + e.GetType().Name + ": " + e.Message.Replace("\"", "'").Replace("\n", " ") + "\"}");
            return 1;
        }
    }
}
