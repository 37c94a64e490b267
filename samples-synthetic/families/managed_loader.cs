// Heuristic-only managed sample: an IHttpModule holding (never invoking)
// delegates to Convert.FromBase64String and Assembly.Load, the shape of a
// module that loads an assembly from decoded request bytes. Inert: Init
// subscribes nothing and nothing is ever decoded or loaded.
using System;
using System.Reflection;
using System.Web;

namespace Synthetic.Families.Loader
{
    public class PayloadModule : IHttpModule
    {
        private static readonly Func<string, byte[]> Decode = Convert.FromBase64String;
        private static readonly Func<byte[], Assembly> LoadBytes = Assembly.Load;

        public void Init(HttpApplication context)
        {
            GC.KeepAlive(Decode);
            GC.KeepAlive(LoadBytes);
        }

        public void Dispose()
        {
        }
    }
}
