"""The state one scan carries: limits, the findings so far, and where in a nest of archives it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tongzhou.oss.findings import Finding, ScanReport, Severity


@dataclass(frozen=True)
class ScanLimits:
    """Bounds that keep a hostile file from exhausting memory or time; the scan never loads a model."""

    max_depth: int = 4
    """Archives nested deeper than this are reported, not opened (recursive zips end here)."""
    max_member_bytes: int = 1 << 30
    """A member larger than this (uncompressed) is reported, not read (1 GiB)."""
    max_total_bytes: int = 4 << 30
    """All decompressed members of one file together (4 GiB): a zip bomb stops here."""
    max_ratio: int = 200
    """Compression ratio above which a member of over 1 MiB is a suspected bomb; deflate peaks near 1030:1,
    real weights compress at most a few times, so 200 leaves room for sparse tensors."""
    max_members: int = 100_000
    """Members of one archive (a million tiny entries is a bomb of another kind)."""
    max_pickle_opcodes: int = 50_000_000
    """Opcodes of one pickle stream; a real state dict has a few per tensor."""


@dataclass(frozen=True)
class Location:
    """A file on disk and the chain of archive members inside it."""

    file: str
    members: tuple[str, ...] = ()

    def inside(self, member: str) -> Location:
        """The location of ``member`` within this one."""
        return Location(self.file, (*self.members, member))

    @property
    def member(self) -> str:
        """Members joined by ``!``."""
        return "!".join(self.members)

    @property
    def depth(self) -> int:
        """How many archives deep."""
        return len(self.members)

    @property
    def name(self) -> str:
        """The innermost name (member or file), for extension checks."""
        return self.members[-1] if self.members else self.file


Dispatch = Callable[[memoryview, Location, "ScanContext"], None]


@dataclass
class ScanContext:
    """Collects findings for one scan; ``dispatch`` scans a blob of bytes as whatever format it is."""

    limits: ScanLimits
    dispatch: Dispatch
    report: ScanReport = field(default_factory=ScanReport)
    decompressed: int = 0

    def add(
        self,
        where: Location,
        severity: Severity,
        code: str,
        construct: str,
        message: str,
        offset: int | None = None,
    ) -> None:
        """Record a finding at ``where``."""
        self.report.findings.append(
            Finding(severity, code, construct, where.file, where.member, offset, message)
        )

    def recognised(self, where: Location, fmt: str) -> None:
        """Record the format found at ``where``."""
        key = where.file + (f"!{where.member}" if where.members else "")
        self.report.formats[key] = fmt
