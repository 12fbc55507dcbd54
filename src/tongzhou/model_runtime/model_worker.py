"""The child side: load a GGUF model with llama-cpp-python and answer chat requests, one per line.

Run as ``python -m tongzhou.model_runtime.model_worker`` by :class:`~.model_process.ModelProcess`.
Protocol (JSON, one object per line):

* argv[1] is the load request ``{"model_path", "n_ctx", "n_threads", "seed"}``;
* the worker answers ``{"ready": true, "library": ...}`` once the model is loaded, or
  ``{"ready": false, "error": ...}`` when llama-cpp-python refuses it (a Python error, not a crash);
* then for each line ``{"messages": [...], "params": {...}}`` on stdin it writes
  ``{"ok": true, "completion": {...}}`` or ``{"ok": false, "error": ...}``.

Replies go to a private copy of the original stdout; file descriptor 1 is pointed at stderr, so
anything the native library prints cannot corrupt the protocol. ``faulthandler`` writes the Python
stack to stderr if the library dies, which the parent quotes in its error.
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import sys
from typing import Any, BinaryIO


def _send(out: BinaryIO, obj: dict[str, Any]) -> None:
    out.write(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")
    out.flush()


def main(argv: list[str]) -> int:
    """Serve until stdin closes; returns the exit status."""
    faulthandler.enable()
    # Ctrl-C is the parent's to handle: it stops asking and closes our stdin, which ends the loop below.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    load = json.loads(argv[1])
    try:
        import llama_cpp

        llm = llama_cpp.Llama(
            model_path=load["model_path"],
            n_ctx=int(load["n_ctx"]),
            n_threads=int(load["n_threads"]),
            seed=int(load["seed"]),
            verbose=False,
        )
    except Exception as exc:  # a refusal by the library (bad file, bad parameter): tell the parent
        _send(out, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    _send(out, {"ready": True, "library": f"llama-cpp-python {getattr(llama_cpp, '__version__', '?')}"})
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            answer = llm.create_chat_completion(messages=request["messages"], **request.get("params", {}))
        except Exception as exc:  # e.g. a prompt longer than the context: fails that request only
            _send(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
            continue
        _send(out, {"ok": True, "completion": answer})
    llm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
