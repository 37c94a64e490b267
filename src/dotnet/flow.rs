//! What an assembly's request handlers do: IL method bodies decoded
//! ([`super::il`]), a call graph inside the assembly, the entry points IIS
//! and ASP.NET call, and the capabilities reachable from each, with the
//! path that reaches them as evidence.
//!
//! Graph edges: `call`/`callvirt`/`jmp`/`newobj` to a local method (also
//! through a `MethodSpec`, or a `MemberRef` whose parent is a local type),
//! `ldftn`/`ldvirtftn` (delegates: event handlers, lambdas), and `newobj` of
//! a local type, which reaches every method of that type (closures,
//! iterator and async state machines, a `Stream` installed as
//! `Response.Filter`: the framework calls their methods later).
//!
//! Entry points: `Init`, `ProcessRequest`, `BeginProcessRequest`,
//! `GetHandler` of every component type, the `HttpApplication` event
//! handlers subscribed from them, and static constructors of component
//! types.
//!
//! Strings: `ldstr` values, constants stored into static fields by a static
//! constructor, and locals, folded through `String.Concat`, so that a type
//! name split into parts is seen whole where it is passed to
//! `Type.GetType` and the like.
//!
//! Error policy: bodies are hostile. A body that cannot be read is one
//! error naming the method; decoding is capped per body
//! ([`il::MAX_CODE_SIZE`]), per assembly ([`MAX_BODIES`],
//! [`MAX_INSTRUCTIONS`]) and per search ([`MAX_ENTRY_POINTS`],
//! [`MAX_REACHES`]); hitting a cap sets [`Behaviour::truncated`].

// Fx hashing: the keys are table rows and tokens (see docs/decisions.md).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::facts::{Behaviour, DotnetInfo, EntryPoint, Reach};
use super::heaps::{compressed_u32, Heap};
use super::il::{self, Op};
use super::model::Model;
use super::tables::{col, FIELD, IMPL_MAP, MEMBER_REF, METHOD_DEF, METHOD_SPEC, TYPE_DEF};
use crate::pe::Image;

/// Method bodies decoded per assembly.
pub const MAX_BODIES: usize = 1 << 17;
/// Instructions decoded per assembly.
pub const MAX_INSTRUCTIONS: usize = 1 << 23;
/// Entry points searched.
pub const MAX_ENTRY_POINTS: usize = 256;
/// Reaches kept per entry point.
pub const MAX_REACHES: usize = 64;
/// Longest folded string kept.
const MAX_FOLDED: usize = 512;
/// Request names and reflection names reported.
const MAX_NAMES: usize = 64;

/// What one method body does, as far as the graph needs.
#[derive(Default)]
struct Summary {
    /// Local methods called, delegated to or constructed; once the body is
    /// read, also every method of the local types constructed (the
    /// graph's successors, first occurrence kept).
    local: Vec<u32>,
    /// External members called (MemberRef rows).
    external: Vec<u32>,
    /// A string loaded (`ldstr`, a folded concatenation) names a
    /// credential field or variable.
    credential_string: bool,
    /// Type names passed to reflection, with the MemberRef that took them.
    reflected: Vec<(String, u32)>,
    /// Constant names passed to request accessors (`Headers["X-…"]`).
    request_names: Vec<String>,
    /// Events subscribed: (`add_X` event name, handler MethodDef).
    subscribed: Vec<(String, u32)>,
    /// Local types constructed (0-based TypeDef).
    constructs: Vec<usize>,
}

/// The class and name of an external member, with what it means.
struct Ext {
    class: String,
    name: String,
    cap: Option<&'static str>,
}

