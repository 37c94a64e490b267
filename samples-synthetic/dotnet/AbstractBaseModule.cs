// Synthetic sample for iisweep: IHttpModule is implemented by an abstract
// base class; only the concrete sealed subclass is a loadable component
// (the abstract class cannot be instantiated by IIS). The concrete class has
// no InterfaceImpl row of its own: a detector must follow Extends.
using System;
using System.Web;

namespace Synthetic.Abstract
{
    public abstract class ModuleBase : IHttpModule
    {
        public void Init(HttpApplication context)
        {
            context.BeginRequest += OnBegin;
        }

        protected abstract void OnBegin(object sender, EventArgs e);

        public virtual void Dispose()
        {
        }
    }

    public sealed class ConcreteModule : ModuleBase
    {
        protected override void OnBegin(object sender, EventArgs e)
        {
            HttpApplication app = (HttpApplication)sender;
            app.Context.Items["iisweep.synthetic"] = "concrete";
        }
    }
}
