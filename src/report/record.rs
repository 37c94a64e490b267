//! The output contract: the records iisweep writes (one per file, one
//! summary), as types this stage owns. Facts are mapped into them field by
//! field, so renaming a parser's field cannot change the output; the JSON
//! Schema in `docs/schema/` describes them and the tests validate every
//! sample's output against it. Field names follow Elastic Common Schema
//! where ECS has the fact (`file.*`, `event.*`, `threat.*`) and live under
//! `iisweep.*` otherwise. README.md documents every field.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::authenticode::{CertInfo, CodeSignature, SignatureInfo};
use crate::dotnet::DotnetInfo;
use crate::model::{Analyzed, FactValue, FileReport, Outcome, Role, RuleHit, Verdict};
use crate::pe::{ExportTable, ImportedDll, PeFacts, RoleExport, Span, VersionInfo};
use crate::summary::Summary;
use crate::util::path::{extension, hex_if_not_utf8};
use crate::util::rfc3339;

/// Version of the record layout. It changes only with an incompatible
/// change: a field removed or renamed, a type or meaning changed. New
/// fields and new record kinds keep it (see README "Output contract").
pub const SCHEMA_VERSION: u32 = 1;

/// One file as a record.
#[derive(Serialize)]
pub struct FileRecord<'a> {
    /// Always `"file"`.
    pub record: &'static str,
    /// ECS `file.*`.
    pub file: EcsFile<'a>,
    /// ECS `event.*` (risk score of analysed files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EcsEvent>,
    /// ECS `threat.*` (ATT&CK techniques of the matching rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat: Option<EcsThreat>,
    /// iisweep's own fields.
    pub iisweep: IisweepFile<'a>,
}

/// ECS `file` fieldset.
#[derive(Serialize)]
pub struct EcsFile<'a> {
    /// `file.path` (lossy UTF-8; see `iisweep.path_hex`).
    pub path: Cow<'a, str>,
    /// `file.name`.
    pub name: Cow<'a, str>,
    /// `file.directory`.
    pub directory: Cow<'a, str>,
    /// `file.extension` (no dot, lowercase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// `file.size`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `file.mtime` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtime: Option<String>,
    /// `file.hash`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<EcsHash<'a>>,
    /// `file.pe`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pe: Option<EcsPe<'a>>,
    /// `file.code_signature`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_signature: Option<EcsCodeSignature<'a>>,
}

/// ECS `event`.
#[derive(Serialize)]
pub struct EcsEvent {
    /// `event.risk_score`: the verdict score, 0-100.
    pub risk_score: f64,
}

/// ECS `threat`.
#[derive(Serialize)]
pub struct EcsThreat {
    /// `threat.framework`.
    pub framework: &'static str,
    /// `threat.technique`.
    pub technique: EcsTechnique,
}

/// ECS `threat.technique`.
#[derive(Serialize)]
pub struct EcsTechnique {
    /// `threat.technique.id`: sorted, unique.
    pub id: Vec<String>,
}

/// ECS `file.hash`.
#[derive(Serialize)]
pub struct EcsHash<'a> {
    /// `file.hash.sha256`.
    pub sha256: &'a str,
}

/// ECS `file.pe`.
#[derive(Serialize)]
pub struct EcsPe<'a> {
    /// `file.pe.architecture` (`x64`, `x86`, `arm64`, ...).
    pub architecture: String,
    /// `file.pe.imphash`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imphash: Option<&'a str>,
    /// `file.pe.original_file_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_file_name: Option<&'a str>,
    /// `file.pe.company`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<&'a str>,
    /// `file.pe.description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// `file.pe.product`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<&'a str>,
    /// `file.pe.file_version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_version: Option<&'a str>,
}

/// ECS `file.code_signature`.
#[derive(Serialize)]
pub struct EcsCodeSignature<'a> {
    /// `file.code_signature.exists`: a certificate table is present.
    pub exists: bool,
    /// `file.code_signature.subject_name`: the primary signer's common name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<&'a str>,
    /// `file.code_signature.valid`: the primary signature verifies against
    /// the file (image digest, message digest and signer signature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    /// `file.code_signature.trusted`: valid and the chain reaches a root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
    /// `file.code_signature.status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// `file.code_signature.digest_algorithm` of the primary signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_algorithm: Option<&'a str>,
    /// `file.code_signature.timestamp` of the primary signature (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<&'a str>,
    /// `file.code_signature.thumbprint_sha256` of the primary signer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbprint_sha256: Option<&'a str>,
}

/// `iisweep` fieldset of a file record.
#[derive(Serialize)]
pub struct IisweepFile<'a> {
    /// `analyzed`, `not_pe`, `skipped` or `error`.
    pub status: &'static str,
    /// Complete IIS roles.
    pub roles: Vec<&'static str>,
    /// Roles with only part of the export set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete_roles: Vec<&'static str>,
    /// Roles complete only with stdcall-decorated names (would not load).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decorated_roles: Vec<&'static str>,
    /// The exports behind the role decisions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub role_exports: Vec<RoleExportRecord<'a>>,
    /// Verdict level and score (analysed files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictRecord>,
    /// Matching rules, strongest first: the reasons of the verdict.
    #[serde(skip_serializing_if = "Part::is_empty_list")]
    pub reasons: Part<'a, Vec<ReasonRecord<'a>>>,
    /// Why the rules could not run on this file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_error: Option<&'a str>,
    /// The file parsed as PE.
    pub is_pe: bool,
    /// The file has a CLR runtime header.
    pub is_dotnet: bool,
    /// Full PE facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pe: Option<Part<'a, PeRecord<'a>>>,
    /// .NET metadata facts (identity, components, evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dotnet: Option<Part<'a, DotnetRecord<'a>>>,
    /// Authenticode facts (signatures, verdicts, `microsoft_signed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_signature: Option<CodeSignatureRecord<'a>>,
    /// Why an `MZ` file is not a PE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_pe_reason: Option<&'a str>,
    /// Skip reason (`too_large`, `special_file`, `symlink`, `excluded`, `pseudo_fs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<&'static str>,
    /// Error or skip detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    /// The exact path bytes in hex, present only when the path is not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    /// For an archive entry: the containers, outermost first.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub containers: &'a [String],
    /// The first path with the same content, whose analysis this record
    /// shares (the dedupe cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<Cow<'a, str>>,
    /// The server registrations that load this file (the server view).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registrations: Vec<FileRegistrationRecord<'a>>,
    /// Install traces in a script or shell history, in line order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<TraceRecord<'a>>,
}