/// Capability of a framework member, for reachability. The keys are
/// those of `samples-synthetic/behaviour/README.md`.
pub(crate) fn member_capability(class: &str, member: &str) -> Option<&'static str> {
    let class = class.find('<').map_or(class, |i| &class[..i]);
    Some(match (class, member) {
        (
            "System.Web.HttpRequest"
            | "System.Web.HttpRequestBase"
            | "System.Web.HttpRequestWrapper",
            "get_Headers"
            | "get_Cookies"
            | "get_Form"
            | "get_QueryString"
            | "get_Params"
            | "get_Item"
            | "get_InputStream"
            | "get_ServerVariables"
            | "BinaryRead"
            | "get_Files"
            | "get_UserAgent"
            | "get_UrlReferrer"
            | "get_RawUrl"
            | "get_Url"
            | "get_PathInfo"
            | "GetBufferedInputStream"
            | "GetBufferlessInputStream"
            | "get_Unvalidated",
        )
        | ("System.Web.HttpCookie", "get_Value" | "get_Values" | "get_Item")
        | ("System.Web.UnvalidatedRequestValues", _) => "reads_request_input",
        ("System.Convert", "FromBase64String" | "FromBase64CharArray")
        | ("System.IO.Compression.GZipStream" | "System.IO.Compression.DeflateStream", ".ctor")
        | ("System.Security.Cryptography.CryptoStream", ".ctor")
        | (
            "System.Security.Cryptography.SymmetricAlgorithm"
            | "System.Security.Cryptography.Aes"
            | "System.Security.Cryptography.AesManaged"
            | "System.Security.Cryptography.RijndaelManaged"
            | "System.Security.Cryptography.Rijndael"
            | "System.Security.Cryptography.DES"
            | "System.Security.Cryptography.TripleDES"
            | "System.Security.Cryptography.RC2",
            "CreateDecryptor" | "Create" | ".ctor",
        )
        | ("System.Security.Cryptography.ICryptoTransform", "TransformFinalBlock")
        | ("System.Security.Cryptography.RSACryptoServiceProvider", "Decrypt") => "decodes",
        ("System.Diagnostics.Process", "Start")
        | ("System.Diagnostics.ProcessStartInfo", ".ctor" | "set_FileName" | "set_Arguments") => {
            "runs_process"
        }
        (
            "System.Reflection.Assembly",
            "Load" | "LoadFrom" | "LoadFile" | "UnsafeLoadFrom" | "LoadWithPartialName",
        )
        | ("System.AppDomain", "Load" | "ExecuteAssembly" | "DefineDynamicAssembly")
        | ("System.Reflection.Emit.AssemblyBuilder", "DefineDynamicAssembly")
        | ("System.CodeDom.Compiler.CodeDomProvider", "CompileAssemblyFromSource")
        | ("Microsoft.CSharp.CSharpCodeProvider", ".ctor") => "loads_code",
        (
            "System.IO.File",
            "WriteAllBytes" | "WriteAllText" | "AppendAllText" | "WriteAllLines" | "AppendAllLines"
            | "Create" | "AppendText" | "CreateText" | "OpenWrite" | "Copy" | "Move",
        )
        | ("System.IO.FileStream", ".ctor")
        | ("System.IO.FileInfo", "OpenWrite" | "Create" | "AppendText" | "CreateText") => {
            "writes_files"
        }
        (
            "System.Net.WebClient"
            | "System.Net.HttpWebRequest"
            | "System.Net.Http.HttpClient"
            | "System.Net.Sockets.Socket"
            | "System.Net.Sockets.TcpClient"
            | "System.Net.Sockets.UdpClient",
            _,
        )
        | ("System.Net.WebRequest", "Create" | "CreateHttp" | "GetResponse" | "GetRequestStream") => {
            "network_egress"
        }
        (
            "System.Web.HttpResponse" | "System.Web.HttpResponseBase",
            "Write"
            | "BinaryWrite"
            | "WriteFile"
            | "TransmitFile"
            | "Redirect"
            | "RedirectPermanent"
            | "set_StatusCode"
            | "set_Status"
            | "set_Filter"
            | "Clear"
            | "ClearContent"
            | "End"
            | "get_Output"
            | "get_OutputStream"
            | "set_RedirectLocation"
            | "Flush",
        ) => "rewrites_response",
        _ => return None,
    })
}

/// Reflection members that take a type or assembly name.
fn takes_type_name(class: &str, member: &str) -> bool {
    matches!(
        (class, member),
        ("System.Type", "GetType")
            | (
                "System.Reflection.Assembly",
                "GetType" | "Load" | "CreateInstance"
            )
            | ("System.Activator", "CreateInstance")
            | (
                "System.AppDomain",
                "CreateInstance" | "CreateInstanceAndUnwrap"
            )
    )
}

/// True when a method signature blob (II.23.2.1) has a `string` first
/// parameter. Unreadable signatures answer false (counted as the
/// dangerous overload).
fn first_param_is_string(sig: &[u8]) -> bool {
    let Some(&conv) = sig.first() else {
        return false;
    };
    let mut at = 1;
    if conv & 0x10 != 0 {
        // Generic: parameter count of the method's own generic parameters.
        let Some((_, n)) = compressed_u32(sig, at) else {
            return false;
        };
        at += n;
    }
    let Some((count, n)) = compressed_u32(sig, at) else {
        return false;
    };
    at += n;
    if count == 0 {
        return false;
    }
    // Return type: a class or value type (token follows) or one byte.
    match sig.get(at) {
        Some(0x12 | 0x11) => match compressed_u32(sig, at + 1) {
            Some((_, n)) => at += 1 + n,
            None => return false,
        },
        Some(_) => at += 1,
        None => return false,
    }
    sig.get(at) == Some(&0x0E)
}

