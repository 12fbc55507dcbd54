"""What a model-file scan reports: findings with a severity, the exact construct, and where it sits."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """How bad a finding is; ordered, so ``--fail-on medium`` means medium and worse."""

    INFO = 0
    """Worth knowing, no risk (a format the scanner skips, a symlink)."""
    LOW = 1
    """A construct that needs a non-default loader flag, with nothing dangerous in it."""
    MEDIUM = 2
    """The file could not be checked fully (malformed, encrypted, unknown archive) or loaders disagree."""
    HIGH = 3
    """An import outside the allow-list, custom code a loader may run: unsafe until shown otherwise."""
    CRITICAL = 4
    """Code execution on load: a known-dangerous callable, a Keras Lambda, a Jinja sandbox escape."""

    @property
    def label(self) -> str:
        """Lower-case name, as the CLI prints and accepts it."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"high"`` -> :attr:`HIGH`; ValueError names the accepted values."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}: use one of {names}") from None


@dataclass(frozen=True)
class Finding:
    """One thing the scanner found in a model file."""

    severity: Severity
    code: str
    """Stable reason code a script can act on, e.g. ``pickle.global.denied``."""
    construct: str
    """The exact global (``os.system``), layer (``Lambda``), key or path the finding is about."""
    file: str
    """The file on disk that was scanned."""
    member: str = ""
    """Where inside it: archive members joined by ``!`` (``model.zip!archive/data.pkl``)."""
    offset: int | None = None
    """Byte offset inside the member (or the file, when ``member`` is empty), where known."""
    message: str = ""
    """What it means and what to do."""

    def where(self) -> str:
        """``file!member@offset`` for one-line output."""
        text = self.file + (f"!{self.member}" if self.member else "")
        return text + (f"@{self.offset}" if self.offset is not None else "")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (severity as its label)."""
        return {
            "severity": self.severity.label,
            "code": self.code,
            "construct": self.construct,
            "file": self.file,
            "member": self.member,
            "offset": self.offset,
            "message": self.message,
        }


@dataclass
class ScanReport:
    """Everything found in the files of one scan, and which formats were recognised where."""

    findings: list[Finding] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    """``file!member`` -> recognised format (pickle, torch-zip, safetensors, gguf, ...)."""
    bytes_scanned: int = 0

    def worst(self) -> Severity | None:
        """The highest severity found, or None when nothing was found."""
        return max((f.severity for f in self.findings), default=None)

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        """Findings whose severity is ``threshold`` or worse."""
        return [f for f in self.findings if f.severity >= threshold]
