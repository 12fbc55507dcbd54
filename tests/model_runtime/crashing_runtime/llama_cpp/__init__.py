"""A stand-in for llama-cpp-python that dies of a native signal, as a llama.cpp built for another CPU does.

Put this directory first on PYTHONPATH of a child process. ``TONGZHOU_TEST_CRASH_SIGNAL`` picks the
signal (default SIGILL); ``TONGZHOU_TEST_CRASH_AT`` picks when: ``import`` (default, which also covers
``python -m llama_cpp.server``) or ``answer`` (the model loads, the first generation dies).
"""

import os
import signal

__version__ = "crashing-test-double"


def _die() -> None:
    os.kill(os.getpid(), getattr(signal, os.environ.get("TONGZHOU_TEST_CRASH_SIGNAL", "SIGILL")))


if os.environ.get("TONGZHOU_TEST_CRASH_AT", "import") == "import":
    _die()


class Llama:
    """Loads nothing; dies on the first generation."""

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs

    def create_chat_completion(self, **kwargs: object) -> None:
        _die()

    def close(self) -> None:
        pass
