"""``tongzhou gateway --workers N``: N gateway processes behind one port, obeying one halt.

The supervisor (this process) checks what a start needs (the halt state, the ledger, the port),
then starts N worker processes. Each worker is a whole gateway (:func:`.server.serve`) listening on
the same ``host:port`` with SO_REUSEPORT, so the kernel spreads new connections over the workers
that are alive and a dead worker takes no new ones. The workers share the halt through the halt
ledger (:mod:`.halt_ledger`; ``halt.ledger.url``, the Tongzhou store when none is set); each keeps
its own audit chain, worker ``w<i>`` of the audit directory (``<audit dir>/workers/w<i>/``, one
writer per chain), so the signed audit heads cover every worker's chain. A worker that dies is
started again, and reads the ledger before it listens, so it starts in the current halt state.

Only the same user can bind a port already bound with SO_REUSEPORT (Linux checks the effective
uid), so another account cannot join the group and take a share of the connections.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path

from tongzhou.errors import InputError
from tongzhou.gateway.audit_head_signer import load_head_key
from tongzhou.gateway.halt_book import HaltBook
from tongzhou.gateway.halt_ledger import HaltLedger
from tongzhou.gateway.policy import GatewayPolicy
from tongzhou.gateway.response_labels import ResponseLabeller
from tongzhou.gateway.server import serve

START_SECONDS = 60.0
"""How long the supervisor waits for every worker to listen."""
STOP_SECONDS = 15.0
"""On stop, a worker gets this long after SIGTERM (its answers in progress finish) before SIGKILL."""
RESTART_BACKOFF_SECONDS = 1.0
"""A worker that dies within this of its start is restarted only after this long (no busy loop)."""

Ready = tuple[int, int, str | None]
"""(worker index, pid, error or None) sent by a worker once it listens, or failed to."""


def worker_id(index: int) -> str:
    """Worker ``index``'s audit chain id (``w0``, ``w1`` …): its chain is ``<audit dir>/workers/w<i>/``."""
    return f"w{index}"


def worker_policy(policy: GatewayPolicy, index: int) -> GatewayPolicy:
    """Worker ``index``'s policy: energy periods metered by worker 0 only (the meters read the
    whole machine; N workers would count it N times). Its audit chain is chosen by :func:`worker_id`."""
    own = policy.model_copy(deep=True)
    own.base_dir = policy.base_dir
    if index > 0:
        own.energy_period_seconds = None
    return own


def fleet_policy(policy: GatewayPolicy) -> GatewayPolicy:
    """``policy`` with a halt ledger: the store's when it names none (one host's workers)."""
    if policy.halt.ledger.url:
        return policy
    shared = policy.model_copy(deep=True)
    shared.base_dir = policy.base_dir
    shared.halt.ledger.url = "store"
    return shared


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (without listening) a SO_REUSEPORT socket on ``host:port``: the port the workers will
    share, chosen here when ``port`` is 0, and held so that no other program takes it meanwhile."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)"
        ) from exc
    return sock


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)  # the supervisor is gone: stop as on a normal shutdown


