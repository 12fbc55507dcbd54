"""Where a licence fact was read: the file, and the line (text files) or the metadata key (GGUF)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Evidence:
    """One place that states a fact about a licence."""

    file: Path
    """The file the fact was read from."""
    line: int | None
    """1-based line in a text file; ``None`` for binary metadata (GGUF) or a whole-file fact."""
    text: str
    """What was read there (the declared value, the matched title, the metadata key and value)."""

    def where(self) -> str:
        """``path:line`` or the path alone."""
        return f"{self.file}:{self.line}" if self.line is not None else str(self.file)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"file": str(self.file), "line": self.line, "text": self.text}
