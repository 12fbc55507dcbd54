"""`tongzhou label add|inspect|verify`: GB 45438 implicit (and explicit) labels, C2PA, Art. 6 detection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tongzhou.errors import InputError
from tongzhou.labels.batch import expand, expand_with_outputs, inspect_many, label_many
from tongzhou.labels.c2pa_manifest import C2paCredentials
from tongzhou.labels.explicit_text import Language
from tongzhou.labels.keys import DEFAULT_KEY_NAME, signing_key, trusted_key_ids

app = typer.Typer(
    help="Label AI-generated content (GB 45438, C2PA) and check labels (Labeling Measures Art. 6).",
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
    c2pa: bool = typer.Option(False, "--c2pa", help="Also sign a C2PA manifest (needs --cert and --key)."),
    cert: Path = typer.Option(None, "--cert", help="C2PA signing certificate chain, PEM, leaf first."),
    key: Path = typer.Option(None, "--key", help="C2PA signing private key, PEM."),
    key_name: str = typer.Option(
        DEFAULT_KEY_NAME, "--key-name", help="Key ring key that signs ReservedCode1/2."
    ),
    out: Path = typer.Option(None, "--out", help="Write labelled copies into this directory."),
    in_place: bool = typer.Option(False, "--in-place", help="Rewrite the inputs themselves (atomically)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines for pipelines."),
    workers: int = typer.Option(None, "--workers", help="Worker processes (default: CPU count)."),
) -> None:
    """Write the implicit AIGC label (bound with Ed25519) into copies of FILES (default NAME.aigc.EXT)."""
    if out is not None and in_place:
        raise InputError("give --out or --in-place, not both")
    credentials = None
    if c2pa:
        if cert is None or key is None:
            raise InputError("--c2pa needs --cert and --key")
        credentials = C2paCredentials.from_files(cert, key)
    signing_key(key_name, create=key_name == DEFAULT_KEY_NAME)  # fail early on a missing key
    jobs = expand_with_outputs(files, out)
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
        raise typer.Exit(2)


def _run_inspect(
    paths: list[Path], trusted: list[str] | None, declared: bool, workers: int | None, as_json: bool
) -> list[dict[str, Any]]:
    files = expand(paths)
    if not files:
        raise InputError("no files to inspect")
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
        table = Table("file", "format", "Art. 6 class", "binding", "signer", "notes")
        for r in results:
            checks = r["checks"]
            binding = checks[0]["status"] if checks else "-"
            signer = ""
            if checks and checks[0]["key_id"]:
                signer = checks[0]["key_id"][:20] + (
                    ""
                    if checks[0]["trusted"] is None
                    else " (trusted)"
                    if checks[0]["trusted"]
                    else " (untrusted)"
                )
            notes = r["error"] or "; ".join(
                r["problems"] + ([f"C2PA {r['c2pa']['validation_state']}"] if r["c2pa"] else [])
            )
            table.add_row(r["path"], r["format"] or "-", r["art6"], binding, signer, notes)
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
    """Read labels, validate fields, verify the binding and C2PA, and give the Art. 6 class."""
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
    """Like inspect, but exit 1 unless every file has a valid label (and binding)."""
    results = _run_inspect(paths, trusted, False, workers, as_json)
    bad = [r for r in results if not r["valid"] or (require_trusted and not r["checks"][0]["trusted"])]
    if bad:
        if not as_json:
            Console(stderr=True).print(f"[red]{len(bad)} of {len(results)} file(s) failed verification[/]")
        raise typer.Exit(1)