/// Accessors that take a header, cookie, field or variable name.
fn takes_request_name(class: &str, member: &str) -> bool {
    matches!(
        class,
        "System.Collections.Specialized.NameValueCollection"
            | "System.Web.HttpCookieCollection"
            | "System.Web.HttpRequest"
            | "System.Web.HttpRequestBase"
            | "System.Web.HttpCookie"
    ) && matches!(member, "get_Item" | "Get" | "GetValues")
}

/// Reflection members whose use, next to a reflected type name, stands for
/// what that type does.
fn is_reflection(class: &str) -> bool {
    class == "System.Type" || class == "System.Activator" || class.starts_with("System.Reflection.")
}

/// Capability of a type named at run time (its members are not known).
fn reflected_capability(type_name: &str) -> Option<&'static str> {
    let t = type_name.split(',').next().unwrap_or("").trim();
    Some(match t {
        "System.Diagnostics.Process" | "System.Diagnostics.ProcessStartInfo" => "runs_process",
        "System.Reflection.Assembly" | "System.AppDomain" => "loads_code",
        "System.Net.WebClient"
        | "System.Net.WebRequest"
        | "System.Net.Sockets.Socket"
        | "System.Net.Sockets.TcpClient"
        | "System.Net.Http.HttpClient" => "network_egress",
        "System.IO.File" | "System.IO.FileStream" | "System.IO.StreamWriter" => "writes_files",
        _ => return None,
    })
}

/// True for a string that names a credential field or variable.
pub fn is_credential_name(s: &str) -> bool {
    if s.len() > 64 || s.contains(' ') {
        return false;
    }
    // Case-insensitive substring test without allocating (called for
    // every string of every method of an assembly). "pass" covers
    // "passwd" and "AUTH_PASSWORD".
    let b = s.as_bytes();
    ["pass", "pwd", "secret", "credential"].iter().any(|k| {
        let k = k.as_bytes();
        b.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k))
    })
}

/// A name a request accessor could take: a header, cookie, field or
/// server variable.
fn is_request_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The `#US` string at `off`, lossy.
fn user_string(us: &Heap<'_>, off: u32) -> Option<String> {
    let d = us.data;
    let (len, n) = compressed_u32(d, off as usize)?;
    let from = off as usize + n;
    let body = d.get(from..from.checked_add(len as usize)?)?;
    let units = body
        .chunks_exact(2)
        .take(MAX_FOLDED)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

struct Flow<'m, 'a, 'e> {
    m: &'m mut Model<'a, 'e>,
    /// Declaring TypeDef (0-based) of each MethodDef (index = row - 1).
    owner: Vec<Option<usize>>,
    /// P/Invoke target of each MethodDef with an ImplMap: `dll!import`.
    pinvoke: HashMap<u32, String>,
    ext: HashMap<u32, Ext>,
    /// Constants stored into static fields by static constructors.
    field_consts: HashMap<u32, String>,
    summaries: HashMap<u32, Summary>,
    /// MethodDef rows whose body was looked at (index = row - 1): bodies
    /// are decoded when a search first reaches them.
    tried: Vec<bool>,
    /// Static constructors (index = row - 1).
    cctor: Vec<bool>,
    /// What each method does (from its summary), computed once.
    finds: HashMap<u32, Option<MethodFinds>>,
    /// Local `Stream` types whose writes go to the response (set once the
    /// searches are done).
    stream_types: HashSet<usize>,
    /// TypeDefs (0-based) whose static constructor loads a credential name.
    cctor_credentials: HashSet<usize>,
    /// Nested TypeDefs (0-based) of each TypeDef that has any.
    nested: HashMap<usize, Vec<usize>>,
    truncated: bool,
    instructions: usize,
}

