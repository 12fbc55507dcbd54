"""Demo step: label a generated PNG, JPEG, MP4 and text answer (explicit + implicit + C2PA), then verify.

Writes into ``ctx.out_dir / "labels"``: the originals, labelled copies, a label grafted onto an
unrelated image (to show detection of a copied label), and ``verification.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from rich.table import Table

from tongzhou.demo import DemoContext
from tongzhou.labels.c2pa_certs import write_test_credentials
from tongzhou.labels.c2pa_manifest import C2paCredentials
from tongzhou.labels.files import inspect_file, label_file
from tongzhou.labels.keys import trusted_key_ids

DEMO_PRODUCER = "001191110000TZDEMO000110000"
"""A made-up provider code with the TC260-PG-20252A shape (no real organisation)."""

ANSWER = (
    "# 同舟示例回答 / Tongzhou sample answer\n\n"
    "《全球人工智能治理行动计划》提出推动人工智能生成合成内容标识。\n"
    "The Action Plan asks providers to label AI-generated content.\n"
)


def _samples(folder: Path) -> list[Path]:
    from PIL import Image, ImageDraw

    image = Image.linear_gradient("L").resize((640, 400)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((220, 100, 420, 300), fill=(30, 120, 200))
    png, jpg, md = folder / "generated.png", folder / "generated.jpg", folder / "answer.md"
    image.save(png)
    image.save(jpg, quality=90)
    md.write_text(ANSWER, encoding="utf-8")
    samples = [png, jpg, md]
    if shutil.which("ffmpeg"):
        mp4 = folder / "generated.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=10",
                "-t",
                "3",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                str(mp4),
            ],
            check=True,
            timeout=120,
        )
        samples.append(mp4)
    return samples


def _graft(labelled_png: Path, other_png: Path, target: Path) -> None:
    """Copy the label chunk of one PNG onto another image (what a forger would do)."""
    data = labelled_png.read_bytes()
    start = data.index(b"iTXtXML:com.adobe.xmp") - 4
    chunk = data[start : start + 12 + int.from_bytes(data[start : start + 4], "big")]
    photo = other_png.read_bytes()
    target.write_bytes(photo[:33] + chunk + photo[33:])


def add_and_verify_labels(ctx: DemoContext) -> None:
    """Label sample outputs and verify them; show the Art. 6 class a platform would assign."""
    folder = ctx.out_dir / "labels"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "labelled").mkdir(parents=True)
    samples = _samples(folder)
    cert, key = write_test_credentials(folder)
    credentials = C2paCredentials.from_files(cert, key)
    outputs = []
    for path in samples:
        c2pa = credentials if path.suffix in (".png", ".jpg", ".mp4") else None
        result = label_file(path, DEMO_PRODUCER, out_dir=folder / "labelled", explicit=True, c2pa=c2pa)
        outputs.append(result.output)
    from PIL import Image

    other = folder / "unrelated-photo.png"
    Image.new("RGB", (640, 400), (200, 180, 150)).save(other)
    grafted = folder / "copied-label.png"
    _graft(outputs[0], other, grafted)
    trusted = trusted_key_ids()
    reports = [inspect_file(p, trusted) for p in [*outputs, other, grafted]]
    table = Table("file", "format", "label", "binding", "C2PA", "Art. 6 class")
    for r in reports:
        table.add_row(
            r.path.name,
            r.format or "-",
            "yes" if r.label else "no",
            r.checks[0].status if r.checks else "-",
            (r.c2pa or {}).get("validation_state", "-"),
            r.art6,
        )
    ctx.console.print(table)
    (folder / "verification.json").write_text(
        json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2), encoding="utf-8"
    )
    labelled_ok = all(r.valid for r in reports[: len(outputs)])
    detected = reports[-1].art6 == "suspected" and reports[-2].art6 == "none"
    ctx.console.print(
        f"labels: {len(outputs)} files labelled and verified: {'OK' if labelled_ok else 'FAILED'}; "
        f"copied label detected: {'OK' if detected else 'FAILED'}; see {folder}"
    )
    if not (labelled_ok and detected):
        raise RuntimeError("labels demo: verification did not come out as expected")
