"""Type stubs of the extension module (see iisweep/__init__.py for the
documented API; use that, not this module)."""

from typing import List, Optional, Sequence, Union

__version__: str
SCHEMA_VERSION: int
DEFAULT_MAX_FILESIZE: int
TRACE_HEAD_BYTES: int

_Bytes = Union[bytes, bytearray, memoryview]

class Scanner:
    def __init__(
        self,
        rules: Sequence[str] = ...,
        *,
        default_rules: bool = ...,
        traces: bool = ...,
        max_filesize: int = ...,
        rule_timeout: int = ...,
        max_matches_per_pattern: int = ...,
        rule_gating: bool = ...,
        gate_user_rules: bool = ...,
        trust_roots: Sequence[str] = ...,
        entropy_all: bool = ...,
        dotnet: bool = ...,
        il: bool = ...,
        authenticode: bool = ...,
        archives: bool = ...,
        archive_passwords: Sequence[str] = ...,
        archive_depth: int = ...,
        archive_max_total: int = ...,
    ) -> None: ...
    def scan_json(self, data: _Bytes, path: Optional[str] = None, *, mtime: Optional[int] = None) -> List[str]: ...
    def analyze_json(self, data: _Bytes, path: Optional[str] = None, *, mtime: Optional[int] = None) -> str: ...
    def analyze_head_json(
        self, head: _Bytes, size: int, path: Optional[str] = None, *, mtime: Optional[int] = None
    ) -> str: ...
    def analyze_file_json(self, path: str, *, follow_symlinks: bool = False) -> str: ...
    @property
    def rule_count(self) -> int: ...
    @property
    def rule_names(self) -> List[str]: ...
    @property
    def rule_paths(self) -> List[str]: ...
    @property
    def default_rules(self) -> bool: ...
    @property
    def traces(self) -> bool: ...
    @property
    def max_filesize(self) -> int: ...
    @property
    def warnings(self) -> List[str]: ...

def is_archive(head: _Bytes, path: Optional[str] = None) -> bool: ...
def is_trace_target(path: str) -> bool: ...
def record_schema_json() -> str: ...
def error_record_json(path: str, message: str) -> str: ...
