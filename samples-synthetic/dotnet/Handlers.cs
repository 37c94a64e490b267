// Synthetic sample for iisweep: three managed handler shapes.
// Inert: the handlers only set a 204 status code.
using System;
using System.Threading.Tasks;
using System.Web;

namespace Synthetic.Handlers
{
    public class SyncHandler : IHttpHandler
    {
        public bool IsReusable { get { return true; } }

        public void ProcessRequest(HttpContext context)
        {
            context.Response.StatusCode = 204;
        }
    }

    public class AsyncHandler : IHttpAsyncHandler
    {
        public bool IsReusable { get { return false; } }

        public void ProcessRequest(HttpContext context)
        {
            context.Response.StatusCode = 204;
        }

        public IAsyncResult BeginProcessRequest(HttpContext context, AsyncCallback cb, object extraData)
        {
            context.Response.StatusCode = 204;
            Task<int> done = Task.FromResult(0);
            if (cb != null)
            {
                cb(done);
            }
            return done;
        }

        public void EndProcessRequest(IAsyncResult result)
        {
        }
    }

    public class HandlerFactory : IHttpHandlerFactory
    {
        public IHttpHandler GetHandler(HttpContext context, string requestType, string url, string pathTranslated)
        {
            return new SyncHandler();
        }

        public void ReleaseHandler(IHttpHandler handler)
        {
        }
    }
}
