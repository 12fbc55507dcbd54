"""`tongzhou label add|inspect|verify`: GB 45438 implicit (and explicit) labels, C2PA, Art. 6 detection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tongzhou.errors import ExitCode, InputError

Language = Literal["zh", "en"]  # as tongzhou.labels.explicit_text.Language
DEFAULT_KEY_NAME = "labels"  # as tongzhou.labels.keys.DEFAULT_KEY_NAME (that module loads cryptography)

app = typer.Typer(
    help="Label AI-generated content (GB 45438, C2PA) and check labels (Labeling Measures Art. 6). "
    "内容标识与核验。",
    no_args_is_help=True,
)


def _lang(value: str) -> Language:
    if value not in ("zh", "en"):
        raise InputError(f"--lang must be zh or en, got {value!r}")
    return "zh" if value == "zh" else "en"


@app.command("add")
def add(
    files: list[Path] = typer.Argument(
        ..., help="Files to label (PNG, JPEG, WebP, MP4, PDF, audio, DOCX, text)."
    ),
    producer: str = typer.Option(
        ..., "--producer", help="ContentProducer: your TC260-PG-20252A provider code."
    ),
    explicit: bool = typer.Option(
        False, "--explicit", help="Also add the visible label (text, image, video, audio)."
    ),
    lang: str = typer.Option("zh", "--lang", help="Explicit label language: zh or en."),
    wording: str = typer.Option(
        None, "--wording", help="Custom explicit wording (must contain AI/人工智能 + 生成/合成)."
    ),
    c2pa: bool = typer.Option(
        False, "--c2pa", help="Also sign a C2PA manifest (needs --c2pa-cert and --c2pa-key)."
    ),
    cert: Path = typer.Option(
        None, "--c2pa-cert", "--cert", help="C2PA signing certificate chain, PEM file, leaf first."
    ),
    # Named --c2pa-key because elsewhere --key is a key-ring name; the old --key still works.
    key: Path = typer.Option(None, "--c2pa-key", "--key", help="C2PA signing private key, PEM file."),
    key_name: str = typer.Option(
        DEFAULT_KEY_NAME, "--key-name", help="Key ring key that signs ReservedCode1/2."
    ),
    out: Path = typer.Option(None, "--out", help="Write labelled copies into this directory."),
    in_place: bool = typer.Option(False, "--in-place", help="Rewrite the inputs themselves (atomically)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines for pipelines."),
    workers: int = typer.Option(None, "--workers", help="Worker processes (default: CPU count)."),
) -> None:
    """Write the implicit AIGC label (bound with Ed25519) into copies of FILES (default NAME.aigc.EXT).
    添加隐式标识。

    Exit status: 0 every file labelled, 3 some failed, 2 none could be labelled.
    """
    from tongzhou.labels.batch import expand_with_outputs, label_many
    from tongzhou.labels.c2pa_manifest import C2paCredentials
    from tongzhou.labels.keys import signing_key

    if out is not None and in_place:
        raise InputError.of("give --out or --in-place, not both")
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise InputError.of("no such file or directory: {path}", path=", ".join(missing))
    jobs = expand_with_outputs(files, out)
    if not jobs:
        raise InputError.of(
            "no files to label in {paths}: the directories are empty", paths=", ".join(str(f) for f in files)
        )
    credentials = None
    if c2pa:
        if cert is None or key is None:
            raise InputError.of("--c2pa needs --c2pa-cert and --c2pa-key (PEM files)")
        credentials = C2paCredentials.from_files(cert, key)
    signing_key(key_name, create=key_name == DEFAULT_KEY_NAME)  # fail early on a missing key
    failures = 0
    options = {
        "in_place": in_place,
        "c2pa": credentials,
        "explicit": explicit,
        "lang": _lang(lang),
        "wording": wording,
    }
    with Progress(disable=as_json or len(jobs) < 2, transient=True) as progress:
        task = progress.add_task("labelling", total=len(jobs))
        for result in label_many(
            jobs, producer, key_name, workers, on_done=lambda _r: progress.advance(task), **options
        ):
            if "error" in result:
                failures += 1
            if as_json:
                typer.echo(json.dumps(result, ensure_ascii=False))
            elif "error" in result:
                progress.console.print(f"[red]✗[/] {result['error']}", highlight=False)
            else:
                progress.console.print(
                    f"[green]✓[/] {result['source']} → {result['output']} ({result['format']}, "
                    f"ProduceID {result['label']['ProduceID']})",
                    highlight=False,
                )
    if failures:
        if not as_json:
            Console(stderr=True).print(
                f"[red]{failures} of {len(jobs)} file(s) could not be labelled[/] "
                f"/ {failures} 个文件未能标识",
                highlight=False,
            )
        raise typer.Exit(ExitCode.BAD_INPUT if failures == len(jobs) else ExitCode.PARTIAL)


def _binding(checks: list[dict[str, Any]]) -> str:
    """``valid`` when every ReservedCode verifies, else each one's status (RC1 valid · RC2 invalid)."""
    if not checks:
        return "-"
    if all(c["status"] in ("valid", "absent") for c in checks) and checks[0]["status"] == "valid":
        return "valid"
    return " · ".join(f"RC{c['field'][-1]} {c['status']}" for c in checks)


