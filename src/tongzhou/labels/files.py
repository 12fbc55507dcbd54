"""Label, inspect and verify files of every supported format (the file half of the Python API)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.errors import InputError
from tongzhou.labels.binding import BindingCheck, check_binding
from tongzhou.labels.c2pa_manifest import C2paCredentials, read_manifest_summary, sign_c2pa
from tongzhou.labels.carriers import carrier_for
from tongzhou.labels.carriers.base import CorruptFileError
from tongzhou.labels.detect import Art6Class, art6_class
from tongzhou.labels.explicit_media import apply_explicit
from tongzhou.labels.explicit_text import Language, find_explicit_text_label
from tongzhou.labels.fields import AigcLabel, LabelFormatError, is_provider_code, parse_label_json
from tongzhou.labels.fileio import atomic_write, read_input
from tongzhou.labels.keys import signing_key
from tongzhou.labels.text import make_label
from tongzhou.labels.xmp import TC260_NS, WRONG_NAMESPACE


@dataclass(frozen=True)
class LabelResult:
    """One labelled file."""

    source: Path
    output: Path
    format: str
    label: AigcLabel
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": str(self.source),
            "output": str(self.output),
            "format": self.format,
            "label": self.label.to_dict(),
            "content_hash": self.content_hash,
        }


def output_path(source: Path, out_dir: Path | None, in_place: bool) -> Path:
    """Where a labelled copy goes: ``out_dir/name``, the input itself (``in_place``), or ``name.aigc.ext``."""
    if in_place:
        if out_dir is not None:
            raise InputError("give --out or --in-place, not both")
        return source
    target = (
        out_dir / source.name
        if out_dir is not None
        else source.with_name(f"{source.stem}.aigc{source.suffix}")
    )
    if target.exists() and os.path.samefile(target, source):
        raise InputError(f"{source}: output would overwrite the input; use --in-place to mean that")
    return target


def label_file(
    source: Path,
    producer: str,
    *,
    out_dir: Path | None = None,
    in_place: bool = False,
    key: Ed25519PrivateKey | None = None,
    produce_id: str | None = None,
    propagator: str | None = None,
    propagate_id: str | None = None,
    durable: bool = False,
    check: bool = True,
    c2pa: C2paCredentials | None = None,
    explicit: bool = False,
    lang: Language = "zh",
    wording: str | None = None,
) -> LabelResult:
    """Write a bound GB 45438 implicit label into a copy of ``source`` (or into it with ``in_place``).

    The input is read once, never modified unless ``in_place``; the output is written atomically.
    ``check`` re-reads the written bytes: exactly our label is there.
    ``explicit`` first adds the visible label (text prefix, image overlay, video overlay, audio cue).
    ``c2pa`` then signs a C2PA manifest over the labelled bytes (label first, then C2PA).
    """
    source = Path(source)
    target = output_path(source, out_dir, in_place)
    data = read_input(source)
    carrier = carrier_for(source, data[:16])
    try:
        if explicit:
            carrier.content_hash(data)  # refuse corrupt input before handing it to a decoder
            data = apply_explicit(data, carrier.name, source.suffix.lower(), lang, wording)
        digest = carrier.content_hash(data)
        label = make_label(
            producer, digest, carrier.method, key or signing_key(), produce_id, propagator, propagate_id
        )
        out = carrier.write_label(data, label.to_json(wrapped=carrier.wrapped))
        if check:
            found = carrier.read_labels(out)
            if len(found) != 1 or parse_label_json(found[0].value) != label:
                raise CorruptFileError(f"{source}: read-back after writing did not find exactly our label")
        if c2pa is not None:
            out = sign_c2pa(out, carrier.name, c2pa, source.name, label)
    except CorruptFileError as exc:
        raise CorruptFileError(f"{source}: {exc}" if str(source) not in str(exc) else str(exc)) from exc
    atomic_write(target, out, mode=os.stat(source).st_mode, durable=durable)
    return LabelResult(source, target, carrier.name, label, digest)


@dataclass
class FileReport:
    """What :func:`inspect_file` found in one file."""

    path: Path
    format: str | None = None
    label: AigcLabel | None = None
    locations: list[str] = field(default_factory=list)
    checks: list[BindingCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    explicit: str | None = None
    c2pa: dict[str, Any] | None = None
    art6: Art6Class = "none"
    art6_reason: str = ""

    @property
    def valid(self) -> bool:
        """A well-formed label whose ReservedCode1 verifies (ReservedCode2 valid or absent), no problems."""
        return (
            self.label is not None
            and self.error is None
            and len(self.checks) == 2
            and self.checks[0].status == "valid"
            and self.checks[1].status in ("valid", "absent")
            and not any(p.startswith("error:") for p in self.problems)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's --json output)."""
        return {
            "path": str(self.path),
            "format": self.format,
            "valid": self.valid,
            "label": self.label.to_dict() if self.label else None,
            "locations": self.locations,
            "checks": [c.to_dict() for c in self.checks],
            "problems": self.problems,
            "error": self.error,
            "explicit": self.explicit,
            "c2pa": self.c2pa,
            "art6": self.art6,
            "art6_reason": self.art6_reason,
        }


def inspect_file(
    path: Path, trusted_key_ids: set[str] | None = None, declared: bool = False, read_c2pa: bool = True
) -> FileReport:
    """Read the label(s), validate fields and character set, verify the binding, assign the Art. 6 class.

    Never raises for a bad file: the problem is in ``report.error``.
    """
    report = FileReport(Path(path))
    label_error: str | None = None
    try:
        data = read_input(report.path)
        carrier = carrier_for(report.path, data[:16])
        report.format = carrier.name
        digest = carrier.content_hash(data)
        found = carrier.read_labels(data)
        if carrier.name == "text":
            report.explicit = find_explicit_text_label(data.decode("utf-8", "replace"))
    except InputError as exc:
        report.error = exc.bilingual()
        report.art6, report.art6_reason = "none", "file could not be read"
        return report
    report.locations = [f.location for f in found]
    if any(WRONG_NAMESPACE in f.location for f in found):
        report.problems.append(
            "warning: an AIGC property is under another XMP namespace than "
            f"{TC260_NS} (a known defect of some labelling tools)"
        )
    if len(found) > 1:
        distinct = {f.value for f in found}
        report.problems.append(
            f"error: {len(found)} implicit labels found ({len(distinct)} distinct); "
            "GB 45438 wants exactly one"
        )
    if found:
        try:
            report.label = parse_label_json(found[0].value)
        except LabelFormatError as exc:
            label_error = str(exc)
            report.problems.append(f"error: {exc}")
    if report.label is not None:
        report.checks = [
            check_binding(report.label, "ReservedCode1", digest, trusted_key_ids),
            check_binding(report.label, "ReservedCode2", digest, trusted_key_ids),
        ]
        if not is_provider_code(report.label.ContentProducer):
            report.problems.append(
                "warning: ContentProducer is not a 27-character TC260-PG-20252A provider code"
            )
    if read_c2pa:
        report.c2pa = read_manifest_summary(data, report.format)
    c2pa_ai = bool(report.c2pa and report.c2pa.get("trained_algorithmic_media"))
    report.art6, report.art6_reason = art6_class(
        report.label.Label if report.label else None,
        label_error,
        report.checks[0] if report.checks else None,
        bool(report.explicit),
        c2pa_ai,
        declared,
    )
    return report