/// An install trace (`iisweep.traces[]`).
#[derive(Serialize)]
pub struct TraceRecord<'a> {
    /// What the line does (`appcmd_install_module`, `logging_disabled`, ...).
    pub kind: &'a str,
    /// The trace rule.
    pub rule: &'a str,
    /// The rule's score.
    pub score: u8,
    /// Level of the score.
    pub level: &'static str,
    /// The rule's description.
    pub description: &'a str,
    /// ATT&CK technique ids.
    pub attack: &'a [String],
    /// 1-based line.
    pub line: u32,
    /// The line's text (cut).
    pub text: &'a str,
}

/// A registration that loads the file (`iisweep.registrations[]`).
#[derive(Serialize)]
pub struct FileRegistrationRecord<'a> {
    /// Registration kind (`global_module`, `module`, `isapi_filter`, ...).
    pub kind: &'static str,
    /// Registered name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// The configuration file that holds it (host path).
    pub config: Cow<'a, str>,
    /// Its line there.
    pub line: u32,
    /// URL path it applies to (`""`: the whole server).
    pub scope: &'a str,
    /// In effect, where that applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// One export behind a role decision.
#[derive(Serialize)]
pub struct RoleExportRecord<'a> {
    /// The role it belongs to.
    pub role: &'static str,
    /// The name as exported (possibly decorated).
    pub name: &'a str,
    /// Its ordinal.
    pub ordinal: u32,
    /// Forwarder target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarder: Option<&'a str>,
    /// The name is stdcall-decorated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decorated: bool,
}

/// `iisweep.verdict`.
#[derive(Serialize)]
pub struct VerdictRecord {
    /// `none`, `info`, `notice`, `warning` or `alert`.
    pub level: &'static str,
    /// Score 0-100.
    pub score: u8,
}

/// One matching rule in `iisweep.reasons`.
#[derive(Serialize)]
pub struct ReasonRecord<'a> {
    /// Rule identifier.
    pub rule: &'a str,
    /// Namespace.
    pub namespace: &'a str,
    /// `identification`, `heuristic`, `family` or `user`.
    pub layer: &'a str,
    /// Description.
    pub description: &'a str,
    /// Score 0-100.
    pub score: u8,
    /// Family, for family rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<&'a str>,
    /// ATT&CK technique ids.
    pub attack: &'a [String],
    /// Reference.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub reference: &'a str,
    /// Pattern matches.
    pub evidence: Vec<EvidenceRecord<'a>>,
    /// Values of the globals the rule mentions, by name.
    pub facts: BTreeMap<&'static str, serde_json::Value>,
}

/// One pattern match of a reason.
#[derive(Serialize)]
pub struct EvidenceRecord<'a> {
    /// Pattern identifier.
    pub pattern: &'a str,
    /// File offset.
    pub offset: usize,
    /// The matched bytes, escaped and cut.
    pub excerpt: &'a str,
}

/// `iisweep.pe`.
#[derive(Serialize)]
pub struct PeRecord<'a> {
    /// Machine name (`x86`, `x86_64`, `arm64`, ...) or the hex value.
    pub machine: String,
    /// `PE32`, `PE32+`, `none` or `unknown`.
    pub format: &'static str,
    /// `IMAGE_FILE_DLL` is set.
    pub is_dll: bool,
    /// Subsystem name.
    pub subsystem: String,
    /// COFF `TimeDateStamp`.
    pub timestamp: u32,
    /// The time stamp as RFC 3339 UTC.
    pub timestamp_utc: String,
    /// `AddressOfEntryPoint` (RVA).
    pub entry_point: u32,
    /// `ImageBase`.
    pub image_base: u64,
    /// Section table.
    pub sections: Vec<SectionRecord<'a>>,
    /// Regular imports.
    pub imports: Vec<ImportRecord<'a>>,
    /// Delay-load imports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub delay_imports: Vec<ImportRecord<'a>>,
    /// Export table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exports: Option<ExportsRecord<'a>>,
    /// pefile-compatible import hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imphash: Option<&'a str>,
    /// CodeView PDB path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdb_path: Option<&'a str>,
    /// Version resource strings.
    #[serde(skip_serializing_if = "VersionRecord::is_empty")]
    pub version_info: VersionRecord<'a>,
    /// Bytes after the last section's raw data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<SpanRecord>,
    /// The Authenticode certificate table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_table: Option<SpanRecord>,
    /// The CLR runtime header directory `[rva, size]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clr_header: Option<(u32, u32)>,
    /// What the imports can do (components only): capability ->
    /// `DLL!Function`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub capabilities: BTreeMap<&'static str, &'a [String]>,
    /// Header, server-variable and credential field names among a native
    /// component's strings.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub request_names: &'a [String],
    /// Structural problems met while reading.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub errors: &'a [String],
}

/// One section.
#[derive(Serialize)]
pub struct SectionRecord<'a> {
    /// Name.
    pub name: &'a str,
    /// `VirtualAddress`.
    pub virtual_address: u32,
    /// `VirtualSize`.
    pub virtual_size: u32,
    /// `PointerToRawData`.
    pub raw_offset: u32,
    /// `SizeOfRawData`.
    pub raw_size: u32,
    /// `Characteristics`.
    pub characteristics: u32,
    /// `r`, `w`, `x` flags.
    pub flags: String,
    /// Shannon entropy of the raw data (components, or `--entropy-all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entropy: Option<f64>,
}

