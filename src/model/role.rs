//! The kinds of IIS component iisweep reports.

/// An IIS role: how IIS would load a file (native roles, from the export
/// table) or instantiate a type (managed roles, from .NET metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Native IIS 7+ module (`RegisterModule`).
    NativeModule,
    /// ISAPI extension (`GetExtensionVersion` + `HttpExtensionProc`).
    IsapiExtension,
    /// ISAPI filter (`GetFilterVersion` + `HttpFilterProc`).
    IsapiFilter,
    /// .NET type implementing `System.Web.IHttpModule`.
    ManagedModule,
    /// .NET type implementing `IHttpHandler`, `IHttpAsyncHandler` or `IHttpHandlerFactory`.
    ManagedHandler,
}

impl Role {
    /// Every role, in order.
    pub const ALL: [Role; 5] = [
        Role::NativeModule,
        Role::IsapiExtension,
        Role::IsapiFilter,
        Role::ManagedModule,
        Role::ManagedHandler,
    ];

    /// Stable snake_case name, as in the output records.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::NativeModule => "native_module",
            Role::IsapiExtension => "isapi_extension",
            Role::IsapiFilter => "isapi_filter",
            Role::ManagedModule => "managed_module",
            Role::ManagedHandler => "managed_handler",
        }
    }
}
