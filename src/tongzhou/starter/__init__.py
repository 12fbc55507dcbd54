"""The example files of the README tour, written by `tongzhou init DIR`.

They live in ``files/`` beside this module (a profile, a test bank, a gateway policy, a corpus, a
text to label); the picture to label is drawn when written, so that no binary sits in the
repository. Existing files are never overwritten unless asked.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tongzhou.atomic_file import write_bytes_atomic
from tongzhou.errors import InputError

__all__ = ["PICTURE", "starter_files", "write_starter"]

PICTURE = "picture.png"


def starter_files() -> dict[str, bytes]:
    """``{relative path: content}`` of every file ``tongzhou init`` writes."""
    root = resources.files("tongzhou.starter") / "files"
    found: dict[str, bytes] = {}

    def walk(node: object, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):  # type: ignore[attr-defined]
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif not child.name.startswith((".", "__")):
                found[prefix + child.name] = child.read_bytes()

    walk(root, "")
    found[PICTURE] = _picture()
    return found


def _picture() -> bytes:
    """A 320×200 PNG (a gradient and a few shapes): something to label, as a model might generate."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200))
    draw = ImageDraw.Draw(image)
    for y in range(200):
        draw.line([(0, y), (319, y)], fill=(40 + y // 2, 90 + y // 3, 160))
    draw.ellipse([(200, 30), (280, 110)], fill=(250, 210, 80))
    draw.polygon([(0, 200), (120, 90), (240, 200)], fill=(60, 110, 70))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def write_starter(target: Path, *, force: bool = False) -> list[Path]:
    """Write the starter files into ``target`` (created if missing); return the paths written.

    :class:`InputError` names the files that exist already, unless ``force``; then nothing is written.
    """
    if target.exists() and not target.is_dir():
        raise InputError.of("{target} is a file; give a directory for the example files", target=target)
    files = starter_files()
    existing = sorted(name for name in files if (target / name).exists())
    if existing and not force:
        raise InputError.of(
            "{target} already has {existing}; nothing was written. Use another directory, or --force to "
            "overwrite them",
            target=target,
            existing=", ".join(existing),
        )
    written = []
    for name, data in files.items():
        path = target / name
        write_bytes_atomic(path, data)
        written.append(path)
    return written