/// The functions imported from one DLL.
#[derive(Serialize)]
pub struct ImportRecord<'a> {
    /// DLL name as written in the file.
    pub dll: &'a str,
    /// Functions in table order.
    pub functions: Vec<ImportedFunctionRecord<'a>>,
}

/// One imported function.
#[derive(Serialize)]
pub struct ImportedFunctionRecord<'a> {
    /// Name, when imported by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// Ordinal, when imported by ordinal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<u16>,
}

/// `iisweep.pe.exports`.
#[derive(Serialize)]
pub struct ExportsRecord<'a> {
    /// The DLL name recorded in the export directory (null when unreadable).
    pub dll_name: Option<&'a str>,
    /// `OrdinalBase`.
    pub ordinal_base: u32,
    /// Exports sorted by ordinal, then name.
    pub exports: Vec<ExportRecord<'a>>,
}

/// One export.
#[derive(Serialize)]
pub struct ExportRecord<'a> {
    /// Biased ordinal.
    pub ordinal: u32,
    /// Name; absent for an ordinal-only export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// RVA from the Export Address Table.
    pub rva: u32,
    /// Forwarder target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarder: Option<&'a str>,
}

/// `iisweep.pe.version_info`.
#[derive(Serialize)]
pub struct VersionRecord<'a> {
    /// `OriginalFilename`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_file_name: Option<&'a str>,
    /// `InternalName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_name: Option<&'a str>,
    /// `CompanyName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<&'a str>,
    /// `FileDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// `ProductName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<&'a str>,
    /// `FileVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_version: Option<&'a str>,
    /// `ProductVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_version: Option<&'a str>,
    /// `LegalCopyright`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_copyright: Option<&'a str>,
}

impl VersionRecord<'_> {
    fn is_empty(&self) -> bool {
        [
            self.original_file_name,
            self.internal_name,
            self.company,
            self.description,
            self.product,
            self.file_version,
            self.product_version,
            self.legal_copyright,
        ]
        .iter()
        .all(Option::is_none)
    }
}

/// A byte range of the file.
#[derive(Serialize)]
pub struct SpanRecord {
    /// File offset.
    pub offset: u64,
    /// Length in bytes.
    pub size: u64,
}

/// `iisweep.dotnet`.
#[derive(Serialize)]
pub struct DotnetRecord<'a> {
    /// An `IMAGE_COR20_HEADER` was read.
    pub has_cor20_header: bool,
    /// Metadata root version string (null when unread).
    pub runtime_version: Option<&'a str>,
    /// `MajorRuntimeVersion`.
    pub major_runtime_version: u16,
    /// `MinorRuntimeVersion`.
    pub minor_runtime_version: u16,
    /// `IMAGE_COR20_HEADER.Flags`, decoded.
    pub flags: ClrFlagsRecord,
    /// Not IL-only.
    pub mixed_mode: bool,
    /// The `Assembly` row (null when absent).
    pub assembly: Option<AssemblyRecord<'a>>,
    /// `Module` name (null when absent).
    pub module_name: Option<&'a str>,
    /// `Module.Mvid` (null when absent).
    pub mvid: Option<&'a str>,
    /// `AssemblyRef` rows.
    pub assembly_refs: Vec<AssemblyRefRecord<'a>>,
    /// `ModuleRef` names.
    pub module_refs: &'a [String],
    /// IIS modules and handlers defined here.
    pub components: Vec<ComponentRecord<'a>>,
    /// `System.Web.HttpApplication::add_*` members referenced.
    pub http_events: &'a [String],
    /// Capability name -> `Type::Member` (or `dll!import`) evidence.
    pub capabilities: BTreeMap<&'static str, &'a [String]>,
    /// `ImplMap` rows.
    pub pinvokes: Vec<PInvokeRecord<'a>>,
    /// Non-empty strings in the `#US` heap.
    pub user_string_count: usize,
    /// User strings that look like evidence.
    pub interesting_strings: Vec<InterestingStringRecord<'a>>,
    /// `ManifestResource` rows.
    pub resources: Vec<ResourceRecord<'a>>,
    /// What the components' request handlers reach (absent without
    /// components).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<BehaviourRecord<'a>>,
    /// Structural problems.
    pub errors: &'a [String],
}

/// `iisweep.dotnet.behaviour`: the IL call graph's view of the request
/// handlers.
#[derive(Serialize)]
pub struct BehaviourRecord<'a> {
    /// Method bodies decoded: static constructors and the methods reached from entry points.
    pub methods: usize,
    /// The methods IIS or ASP.NET calls, and what each reaches.
    pub entry_points: Vec<EntryPointRecord<'a>>,
    /// Capability -> members through which some entry point reaches it.
    pub reaches: BTreeMap<&'static str, &'a [String]>,
    /// Names loaded on a path that reads request input (headers, cookies,
    /// fields, server variables).
    pub request_names: &'a [String],
    /// Type names passed to reflection, constant concatenations folded.
    pub reflection_names: &'a [String],
    /// A cap was hit; more existed.
    pub truncated: bool,
}

/// One entry point.
#[derive(Serialize)]
pub struct EntryPointRecord<'a> {
    /// `Ns.Type::Method`.
    pub method: &'a str,
    /// Why IIS or ASP.NET calls it.
    pub why: &'a str,
    /// What it reaches.
    pub reaches: Vec<ReachRecord<'a>>,
}

/// One capability reached, with its path.
#[derive(Serialize)]
pub struct ReachRecord<'a> {
    /// The capability.
    pub capability: &'static str,
    /// The member that does it.
    pub via: &'a str,
    /// Methods from the entry point to the caller of `via`.
    pub path: &'a [String],
}

fn behaviour_record(b: &crate::dotnet::Behaviour) -> BehaviourRecord<'_> {
    BehaviourRecord {
        methods: b.methods,
        entry_points: b
            .entry_points
            .iter()
            .map(|e| EntryPointRecord {
                method: &e.method,
                why: &e.why,
                reaches: e
                    .reaches
                    .iter()
                    .map(|r| ReachRecord {
                        capability: r.capability,
                        via: &r.via,
                        path: &r.path,
                    })
                    .collect(),
            })
            .collect(),
        reaches: b.reaches.iter().map(|(k, v)| (*k, v.as_slice())).collect(),
        request_names: &b.request_names,
        reflection_names: &b.reflection_names,
        truncated: b.truncated,
    }
}

