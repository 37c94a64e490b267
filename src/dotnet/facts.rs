//! The facts the .NET reader establishes about one assembly.

use std::collections::BTreeMap;

use crate::model::Role;

/// `IMAGE_COR20_HEADER.Flags`, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClrFlags {
    /// Raw flag bits.
    pub raw: u32,
    /// `COMIMAGE_FLAGS_ILONLY` (0x1).
    pub il_only: bool,
    /// `COMIMAGE_FLAGS_32BITREQUIRED` (0x2).
    pub requires_32bit: bool,
    /// `COMIMAGE_FLAGS_32BITPREFERRED` (0x20000).
    pub prefers_32bit: bool,
    /// `COMIMAGE_FLAGS_STRONGNAMESIGNED` (0x8).
    pub strong_name_signed: bool,
    /// `COMIMAGE_FLAGS_NATIVE_ENTRYPOINT` (0x10).
    pub native_entry_point: bool,
}

/// Identity from the `Assembly` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssemblyIdentity {
    /// Simple name.
    pub name: String,
    /// `Major.Minor.Build.Revision`.
    pub version: String,
    /// Culture; empty for neutral.
    pub culture: String,
    /// `AssemblyFlags`.
    pub flags: u32,
    /// `HashAlgId`.
    pub hash_alg_id: u32,
    /// Length in bytes of the public key blob (0 when not strong-named).
    pub public_key_len: usize,
    /// Public key token (hex of the reversed last 8 bytes of SHA-1 of the key).
    pub public_key_token: Option<String>,
}

/// One `AssemblyRef` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssemblyRefInfo {
    /// Simple name.
    pub name: String,
    /// `Major.Minor.Build.Revision`.
    pub version: String,
    /// Culture; empty for neutral.
    pub culture: String,
    /// `AssemblyFlags` (0x1 = the blob is a full public key).
    pub flags: u32,
    /// Hex of the `PublicKeyOrToken` blob.
    pub public_key_or_token: String,
    /// The token: the blob itself when 8 bytes, or derived from a full key.
    pub public_key_token: Option<String>,
}

/// One `TypeDef` row, with names resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeDefInfo {
    /// `TypeNamespace` (empty for nested types).
    pub namespace: String,
    /// `TypeName`.
    pub name: String,
    /// Name as web.config writes it: `Ns.Outer+Inner`.
    pub full_name: String,
    /// `TypeAttributes`.
    pub flags: u32,
    /// Public or nested public.
    pub is_public: bool,
    /// `Abstract` (0x80).
    pub is_abstract: bool,
    /// `Interface` (0x20).
    pub is_interface: bool,
    /// `Sealed` (0x100).
    pub is_sealed: bool,
    /// Full name of the base type (`TypeSpec` rendered best effort).
    pub extends: Option<String>,
    /// Full names of interfaces from `InterfaceImpl`.
    pub interfaces: Vec<String>,
    /// Full name of the enclosing type (`NestedClass`).
    pub enclosing: Option<String>,
    /// Names of the methods in this type's `MethodList` range.
    pub methods: Vec<String>,
}

/// One `TypeRef` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeRefInfo {
    /// `TypeNamespace`.
    pub namespace: String,
    /// `TypeName`.
    pub name: String,
    /// `Ns.Name`, or `Ns.Outer+Inner` when scoped by another `TypeRef`.
    pub full_name: String,
    /// Name of the `AssemblyRef` the (outermost) type resolves to.
    pub scope_assembly: Option<String>,
}

/// One `MemberRef` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberRefInfo {
    /// Parent: type full name, module name (`ModuleRef`), method name
    /// (`MethodDef`) or rendered `TypeSpec`.
    pub class: String,
    /// Table the parent lives in (`TypeRef`, `TypeDef`, `TypeSpec`, ...).
    pub class_table: String,
    /// Member name.
    pub name: String,
}

/// A concrete type that implements an IIS extension interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Component {
    /// Type name in web.config form.
    pub type_name: String,
    /// `module`, `handler`, `async_handler`, `handler_factory`.
    pub kinds: Vec<&'static str>,
    /// The IIS roles those kinds give (managed module, managed handler).
    pub roles: Vec<Role>,
    /// Full names from this type up to the one declaring the first interface found.
    pub base_chain: Vec<String>,
}

/// One P/Invoke import (`ImplMap` row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PInvokeInfo {
    /// `ModuleRef` name (the DLL).
    pub module: String,
    /// `ImportName`.
    pub import_name: String,
    /// Name of the forwarding managed member.
    pub member: String,
    /// The DLL is a Windows system DLL (kernel32, ntdll, advapi32, ...).
    pub system_dll: bool,
}

/// A user string that looks like evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterestingString {
    /// The string, truncated to [`MAX_INTERESTING_STRING_CHARS`](super::limits::MAX_INTERESTING_STRING_CHARS) characters.
    pub value: String,
    /// Why it was kept: `command_shell`, `windows_path`, `http_header`,
    /// `credential_keyword`, `cookie_keyword`, `base64_blob`.
    pub reasons: Vec<&'static str>,
}

