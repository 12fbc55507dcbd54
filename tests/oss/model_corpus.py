"""The scan corpus: malicious samples for each published bypass technique, and benign files of every format.

Everything is built here from bytes (no downloads, nothing executed); benchmarks/model_scan.py scans the
same corpus with picklescan, modelscan and fickling. Each sample names the technique it stands for.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import struct
import tarfile
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from tests.oss import pickle_asm as asm
from tests.oss.format_builders import (
    DENSE,
    LAMBDA,
    gguf_file,
    keras_config,
    npy_header,
    onnx_model,
    safetensors_file,
)


@dataclass(frozen=True)
class Sample:
    """One corpus file: where it is, whether it is malicious, and the technique it carries."""

    path: Path
    malicious: bool
    technique: str


def _zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar_gz(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


CHATML = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message.content + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
TOOLS_TEMPLATE = (
    "{%- set ns = namespace(system='') -%}{%- if tools %}{{ '<|im_start|>system\\n' }}"
    "{%- for tool in tools %}{{ tool | tojson }}{%- endfor %}{%- endif %}"
    "{%- for message in messages | selectattr('role', 'ne', 'tool') %}"
    "{%- if message.role not in ['user', 'assistant', 'system'] %}"
    "{{ raise_exception('bad role') }}{%- endif %}"
    "{%- if message.tool_calls is defined %}{%- for call in message.tool_calls %}"
    "{{ call.function.name }}{{ call.function.arguments | tojson }}{%- endfor %}{%- endif %}"
    "{{ message['content'] | trim }}{{ message.content.split('</think>')[-1].strip() }}"
    "{%- set ns.system = ns.system ~ loop.index0 | string %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)
_RCE = asm.proto(2) + asm.call1(asm.glob("os", "system"), "echo pwned") + b"."


def malicious_samples() -> dict[str, tuple[str, bytes]]:
    """file name -> (technique, bytes)."""
    a = asm
    memo_trick = (
        a.proto(4)
        + a.ustr("os")
        + b"\x94"
        + a.ustr("system")
        + b"\x94"
        + b"0"
        + b"0"  # stored, popped
        + b"h\x00h\x01\x93"
        + a.ustr("id")
        + b"\x85R."
    )
    dynamic = (
        a.proto(4)
        + a.glob("_codecs", "encode")
        + a.ustr("os")
        + a.ustr("latin1")
        + b"\x86R"
        + a.ustr("system")
        + b"\x93"
        + a.ustr("id")
        + b"\x85R."
    )
    getattr_chain = (
        a.proto(2)
        + a.glob("builtins", "getattr")
        + b"("
        + a.call1(a.glob("builtins", "__import__"), "os")
        + a.ustr("system")
        + b"tR"
        + a.ustr("id")
        + b"\x85R."
    )
    legacy = b"".join(pickle.dumps(x, 2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
    legacy += _RCE + pickle.dumps(["0"], 2) + b"\x00" * 64
    torch_zip = _zip(
        [("archive/data.pkl", _RCE), ("archive/version", b"3\n"), ("archive/data/0", b"\0" * 16)]
    )
    crc_broken = bytearray(torch_zip)
    crc_broken[14:18] = b"\xde\xad\xbe\xef"  # local header CRC
    central = crc_broken.find(b"PK\x01\x02")
    crc_broken[central + 16 : central + 20] = b"\xde\xad\xbe\xef"
    nested = _tar_gz([("inner.zip", _zip([("deeper.zip", _zip([("model.pkl", _RCE)]))]))])
    duplicate = io.BytesIO()
    with zipfile.ZipFile(duplicate, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"a": 1}, 2))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            archive.writestr("archive/data.pkl", _RCE)
    object_npy = npy_header("|O", (1,)) + _RCE
    return {
        "p0_os_system.pkl": ("protocol 0 GLOBAL os.system", a.text_call("os", "system", "id")),
        "p1_posix_system.pkl": (
            "protocol 1 posix.system with BINPUT",
            a.glob("posix", "system") + b"q\x00(X\x02\x00\x00\x00idtR.",
        ),
        "p2_subprocess.pkl": (
            "protocol 2 subprocess.Popen",
            a.proto(2) + a.call1(a.glob("subprocess", "Popen"), "id") + b".",
        ),
        "p3_builtins_eval.pkl": (
            "protocol 3 builtins.eval",
            a.proto(3) + a.call1(a.glob("builtins", "eval"), "1") + b".",
        ),
        "p4_stack_global_exec.pkl": (
            "protocol 4 STACK_GLOBAL builtins.exec",
            a.framed(a.call1(a.stack_global("builtins", "exec"), "import os") + b"."),
        ),
        "p5_runpy.pkl": (
            "protocol 5 runpy._run_code",
            a.framed(a.call1(a.stack_global("runpy", "_run_code"), "x") + b".", 5),
        ),
        "py2_builtin_exec.pkl": (
            "Python 2 name __builtin__.exec",
            a.proto(2) + a.call1(a.glob("__builtin__", "exec"), "x") + b".",
        ),
        "pip_main.pkl": (
            "pip.main (CVE-2025-1716)",
            a.proto(2) + a.call1(a.glob("pip", "main"), "install") + b".",
        ),
        "importlib.pkl": (
            "importlib.import_module",
            a.framed(a.call1(a.stack_global("importlib", "import_module"), "os") + b"."),
        ),
        "marshal.pkl": (
            "marshal.loads + types.FunctionType",
            a.proto(2) + a.call1(a.glob("marshal", "loads"), "c") + b".",
        ),
        "posixsubprocess.pkl": (
            "private module _posixsubprocess.fork_exec",
            a.proto(2) + a.call1(a.glob("_posixsubprocess", "fork_exec"), "x") + b".",
        ),
        "asyncio_unix_events.pkl": (
            "submodule of a blocked package asyncio.unix_events (CVE-2025-10157)",
            a.proto(2) + a.call1(a.glob("asyncio.unix_events", "_UnixSubprocessTransport"), "x") + b".",
        ),
        "timeit.pkl": ("timeit.timeit", a.proto(2) + a.call1(a.glob("timeit", "timeit"), "x") + b"."),
        "cprofile.pkl": ("cProfile.run", a.proto(2) + a.call1(a.glob("cProfile", "run"), "x") + b"."),
        "pydoc_locate.pkl": (
            "pydoc.locate",
            a.proto(2) + a.call1(a.glob("pydoc", "locate"), "os.system") + b".",
        ),
        "operator_attrgetter.pkl": (
            "operator.attrgetter",
            a.proto(2) + a.call1(a.glob("operator", "attrgetter"), "system") + b".",
        ),
        "numpy_runstring.pkl": (
            "numpy.testing._private.utils.runstring",
            a.proto(2) + a.call1(a.glob("numpy.testing._private.utils", "runstring"), "x") + b".",
        ),
        "torch_hub_load.pkl": (
            "torch.hub.load",
            a.proto(2) + a.call1(a.glob("torch.hub", "load"), "x") + b".",
        ),
        "unknown_module.pkl": (
            "a module nobody lists (evil_pkg.payload)",
            a.proto(2) + a.call1(a.glob("evil_pkg", "payload"), "x") + b".",
        ),
        "dotted_name.pkl": (
            "allowed module, dotted name collections.OrderedDict.__init__",
            a.framed(a.stack_global("collections", "OrderedDict.__init__") + b")R."),
        ),
        "nested_pickle_loads.pkl": (
            "pickle.loads of an embedded pickle",
            a.proto(3) + a.glob("_pickle", "loads") + b"C" + bytes([len(_RCE)]) + _RCE + b"\x85R.",
        ),
        "dotted_method.pkl": (
            "dotted name code.InteractiveInterpreter.runsource",
            a.framed(a.stack_global("code", "InteractiveInterpreter.runsource") + a.ustr("x") + b"\x85R."),
        ),
        "getattr_chain.pkl": ("builtins via getattr(__import__('os'), 'system')", getattr_chain),
        "memo_indirection.pkl": ("STACK_GLOBAL from memo GET (BINGET)", memo_trick),
        "dynamic_global.pkl": ("STACK_GLOBAL of a computed name", dynamic),
        "inst_opcode.pkl": ("INST opcode", b"(S'id'\nios\nsystem\n."),
        "obj_opcode.pkl": (
            "OBJ opcode with subprocess.Popen",
            a.proto(2) + b"(" + a.glob("subprocess", "Popen") + a.ustr("id") + b"o.",
        ),
        "ext_registry.pkl": ("EXT1 extension registry", a.proto(2) + b"\x82\x01)R."),
        "truncated_after_reduce.pkl": (
            "payload before a parse error",
            a.proto(2) + a.call1(a.glob("os", "system"), "id") + b"\xff\xff",
        ),
        "second_stream.pkl": ("benign pickle, then a malicious one", pickle.dumps({"a": 1}, 2) + _RCE),
        "legacy_torch.pt": ("PyTorch legacy format (five pickles, then storage)", legacy),
        "torch_zip.pt": ("PyTorch zip with a malicious data.pkl", torch_zip),
        "torch_zip_bad_crc.pt": ("zip CRC error (CVE-2025-10156)", bytes(crc_broken)),
        "duplicate_member.pt": ("zip with a duplicated member name", duplicate.getvalue()),
        "nested.tar.gz": ("zip in zip in tar.gz", nested),
        "renamed.safetensors": ("pickle named .safetensors (extension mismatch)", _RCE),
        "renamed.txt": ("pickle named .txt (CVE-2025-10155)", _RCE),
        "renamed.bin": ("pickle named .bin", _RCE),
        "object_array.npy": ("NumPy object array with a pickle payload", object_npy),
        "object_array.npz": ("NumPy .npz holding an object array", _zip([("x.npy", object_npy)])),
        "lambda.keras": (
            "Keras .keras Lambda layer",
            _zip([("config.json", keras_config([DENSE, LAMBDA])), ("metadata.json", b"{}")]),
        ),
        "lambda.h5": (
            "Keras .h5 Lambda layer",
            b"\x89HDF\r\n\x1a\n" + b"\0" * 120 + keras_config([LAMBDA]) + b"\0" * 64,
        ),
        "custom_object.keras": (
            "Keras custom object module",
            _zip(
                [
                    (
                        "config.json",
                        keras_config([{"module": "evil.layers", "class_name": "Boom", "config": {}}]),
                    )
                ]
            ),
        ),
        "escape.onnx": ("ONNX external data ../../etc/passwd", onnx_model("../../etc/passwd")),
        "escape_subgraph.onnx": (
            "ONNX absolute external path in a subgraph",
            onnx_model("/etc/shadow", True),
        ),
        "template_globals.gguf": (
            "GGUF chat template cycler.__init__.__globals__",
            gguf_file("{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
        ),
        "template_attr.gguf": (
            "GGUF chat template |attr('__class__') (CVE-2025-27516)",
            gguf_file("{{ ''|attr('__class__')|attr('__mro__') }}"),
        ),
        "template_subclasses.gguf": (
            "GGUF chat template ''.__class__.__mro__[1].__subclasses__()",
            gguf_file("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        ),
        "wrapped.7z": (
            "pickle in a 7z archive (not openable: fail closed)",
            b"7z\xbc\xaf\x27\x1c\x00\x04" + _RCE,
        ),
    }


def benign_samples() -> dict[str, tuple[str, bytes]]:
    """file name -> (what it is, bytes)."""
    import numpy

    data = {"layers": [1, 2, 3], "name": "m", "scale": 0.5, "flags": (True, None)}
    samples = {f"plain_p{p}.pkl": (f"plain data, protocol {p}", pickle.dumps(data, p)) for p in range(6)}
    array = numpy.arange(12, dtype=numpy.float32).reshape(3, 4)
    samples["numpy_p2.pkl"] = ("a NumPy array pickled, protocol 2", pickle.dumps(array, 2))
    samples["numpy_p4.pkl"] = ("a NumPy array pickled, protocol 4", pickle.dumps(array, 4))
    samples["ordered.pkl"] = ("OrderedDict, set, bytes", pickle.dumps(OrderedDict(a={1, 2}, b=b"xy"), 2))
    npy, npz, npzc = io.BytesIO(), io.BytesIO(), io.BytesIO()
    numpy.save(npy, array)
    numpy.savez(npz, a=array, b=array[0])
    numpy.savez_compressed(npzc, a=array)
    samples["array.npy"] = ("numeric .npy", npy.getvalue())
    samples["arrays.npz"] = ("numeric .npz", npz.getvalue())
    samples["arrays_compressed.npz"] = ("compressed .npz", npzc.getvalue())
    state = asm.torch_state_dict({"w": 4, "b": 2})
    samples["state_dict.pt"] = (
        "PyTorch zip state dict",
        _zip(
            [
                ("archive/data.pkl", state),
                ("archive/byteorder", b"little"),
                ("archive/data/0", struct.pack("<4f", 1, 2, 3, 4)),
                ("archive/data/1", b"\x80\x02K\x01." * 2),
                ("archive/version", b"3\n"),
            ]
        ),
    )
    samples["model.safetensors"] = (
        "safetensors",
        safetensors_file(
            {"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)), "b": ("F16", [2], b"\0" * 4)},
            {"format": "pt"},
        ),
    )
    samples["chatml.gguf"] = ("GGUF with a ChatML template", gguf_file(CHATML))
    samples["tools.gguf"] = ("GGUF with a tool-calling template", gguf_file(TOOLS_TEMPLATE))
    samples["model.onnx"] = ("ONNX with external data beside it", onnx_model("weights/model.bin"))
    samples["dense.keras"] = (
        "Keras .keras Dense",
        _zip([("config.json", keras_config([DENSE])), ("metadata.json", b"{}")]),
    )
    samples["dense.h5"] = ("Keras .h5 Dense", b"\x89HDF\r\n\x1a\n" + b"\0" * 120 + keras_config([DENSE]))
    samples["config.json"] = (
        "Hugging Face config.json",
        json.dumps({"architectures": ["LlamaForCausalLM"]}).encode(),
    )
    samples["pickle.pkl.gz"] = ("gzip of a pickle", gzip.compress(pickle.dumps(data, 4)))
    samples["bundle.tar.gz"] = (
        "tar.gz of benign models",
        _tar_gz([("a.pkl", pickle.dumps(data, 2)), ("b.npy", npy.getvalue())]),
    )
    samples["nested.zip"] = (
        "zip in zip",
        _zip([("inner.zip", _zip([("m.pkl", pickle.dumps(data, 3))]))], zipfile.ZIP_DEFLATED),
    )
    return samples


def build_corpus(directory: Path) -> list[Sample]:
    """Write every sample under ``directory`` (malicious/ and benign/) and list them."""
    samples: list[Sample] = []
    for malicious, table in ((True, malicious_samples()), (False, benign_samples())):
        folder = directory / ("malicious" if malicious else "benign")
        folder.mkdir(parents=True, exist_ok=True)
        for name, (technique, content) in table.items():
            (folder / name).write_bytes(content)
            samples.append(Sample(folder / name, malicious, technique))
    return samples
