"""What to tell a user when a native library dies in a child process (SIGILL, SIGSEGV, ...).

A native crash cannot be caught inside the process that suffers it: the kernel delivers the signal
and the interpreter dies with everything it held. Tongzhou therefore runs such libraries in a child
process (:mod:`tongzhou.model_runtime.model_process`), and the parent turns the child's exit status
into a :class:`~tongzhou.errors.BackendCrashError` whose message names the library, the signal, the
likely cause and the fix, in Chinese and English.
"""

from __future__ import annotations

import signal

from tongzhou.errors import BackendCrashError

_SIGNAL_MEANING: dict[str, tuple[str, str, str]] = {
    # name: (English meaning, Chinese meaning, likely cause)
    "SIGILL": (
        "illegal instruction",
        "非法指令",
        "the library was compiled for another CPU (-march=native with AVX-512 or AMX, or a wheel reused "
        "from another machine's cache); on a CPU without AVX2, build with TONGZHOU_RUNTIME_ISA=x86-64-v2",
    ),
    "SIGSEGV": ("memory access violation", "内存访问越界", "a bug in the library or a damaged model file"),
    "SIGBUS": ("bus error", "总线错误", "a model file truncated or changed while it was mapped"),
    "SIGABRT": ("aborted", "异常中止", "an assertion inside the library failed"),
    "SIGFPE": ("arithmetic fault", "算术异常", "a bug in the library"),
    "SIGKILL": ("killed", "被强制终止", "the system ran out of memory (OOM killer) or someone killed it"),
}

FIX_HINT = (
    "fix / 解决: run `make clean && make run` to rebuild the portable runtime "
    "(scripts/build-model-runtime.sh), "
    "or evaluate through an OpenAI-compatible endpoint instead: --model openai:http://HOST/v1#MODEL"
)


def signal_name(returncode: int) -> str | None:
    """``SIGILL`` for a child that died of signal 4 (``returncode == -4``); None for a normal exit."""
    if returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def crash_error(library: str, returncode: int, doing: str, stderr_tail: str = "") -> BackendCrashError:
    """The error for a child running ``library`` that ended with ``returncode`` while ``doing`` something.

    ``stderr_tail`` (the child's last output, with faulthandler's stack) is appended so the place of the
    crash is on record; it is not needed to understand the message.
    """
    name = signal_name(returncode)
    if name is None:
        head = (
            f"{library} exited unexpectedly with status {returncode} while {doing}. "
            f"{library} 在{_zh_doing(doing)}时意外退出（状态 {returncode}）。"
        )
        cause = ""
    else:
        en, zh, why = _SIGNAL_MEANING.get(name, ("fatal signal", "致命信号", "a fault in native code"))
        head = (
            f"{library} crashed with {name} ({en}) while {doing}. "
            f"{library} 在{_zh_doing(doing)}时因 {name}（{zh}）崩溃。"
        )
        cause = f"\n  likely cause / 可能原因: {why}"
    detail = f"\n  last output of the child process:\n{_indent(stderr_tail)}" if stderr_tail.strip() else ""
    return BackendCrashError(
        f"{head}{cause}\n  {FIX_HINT}{detail}",
        library=library,
        signal=name,
        returncode=returncode,
    )


def _zh_doing(doing: str) -> str:
    return {"loading the model": "加载模型", "answering": "生成回答", "starting": "启动"}.get(doing, doing)


def _indent(text: str, lines: int = 12) -> str:
    """The child's report from faulthandler's "Fatal Python error" line on (innermost frames first), or
    its last lines when there is none."""
    kept = [line for line in text.strip().splitlines() if line.strip()]
    starts = [i for i, line in enumerate(kept) if line.startswith("Fatal Python error")]
    kept = kept[starts[-1] : starts[-1] + lines] if starts else kept[-lines:]
    return "\n".join(f"    | {line}" for line in kept)