/// One `ManifestResource` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceInfo {
    /// Resource name.
    pub name: String,
    /// `ManifestResourceAttributes` (1 public, 2 private).
    pub flags: u32,
    /// Offset into the CLR resources directory.
    pub offset: u32,
    /// `embedded`, `file:<name>` or `assembly:<name>`.
    pub location: String,
    /// Byte size from the 4-byte length prefix (embedded resources only).
    pub size: Option<u32>,
}

/// What the request handlers of an assembly's components reach, from
/// their IL (see `dotnet::flow`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// Method bodies decoded: static constructors and the methods reached from entry points.
    pub methods: usize,
    /// The methods IIS or ASP.NET calls, and what each reaches.
    pub entry_points: Vec<EntryPoint>,
    /// Capability -> the members through which some entry point reaches
    /// it (the union over the entry points).
    pub reaches: BTreeMap<&'static str, Vec<String>>,
    /// Strings loaded on a path that reads request input and that could
    /// name a header, cookie, form field or server variable.
    pub request_names: Vec<String>,
    /// Type names passed to reflection (`Type.GetType` and the like),
    /// after folding constant concatenations.
    pub reflection_names: Vec<String>,
    /// A cap was hit: more bodies, entry points or reaches existed.
    pub truncated: bool,
}

/// One method IIS or ASP.NET calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryPoint {
    /// `Ns.Type::Method`.
    pub method: String,
    /// Why it is called: `IHttpModule.Init`, `BeginRequest handler`, ...
    pub why: String,
    /// What it reaches.
    pub reaches: Vec<Reach>,
}

impl EntryPoint {
    /// A handler's entry point (`ProcessRequest`, `BeginProcessRequest`,
    /// `GetHandler`): writing the response is what it is for.
    pub fn is_handler(&self) -> bool {
        [
            "IHttpHandler.",
            "IHttpAsyncHandler.",
            "IHttpHandlerFactory.",
        ]
        .iter()
        .any(|p| self.why.starts_with(p))
    }
}

/// One capability reached from an entry point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// `reads_request_input`, `decodes`, `runs_process`, `loads_code`,
    /// `pinvoke_injection`, `writes_files`, `network_egress`,
    /// `rewrites_response`, `reads_credentials`.
    pub capability: &'static str,
    /// The member that does it: `Type::Member` or `dll!import`.
    pub via: String,
    /// The methods from the entry point to the one that calls `via`.
    pub path: Vec<String>,
}

/// Everything read from one assembly's CLR header and metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DotnetInfo {
    /// An `IMAGE_COR20_HEADER` was read.
    pub has_cor20_header: bool,
    /// Metadata root version string, e.g. `v4.0.30319`.
    pub runtime_version: Option<String>,
    /// `IMAGE_COR20_HEADER.MajorRuntimeVersion`.
    pub major_runtime_version: u16,
    /// `IMAGE_COR20_HEADER.MinorRuntimeVersion`.
    pub minor_runtime_version: u16,
    /// `IMAGE_COR20_HEADER.Flags`.
    pub flags: ClrFlags,
    /// Not IL-only: carries native code (C++/CLI).
    pub mixed_mode: bool,
    /// `Assembly` row, when present.
    pub assembly: Option<AssemblyIdentity>,
    /// `Module` name.
    pub module_name: Option<String>,
    /// `Module.Mvid`, lowercase registry form.
    pub mvid: Option<String>,
    /// `AssemblyRef` rows.
    pub assembly_refs: Vec<AssemblyRefInfo>,
    /// `ModuleRef` names (P/Invoke targets).
    pub module_refs: Vec<String>,
    /// `TypeDef` rows (including `<Module>`).
    pub type_defs: Vec<TypeDefInfo>,
    /// `TypeRef` rows.
    pub type_refs: Vec<TypeRefInfo>,
    /// `MemberRef` rows.
    pub member_refs: Vec<MemberRefInfo>,
    /// IIS modules and handlers defined here.
    pub components: Vec<Component>,
    /// `System.Web.HttpApplication::add_*` members referenced (e.g. `add_BeginRequest`).
    pub http_events: Vec<String>,
    /// Capability name -> `Type::Member` (or `dll!import`) evidence.
    pub capabilities: BTreeMap<&'static str, Vec<String>>,
    /// `ImplMap` rows.
    pub pinvokes: Vec<PInvokeInfo>,
    /// Non-empty strings in the `#US` heap.
    pub user_string_count: usize,
    /// User strings that look like evidence (at most [`MAX_INTERESTING_STRINGS`](super::limits::MAX_INTERESTING_STRINGS)).
    pub interesting_strings: Vec<InterestingString>,
    /// `ManifestResource` rows.
    pub resources: Vec<ResourceInfo>,
    /// What the components' request handlers reach (IL analysis); `None`
    /// for an assembly without components.
    pub behaviour: Option<Behaviour>,
    /// Structural problems, each naming the structure and file offset.
    pub errors: Vec<String>,
}