def _worker_main(
    upstream: str, policy: GatewayPolicy, host: str, port: int, index: int, ready: Queue[Ready], parent: int
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the supervisor stops us
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        serve(
            upstream,
            worker_policy(policy, index),
            host,
            port,
            announce=lambda _url: ready.put((index, os.getpid(), None)),
            reuse_port=True,
            worker=worker_id(index),
        )
    except InputError as exc:
        ready.put((index, os.getpid(), exc.bilingual()))
        sys.exit(2)
    except Exception as exc:  # told to the supervisor, which says why instead of waiting for nothing
        ready.put((index, os.getpid(), f"{type(exc).__name__}: {exc}"))
        raise


class WorkerSupervisor:
    """Starts, restarts and stops the workers."""

    def __init__(self, upstream: str, policy: GatewayPolicy, host: str, port: int, workers: int) -> None:
        self.upstream = upstream
        self.policy = policy
        self.host = host
        self.port = port
        self.count = workers
        # Workers are forked from this process, as gunicorn's are: it runs no thread and no event
        # loop (it only waits on its workers), so a fork copies nothing half-done, and a worker
        # killed under load is back without the seconds a fresh interpreter spends importing.
        self._context = multiprocessing.get_context("fork")
        self._ready: Queue[Ready] = self._context.Queue()
        self.processes: dict[int, BaseProcess] = {}
        self._started: dict[int, float] = {}
        self.stopping = threading.Event()
        self.log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)

    def _start(self, index: int) -> None:
        process = self._context.Process(
            target=_worker_main,
            args=(self.upstream, self.policy, self.host, self.port, index, self._ready, os.getpid()),
            name=f"tongzhou-gateway-worker-{index}",
        )
        process.start()
        self.processes[index] = process
        self._started[index] = time.monotonic()

    def start(self) -> None:
        """Start every worker and wait until each listens; raise :class:`InputError` if one cannot."""
        for index in range(self.count):
            self._start(index)
        listening: set[int] = set()
        deadline = time.monotonic() + START_SECONDS
        while len(listening) < self.count:
            try:
                index, _pid, error = self._ready.get(timeout=max(0.1, deadline - time.monotonic()))
            except Exception as exc:  # queue.Empty: a worker neither listened nor failed in time
                self.stop()
                raise InputError(f"gateway workers did not start within {START_SECONDS:g} s") from exc
            if error is not None:
                self.stop()
                raise InputError(f"gateway worker {index} could not start: {error}")
            listening.add(index)

    def supervise(self) -> None:
        """Restart workers that die, until :attr:`stopping` is set; then stop them all."""
        while not self.stopping.wait(0.2):
            while not self._ready.empty():
                index, pid, error = self._ready.get_nowait()
                if error is not None:
                    self.log(f"gateway worker {index} (pid {pid}) could not start: {error}")
            for index, process in list(self.processes.items()):
                if process.is_alive() or self.stopping.is_set():
                    continue
                self.log(
                    f"gateway worker {index} (pid {process.pid}) exited with {process.exitcode}; "
                    f"restarting / 网关工作进程 {index} 退出，正在重启"
                )
                if time.monotonic() - self._started[index] < RESTART_BACKOFF_SECONDS:
                    time.sleep(RESTART_BACKOFF_SECONDS)
                self._start(index)
        self.stop()

    def stop(self) -> None:
        """SIGTERM every worker, wait up to :data:`STOP_SECONDS`, SIGKILL what is left."""
        for process in self.processes.values():
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)


def serve_workers(
    upstream: str,
    policy: GatewayPolicy,
    host: str,
    port: int,
    workers: int,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve with ``workers`` processes on one port until SIGINT / SIGTERM."""
    policy = fleet_policy(policy)
    HaltBook(policy)  # an unreadable halt state stops the start here, before anything listens
    ResponseLabeller(policy.labels)  # makes the label signing key once, not N workers at the same time
    if policy.audit.head_key:
        load_head_key(policy.audit.head_key)  # the audit head key too (and a missing one stops us here)
    ledger = HaltLedger(str(policy.halt.ledger.url))  # creates the ledger's table once, not N times
    if not ledger.reachable:
        print(
            f"halt ledger {ledger.display_url} unreachable ({ledger.error}); workers start from the saved "
            "halt state / 停止令账本不可达",
            file=sys.stderr,
            flush=True,
        )
    ledger.close()
    Path(policy.audit_dir()).mkdir(parents=True, exist_ok=True)
    held = reserve_port(host, port)
    supervisor = WorkerSupervisor(upstream, policy, host, int(held.getsockname()[1]), workers)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _s, _f: supervisor.stopping.set())
    try:
        supervisor.start()
        if announce is not None:
            announce(f"http://{host}:{supervisor.port}")
        supervisor.supervise()
    finally:
        held.close()