/// `IMAGE_COR20_HEADER.Flags`.
#[derive(Serialize)]
pub struct ClrFlagsRecord {
    /// Raw bits.
    pub raw: u32,
    /// `COMIMAGE_FLAGS_ILONLY`.
    pub il_only: bool,
    /// `COMIMAGE_FLAGS_32BITREQUIRED`.
    pub requires_32bit: bool,
    /// `COMIMAGE_FLAGS_32BITPREFERRED`.
    pub prefers_32bit: bool,
    /// `COMIMAGE_FLAGS_STRONGNAMESIGNED`.
    pub strong_name_signed: bool,
    /// `COMIMAGE_FLAGS_NATIVE_ENTRYPOINT`.
    pub native_entry_point: bool,
}

/// The `Assembly` row.
#[derive(Serialize)]
pub struct AssemblyRecord<'a> {
    /// Simple name.
    pub name: &'a str,
    /// `Major.Minor.Build.Revision`.
    pub version: &'a str,
    /// Culture; empty for neutral.
    pub culture: &'a str,
    /// `AssemblyFlags`.
    pub flags: u32,
    /// `HashAlgId`.
    pub hash_alg_id: u32,
    /// Length of the public key blob.
    pub public_key_len: usize,
    /// Public key token (null when not strong-named).
    pub public_key_token: Option<&'a str>,
}

/// One `AssemblyRef` row.
#[derive(Serialize)]
pub struct AssemblyRefRecord<'a> {
    /// Simple name.
    pub name: &'a str,
    /// `Major.Minor.Build.Revision`.
    pub version: &'a str,
    /// Culture.
    pub culture: &'a str,
    /// `AssemblyFlags`.
    pub flags: u32,
    /// Hex of `PublicKeyOrToken`.
    pub public_key_or_token: &'a str,
    /// The token (null when none).
    pub public_key_token: Option<&'a str>,
}

/// A type implementing an IIS interface.
#[derive(Serialize)]
pub struct ComponentRecord<'a> {
    /// Type name in web.config form.
    pub type_name: &'a str,
    /// `module`, `handler`, `async_handler`, `handler_factory`.
    pub kinds: &'a [&'static str],
    /// `managed_module`, `managed_handler`.
    pub roles: Vec<&'static str>,
    /// Full names from this type up to the one declaring the interface.
    pub base_chain: &'a [String],
}

/// One `ImplMap` row.
#[derive(Serialize)]
pub struct PInvokeRecord<'a> {
    /// `ModuleRef` name.
    pub module: &'a str,
    /// `ImportName`.
    pub import_name: &'a str,
    /// The forwarding managed member.
    pub member: &'a str,
    /// The DLL is a Windows system DLL.
    pub system_dll: bool,
}

/// A user string that looks like evidence.
#[derive(Serialize)]
pub struct InterestingStringRecord<'a> {
    /// The string (truncated).
    pub value: &'a str,
    /// Why it was kept.
    pub reasons: &'a [&'static str],
}

/// One `ManifestResource` row.
#[derive(Serialize)]
pub struct ResourceRecord<'a> {
    /// Name.
    pub name: &'a str,
    /// `ManifestResourceAttributes`.
    pub flags: u32,
    /// Offset into the CLR resources directory.
    pub offset: u32,
    /// `embedded`, `file:<name>`, `assembly:<name>` or `exported_type`.
    pub location: &'a str,
    /// Size of an embedded resource (null otherwise).
    pub size: Option<u32>,
}

/// `iisweep.code_signature`.
#[derive(Serialize)]
pub struct CodeSignatureRecord<'a> {
    /// A signature could be parsed.
    pub signed: bool,
    /// The primary image digest matches.
    pub digest_valid: bool,
    /// The primary signer signature and message digest verify.
    pub signature_valid: bool,
    /// Valid and chained to a trusted root.
    pub chain_trusted: bool,
    /// That root's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<&'a str>,
    /// The primary signer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<SignerRecord<'a>>,
    /// Some valid signature chains to a Microsoft root.
    pub microsoft_signed: bool,
    /// Timestamp of the primary signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<&'a str>,
    /// Every signature, primary first.
    pub signatures: Vec<SignatureRecord<'a>>,
    /// Problems with the certificate table.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub errors: &'a [String],
}

/// `iisweep.code_signature.signer`.
#[derive(Serialize)]
pub struct SignerRecord<'a> {
    /// Subject CN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<&'a str>,
    /// Subject O.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<&'a str>,
}

/// One signature.
#[derive(Serialize)]
pub struct SignatureRecord<'a> {
    /// 0 for the primary signature.
    pub depth: usize,
    /// Image digest algorithm.
    pub digest_algorithm: &'a str,
    /// Image digest in the signature.
    pub signed_digest: &'a str,
    /// Image digest computed from the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed_digest: Option<&'a str>,
    /// The digests agree.
    pub digest_valid: bool,
    /// `messageDigest` matches.
    pub message_digest_valid: bool,
    /// The signer's signature verifies.
    pub signer_signature_valid: bool,
    /// The signer certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<CertRecord<'a>>,
    /// Subjects from the signer up.
    pub chain: &'a [String],
    /// The chain reached a root.
    pub chain_trusted: bool,
    /// That root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<&'a str>,
    /// That root is Microsoft's.
    pub microsoft_root: bool,
    /// Countersignature time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<&'a str>,
    /// `rfc3161` or `pkcs9`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_kind: Option<&'static str>,
    /// Certificates in the bag.
    pub certificates: Vec<CertRecord<'a>>,
    /// Problems found in this signature.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub errors: &'a [String],
}

