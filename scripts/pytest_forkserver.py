"""A pytest fork server for mutation testing (scripts/mutation.sh): each mutant's test run starts
from a process that has already imported the third-party libraries, instead of importing them again.

mutmut 2 starts the test command once per mutant. Importing FastAPI, SQLAlchemy, uvicorn, httpx,
pytest and the rest took 3 s of CPU per start (about 15 s of wall time on the shared 2-core machine,
measured 2026-12-06), more than most killed mutants need for their failing test. The server imports
them once; for each request it forks, and the child imports ``tongzhou`` and the tests afresh (the
server never imports either, so every child reads the mutant mutmut has just written) and runs
``pytest.main``. The client's exit status is pytest's, so the runner's ``|| exit 1`` mapping holds.

    python scripts/pytest_forkserver.py serve SOCKET        (in the background; stops with its parent)
    python scripts/pytest_forkserver.py run SOCKET -- PYTEST ARGS...

When mutmut's timeout kills the runner's shell, the client leaves, and the server kills the child's
process group.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import sys

PRELOAD = (
    "alembic",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "cryptography.hazmat.primitives.serialization",
    "fastapi",
    "httpx",
    "jsonschema",
    "multiprocessing.managers",
    "nacl.signing",
    "psycopg",
    "pydantic",
    "pytest",
    "rich.console",
    "securesystemslib.dsse",
    "securesystemslib.signer",
    "sqlalchemy",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.orm",
    "starlette",
    "stix2",
    "stix2.datastore.filesystem",
    "stix2patterns.validator",
    "stix2patterns.v21.validator",
    "taxii2client.v21",
    "typer",
    "typer.testing",
    "uvicorn",
    "uvicorn.protocols.http.httptools_impl",
    "yaml",
)
"""Third-party modules the mapped test files import; none of them imports the project."""


def serve(path: str) -> None:
    """Answer run requests one at a time until the parent process (the shell script) is gone."""
    parent = os.getppid()
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    loaded = [m for m in sys.modules if m.split(".")[0] in ("tongzhou", "tests")]
    if loaded:
        raise SystemExit(f"pytest_forkserver: the preload imported the project ({loaded[:3]}); refusing")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(5)
    while os.getppid() == parent:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(None)
            request = json.loads(conn.makefile("r").readline())
            code = _run_child(listener, conn, request)
            with contextlib.suppress(OSError):
                conn.sendall(f"{code}\n".encode())


def _run_child(listener: socket.socket, conn: socket.socket, request: dict[str, object]) -> int:
    pid = os.fork()
    if pid == 0:  # the child: a fresh import of the project and the tests
        try:
            listener.close()
            conn.close()
            os.setpgid(0, 0)
            os.chdir(str(request["cwd"]))
            os.environ.clear()
            os.environ.update(request["env"])  # type: ignore[arg-type]
            for entry in reversed(os.environ.get("PYTHONPATH", "").split(os.pathsep)):
                if entry:
                    sys.path.insert(0, os.path.abspath(entry))
            sys.dont_write_bytecode = True
            log = os.open(str(request["log"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            import pytest

            code = int(pytest.main(list(request["args"])))  # type: ignore[call-overload]
        except BaseException:  # anything at all: a failed run, never a survivor
            code = 3
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1
        ready, _, _ = select.select([conn], [], [], 0.1)
        if ready and not conn.recv(1):  # the client is gone (timed out): stop the run
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return 1


def run(path: str, args: list[str]) -> int:
    """Send one pytest run to the server and return its exit status."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    log = os.environ.get("PYTEST_FORKSERVER_LOG", os.devnull)
    request = {"cwd": os.getcwd(), "env": dict(os.environ), "args": args, "log": log}
    client.sendall(json.dumps(request).encode() + b"\n")
    parent = os.getppid()
    while not select.select([client], [], [], 1.0)[0]:
        if os.getppid() != parent:  # mutmut's timeout killed the shell that started us: give up
            return 1
    answer = client.makefile("r").readline()
    return int(answer) if answer.strip() else 1


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1])
        return 0
    if len(argv) >= 3 and argv[0] == "run" and argv[2] == "--":
        return run(argv[1], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
