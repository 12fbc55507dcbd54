"""Native model runtimes kept in child processes, and the checks that keep their builds portable.

* :class:`ModelProcess` — a GGUF model (llama.cpp) served by a child; a crash there becomes a clear
  :class:`~tongzhou.errors.BackendCrashError` instead of killing the caller.
* :func:`crash_error` — the bilingual message for any native library that died in a child.
* :mod:`tongzhou.model_runtime.isa` — which instructions the installed llama.cpp libraries use.
"""

from __future__ import annotations

from tongzhou.model_runtime.model_process import LoadOptions, ModelProcess, ModelRefusedError, runtime_library
from tongzhou.model_runtime.native_crash import crash_error

__all__ = ["LoadOptions", "ModelProcess", "ModelRefusedError", "crash_error", "runtime_library"]