/// One certificate.
#[derive(Serialize)]
pub struct CertRecord<'a> {
    /// Subject (RFC 4514).
    pub subject: &'a str,
    /// Issuer (RFC 4514).
    pub issuer: &'a str,
    /// Serial number, hex.
    pub serial_number: &'a str,
    /// Start of validity.
    pub not_before: &'a str,
    /// End of validity.
    pub not_after: &'a str,
    /// SHA-1 thumbprint.
    pub thumbprint_sha1: &'a str,
    /// SHA-256 thumbprint.
    pub thumbprint_sha256: &'a str,
}

/// Build the record of one report.
pub fn file_record(r: &FileReport) -> FileRecord<'_> {
    file_record_sharing(r, None)
}

/// A part of a record that depends on the analysis alone: built for this
/// record, or the same part already serialized for another record that
/// shares the analysis (the NDJSON printer's [`SharedParts`]). Both write
/// the same bytes.
pub enum Part<'a, T> {
    /// Built for this record.
    Built(T),
    /// Serialized before (by `safe_json`, so already escaped).
    Raw(&'a serde_json::value::RawValue),
}

impl<'a, T> Part<'a, T> {
    /// The part serialized before when there is one, else `build()`.
    fn raw_or(raw: Option<&'a serde_json::value::RawValue>, build: impl FnOnce() -> T) -> Self {
        match raw {
            Some(r) => Part::Raw(r),
            None => Part::Built(build()),
        }
    }
}

impl<T> Part<'_, Vec<T>> {
    fn is_empty_list(&self) -> bool {
        match self {
            Part::Built(v) => v.is_empty(),
            Part::Raw(_) => false,
        }
    }
}

impl<T: Serialize> Serialize for Part<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Part::Built(t) => t.serialize(s),
            Part::Raw(r) => r.serialize(s),
        }
    }
}

/// The largest parts of an analysed file's record (`iisweep.pe`,
/// `iisweep.dotnet`, `iisweep.reasons`: most of its bytes), serialized
/// once, for the records of other paths with the same analysis (the
/// dedupe cache shares it).
pub struct SharedParts {
    pe: Option<Box<serde_json::value::RawValue>>,
    dotnet: Option<Box<serde_json::value::RawValue>>,
    reasons: Option<Box<serde_json::value::RawValue>>,
}

impl SharedParts {
    /// Serialize the shared parts of `a`.
    pub fn of(a: &Analyzed) -> serde_json::Result<SharedParts> {
        use super::safe_json::to_raw_value as raw;
        let hits: Vec<ReasonRecord<'_>> = a.judgement.hits.iter().map(reason_record).collect();
        Ok(SharedParts {
            pe: a
                .facts
                .pe
                .as_ref()
                .map(|pe| raw(&pe_record(pe)))
                .transpose()?,
            dotnet: a
                .facts
                .dotnet
                .as_ref()
                .map(|d| raw(&dotnet_record(d)))
                .transpose()?,
            reasons: (!hits.is_empty()).then(|| raw(&hits)).transpose()?,
        })
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        [&self.pe, &self.dotnet, &self.reasons]
            .iter()
            .map(|p| p.as_ref().map_or(0, |r| r.get().len()))
            .sum()
    }
}

/// [`file_record`], with the shared parts taken from `shared` when given
/// (which must be [`SharedParts::of`] this report's analysis).
pub fn file_record_sharing<'a>(
    r: &'a FileReport,
    shared: Option<&'a SharedParts>,
) -> FileRecord<'a> {
    let path = &r.path;
    let mut file = EcsFile {
        path: path.to_string_lossy(),
        extension: extension(path),
        // An archive entry's own name (after the last `!`).
        name: r
            .judged_path()
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        directory: path
            .parent()
            .map(|d| d.as_os_str().to_string_lossy())
            .unwrap_or_default(),
        size: r.size,
        mtime: r.mtime.map(rfc3339),
        hash: None,
        pe: None,
        code_signature: None,
    };
    let mut iis = IisweepFile {
        status: "analyzed",
        roles: Vec::new(),
        incomplete_roles: Vec::new(),
        decorated_roles: Vec::new(),
        role_exports: Vec::new(),
        verdict: None,
        reasons: Part::Built(Vec::new()),
        rules_error: None,
        is_pe: false,
        is_dotnet: false,
        pe: None,
        dotnet: None,
        code_signature: None,
        not_pe_reason: None,
        skip_reason: None,
        message: None,
        path_hex: hex_if_not_utf8(path),
        duplicate_of: r.duplicate_of.as_deref().map(|p| p.to_string_lossy()),
        containers: &r.containers,
        registrations: r
            .registrations
            .iter()
            .map(|g| FileRegistrationRecord {
                kind: g.kind,
                name: g.name.as_deref(),
                config: g.config.to_string_lossy(),
                line: g.line,
                scope: &g.scope,
                enabled: g.enabled,
            })
            .collect(),
        traces: r
            .traces
            .iter()
            .map(|t| TraceRecord {
                kind: &t.kind,
                rule: &t.rule,
                score: t.score,
                level: crate::score::level(t.score, true).as_str(),
                description: &t.description,
                attack: &t.attack,
                line: t.line,
                text: &t.text,
            })
            .collect(),
    };
    let (mut event, mut threat) = (None, None);
    match &r.outcome {
        Outcome::NotPe => iis.status = "not_pe",
        Outcome::Skipped(reason, detail) => {
            iis.status = "skipped";
            iis.skip_reason = Some(reason.as_str());
            iis.message = Some(detail);
        }
        Outcome::Error(e) => {
            iis.status = "error";
            iis.message = Some(e);
        }
        Outcome::Analyzed(a) => {
            let (facts, j) = (&a.facts, &a.judgement);
            file.hash = Some(EcsHash {
                sha256: &facts.sha256,
            });
            iis.roles = role_names(&facts.roles);
            iis.not_pe_reason = facts.not_pe_reason.as_deref();
            iis.dotnet = facts.dotnet.as_ref().map(|d| {
                Part::raw_or(shared.and_then(|sp| sp.dotnet.as_deref()), || {
                    dotnet_record(d)
                })
            });
            iis.verdict = Some(verdict_record(j.verdict));
            iis.reasons = Part::raw_or(shared.and_then(|sp| sp.reasons.as_deref()), || {
                j.hits.iter().map(reason_record).collect()
            });
            iis.rules_error = j.rules_error.as_deref();
            event = Some(EcsEvent {
                risk_score: f64::from(j.verdict.score),
            });
            threat = ecs_threat(&j.hits);
            if let Some(pe) = &facts.pe {
                iis.is_pe = true;
                iis.is_dotnet = pe.is_dotnet();
                iis.pe = Some(Part::raw_or(shared.and_then(|sp| sp.pe.as_deref()), || {
                    pe_record(pe)
                }));
                iis.incomplete_roles = role_names(&pe.export_roles.incomplete);
                iis.decorated_roles = role_names(&pe.export_roles.decorated);
                iis.role_exports = pe.export_roles.exports.iter().map(role_export).collect();
                file.pe = Some(ecs_pe(pe));
                let cs = facts.code_signature.as_ref();
                file.code_signature = Some(ecs_code_signature(pe, cs));
                iis.code_signature = cs.map(code_signature_record);
            }
        }
    }
    FileRecord {
        record: "file",
        file,
        event,
        threat,
        iisweep: iis,
    }
}