def _notes(r: dict[str, Any], require_trusted: bool) -> str:
    """The reasons a file fails, then its other notes: every failing check says why."""
    if r["error"]:
        return str(r["error"])
    notes = [
        f"{c['field']} {c['status']}: {c['reason']}"
        for c in r["checks"]
        if c["status"] not in ("valid", "absent")
        or (c["field"] == "ReservedCode1" and c["status"] == "absent")
    ]
    if require_trusted and r["checks"] and not r["checks"][0]["trusted"]:
        notes.append("not signed by a trusted key / 非可信密钥签名")
    notes += r["problems"]
    if r["c2pa"]:
        notes.append(f"C2PA {r['c2pa']['validation_state']}")
    return "; ".join(notes)


def _run_inspect(
    paths: list[Path],
    trusted: list[str] | None,
    declared: bool,
    workers: int | None,
    as_json: bool,
    require_trusted: bool = False,
) -> list[dict[str, Any]]:
    from tongzhou.labels.batch import expand, inspect_many
    from tongzhou.labels.keys import trusted_key_ids

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError.of("no such file or directory: {path}", path=", ".join(missing))
    files = expand(paths)
    if not files:
        raise InputError.of(
            "no files to inspect in {paths}: the directories are empty",
            paths=", ".join(str(p) for p in paths),
        )
    trusted_ids = trusted_key_ids(trusted) if trusted else (trusted_key_ids() or None)
    results = []
    with Progress(disable=as_json or len(files) < 2, transient=True) as progress:
        task = progress.add_task("inspecting", total=len(files))
        for result in inspect_many(
            files, trusted_ids, declared, workers, on_done=lambda _r: progress.advance(task)
        ):
            results.append(result)
    if as_json:
        for result in results:
            typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        table = Table("file", "format", "Art. 6 class", "binding", "signer", "notes (why a check fails)")
        for r in results:
            checks = r["checks"]
            binding = _binding(checks)
            signer = ""
            if checks and checks[0]["key_id"]:
                signer = checks[0]["key_id"][:20] + (
                    ""
                    if checks[0]["trusted"] is None
                    else " (trusted)"
                    if checks[0]["trusted"]
                    else " (untrusted)"
                )
            table.add_row(
                r["path"], r["format"] or "-", r["art6"], binding, signer, _notes(r, require_trusted)
            )
        Console().print(table)
    return results


@app.command("inspect")
def inspect(
    paths: list[Path] = typer.Argument(
        ..., help="Files or directories (directories are processed in parallel)."
    ),
    trusted: list[str] = typer.Option(
        None, "--trusted-key", help="Key ring names to trust (default: all keys)."
    ),
    declared: bool = typer.Option(
        False, "--declared", help="The uploader declared the content AI-generated."
    ),
    workers: int = typer.Option(None, "--workers", help="Worker processes (default: CPU count)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per file."),
) -> None:
    """Read labels, validate fields, verify the binding and C2PA, and give the Art. 6 class.
    读取并检查标识。
    """
    _run_inspect(paths, trusted, declared, workers, as_json)


@app.command("verify")
def verify(
    paths: list[Path] = typer.Argument(..., help="Files or directories."),
    trusted: list[str] = typer.Option(
        None, "--trusted-key", help="Key ring names to trust (default: all keys)."
    ),
    require_trusted: bool = typer.Option(
        False, "--require-trusted", help="Fail unless a trusted key signed."
    ),
    workers: int = typer.Option(None, "--workers", help="Worker processes (default: CPU count)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per file."),
) -> None:
    """Like inspect, but exit 1 unless every file has a valid label (and binding).
    核验标识（失败时退出码 1）。
    """
    results = _run_inspect(paths, trusted, False, workers, as_json, require_trusted)
    bad = [r for r in results if not r["valid"] or (require_trusted and not r["checks"][0]["trusted"])]
    if bad:
        if not as_json:
            Console(stderr=True).print(
                f"[red]{len(bad)} of {len(results)} file(s) failed verification[/] "
                f"/ {len(bad)} 个文件未通过核验",
                highlight=False,
            )
        raise typer.Exit(1)
