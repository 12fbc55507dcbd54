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
from tongzhou.messages import LANGUAGES, N_, bilingual, translate

_SIGNAL_MEANING: dict[str, tuple[str, str]] = {
    # name: (meaning, a catalog message shown in both languages; likely cause)
    "SIGILL": (
        N_("illegal instruction"),
        "the library was compiled for another CPU (-march=native with AVX-512 or AMX, or a wheel reused "
        "from another machine's cache); on a CPU without AVX2, build with TONGZHOU_RUNTIME_ISA=x86-64-v2",
    ),
    "SIGSEGV": (N_("memory access violation"), "a bug in the library or a damaged model file"),
    "SIGBUS": (N_("bus error"), "a model file truncated or changed while it was mapped"),
    "SIGABRT": (N_("aborted"), "an assertion inside the library failed"),
    "SIGFPE": (N_("arithmetic fault"), "a bug in the library"),
    "SIGKILL": (N_("killed"), "the system ran out of memory (OOM killer) or someone killed it"),
}

_DOING = (N_("loading the model"), N_("answering"), N_("starting"))
"""What the child was doing, as the parent names it (each a catalog message)."""

FIX_HINT = (
    "run `make clean && make run` to rebuild the portable runtime (scripts/build-model-runtime.sh), "
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
        head = _both_sentences(
            N_("{library} exited unexpectedly with status {status} while {doing}."),
            library=library,
            status=returncode,
            doing=doing,
        )
        cause = ""
    else:
        meaning, why = _SIGNAL_MEANING.get(name, (N_("fatal signal"), "a fault in native code"))
        head = _both_sentences(
            N_("{library} crashed with {signal} ({meaning}) while {doing}."),
            library=library,
            signal=name,
            meaning=meaning,
            doing=doing,
        )
        likely = bilingual("likely cause")
        cause = f"\n  {likely}: {why}"
    detail = f"\n  last output of the child process:\n{_indent(stderr_tail)}" if stderr_tail.strip() else ""
    fix = bilingual("fix")
    return BackendCrashError(
        f"{head}{cause}\n  {fix}: {FIX_HINT}{detail}",
        library=library,
        signal=name,
        returncode=returncode,
    )


def _both_sentences(message: str, *, meaning: str = "", doing: str, **values: object) -> str:
    """The English sentence, then the catalog's Chinese one, the words ``meaning`` and ``doing`` in each
    language too (a child's crash is told in one message, not ``english / 中文``)."""
    sentences = []
    for lang in LANGUAGES:
        words = {"doing": translate(lang, doing)} | ({"meaning": translate(lang, meaning)} if meaning else {})
        try:
            sentences.append(translate(lang, message, **values, **words))
        except Exception:  # an unreadable catalog must not hide the crash: the English sentence alone
            break
    return " ".join(dict.fromkeys(sentences))


def _indent(text: str, lines: int = 12) -> str:
    """The child's report from faulthandler's "Fatal Python error" line on (innermost frames first), or
    its last lines when there is none."""
    kept = [line for line in text.strip().splitlines() if line.strip()]
    starts = [i for i, line in enumerate(kept) if line.startswith("Fatal Python error")]
    kept = kept[starts[-1] : starts[-1] + lines] if starts else kept[-lines:]
    return "\n".join(f"    | {line}" for line in kept)
