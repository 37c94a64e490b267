// Synthetic sample for iisweep: a plain class library with no System.Web
// usage at all. It has look-alike member names (Init, Dispose, BeginRequest)
// but no IIS role.
using System;
using System.Text;

namespace Synthetic.Plain
{
    public class RequestLogger : IDisposable
    {
        private readonly StringBuilder buffer = new StringBuilder();

        public event EventHandler BeginRequest;

        public void Init(object owner)
        {
            buffer.Append(owner == null ? "none" : owner.GetType().Name);
            EventHandler h = BeginRequest;
            if (h != null)
            {
                h(this, EventArgs.Empty);
            }
        }

        public override string ToString()
        {
            return buffer.ToString();
        }

        public void Dispose()
        {
            buffer.Length = 0;
        }
    }

    public static class TextUtil
    {
        public static string Reverse(string s)
        {
            char[] c = s.ToCharArray();
            Array.Reverse(c);
            return new string(c);
        }
    }
}