fn role_names(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.as_str()).collect()
}

fn role_export(e: &RoleExport) -> RoleExportRecord<'_> {
    RoleExportRecord {
        role: e.role.as_str(),
        name: &e.name,
        ordinal: e.ordinal,
        forwarder: e.forwarder.as_deref(),
        decorated: e.decorated,
    }
}

pub(super) fn verdict_record(v: Verdict) -> VerdictRecord {
    VerdictRecord {
        level: v.level.as_str(),
        score: v.score,
    }
}

/// A global's value as JSON.
pub fn fact_json(v: &FactValue) -> serde_json::Value {
    match v {
        FactValue::Bool(b) => serde_json::Value::Bool(*b),
        FactValue::Str(s) => serde_json::Value::String(s.clone()),
    }
}

fn reason_record(h: &RuleHit) -> ReasonRecord<'_> {
    ReasonRecord {
        rule: &h.rule,
        namespace: &h.namespace,
        layer: &h.layer,
        description: &h.description,
        score: h.score,
        family: h.family.as_deref(),
        attack: &h.attack,
        reference: &h.reference,
        evidence: h
            .evidence
            .iter()
            .map(|e| EvidenceRecord {
                pattern: &e.pattern,
                offset: e.offset,
                excerpt: &e.excerpt,
            })
            .collect(),
        facts: h.facts.iter().map(|(k, v)| (*k, fact_json(v))).collect(),
    }
}

/// ATT&CK techniques of the matching rules, sorted and unique.
fn ecs_threat(hits: &[RuleHit]) -> Option<EcsThreat> {
    let mut ids: Vec<String> = hits.iter().flat_map(|h| h.attack.iter().cloned()).collect();
    ids.sort();
    ids.dedup();
    (!ids.is_empty()).then_some(EcsThreat {
        framework: "MITRE ATT&CK",
        technique: EcsTechnique { id: ids },
    })
}

fn ecs_pe(pe: &PeFacts) -> EcsPe<'_> {
    let v = &pe.version_info;
    let machine = pe.machine();
    EcsPe {
        architecture: if machine == "x86_64" {
            "x64".to_string()
        } else {
            machine
        },
        imphash: pe.imphash.as_deref(),
        original_file_name: v.original_file_name.as_deref(),
        company: v.company.as_deref(),
        description: v.description.as_deref(),
        product: v.product.as_deref(),
        file_version: v.file_version.as_deref(),
    }
}

fn ecs_code_signature<'a>(pe: &PeFacts, cs: Option<&'a CodeSignature>) -> EcsCodeSignature<'a> {
    let primary = cs.and_then(|c| c.signatures.first());
    EcsCodeSignature {
        exists: pe.has_certificate_table(),
        subject_name: cs
            .and_then(|c| c.signer.as_ref())
            .and_then(|s| s.common_name.as_deref()),
        valid: cs.map(|c| c.digest_valid && c.signature_valid),
        trusted: cs.map(|c| c.chain_trusted),
        status: cs.map(|c| c.status()),
        digest_algorithm: primary.map(|p| p.digest_algorithm.as_str()),
        timestamp: cs.and_then(|c| c.timestamp.as_deref()),
        thumbprint_sha256: primary
            .and_then(|p| p.signer.as_ref())
            .map(|s| s.thumbprint_sha256.as_str()),
    }
}

fn span(s: Span) -> SpanRecord {
    SpanRecord {
        offset: s.offset,
        size: s.size,
    }
}

fn pe_record(pe: &PeFacts) -> PeRecord<'_> {
    let l = &pe.layout;
    PeRecord {
        machine: pe.machine(),
        format: l.format(),
        is_dll: l.is_dll(),
        subsystem: pe.subsystem(),
        timestamp: l.time_date_stamp,
        timestamp_utc: rfc3339(i64::from(l.time_date_stamp)),
        entry_point: pe.entry_point(),
        image_base: pe.image_base(),
        sections: l
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| SectionRecord {
                name: &s.name,
                virtual_address: s.virtual_address,
                virtual_size: s.virtual_size,
                raw_offset: s.pointer_to_raw_data,
                raw_size: s.size_of_raw_data,
                characteristics: s.characteristics,
                flags: crate::pe::section_flags(s.characteristics),
                entropy: pe.section_entropy.get(i).copied(),
            })
            .collect(),
        imports: imports(&pe.imports),
        delay_imports: imports(&pe.delay_imports),
        exports: pe.exports.as_ref().map(exports),
        imphash: pe.imphash.as_deref(),
        pdb_path: pe.pdb_path.as_deref(),
        version_info: version(&pe.version_info),
        overlay: pe.overlay.map(span),
        certificate_table: l.certificate_table().map(span),
        clr_header: l.clr_header(),
        capabilities: pe
            .capabilities
            .iter()
            .map(|(k, v)| (*k, v.as_slice()))
            .collect(),
        request_names: &pe.request_names,
        errors: &pe.errors,
    }
}

