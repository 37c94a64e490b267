// Synthetic sample for iisweep (negative): the assembly DEFINES its own
// interface named System.Web.IHttpModule (a TypeDef, not a TypeRef into the
// System.Web assembly) and a class implementing it. IIS would reject this
// type, so it has no IIS role; a detector that matches the interface by name
// only, without checking that it is a TypeRef resolved to System.Web, gets it
// wrong. Built without -r:System.Web.dll.
using System;

namespace System.Web
{
    public interface IHttpModule
    {
        void Init(object context);
        void Dispose();
    }
}

namespace Synthetic.Lookalike
{
    public class FakeModule : System.Web.IHttpModule
    {
        public void Init(object context)
        {
        }

        public void Dispose()
        {
        }
    }
}
