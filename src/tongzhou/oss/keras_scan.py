"""Keras: ``Lambda`` layers carry Python bytecode that Keras runs on load; custom objects import modules.

A ``.keras`` file is a zip whose ``config.json`` describes the model (the zip scanner hands every JSON
member here). A legacy ``.h5`` file keeps the same JSON in the ``model_config`` attribute of its root
group. h5py is not a dependency, so the HDF5 file is searched for that JSON as bytes: an attribute under
64 KiB is stored contiguously, so the config is found whole; a ``"Lambda"`` token outside any JSON that
decodes is still reported. Sources: Keras ``saving/saving_lib.py`` (``safe_mode`` refuses Lambda
deserialisation since Keras 2.13, CVE-2024-3660 was the bypass) and the ``.h5`` loader in
``legacy/saving``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.findings import Severity

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_SAFE_MODULE_ROOTS = ("keras", "tensorflow.keras", "tf_keras")


def _walk(node: object) -> Iterator[dict[str, object]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_keras_config(config: object, where: Location, ctx: ScanContext, offset: int | None = None) -> None:
    """Report Lambda layers, serialized functions and custom objects in a Keras model config."""
    for node in _walk(config):
        class_name = node.get("class_name")
        if class_name == "Lambda" or class_name == "__lambda__":
            ctx.add(
                where,
                Severity.CRITICAL,
                "keras.lambda",
                str(class_name),
                "a Lambda layer: Keras runs its Python bytecode when loaded with safe_mode=False",
                offset,
            )
        module = node.get("module")
        if (
            isinstance(module, str)
            and isinstance(class_name, str)
            and not module.startswith(_SAFE_MODULE_ROOTS)
            and module != "builtins"
        ):
            ctx.add(
                where,
                Severity.HIGH,
                "keras.custom-object",
                f"{module}.{class_name}",
                "a custom object: loading imports this module and runs its code",
                offset,
            )


def scan_json(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """A JSON member (``config.json`` of a .keras zip, a Hugging Face config): check it as a Keras config."""
    ctx.recognised(where, "json")
    try:
        config = json.loads(bytes(view).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        ctx.add(where, Severity.INFO, "json.malformed", "json", "not valid JSON: no loader can read it")
        return
    check_keras_config(config, where, ctx)


def _find_all(view: memoryview, needle: bytes) -> Iterator[int]:
    chunk, overlap = 64 << 20, len(needle) - 1
    for base in range(0, len(view), chunk):
        window = bytes(view[base : base + chunk + overlap])
        at = window.find(needle)
        while at != -1:
            if at < chunk:
                yield base + at
            at = window.find(needle, at + 1)


def scan_hdf5(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Find the Keras model config in an HDF5 file without h5py and check it."""
    ctx.recognised(where, "hdf5")
    decoder = json.JSONDecoder()
    found_config, covered_until = False, -1
    for hit in _find_all(view, b'"class_name"'):
        if hit < covered_until:
            continue
        window_start = max(0, hit - 4096)
        window = bytes(view[window_start:hit])
        starts = [window_start + i for i in range(len(window)) if window[i] == 0x7B][:32]
        for start in starts:  # farthest first: the outermost object that holds this class_name
            text = bytes(view[start : start + (1 << 24)]).decode("utf-8", "replace")
            try:
                config, length = decoder.raw_decode(text)
            except ValueError:
                continue
            if start + length > hit:
                found_config, covered_until = True, start + length
                check_keras_config(config, where, ctx, start)
                break
    if not any(f.code == "keras.lambda" and f.file == where.file for f in ctx.report.findings):
        for at in _find_all(view, b'"Lambda"'):
            ctx.add(
                where,
                Severity.CRITICAL,
                "keras.lambda",
                "Lambda",
                "a Lambda layer name in the HDF5 bytes (config not decodable without h5py)",
                at,
            )
            break
    if not found_config:
        ctx.add(
            where,
            Severity.INFO,
            "keras.h5-unchecked",
            "model_config",
            "no Keras model config found in the HDF5 bytes; h5py is not used, so a config in "
            "fragmented storage would be missed",
        )
