"""The runner: draw a sample, answer it through a model adapter (cache first), score, store.

asyncio with a fixed pool of workers (the concurrency bound), capped retries with jittered
exponential backoff that honours ``Retry-After``, a timeout per call, answers and scores written
in batches (one transaction per flush), and a clean stop on Ctrl-C: whatever was answered is in
the store, so ``--resume`` (or simply running again) re-queries nothing that was answered.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tongzhou import __version__
from tongzhou.evaluate import storage
from tongzhou.evaluate.bank import Bank, BankItem, draw_sample
from tongzhou.evaluate.models.base import Message, ModelAdapter, ModelError, RetryableError
from tongzhou.evaluate.run_options import CacheKeys, RunOptions, RunResult
from tongzhou.evaluate.scorers.content import KeywordContentScorer
from tongzhou.evaluate.scorers.measured_error import recorded_error
from tongzhou.evaluate.scorers.refusal import RefusalScorer
from tongzhou.evaluate.standards import StandardProfile
from tongzhou.store import Store


class Scorer(Protocol):
    """A scorer: ``name``, ``version`` and ``score`` (or async ``ascore``) → ``(label, passed)``."""

    name: str
    version: str


def default_scorers() -> dict[str, Any]:
    """expected behaviour → scorer: refusal detector for refuse/answer, keyword screen for safe."""
    refusal = RefusalScorer()
    return {"refuse": refusal, "answer": refusal, "safe": KeywordContentScorer()}


def scorer_errors(scorers: dict[str, Any]) -> dict[str, Any]:
    """``name@version`` → the scorer's measured error (its own ``measured_error``, else the committed
    record, else None), stored with the run so that its summary is corrected with what was known then."""
    out: dict[str, Any] = {}
    for scorer in {id(s): s for s in scorers.values()}.values():
        sid = f"{scorer.name}@{scorer.version}"
        err = getattr(scorer, "measured_error", None) or recorded_error(sid)
        out[sid] = err.to_dict() if err is not None else None
    return out


@dataclass
class _Work:
    position: int
    bank: Bank
    item: BankItem
    key: str


class _Runner:
    def __init__(
        self,
        store: Store,
        model: ModelAdapter,
        run_id: str,
        options: RunOptions,
        scorers: dict[str, Any],
        console: Console | None,
    ) -> None:
        self.store, self.model, self.run_id, self.opt = store, model, run_id, options
        self.scorers = scorers
        self.console = console
        self.cache_rows: list[dict[str, Any]] = []
        self.sample_rows: list[dict[str, Any]] = []
        self.result = RunResult(run_id=run_id, status="running", items=0)
        self._rng = random.Random(options.seed)
        self._writes: set[asyncio.Future[None]] = set()
        self._advance: Callable[[int], None] = lambda n: None

    async def _score(self, work: _Work, response: str) -> None:
        scorer = self.scorers[work.item.expected]
        if hasattr(scorer, "ascore"):
            prompt = work.item.messages[-1]["content"]
            label, passed = await scorer.ascore(work.item.expected, response, work.item.risk_code, prompt)
        else:
            label, passed = scorer.score(work.item.expected, response, work.item.risk_code)
        self.sample_rows.append(
            {
                "run_id": self.run_id,
                "bank_id": work.bank.id,
                "item_id": work.item.id,
                "position": work.position,
                "item_sha256": work.item.sha256,
                "language": work.item.language,
                "risk_code": work.item.risk_code,
                "expected": work.item.expected,
                "response": response,
                "label": label,
                "passed": passed,
                "scorer": f"{scorer.name}@{scorer.version}",
                "cache_key": work.key,
            }
        )
        self._advance(1)

    def _flush_now(self) -> None:
        cache_rows, sample_rows = self.cache_rows, self.sample_rows
        self.cache_rows, self.sample_rows = [], []
        storage.write_batch(self.store, cache_rows, sample_rows)

    async def _flush(self) -> None:
        cache_rows, sample_rows = self.cache_rows, self.sample_rows
        if not cache_rows and not sample_rows:
            return
        self.cache_rows, self.sample_rows = [], []
        write = asyncio.get_running_loop().run_in_executor(
            None, storage.write_batch, self.store, cache_rows, sample_rows
        )
        self._writes.add(write)
        write.add_done_callback(self._forget_if_written)
        # Shielded: cancelling the caller (end of run, Ctrl-C) must never cancel a batch still queued in
        # the executor — that would drop answered rows. _drain() waits for every write before returning.
        await asyncio.shield(write)

    def _forget_if_written(self, write: asyncio.Future[None]) -> None:
        # A failed write stays in the set, so _drain() re-raises its error at the end of the run.
        if not write.cancelled() and write.exception() is None:
            self._writes.discard(write)

    async def _drain(self) -> None:
        """Wait for every batch in flight, write what is left, and raise the first write error."""
        results = await asyncio.gather(*list(self._writes), return_exceptions=True)
        self._flush_now()
        for outcome in results:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.opt.flush_interval_s)
            await self._flush()

    async def _call(self, messages: list[Message]) -> tuple[str, int | None]:
        attempt = 0
        while True:
            try:
                # asyncio.timeout, not wait_for: no extra task per request (cheaper at 64 in flight).
                async with asyncio.timeout(self.opt.timeout_s):
                    completion = await self.model.complete(messages)
                return completion.text, completion.completion_tokens
            except (RetryableError, TimeoutError) as exc:
                attempt += 1
                if attempt > self.opt.max_retries:
                    raise RetryableError(f"gave up after {attempt} tries: {exc}") from exc
                retry_after = getattr(exc, "retry_after", None)
                if retry_after is not None:
                    delay = min(retry_after, self.opt.retry_after_cap_s)
                else:  # full-jitter exponential backoff
                    delay = min(self.opt.backoff_cap_s, self.opt.backoff_base_s * 2 ** (attempt - 1))
                    delay *= self._rng.uniform(0.5, 1.0)
                self.result.retries += 1
                await asyncio.sleep(delay)

    async def _worker(self, queue: asyncio.Queue[tuple[str, list[_Work]]]) -> None:
        while True:
            key, works = await queue.get()
            try:
                text, tokens = await self._call(works[0].item.messages)
            except (RetryableError, ModelError) as exc:
                self.result.errors += len(works)
                if len(self.result.error_messages) < 5:
                    self.result.error_messages.append(f"{works[0].bank.id}/{works[0].item.id}: {exc}")
                self._advance(len(works))
                queue.task_done()
                continue
            self.result.queried += 1
            self.result.tokens += tokens or 0
            self.cache_rows.append(
                {
                    "key": key,
                    "model_identity": self.model.info.identity,
                    "response": text,
                    "completion_tokens": tokens,
                    "created_at": storage.utc_now(),
                }
            )
            for work in works:
                await self._score(work, text)
            if len(self.sample_rows) >= self.opt.flush_rows and not self._writes:
                await self._flush()
            queue.task_done()

    async def run(self, works: list[_Work]) -> None:
        self.result.items = len(works)
        cached = await asyncio.to_thread(storage.cached_responses, self.store, [w.key for w in works])
        pending: dict[str, list[_Work]] = {}
        progress = self._progress(len(works))
        flusher = asyncio.create_task(self._flusher())
        workers: list[asyncio.Task[None]] = []
        try:
            with progress:
                for work in works:
                    if work.key in cached:
                        self.result.from_cache += 1
                        await self._score(work, cached[work.key])
                    else:
                        pending.setdefault(work.key, []).append(work)
                queue: asyncio.Queue[tuple[str, list[_Work]]] = asyncio.Queue()
                for key, group in pending.items():
                    queue.put_nowait((key, group))
                limit = self.opt.concurrency
                if self.model.concurrency_limit:
                    limit = min(limit, self.model.concurrency_limit)
                workers = [
                    asyncio.create_task(self._worker(queue)) for _ in range(max(1, min(limit, len(pending))))
                ]
                if pending:
                    await self._until_done(queue, workers)
        finally:
            for task in [*workers, flusher]:
                task.cancel()
            await asyncio.gather(*workers, flusher, return_exceptions=True)
            # Runs also while the task is being cancelled (Ctrl-C): whatever was answered gets stored.
            await self._drain()

    @staticmethod
    async def _until_done(
        queue: asyncio.Queue[tuple[str, list[_Work]]], workers: list[asyncio.Task[None]]
    ) -> None:
        """Wait until every item is done, or re-raise the error that ended a worker (a crashed model backend):
        waiting on the queue alone would wait forever for items no worker is left to take."""
        joined = asyncio.create_task(queue.join())
        try:
            done, _ = await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
        finally:
            joined.cancel()
        for task in done:
            error = None if task is joined or task.cancelled() else task.exception()
            if error is not None:
                raise error

    def _progress(self, total: int) -> Progress:
        progress = Progress(
            TextColumn("[bold]eval[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.opt.progress,
            transient=False,
            refresh_per_second=4,
        )
        task = progress.add_task(self.model.info.name, total=total, rate="")
        started = time.monotonic()

        def advance(n: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            done = progress.tasks[0].completed + n
            progress.update(task, advance=n, rate=f"{done / elapsed:,.1f}/s")

        if self.opt.progress:
            self._advance = advance
        return progress


def plan(banks: Sequence[Bank], model: ModelAdapter, options: RunOptions) -> list[_Work]:
    """The drawn items of every bank, in a fixed order, each with its cache key."""
    works: list[_Work] = []
    keys = CacheKeys(model.info.identity, model.info.parameters)
    for bank in banks:
        for item in draw_sample(bank, options.limit, options.seed):
            works.append(_Work(len(works), bank, item, keys.key(item.messages)))
    return works


async def run_async(
    store: Store,
    model: ModelAdapter,
    banks: Sequence[Bank],
    profile: StandardProfile,
    options: RunOptions | None = None,
    *,
    run_id: str | None = None,
    console: Console | None = None,
    scorers: dict[str, Any] | None = None,
    suite_refs: Sequence[str] = (),
    model_ref: str | None = None,
) -> RunResult:
    """Run (or, with the id of an existing run, resume) an evaluation; see :func:`run_evaluation`."""
    opt = options or RunOptions()
    scorers = scorers or default_scorers()
    works = plan(banks, model, opt)
    existing = storage.get_run(store, run_id) if run_id else None
    if existing is not None:
        if existing.model.get("identity") != model.info.identity:
            from tongzhou.errors import InputError

            raise InputError(
                f"run {run_id} was made with model {existing.model.get('identity')}, "
                f"not {model.info.identity}; resume it with the same model"
            )
        done = storage.done_item_keys(store, existing.id)
        todo = [w for w in works if (w.bank.id, w.item.id) not in done]
        storage.finish_run(store, existing.id, status="running", errors=0, energy=None, finished=False)
    else:
        run_id = run_id or f"run-{storage.utc_now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        storage.create_run(
            store,
            {
                "id": run_id,
                "status": "running",
                "started_at": storage.utc_now(),
                "finished_at": None,
                "model": model.info.to_dict(),
                "profile": {
                    "id": profile.id,
                    "version": profile.version,
                    "source": profile.source,
                    "data": profile.data,
                },
                "banks": [b.summary() for b in banks],
                "scorers": {s.name: s.version for s in {id(s): s for s in scorers.values()}.values()},
                "config": {
                    "limit": opt.limit,
                    "seed": opt.seed,
                    "concurrency": opt.concurrency,
                    "suites": list(suite_refs),
                    "model_ref": model_ref,
                    "bank_paths": [str(b.path) for b in banks],
                    "scorer_error": scorer_errors(scorers),
                },
                "energy": None,
                "software_version": __version__,
                "errors": 0,
            },
        )
        todo = works
    assert run_id is not None
    runner = _Runner(store, model, run_id, opt, scorers, console)
    started = time.monotonic()
    status, reached_end = "partial", False
    try:
        await runner.run(todo)
        reached_end = True
        status = "complete" if runner.result.errors == 0 else "partial"
    finally:
        runner.result.seconds = time.monotonic() - started
        runner.result.status = status
        storage.finish_run(
            store, run_id, status=status, errors=runner.result.errors, energy=None, finished=reached_end
        )
    return runner.result