impl<'a> Model<'a, '_> {
    /// Decodes the method bodies and fills [`DotnetInfo::behaviour`]. Runs
    /// after [`Model::components`]; does nothing for an assembly without
    /// components.
    pub(super) fn behaviour(&mut self, info: &mut DotnetInfo, image: &Image<'_>, us: &Heap<'_>) {
        if info.components.is_empty() {
            return;
        }
        let n = self.t.rows(METHOD_DEF) as usize;
        let mut owner = vec![None; n];
        for (i, &(first, last)) in self.method_ranges.iter().enumerate() {
            for p in first..last {
                if let Some(m) = self.method_at(p).filter(|&m| m >= 1 && m as usize <= n) {
                    owner[m as usize - 1].get_or_insert(i);
                }
            }
        }
        let mut pinvoke = HashMap::default();
        for r in 1..=self.t.rows(IMPL_MAP) {
            if let Some((METHOD_DEF, m)) = self.coded_quiet(col::ImplMap::MemberForwarded, r) {
                let import = self.s_quiet(col::ImplMap::ImportName, r).into_owned();
                let dll = match self.t.get(col::ImplMap::ImportScope, r) {
                    Some(s) if s >= 1 => self.s_quiet(col::ModuleRef::Name, s).into_owned(),
                    _ => String::new(),
                };
                let dll = dll.strip_suffix(".dll").unwrap_or(&dll).to_string();
                pinvoke.insert(m, format!("{dll}!{import}"));
            }
        }
        let mut nested: HashMap<usize, Vec<usize>> = HashMap::default();
        for (n, enc) in self.typedef_enclosing.iter().enumerate() {
            if let Some(t) = enc {
                nested.entry(*t).or_default().push(n);
            }
        }
        let cctor = (1..=n as u32)
            .map(|m| self.method_name_is(m, b".cctor"))
            .collect();
        let mut f = Flow {
            nested,
            m: self,
            owner,
            pinvoke,
            ext: HashMap::default(),
            field_consts: HashMap::default(),
            summaries: HashMap::default(),
            tried: vec![false; n],
            cctor,
            finds: HashMap::default(),
            stream_types: HashSet::default(),
            cctor_credentials: HashSet::default(),
            truncated: false,
            instructions: 0,
        };
        // Static constructors first, so their constants are known; every
        // other body when a search from an entry point first reaches it
        // (in a framework assembly most methods are never reached).
        for m in 1..=n as u32 {
            if f.cctor[m as usize - 1] {
                f.ensure(m, image, us);
            }
        }
        let b = f.search(info, image, us);
        info.behaviour = Some(b);
    }
}

