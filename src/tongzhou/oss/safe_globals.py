"""Which globals a pickle may import: an allow-list, and the known-dangerous names that set severity.

The decision is the allow-list. A global not on it is a finding (fail closed), because block-lists keep
losing: picklescan's 2025 advisories (CVE-2025-1716 ``pip.main``; CVE-2025-10155/10156/10157:
extension tricks, ZIP CRC errors, subclasses of blocked modules such as ``asyncio.unix_events``) each
found a callable the list did not name. The dangerous names below only raise the severity from
*high* (unknown) to *critical* (known to run code); they never make anything allowed.

Sources of the allow-list:
- PyTorch's own weights-only unpickler (``torch/_weights_only_unpickler.py``, ``_get_allowed_globals``
  in PyTorch 2.4-2.6): the rebuild functions, storage classes, dtypes, layouts and memory formats
  ``torch.save`` writes for tensors and state dicts.
- NumPy's ``ndarray.__reduce__`` (``numpy/_core/multiarray``): ``_reconstruct``, ``ndarray``, ``dtype``,
  ``scalar``, under both the NumPy 1 (``numpy.core``) and NumPy 2 (``numpy._core``) module names.
- The standard pickler's own helpers for protocols 0-2 (``copyreg._reconstructor``, ``_codecs.encode``
  for bytes) and plain containers.
"""

from __future__ import annotations

_TORCH_DTYPES = [
    "float64",
    "float32",
    "float16",
    "bfloat16",
    "complex128",
    "complex64",
    "complex32",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "double",
    "float",
    "half",
    "cfloat",
    "cdouble",
    "long",
    "int",
    "short",
]
_TORCH_STORAGES = [
    "DoubleStorage",
    "FloatStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexDoubleStorage",
    "ComplexFloatStorage",
    "QInt8Storage",
    "QUInt8Storage",
    "QInt32Storage",
    "QUInt4x2Storage",
    "QUInt2x4Storage",
    "UntypedStorage",
    "TypedStorage",
]
_TORCH_MISC = [
    "Size",
    "Tensor",
    "device",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "sparse_csc",
    "sparse_bsr",
    "sparse_bsc",
    "_mkldnn",
    "contiguous_format",
    "channels_last",
    "channels_last_3d",
    "preserve_format",
    "per_tensor_affine",
    "per_channel_affine",
    "per_tensor_symmetric",
    "per_channel_symmetric",
    "per_channel_affine_float_qparams",
]
_TORCH_UTILS = [
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_sparse_tensor",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_nested_tensor",
    "_rebuild_qtensor",
    "_rebuild_wrapper_subclass",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_device_tensor_from_cpu_tensor",
]

SAFE_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [
        ("collections", "OrderedDict"),
        ("collections", "Counter"),
        ("collections", "defaultdict"),
        ("collections", "deque"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "bytearray"),
        ("builtins", "bytes"),
        ("builtins", "complex"),
        ("builtins", "slice"),
        ("builtins", "range"),
        ("builtins", "int"),
        ("builtins", "float"),
        ("builtins", "str"),
        ("builtins", "list"),
        ("builtins", "dict"),
        ("builtins", "tuple"),
        ("builtins", "bool"),
        ("builtins", "object"),
        ("_codecs", "encode"),
        ("copyreg", "_reconstructor"),
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "timedelta"),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
        ("uuid", "UUID"),
        ("torch", "Size"),
        ("torch.nn.parameter", "Parameter"),
        ("torch._tensor", "_rebuild_from_type_v2"),
        ("torch.serialization", "_get_layout"),
        *(("torch", name) for name in _TORCH_DTYPES + _TORCH_STORAGES + _TORCH_MISC),
        *(("torch._utils", name) for name in _TORCH_UTILS),
        *(
            (module, name)
            for module in ("numpy.core.multiarray", "numpy._core.multiarray")
            for name in ("_reconstruct", "scalar")
        ),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        *(
            ("numpy", name)
            for name in [
                "float64",
                "float32",
                "float16",
                "int64",
                "int32",
                "int16",
                "int8",
                "uint64",
                "uint32",
                "uint16",
                "uint8",
                "bool_",
                "complex64",
                "complex128",
            ]
        ),
        *(
            ("numpy.dtypes", f"{n}DType")
            for n in ["Float64", "Float32", "Float16", "Int64", "Int32", "Int16", "Int8"]
        ),
        *(
            ("numpy.dtypes", f"{n}DType")
            for n in ["UInt64", "UInt32", "UInt16", "UInt8", "Bool", "Complex64"]
        ),
    ]
)
"""(module, qualified name) pairs a pickle may import. Exact match: ``torch._utils._rebuild_tensor_v2``
is allowed, a dotted name reaching through it (``_rebuild_tensor_v2.__globals__``) is not."""

DANGEROUS_MODULES: frozenset[str] = frozenset(
    [
        "os",
        "posix",
        "nt",
        "subprocess",
        "_posixsubprocess",
        "_winapi",
        "sys",
        "importlib",
        "imp",
        "pip",
        "runpy",
        "marshal",
        "pickle",
        "_pickle",
        "cPickle",
        "dill",
        "joblib",
        "shutil",
        "socket",
        "_socket",
        "ctypes",
        "_ctypes",
        "pty",
        "webbrowser",
        "code",
        "codeop",
        "types",
        "asyncio",
        "multiprocessing",
        "_multiprocessing",
        "threading",
        "_thread",
        "signal",
        "http",
        "urllib",
        "urllib3",
        "requests",
        "httpx",
        "ssl",
        "ftplib",
        "smtplib",
        "telnetlib",
        "poplib",
        "imaplib",
        "nntplib",
        "xmlrpc",
        "bdb",
        "pdb",
        "timeit",
        "trace",
        "profile",
        "cProfile",
        "idlelib",
        "lib2to3",
        "venv",
        "ensurepip",
        "distutils",
        "setuptools",
        "pkgutil",
        "zipimport",
        "_io",
        "io",
        "pathlib",
        "glob",
        "tempfile",
        "cgi",
        "pydoc",
        "site",
        "sysconfig",
        "linecache",
        "tokenize",
        "inspect",
        "gc",
        "ast",
        "builtins",
        "__builtin__",
        "functools",
        "operator",
        "_operator",
        "_functools",
        "torch.hub",
        "torch.load",
        "torch.jit",
        "torch.package",
        "torch.serialization",
        "numpy.testing",
        "numpy.f2py",
        "numpy.distutils",
        "numpy.load",
        "keras",
        "tensorflow",
    ]
)
"""Roots whose callables are known to reach code execution, files or the network; a non-allowed global
under one of these is *critical*. Sources: picklescan's ``_unsafe_globals`` (1.0.x), modelscan's
``unsafe_globals`` settings, fickling's ``UNSAFE_IMPORTS``, and the bypasses published against them
(``pip.main``, ``_posixsubprocess.fork_exec``, ``asyncio.unix_events``, ``timeit.timeit``,
``cProfile.run``, ``pydoc.locate``, ``operator.attrgetter``, ``functools.partial``)."""


def is_safe(module: str, name: str) -> bool:
    """True when ``module.name`` is on the allow-list."""
    return (module, name) in SAFE_GLOBALS


def is_known_dangerous(module: str, name: str) -> bool:
    """True when ``module`` (or a parent package) is known to reach code execution, or ``name`` is dotted
    (a dotted name walks attributes, e.g. ``getattr.__self__``)."""
    parts = module.split(".")
    roots = {".".join(parts[: i + 1]) for i in range(len(parts))}
    return bool(roots & DANGEROUS_MODULES) or "." in name or name.startswith("__")