fn imports(dlls: &[ImportedDll]) -> Vec<ImportRecord<'_>> {
    dlls.iter()
        .map(|d| ImportRecord {
            dll: &d.dll,
            functions: d
                .functions
                .iter()
                .map(|f| ImportedFunctionRecord {
                    name: f.name.as_deref(),
                    ordinal: f.ordinal,
                })
                .collect(),
        })
        .collect()
}

fn exports(t: &ExportTable) -> ExportsRecord<'_> {
    ExportsRecord {
        dll_name: t.dll_name.as_deref(),
        ordinal_base: t.ordinal_base,
        exports: t
            .exports
            .iter()
            .map(|e| ExportRecord {
                ordinal: e.ordinal,
                name: e.name.as_deref(),
                rva: e.rva,
                forwarder: e.forwarder.as_deref(),
            })
            .collect(),
    }
}

fn version(v: &VersionInfo) -> VersionRecord<'_> {
    VersionRecord {
        original_file_name: v.original_file_name.as_deref(),
        internal_name: v.internal_name.as_deref(),
        company: v.company.as_deref(),
        description: v.description.as_deref(),
        product: v.product.as_deref(),
        file_version: v.file_version.as_deref(),
        product_version: v.product_version.as_deref(),
        legal_copyright: v.legal_copyright.as_deref(),
    }
}

fn dotnet_record(d: &DotnetInfo) -> DotnetRecord<'_> {
    let f = &d.flags;
    DotnetRecord {
        has_cor20_header: d.has_cor20_header,
        runtime_version: d.runtime_version.as_deref(),
        major_runtime_version: d.major_runtime_version,
        minor_runtime_version: d.minor_runtime_version,
        flags: ClrFlagsRecord {
            raw: f.raw,
            il_only: f.il_only,
            requires_32bit: f.requires_32bit,
            prefers_32bit: f.prefers_32bit,
            strong_name_signed: f.strong_name_signed,
            native_entry_point: f.native_entry_point,
        },
        mixed_mode: d.mixed_mode,
        assembly: d.assembly.as_ref().map(|a| AssemblyRecord {
            name: &a.name,
            version: &a.version,
            culture: &a.culture,
            flags: a.flags,
            hash_alg_id: a.hash_alg_id,
            public_key_len: a.public_key_len,
            public_key_token: a.public_key_token.as_deref(),
        }),
        module_name: d.module_name.as_deref(),
        mvid: d.mvid.as_deref(),
        assembly_refs: d
            .assembly_refs
            .iter()
            .map(|a| AssemblyRefRecord {
                name: &a.name,
                version: &a.version,
                culture: &a.culture,
                flags: a.flags,
                public_key_or_token: &a.public_key_or_token,
                public_key_token: a.public_key_token.as_deref(),
            })
            .collect(),
        module_refs: &d.module_refs,
        components: d
            .components
            .iter()
            .map(|c| ComponentRecord {
                type_name: &c.type_name,
                kinds: &c.kinds,
                roles: role_names(&c.roles),
                base_chain: &c.base_chain,
            })
            .collect(),
        http_events: &d.http_events,
        capabilities: d
            .capabilities
            .iter()
            .map(|(k, v)| (*k, v.as_slice()))
            .collect(),
        pinvokes: d
            .pinvokes
            .iter()
            .map(|p| PInvokeRecord {
                module: &p.module,
                import_name: &p.import_name,
                member: &p.member,
                system_dll: p.system_dll,
            })
            .collect(),
        user_string_count: d.user_string_count,
        interesting_strings: d
            .interesting_strings
            .iter()
            .map(|s| InterestingStringRecord {
                value: &s.value,
                reasons: &s.reasons,
            })
            .collect(),
        resources: d
            .resources
            .iter()
            .map(|r| ResourceRecord {
                name: &r.name,
                flags: r.flags,
                offset: r.offset,
                location: &r.location,
                size: r.size,
            })
            .collect(),
        behaviour: d.behaviour.as_ref().map(behaviour_record),
        errors: &d.errors,
    }
}

fn cert_record(c: &CertInfo) -> CertRecord<'_> {
    CertRecord {
        subject: &c.subject,
        issuer: &c.issuer,
        serial_number: &c.serial_number,
        not_before: &c.not_before,
        not_after: &c.not_after,
        thumbprint_sha1: &c.thumbprint_sha1,
        thumbprint_sha256: &c.thumbprint_sha256,
    }
}

fn signature_record(s: &SignatureInfo) -> SignatureRecord<'_> {
    SignatureRecord {
        depth: s.depth,
        digest_algorithm: &s.digest_algorithm,
        signed_digest: &s.signed_digest,
        computed_digest: s.computed_digest.as_deref(),
        digest_valid: s.digest_valid,
        message_digest_valid: s.message_digest_valid,
        signer_signature_valid: s.signer_signature_valid,
        signer: s.signer.as_ref().map(cert_record),
        chain: &s.chain,
        chain_trusted: s.chain_trusted,
        trusted_root: s.trusted_root.as_deref(),
        microsoft_root: s.microsoft_root,
        timestamp: s.timestamp.as_deref(),
        timestamp_kind: s.timestamp_kind,
        certificates: s.certificates.iter().map(cert_record).collect(),
        errors: &s.errors,
    }
}

fn code_signature_record(c: &CodeSignature) -> CodeSignatureRecord<'_> {
    CodeSignatureRecord {
        signed: c.signed,
        digest_valid: c.digest_valid,
        signature_valid: c.signature_valid,
        chain_trusted: c.chain_trusted,
        trusted_root: c.trusted_root.as_deref(),
        signer: c.signer.as_ref().map(|s| SignerRecord {
            common_name: s.common_name.as_deref(),
            organization: s.organization.as_deref(),
        }),
        microsoft_signed: c.microsoft_signed,
        timestamp: c.timestamp.as_deref(),
        signatures: c.signatures.iter().map(signature_record).collect(),
        errors: &c.errors,
    }
}