impl Flow<'_, '_, '_> {
    fn method_label(&self, m: u32) -> String {
        let name = self.m.method_name(m);
        match self.owner.get(m as usize - 1).copied().flatten() {
            Some(t) => format!("{}::{name}", self.m.typedefs.full(t)),
            None => format!("::{name}"),
        }
    }

    fn external(&mut self, r: u32) -> &Ext {
        if !self.ext.contains_key(&r) {
            let mut class = String::new();
            self.m.member_parent_into(r, &mut class, true);
            let name = self.m.s_quiet(col::MemberRef::Name, r).into_owned();
            let mut cap = member_capability(&class, &name);
            // Assembly.Load(string) / AppDomain.Load(string) bind a name
            // from the GAC or the probing path; only the byte[] overloads
            // load code that came from somewhere else.
            if cap == Some("loads_code") && name == "Load" {
                let sig = self
                    .m
                    .blob
                    .blob(self.m.col(col::MemberRef::Signature, r))
                    .unwrap_or(&[]);
                if first_param_is_string(sig) {
                    cap = None;
                }
            }
            self.ext.insert(r, Ext { class, name, cap });
        }
        &self.ext[&r]
    }

    /// Local MethodDefs a MemberRef stands for (a member of a local type,
    /// matched by name).
    fn local_members(&mut self, r: u32, out: &mut Vec<u32>) {
        let Some((TYPE_DEF, t)) = self.m.coded_quiet(col::MemberRef::Class, r) else {
            return;
        };
        let name = self.m.s_quiet(col::MemberRef::Name, r);
        out.extend(
            self.methods_of(t as usize - 1)
                .into_iter()
                .filter(|&m| self.m.method_name(m) == name),
        );
    }

    fn methods_of(&self, t: usize) -> Vec<u32> {
        let Some(&(first, last)) = self.m.method_ranges.get(t) else {
            return Vec::new();
        };
        let n = self.m.t.rows(METHOD_DEF);
        (first..last)
            .filter_map(|p| self.m.method_at(p))
            .filter(|&m| m >= 1 && m <= n)
            .collect()
    }

    /// Resolves a method token to local methods (appended to `out`) or an
    /// external member (returned).
    fn callee(&mut self, tok: u32, out: &mut Vec<u32>) -> Option<u32> {
        let row = tok & 0x00FF_FFFF;
        match (tok >> 24) as usize {
            METHOD_DEF if row >= 1 && row <= self.m.t.rows(METHOD_DEF) => {
                out.push(row);
                None
            }
            MEMBER_REF if row >= 1 && row <= self.m.t.rows(MEMBER_REF) => {
                let before = out.len();
                self.local_members(row, out);
                (out.len() == before).then_some(row)
            }
            METHOD_SPEC if row >= 1 && row <= self.m.t.rows(METHOD_SPEC) => {
                match self.m.coded_quiet(col::MethodSpec::Method, row) {
                    Some((METHOD_DEF, r)) => {
                        out.push(r);
                        None
                    }
                    Some((MEMBER_REF, r)) => self.callee(((MEMBER_REF as u32) << 24) | r, out),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Decodes `m`'s body once, within the assembly's caps.
    fn ensure(&mut self, m: u32, image: &Image<'_>, us: &Heap<'_>) {
        let Some(slot) = (m as usize)
            .checked_sub(1)
            .and_then(|i| self.tried.get_mut(i))
        else {
            return;
        };
        if *slot {
            return;
        }
        *slot = true;
        if self.summaries.len() >= MAX_BODIES || self.instructions >= MAX_INSTRUCTIONS {
            self.truncated = true;
            return;
        }
        self.summarize(m, image, us);
    }

    fn summarize(&mut self, m: u32, image: &Image<'_>, us: &Heap<'_>) {
        let rva = self.m.col(col::MethodDef::Rva, m);
        let impl_flags = self.m.col(col::MethodDef::ImplFlags, m);
        // CodeTypeMask 0x3: 0 = IL; anything else has no IL body.
        if rva == 0 || impl_flags & 0x3 != 0 {
            return;
        }
        let Some(off) = image.offset(rva) else {
            let label = self.method_label(m);
            self.m.errs.push(format!(
                "method {label}: body RVA 0x{rva:x} maps to no file offset"
            ));
            return;
        };
        let data = image.bytes.get(off..).unwrap_or(&[]);
        let body = match il::body(data) {
            Ok(b) => b,
            Err(e) => {
                let label = self.method_label(m);
                self.m
                    .errs
                    .push(format!("method {label} (body at 0x{off:x}): {e}"));
                return;
            }
        };
        let is_cctor = self.cctor[m as usize - 1];
        let mut s = Summary::default();
        let mut pending: Vec<String> = Vec::new();
        let mut locals: HashMap<u16, String> = HashMap::default();
        let mut inst: HashMap<u32, String> = HashMap::default();
        let mut last_fn: Option<u32> = None;
        let mut it = il::Instructions::new(body.code);
        let push = |s: &mut Summary, v: &str| {
            if !s.credential_string && is_credential_name(v) {
                s.credential_string = true;
            }
        };
        for op in it.by_ref() {
            self.instructions += 1;
            match op {
                Op::LdStr(o) => {
                    if let Some(v) = user_string(us, o) {
                        push(&mut s, &v);
                        pending.push(v);
                    }
                }
                Op::LdsFld(t) => match self.field_consts.get(&t) {
                    Some(v) => pending.push(v.clone()),
                    None => pending.clear(),
                },
                Op::StsFld(t) => {
                    if let (true, Some(v)) =
                        (is_cctor && (t >> 24) as usize == FIELD, pending.pop())
                    {
                        self.field_consts.insert(t, v);
                    }
                }
                Op::LdFld(t) => match inst.get(&t) {
                    Some(v) => pending.push(v.clone()),
                    None => pending.clear(),
                },
                Op::StFld(t) => match pending.pop() {
                    Some(v) => {
                        inst.insert(t, v);
                    }
                    None => {
                        inst.remove(&t);
                    }
                },
                Op::LdLoc(i) => match locals.get(&i) {
                    Some(v) => pending.push(v.clone()),
                    None => pending.clear(),
                },
                Op::StLoc(i) => match pending.pop() {
                    Some(v) => {
                        locals.insert(i, v);
                    }
                    None => {
                        locals.remove(&i);
                    }
                },
                Op::LoadFn(t) => {
                    // A delegate to a method: local (an event handler, a
                    // lambda) or the framework's own (`Process.Start` as a
                    // `Func<>`): either can be invoked from here.
                    let before = s.local.len();
                    let ext = self.callee(t, &mut s.local);
                    last_fn = s.local.get(before).copied();
                    if let Some(r) = ext {
                        if !s.external.contains(&r) {
                            s.external.push(r);
                        }
                        self.external(r);
                    }
                }
                Op::Call(t) | Op::NewObj(t) => {
                    let before = s.local.len();
                    let ext = self.callee(t, &mut s.local);
                    if matches!(op, Op::NewObj(_)) {
                        for &l in &s.local[before..] {
                            if let Some(ty) = self.owner.get(l as usize - 1).copied().flatten() {
                                if !s.constructs.contains(&ty) {
                                    s.constructs.push(ty);
                                }
                            }
                        }
                    }
                    let Some(r) = ext else {
                        pending.clear();
                        continue;
                    };
                    if !s.external.contains(&r) {
                        s.external.push(r);
                    }
                    let e = self.external(r);
                    if e.class == "System.String" && e.name == "Concat" && !pending.is_empty() {
                        let mut joined: String = pending.concat();
                        crate::util::truncate_utf8(&mut joined, MAX_FOLDED);
                        pending.clear();
                        push(&mut s, &joined);
                        pending.push(joined);
                        continue;
                    }
                    if takes_request_name(&e.class, &e.name) {
                        if let Some(v) = pending.last() {
                            if s.request_names.len() < MAX_NAMES && !s.request_names.contains(v) {
                                s.request_names.push(v.clone());
                            }
                        }
                    }
                    if takes_type_name(&e.class, &e.name) {
                        if let Some(v) = pending.last() {
                            if s.reflected.len() < MAX_NAMES {
                                s.reflected.push((v.clone(), r));
                            }
                        }
                    }
                    if e.class == "System.Web.HttpApplication" && e.name.starts_with("add_") {
                        if let Some(h) = last_fn.take() {
                            let event = e.name["add_".len()..].to_string();
                            s.subscribed.push((event, h));
                        }
                    }
                    pending.clear();
                }
                Op::LdToken(_) | Op::Other => {}
            }
            if pending.len() > 16 {
                pending.remove(0);
            }
        }
        // Compiler-generated nested types named after this method: the
        // iterator or async state machine it starts (`<Name>d__3`,
        // `<Name>c__async0`), its closures.
        if let Some(nested) = self
            .owner
            .get(m as usize - 1)
            .copied()
            .flatten()
            .and_then(|t| self.nested.get(&t))
        {
            let name = self.m.method_name(m);
            let prefix = format!("<{name}>");
            for &n in nested {
                if self
                    .m
                    .typedefs
                    .simple
                    .get(n)
                    .is_some_and(|(_, sn)| sn.starts_with(&prefix))
                    && !s.constructs.contains(&n)
                {
                    s.constructs.push(n);
                }
            }
        }
        if let Some(e) = it.error {
            let label = self.method_label(m);
            self.m.errs.push(format!("method {label}: {e}"));
        }
        for &t in &s.constructs {
            s.local.extend(self.methods_of(t));
        }
        if s.local.len() > 1 {
            let mut seen = HashSet::default();
            s.local.retain(|&m| seen.insert(m));
        }
        self.summaries.insert(m, s);
    }

    /// The entry points, and what each reaches.
    fn search(&mut self, info: &DotnetInfo, image: &Image<'_>, us: &Heap<'_>) -> Behaviour {
        let mut b = Behaviour::default();
        let names: HashSet<&str> = info
            .components
            .iter()
            .map(|c| c.type_name.as_str())
            .collect();
        let mut full = String::new();
        let component_types: Vec<usize> = (0..self.m.typedefs.simple.len())
            .filter(|&i| {
                self.m.typedefs.full_into(i, &mut full);
                names.contains(full.as_str())
            })
            .collect();
        let mut entries: Vec<(u32, String)> = Vec::new();
        for &t in &component_types {
            for m in self.methods_of(t) {
                let why = match &*self.m.method_name(m) {
                    "Init" => "IHttpModule.Init",
                    "ProcessRequest" => "IHttpHandler.ProcessRequest",
                    "BeginProcessRequest" => "IHttpAsyncHandler.BeginProcessRequest",
                    "GetHandler" => "IHttpHandlerFactory.GetHandler",
                    ".cctor" => "static constructor",
                    _ => continue,
                };
                entries.push((m, why.to_string()));
            }
        }
        // Handlers subscribed from the entry points (and what they reach).
        let mut searched: HashMap<u32, Reached> = HashMap::default();
        let mut i = 0;
        while i < entries.len() && entries.len() < MAX_ENTRY_POINTS {
            let reach = self.reachable(entries[i].0, image, us);
            for &m in &reach.order {
                if let Some(s) = self.summaries.get(&m) {
                    for (event, h) in s.subscribed.clone() {
                        if !entries.iter().any(|(e, _)| *e == h) && entries.len() < MAX_ENTRY_POINTS
                        {
                            entries.push((h, format!("{event} handler")));
                        }
                    }
                }
            }
            searched.insert(entries[i].0, reach);
            i += 1;
        }
        if entries.len() >= MAX_ENTRY_POINTS {
            b.truncated = true;
        }
        // Types whose static constructor loads a credential name (static
        // arrays of field names are filled there).
        for (&m, sm) in &self.summaries {
            if self.cctor[m as usize - 1] && sm.credential_string {
                if let Some(t) = self.owner.get(m as usize - 1).copied().flatten() {
                    self.cctor_credentials.insert(t);
                }
            }
        }
        // A local Stream installed as Response.Filter (by any method the
        // searches decoded): its writes go to the response.
        let filter_installed = self
            .ext
            .values()
            .any(|e| e.name == "set_Filter" && e.class.starts_with("System.Web.HttpResponse"));
        if filter_installed {
            self.stream_types = (0..self.m.extends_raw.len())
                .filter(|&t| {
                    self.m.extends_raw[t].is_some_and(|(tt, r)| {
                        let mut buf = String::new();
                        self.m.type_name_into(tt, r, &mut buf);
                        buf == "System.IO.Stream"
                    })
                })
                .collect();
        }
        let mut request_names: Vec<String> = Vec::new();
        let mut reflection_names: Vec<String> = Vec::new();
        for (m, why) in entries {
            let reach = match searched.remove(&m) {
                Some(r) => r,
                None => self.reachable(m, image, us),
            };
            for &at in &reach.order {
                if !self.finds.contains_key(&at) {
                    let f = self.method_finds(at);
                    self.finds.insert(at, f);
                }
            }
            let mut ep = EntryPoint {
                method: self.method_label(m),
                why,
                reaches: Vec::new(),
            };
            let mut found: Vec<(&'static str, &str, u32)> = Vec::new();
            let mut credentials: Vec<(&str, u32)> = Vec::new();
            for &at in &reach.order {
                let Some(Some(f)) = self.finds.get(&at) else {
                    continue;
                };
                for (cap, via) in &f.found {
                    if *cap == "reads_credentials" {
                        credentials.push((via, at));
                    } else {
                        found.push((cap, via, at));
                    }
                }
                for n in &f.reflection {
                    if reflection_names.len() < MAX_NAMES && !reflection_names.contains(n) {
                        reflection_names.push(n.clone());
                    }
                }
                for n in &f.names {
                    if request_names.len() < MAX_NAMES && !request_names.contains(n) {
                        request_names.push(n.clone());
                    }
                }
            }
            found.extend(
                credentials
                    .into_iter()
                    .map(|(v, at)| ("reads_credentials", v, at)),
            );
            let mut seen: HashSet<(&str, &str)> = HashSet::default();
            for (cap, via, at) in found {
                if ep.reaches.len() >= MAX_REACHES {
                    break;
                }
                if !seen.insert((cap, via)) {
                    continue;
                }
                let labels = self.path_labels(&reach.path(at));
                add_reach(&mut ep, cap, via.to_string(), labels);
            }
            if ep.reaches.len() >= MAX_REACHES {
                b.truncated = true;
            }
            for r in &ep.reaches {
                let list = b.reaches.entry(r.capability).or_default();
                if !list.contains(&r.via) && list.len() < MAX_REACHES {
                    list.push(r.via.clone());
                }
            }
            b.entry_points.push(ep);
        }
        // Injection needs both halves: writing into a process and running there.
        if b.reaches
            .get("pinvoke_injection")
            .is_some_and(|l| !crate::pe::capabilities::injection_complete(l))
        {
            b.reaches.remove("pinvoke_injection");
            for ep in &mut b.entry_points {
                ep.reaches.retain(|r| r.capability != "pinvoke_injection");
            }
        }
        b.request_names = request_names;
        b.reflection_names = reflection_names;
        b.methods = self.summaries.len();
        b.truncated |= self.truncated;
        b
    }

    /// What method `at` does, independent of the entry point reaching it;
    /// `None` when it does nothing the search reports.
    fn method_finds(&self, at: u32) -> Option<MethodFinds> {
        let owner = self.owner.get(at as usize - 1).copied().flatten();
        let mut f = MethodFinds::default();
        if let Some(s) = self.summaries.get(&at) {
            let credential_strings =
                s.credential_string || owner.is_some_and(|t| self.cctor_credentials.contains(&t));
            let in_filter = owner.is_some_and(|t| self.stream_types.contains(&t));
            let mut credentials: Vec<String> = Vec::new();
            for r in &s.external {
                let Some(e) = self.ext.get(r) else { continue };
                let cap = match e.cap {
                    Some(c) => c,
                    None if in_filter
                        && e.class == "System.IO.Stream"
                        && matches!(e.name.as_str(), "Write" | "WriteByte" | "BeginWrite") =>
                    {
                        "rewrites_response"
                    }
                    None => continue,
                };
                let via = format!("{}::{}", e.class, e.name);
                let cred_source = [
                    "get_Form",
                    "get_ServerVariables",
                    "get_Params",
                    "get_Headers",
                    "get_InputStream",
                    "get_Cookies",
                    "get_Item",
                ]
                .iter()
                .any(|n| via.ends_with(n));
                if cap == "reads_request_input" && credential_strings && cred_source {
                    credentials.push(via.clone());
                }
                f.found.push((cap, via));
            }
            for (name, taker) in &s.reflected {
                f.reflection.push(name.clone());
                let Some(cap) = reflected_capability(name) else {
                    continue;
                };
                // The reflection calls in this method carry out what the
                // named type does.
                let vias = std::iter::once(*taker)
                    .chain(s.external.iter().copied().filter(|r| *r != *taker));
                for r in vias {
                    let Some(e) = self.ext.get(&r) else { continue };
                    if is_reflection(&e.class) {
                        f.found.push((cap, format!("{}::{}", e.class, e.name)));
                    }
                }
            }
            f.names = s
                .request_names
                .iter()
                .filter(|s| is_request_name(s))
                .cloned()
                .collect();
            f.found.extend(
                credentials
                    .into_iter()
                    .map(|via| ("reads_credentials", via)),
            );
        }
        if let Some(p) = self.pinvoke.get(&at) {
            let import = p.split('!').nth(1).unwrap_or("");
            if let Some(cap) = crate::pe::capabilities::api_capability(import) {
                f.found.push((cap, p.clone()));
            }
        }
        (!f.found.is_empty() || !f.reflection.is_empty() || !f.names.is_empty()).then_some(f)
    }

    fn path_labels(&self, path: &[u32]) -> Vec<String> {
        path.iter().map(|&m| self.method_label(m)).collect()
    }

    /// Every method reachable from `from` (breadth first, `from` first)
    /// and the BFS parents, from which [`Reached::path`] rebuilds the
    /// shortest path to any of them.
    fn reachable(&mut self, from: u32, image: &Image<'_>, us: &Heap<'_>) -> Reached {
        let n = self.owner.len() + 1;
        // parent[m]: the BFS parent of row m (u32::MAX for the start, 0
        // for rows not reached); method rows are dense.
        let mut parent: Vec<u32> = vec![0; n];
        let mut order: Vec<u32> = vec![from];
        if let Some(p) = parent.get_mut(from as usize) {
            *p = u32::MAX;
        }
        let mut head = 0;
        while head < order.len() {
            let m = order[head];
            head += 1;
            self.ensure(m, image, us);
            let Some(s) = self.summaries.get(&m) else {
                continue;
            };
            for &c in &s.local {
                if order.len() >= MAX_BODIES {
                    break;
                }
                if let Some(slot) = parent.get_mut(c as usize) {
                    if *slot == 0 {
                        *slot = m;
                        order.push(c);
                    }
                }
            }
        }
        Reached { order, parent }
    }
}

/// What one breadth-first search reached.
struct Reached {
    /// Methods in the order reached.
    order: Vec<u32>,
    /// BFS parent of each method row (`u32::MAX` for the start, 0 for rows
    /// not reached).
    parent: Vec<u32>,
}

impl Reached {
    /// The methods from the search's start to `m`.
    fn path(&self, m: u32) -> Vec<u32> {
        let mut path = vec![m];
        let mut at = m;
        while let Some(&p) = self.parent.get(at as usize) {
            if p == 0 || p == u32::MAX || path.len() > 64 {
                break;
            }
            path.push(p);
            at = p;
        }
        path.reverse();
        path
    }
}

/// What one method does, independent of the entry point reaching it.
#[derive(Default)]
struct MethodFinds {
    /// (capability, member or `dll!import`), credentials last.
    found: Vec<(&'static str, String)>,
    /// Type names passed to reflection.
    reflection: Vec<String>,
    /// Names passed to request accessors.
    names: Vec<String>,
}

fn add_reach(ep: &mut EntryPoint, cap: &'static str, via: String, path: Vec<String>) {
    if ep.reaches.len() >= MAX_REACHES
        || ep
            .reaches
            .iter()
            .any(|r| r.capability == cap && r.via == via)
    {
        return;
    }
    ep.reaches.push(Reach {
        capability: cap,
        via,
        path,
    });
}
