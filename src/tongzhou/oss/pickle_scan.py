"""Pickle opcode analysis: walk the opcodes (never unpickle) and check every import against the allow-list.

A small symbolic stack machine follows what the unpickler would do, so the module and name of a
``STACK_GLOBAL`` are known even when they arrive through the memo (``MEMOIZE``/``BINPUT`` then
``BINGET``), and a global fetched back from the memo is still known when ``REDUCE`` calls it. Whatever
cannot be resolved statically (an import whose name is computed, a call of a computed object, an
extension-registry code) is a finding: the scan fails closed. Python 2 module names are mapped as the
unpickler maps them (``__builtin__`` -> ``builtins``). Opcodes before a malformed one are still
analysed, because the unpickler has already run them when it meets the error.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickletools
from dataclasses import dataclass
from typing import IO, cast

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.findings import Severity
from tongzhou.oss.safe_globals import is_known_dangerous, is_safe

_STRING_OPS = frozenset(
    ["STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8"]
)
_PUT_OPS = frozenset(("PUT", "BINPUT", "LONG_BINPUT"))
_GET_OPS = frozenset(("GET", "BINGET", "LONG_BINGET"))
_MARK = object()
_UNKNOWN = object()
MAX_STREAMS = 16


@dataclass(frozen=True)
class _Global:
    module: str
    name: str


_BLOB_OPCODES = frozenset(b"B\x8e")
"""BINBYTES and BINBYTES8: pickletools hands their payload back unread, so a view can stand in for bytes
(the string opcodes decode theirs, which a memoryview cannot; BYTEARRAY8 copies anyway)."""
_BLOB_MIN = 1 << 16


class _ViewReader:
    """The file interface pickletools.genops needs, over a memoryview (no copy of the whole file)."""

    def __init__(self, view: memoryview, start: int = 0) -> None:
        self._view, self._pos, self._opcode = view, start, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self._view) if n < 0 else min(len(self._view), self._pos + n)
        if n == 1:  # genops reads each opcode byte alone
            self._opcode = self._view[self._pos] if end > self._pos else 0
        elif end - self._pos >= _BLOB_MIN and self._opcode in _BLOB_OPCODES:
            blob = self._view[self._pos : end]  # tensor bytes: never copied, so never paged in
            self._pos = end
            return cast(bytes, blob)
        data = bytes(self._view[self._pos : end])
        self._pos = end
        return data

    def readline(self) -> bytes:
        view, start = self._view, self._pos
        end = start
        limit = min(len(view), start + 65536)
        while end < limit and view[end] != 0x0A:
            end += 1
        end = min(end + 1, len(view))
        self._pos = end
        return bytes(view[start:end])

    def tell(self) -> int:
        return self._pos


_COPY_LIMIT = 64 << 20


def _reader(view: memoryview, start: int) -> IO[bytes]:
    """io.BytesIO (read in C: a state dict's pickle scans twice as fast) up to 64 MiB, else a view reader
    that copies nothing but what each opcode reads."""
    if len(view) <= _COPY_LIMIT:
        handle = io.BytesIO(view)
        handle.seek(start)
        return handle
    return cast(IO[bytes], _ViewReader(view, start))


class _Malformed(Exception):
    pass


def _index(arg: object) -> int:
    """A memo index or protocol number from genops (always an int for those opcodes)."""
    return arg if isinstance(arg, int) else -1


def _canonical(module: str, name: str, proto: int) -> tuple[str, str]:
    """Map Python 2 names as ``Unpickler.find_class`` does with fix_imports (protocol < 3)."""
    if proto < 3:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
    return module, name


def _check_import(ctx: ScanContext, where: Location, module: str, name: str, offset: int, op: str) -> None:
    if is_safe(module, name):
        return
    if is_known_dangerous(module, name):
        ctx.add(
            where,
            Severity.CRITICAL,
            "pickle.global.dangerous",
            f"{module}.{name}",
            f"{op} imports {module}.{name}, which can run code on load; do not load this file",
            offset,
        )
    else:
        ctx.add(
            where,
            Severity.HIGH,
            "pickle.global.not-allowed",
            f"{module}.{name}",
            f"{op} imports {module}.{name}, which is not on the allow-list of safe globals",
            offset,
        )


def _pop_to_mark(stack: list[object]) -> list[object]:
    items: list[object] = []
    while stack:
        item = stack.pop()
        if item is _MARK:
            items.reverse()
            return items
        items.append(item)
    raise _Malformed("no MARK on the stack")


def _pop(stack: list[object], n: int) -> list[object]:
    if len(stack) < n:
        raise _Malformed("stack underflow")
    taken = stack[len(stack) - n :]
    del stack[len(stack) - n :]
    return taken


def _scan_stream(view: memoryview, start: int, where: Location, ctx: ScanContext, in_torch: bool) -> int:
    """Analyse one pickle stream from ``start``; returns the offset after its STOP. Raises _Malformed."""
    stack: list[object] = []
    memo: dict[int, object] = {}
    proto = 0
    count = 0
    limit = ctx.limits.max_pickle_opcodes
    try:
        for opcode, arg, pos in pickletools.genops(_reader(view, start)):
            count += 1
            if count > limit:
                raise _Malformed(f"more than {limit} opcodes")
            name = opcode.name
            if name not in _SPECIAL:  # most opcodes only move the stack: one set lookup, then the table
                marked, popped, pushed = _EFFECTS[name]
                if marked:
                    _pop_to_mark(stack)
                if popped:
                    if len(stack) < popped:
                        raise _Malformed("stack underflow")
                    del stack[len(stack) - popped :]
                stack.extend(pushed)
                continue
            offset = pos if pos is not None else start
            if name == "STOP":
                return offset + 1
            if name == "PROTO":
                proto = _index(arg)
                continue
            if name in _STRING_OPS:
                stack.append(arg if isinstance(arg, str) else _UNKNOWN)
            elif name in _PUT_OPS or name == "MEMOIZE":
                if not stack:
                    raise _Malformed("memo store with an empty stack")
                memo[len(memo) if name == "MEMOIZE" else _index(arg)] = stack[-1]
            elif name in _GET_OPS:
                if _index(arg) not in memo:
                    raise _Malformed(f"memo key {arg} read before it was stored")
                stack.append(memo[_index(arg)])
            elif name in ("GLOBAL", "INST"):
                module, _, qual = str(arg).partition(" ")
                module, qual = _canonical(module, qual, proto)
                _check_import(ctx, where, module, qual, offset, name)
                if name == "INST":
                    _pop_to_mark(stack)
                    stack.append(_UNKNOWN)
                else:
                    stack.append(_Global(module, qual))
            elif name == "STACK_GLOBAL":
                module_obj, qual_obj = _pop(stack, 2)
                if isinstance(module_obj, str) and isinstance(qual_obj, str):
                    module, qual = _canonical(module_obj, qual_obj, proto)
                    _check_import(ctx, where, module, qual, offset, name)
                    stack.append(_Global(module, qual))
                else:
                    ctx.add(
                        where,
                        Severity.CRITICAL,
                        "pickle.global.dynamic",
                        "STACK_GLOBAL",
                        "STACK_GLOBAL imports a name computed at load time; it cannot be checked",
                        offset,
                    )
                    stack.append(_UNKNOWN)
            elif name in ("REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ"):
                if name == "OBJ":
                    items = _pop_to_mark(stack)
                    target = items[0] if items else _UNKNOWN
                else:
                    target = _pop(stack, 3 if name == "NEWOBJ_EX" else 2)[0]
                if not isinstance(target, _Global):
                    ctx.add(
                        where,
                        Severity.HIGH,
                        "pickle.call.computed",
                        name,
                        f"{name} calls an object that is not an imported global; it cannot be checked",
                        offset,
                    )
                stack.append(_UNKNOWN)
            elif name in ("EXT1", "EXT2", "EXT4"):
                ctx.add(
                    where,
                    Severity.HIGH,
                    "pickle.extension",
                    f"{name} {arg}",
                    "imports through the copyreg extension registry, which the scanner cannot see",
                    offset,
                )
                stack.append(_UNKNOWN)
            elif name in ("PERSID", "BINPERSID"):
                if name == "BINPERSID":
                    _pop(stack, 1)
                if not in_torch:
                    ctx.add(
                        where,
                        Severity.LOW,
                        "pickle.persistent-id",
                        name,
                        "a persistent id: the loader's persistent_load decides what it becomes",
                        offset,
                    )
                stack.append(_UNKNOWN)
            else:
                raise AssertionError(f"{name} is in _SPECIAL but not handled")
    except ValueError as exc:
        raise _Malformed(str(exc)) from None
    raise _Malformed("the stream ends without STOP")


def _effect(opcode: pickletools.OpcodeInfo) -> tuple[bool, int, tuple[object, ...]]:
    """(pops to a MARK, items popped besides, items pushed) of an opcode, from pickletools' tables."""
    before = opcode.stack_before
    marked = pickletools.markobject in before
    popped = before.index(pickletools.markobject) if marked else len(before)
    pushed = tuple(_MARK if item is pickletools.markobject else _UNKNOWN for item in opcode.stack_after)
    return marked, popped, pushed


_EFFECTS = {op.name: _effect(op) for op in pickletools.opcodes}
_SPECIAL = frozenset(
    {"STOP", "PROTO", "MEMOIZE", "GLOBAL", "INST", "STACK_GLOBAL", "REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ"}
    | {"EXT1", "EXT2", "EXT4", "PERSID", "BINPERSID"}
    | _STRING_OPS
    | _PUT_OPS
    | _GET_OPS
)
"""Opcodes the scan interprets; every other opcode only pops and pushes unknown values."""


def scan_pickle(view: memoryview, where: Location, ctx: ScanContext, *, in_torch: bool = False) -> None:
    """Analyse the pickle stream(s) in ``view``; findings go to ``ctx``.

    Several pickles may follow one another (PyTorch's legacy format writes five, then raw storage
    bytes): later streams are analysed while they parse to a STOP; raw data after them is not a stream.
    """
    ctx.recognised(where, "pickle")
    try:
        end = _scan_stream(view, 0, where, ctx, in_torch)
    except _Malformed as exc:
        ctx.add(
            where,
            Severity.MEDIUM,
            "pickle.malformed",
            "pickle",
            f"malformed pickle ({exc}); opcodes before the error were analysed, as a loader runs them",
        )
        return
    for _ in range(MAX_STREAMS - 1):
        if end >= len(view):
            return
        probe = ScanContext(ctx.limits, ctx.dispatch)
        try:
            end = _scan_stream(view, end, where, probe, in_torch)
        except _Malformed:
            return
        ctx.report.findings.extend(probe.report.findings)


def looks_like_pickle(view: memoryview) -> bool:
    """True for a protocol 2+ header, or a stream that parses completely to STOP."""
    if len(view) >= 2 and view[0] == 0x80 and view[1] <= 5:
        return True
    if not view or view[0] not in _FIRST_OPCODES:
        return False
    try:
        for count, (opcode, _arg, _pos) in enumerate(pickletools.genops(_reader(view, 0))):
            if opcode.name == "STOP":
                return count > 0
            if count > _PROBE_OPCODES:
                return False
    except (ValueError, UnicodeDecodeError):
        return False
    return False


_PROBE_OPCODES = 1_000_000
"""How far :func:`looks_like_pickle` reads a file with no pickle header before it gives up."""
_FIRST_OPCODES = frozenset(ord(op.code) for op in pickletools.opcodes)