/// The `tool` object: name, version and [`SCHEMA_VERSION`].
#[derive(Debug, Serialize, Clone)]
pub struct ToolRecord {
    /// `iisweep`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
    /// Record layout version.
    pub schema_version: u32,
}

/// This build's [`ToolRecord`].
pub fn tool_record() -> ToolRecord {
    ToolRecord {
        name: "iisweep",
        version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
    }
}

/// The totals of a sweep (the `summary` object).
#[derive(Debug, Serialize)]
pub struct SummaryRecord {
    /// Regular files opened.
    pub files_seen: u64,
    /// PE files.
    pub pe_files: u64,
    /// `MZ` files that are not PE.
    pub mz_not_pe: u64,
    /// Files without the `MZ` magic.
    pub not_pe: u64,
    /// PE files parsed only in part.
    pub partial_pe: u64,
    /// IIS components.
    pub components: u64,
    /// Components by role.
    pub components_by_role: BTreeMap<&'static str, u64>,
    /// Files with incomplete or decorated IIS export sets.
    pub near_misses: u64,
    /// Analysed files by level (`none` left out).
    pub levels: BTreeMap<&'static str, u64>,
    /// Highest level reached by a file or a configuration finding.
    pub max_level: &'static str,
    /// Files whose rule scan failed.
    pub rules_errors: u64,
    /// Skipped by reason.
    pub skipped: BTreeMap<&'static str, u64>,
    /// Per-path errors.
    pub errors: u64,
    /// Bytes of PE files read.
    pub bytes_read: u64,
    /// Scripts and histories holding install traces.
    pub trace_files: u64,
    /// Install traces.
    pub traces: u64,
    /// Server configurations read.
    pub servers: u64,
    /// Registrations in them.
    pub registrations: u64,
    /// Configuration findings by level (`none` left out).
    pub config_findings: BTreeMap<&'static str, u64>,
    /// Configuration files that could not be read or parsed in full.
    pub config_errors: u64,
    /// Analysed files that share an earlier path's analysis (same size and
    /// SHA-256).
    pub duplicates: u64,
    /// Analysed files that no earlier file shared: distinct contents.
    pub distinct_contents: u64,
    /// Archives on disk opened and swept.
    pub archives: u64,
    /// Walked paths left out: `other_shard` (`--shard`), `done`
    /// (`--skip-done`); empty when neither is given.
    pub left_out: BTreeMap<&'static str, u64>,
    /// Wall time in seconds.
    pub elapsed_secs: f64,
    /// Files per second.
    pub files_per_sec: f64,
    /// MiB of PE files per second.
    pub mib_per_sec: f64,
}

/// The summary record of `s`.
pub fn summary_record(s: &Summary) -> SummaryRecord {
    let secs = s.elapsed.as_secs_f64();
    let rate = |n: f64| {
        if secs > 0.0 {
            (n / secs * 10.0).round() / 10.0
        } else {
            0.0
        }
    };
    SummaryRecord {
        files_seen: s.files_seen,
        pe_files: s.pe_files,
        mz_not_pe: s.mz_not_pe,
        not_pe: s.not_pe,
        partial_pe: s.partial,
        components: s.components,
        components_by_role: s.by_role.iter().map(|(r, n)| (r.as_str(), *n)).collect(),
        near_misses: s.near_misses,
        levels: s
            .by_level
            .iter()
            .filter(|(l, _)| **l != crate::model::Level::None)
            .map(|(l, n)| (l.as_str(), *n))
            .collect(),
        max_level: s.max_level.as_str(),
        rules_errors: s.rules_errors,
        skipped: s.skipped.iter().map(|(r, n)| (r.as_str(), *n)).collect(),
        errors: s.errors,
        bytes_read: s.bytes_read,
        trace_files: s.trace_files,
        traces: s.traces,
        servers: s.servers,
        registrations: s.registrations,
        config_findings: s
            .config_findings
            .iter()
            .filter(|(l, _)| **l != crate::model::Level::None)
            .map(|(l, n)| (l.as_str(), *n))
            .collect(),
        config_errors: s.config_errors,
        duplicates: s.duplicates,
        distinct_contents: s.distinct_contents(),
        archives: s.archives,
        left_out: [("other_shard", s.other_shard), ("done", s.already_done)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect(),
        elapsed_secs: (secs * 1000.0).round() / 1000.0,
        files_per_sec: rate(s.files_seen as f64),
        mib_per_sec: rate(s.bytes_read as f64 / 1_048_576.0),
    }
}

/// One rule as `iisweep rules list --json` prints it.
#[derive(Serialize)]
pub struct RuleListRecord<'a> {
    /// Rule identifier.
    pub name: &'a str,
    /// Namespace.
    pub namespace: &'a str,
    /// File the rule came from.
    pub origin: &'a str,
    /// `description` meta.
    pub description: &'a str,
    /// `score` meta.
    pub score: u8,
    /// `attack` meta.
    pub attack: &'a [String],
    /// `reference` meta.
    pub reference: &'a str,
    /// `layer` meta.
    pub layer: &'a str,
    /// `family` meta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<&'a str>,
    /// `sample` meta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<&'a str>,
    /// The iisweep globals the rule's source mentions.
    pub globals_used: Vec<&'static str>,
}

/// The `rules list --json` record of one rule.
pub fn rule_list_record(r: &crate::rules::RuleInfo) -> RuleListRecord<'_> {
    RuleListRecord {
        name: &r.name,
        namespace: &r.namespace,
        origin: &r.origin,
        description: &r.description,
        score: r.score,
        attack: &r.attack,
        reference: &r.reference,
        layer: &r.layer,
        family: r.family.as_deref(),
        sample: r.sample.as_deref(),
        globals_used: r
            .globals_used
            .iter()
            .map(|&i| crate::rules::GLOBALS[i].name)
            .collect(),
    }
}
