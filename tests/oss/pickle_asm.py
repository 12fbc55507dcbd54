"""A tiny pickle assembler: hostile pickles written opcode by opcode, without the objects they name.

The malicious samples must not need (or import) what they reference; ``pip.main`` or
``_posixsubprocess.fork_exec`` are written as bytes here, never called.
"""

from __future__ import annotations

import struct


def proto(n: int) -> bytes:
    return b"\x80" + bytes([n])


def glob(module: str, name: str) -> bytes:
    """GLOBAL (protocols 0-3)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def ustr(text: str) -> bytes:
    """SHORT_BINUNICODE or BINUNICODE."""
    data = text.encode()
    if len(data) < 256:
        return b"\x8c" + bytes([len(data)]) + data
    return b"X" + struct.pack("<I", len(data)) + data


def stack_global(module: str, name: str) -> bytes:
    """STACK_GLOBAL (protocol 4+) from two strings."""
    return ustr(module) + ustr(name) + b"\x93"


def call1(callable_ops: bytes, arg: str) -> bytes:
    """callable(arg) with TUPLE1 + REDUCE."""
    return callable_ops + ustr(arg) + b"\x85R"


def text_call(module: str, name: str, arg: str) -> bytes:
    """Protocol 0: GLOBAL, MARK, STRING, TUPLE, REDUCE, STOP."""
    return glob(module, name) + b"(S'" + arg.encode() + b"'\ntR."


def framed(body: bytes, protocol: int = 4) -> bytes:
    """Protocol 4/5 with one FRAME around the body."""
    return proto(protocol) + b"\x95" + struct.pack("<Q", len(body)) + body


def rebuild_tensor(key: str, numel: int) -> bytes:
    """torch._utils._rebuild_tensor_v2(<persistent storage>, 0, (numel,), (1,), False, OrderedDict())."""
    storage = (
        b"("
        + ustr("storage")
        + glob("torch", "FloatStorage")
        + ustr(key)
        + ustr("cpu")
        + b"J"
        + struct.pack("<i", numel)
        + b"tQ"
    )
    return (
        glob("torch._utils", "_rebuild_tensor_v2")
        + b"("
        + storage
        + b"K\x00"
        + b"J"
        + struct.pack("<i", numel)
        + b"\x85"
        + b"K\x01\x85"
        + b"\x89"
        + glob("collections", "OrderedDict")
        + b")R"
        + b"tR"
    )


def torch_state_dict(tensors: dict[str, int]) -> bytes:
    """A data.pkl as torch.save writes it for an OrderedDict state dict (protocol 2)."""
    body = glob("collections", "OrderedDict") + b")R"
    for index, (name, numel) in enumerate(tensors.items()):
        body += ustr(name) + rebuild_tensor(str(index), numel) + b"s"
    return proto(2) + body + b"."
