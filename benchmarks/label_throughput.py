"""Implicit-label throughput: Tongzhou (with the binding) vs exiftool and c2pa-python, same files, one run;
with --responses, the cost of labels on gateway responses, ours vs the previous implementation.

    .venv/bin/python benchmarks/label_throughput.py [--n 200] [--size 1024] [--workers 2] [--json FILE]
    .venv/bin/python benchmarks/label_throughput.py --responses [--rounds 5] [--requests 1000]

--responses: CPU per labelled completion in process, stage by stage (the previous labeller, kept
callable below as the anchor; canonical templates with OpenSSL; with libsodium), then three gateways
on one stub upstream — labels off, labels on, labels on through the previous labeller — sent one
request at a time, the three in turn request by request (so other load on a shared machine hits
all three alike): p50 at concurrency 1 and each proxy's CPU per request (/proc), and what labels
add to each over labels off. Goal (issue 23): added p50 with labels on <= 0.15 ms.

Files: N PNG + N JPEG images (size x size), generated once into --work (default a temp dir) by
Pillow: a gradient with mild noise, so they compress like photographs rather than like a flat fill.
Measured in the same run, on the same files:
  - tongzhou: label_file() per file (read, parse, hash content, sign ReservedCode1/2, write the
    XMP chunk/segment, read back, atomic rename), one process, then --workers processes;
  - exiftool per file: one `exiftool -XMP-TC260:AIGC=... -o OUT FILE` process per file (on the
    first --exiftool-per-file files, it is slow), no binding;
  - exiftool batch: one process, `-@ ARGFILE` with one -execute block per file, `-fast`, no binding;
  - c2pa-python signing (Builder.sign, ES256 test certificate) on the first --c2pa files;
  - verification: tongzhou inspect_file (fields + binding) vs c2pa-python Reader (manifest
    validation) on those same C2PA-signed files (which carry both labels), each file 3 times.
Goal (issue 5): >= exiftool batch -fast; >= 20x c2pa-python signing; verification >= 2x the C2PA Reader.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

PRODUCER = "001191110000TZDEMO000110000"


def make_images(work: Path, n: int, size: int) -> dict[str, list[Path]]:
    """N PNG + N JPEG, distinct content, reused if already there."""
    from PIL import Image, ImageDraw

    files: dict[str, list[Path]] = {"png": [], "jpeg": []}
    base = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    noise = Image.effect_noise((size, size), 12).convert("RGB")
    base = Image.blend(base, noise, 0.25)
    for i in range(n):
        png, jpg = work / "src" / f"img{i:04d}.png", work / "src" / f"img{i:04d}.jpg"
        if not (png.exists() and jpg.exists()):
            png.parent.mkdir(parents=True, exist_ok=True)
            image = base.copy()
            ImageDraw.Draw(image).rectangle((i % size, 0, i % size + 40, 40), fill=(i % 256, 80, 160))
            image.save(png, "PNG", compress_level=6)
            image.save(jpg, "JPEG", quality=90)
        files["png"].append(png)
        files["jpeg"].append(jpg)
    return files


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def best(repeat: int, measure: Any, *args: Any) -> Any:
    """The best of ``repeat`` runs (the machine is shared: the best run is the least disturbed)."""
    results = [measure(*args) for _ in range(repeat)]
    if isinstance(results[0], tuple):
        return tuple(max(r[i] for r in results) for i in range(len(results[0])))
    return max(results)


def _label_one(args: tuple[Path, Path]) -> None:
    from tongzhou.labels.files import label_file
    from tongzhou.labels.keys import signing_key

    global _KEY
    try:
        key = _KEY
    except NameError:
        key = _KEY = signing_key()
    label_file(args[0], PRODUCER, out_dir=args[1], key=key)


def bench_tongzhou(files: list[Path], out: Path, workers: int) -> float:
    from tongzhou.labels.files import label_file
    from tongzhou.labels.keys import signing_key

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if workers <= 1:
        key = signing_key()
        start = time.perf_counter()
        for path in files:
            label_file(path, PRODUCER, out_dir=out, key=key)
        return rate(len(files), time.perf_counter() - start)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_label_one, [(files[0], out)] * workers))  # warm the workers (imports, key)
        start = time.perf_counter()
        list(pool.map(_label_one, [(p, out) for p in files], chunksize=8))
        return rate(len(files), time.perf_counter() - start)


def _plain_label_json(i: int) -> str:
    # Same shape and length class as ours, but exiftool cannot compute a binding: fixed placeholder codes.
    from tongzhou.labels.fields import AigcLabel

    return AigcLabel("1", PRODUCER, f"{i:032x}", "", PRODUCER, f"{i:032x}", "").to_json()


def bench_exiftool_per_file(files: list[Path], out: Path, config: str) -> float:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.perf_counter()
    for i, path in enumerate(files):
        subprocess.run(
            [
                "exiftool",
                "-config",
                config,
                "-q",
                f"-XMP-TC260:AIGC={_plain_label_json(i)}",
                "-o",
                str(out / path.name),
                str(path),
            ],
            check=True,
        )
    return rate(len(files), time.perf_counter() - start)


def bench_exiftool_batch(files: list[Path], out: Path, config: str, per_file_values: bool) -> float:
    """One exiftool process over an argfile: either one -execute block per file (each file its own
    label, as a labeller needs) or one command writing the same value to every file (-o DIR/)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    argfile = out.parent / f"{out.name}.args"
    lines: list[str] = []
    if per_file_values:
        for i, path in enumerate(files):
            lines += [
                f"-XMP-TC260:AIGC={_plain_label_json(i)}",
                "-o",
                str(out / path.name),
                str(path),
                "-execute",
            ]
        command = ["exiftool", "-config", config, "-@", str(argfile), "-common_args", "-q", "-fast"]
    else:
        lines = [str(path) for path in files]
        command = [
            "exiftool",
            "-config",
            config,
            "-q",
            "-fast",
            f"-XMP-TC260:AIGC={_plain_label_json(0)}",
            "-o",
            f"{out}/",
            "-@",
            str(argfile),
        ]
    argfile.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return rate(len(files), time.perf_counter() - start)


def bench_c2pa_sign(files: list[Path], out: Path, mime: str) -> float:
    import c2pa

    from tongzhou.labels.c2pa_certs import make_test_credentials
    from tongzhou.labels.c2pa_manifest import manifest_definition

    creds = make_test_credentials()[0]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(creds.algorithm(), creds.chain_pem, creds.key_pem, None)
    )
    definition = json.dumps(manifest_definition("bench", None))
    start = time.perf_counter()
    for path in files:
        with open(path, "rb") as src, open(out / path.name, "w+b") as dst:
            c2pa.Builder(definition).sign(signer, mime, src, dst)
    return rate(len(files), time.perf_counter() - start)


def bench_verify(files: list[Path], mime: str, passes: int = 3) -> tuple[float, float]:
    """(tongzhou, c2pa Reader) files/s, one process each, every file read ``passes`` times."""
    import c2pa

    from tongzhou.labels.files import inspect_file
    from tongzhou.labels.keys import trusted_key_ids

    trusted = trusted_key_ids()
    batch = files * passes
    start = time.perf_counter()
    for path in batch:
        report = inspect_file(path, trusted, read_c2pa=False)
        assert report.valid, report.to_dict()
    ours = rate(len(batch), time.perf_counter() - start)
    start = time.perf_counter()
    for path in batch:
        with open(path, "rb") as handle:
            state = json.loads(c2pa.Reader(mime, io.BytesIO(handle.read())).json())["validation_state"]
        assert state in ("Valid", "Trusted"), state
    return ours, rate(len(batch), time.perf_counter() - start)


# ---- labels on gateway responses (--responses) ---------------------------------------------------
# The anchor is the previous implementation, kept here callable: ResponseLabeller as it was before
# TextLabelSigner (commit 2455bd4), which bound each label through label_text / make_label (two
# canonicalisations through the general RFC 8785 encoder, two OpenSSL signatures, the public key
# re-derived from the private key per signature).

CHAT_BODY = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "model": "stub-model",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello from the stub upstream."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 7, "total_tokens": 10},
}


class LegacyResponseLabeller:
    """The gateway's labeller before TextLabelSigner, verbatim in behaviour (the anchor)."""

    def __init__(self, policy: Any) -> None:
        from tongzhou.labels.keys import signing_key

        self.policy = policy
        self.enabled = policy.explicit or policy.implicit
        self._key = None
        if self.enabled:
            self._key = signing_key(policy.signing_key) if policy.signing_key else signing_key()

    def explicit_parts(self) -> tuple[str, str]:
        if not self.policy.explicit:
            return "", ""
        from tongzhou.labels.explicit_text import add_explicit_text_label

        marked = add_explicit_text_label("\0", self.policy.language, self.policy.position)
        prefix, _, suffix = marked.partition("\0")
        return prefix, suffix

    def label(self, text: str, produce_id: str) -> tuple[str, str | None]:
        from tongzhou.labels.text import TEXT_HASH_METHOD, label_text, make_label, text_content_hash

        if self.policy.explicit:
            result = label_text(
                text,
                self.policy.producer,
                explicit=self.policy.position,
                lang=self.policy.language,
                produce_id=produce_id,
                key=self._key,
            )
            return result.text, result.label_json if self.policy.implicit else None
        if not self.policy.implicit:
            return text, None
        label = make_label(
            self.policy.producer, text_content_hash(text), TEXT_HASH_METHOD, self._key, produce_id=produce_id
        )
        return text, label.to_json()

    def implicit_for(self, delivered: str, produce_id: str) -> str | None:
        from tongzhou.labels.text import TEXT_HASH_METHOD, make_label, text_content_hash

        if not self.policy.implicit:
            return None
        return make_label(
            self.policy.producer,
            text_content_hash(delivered),
            TEXT_HASH_METHOD,
            self._key,
            produce_id=produce_id,
        ).to_json()

    def label_completion(self, body: dict[str, Any], produce_id: str) -> str | None:
        labels: list[Any] = []
        for index, choice in enumerate(body.get("choices") or []):
            if not isinstance(choice, dict):
                continue
            message = choice.get("message")
            holder, key = (message, "content") if isinstance(message, dict) else (choice, "text")
            text = holder.get(key)
            if not isinstance(text, str):
                continue
            pid = produce_id if index == 0 else f"{produce_id}-{index}"
            holder[key], label_json = self.label(text, pid)
            if label_json:
                labels.append(json.loads(label_json))
        if not labels:
            return None
        body["AIGC"] = labels[0]
        if len(labels) > 1:
            body["AIGC_choices"] = labels
        return json.dumps(labels[0], separators=(",", ":"))


def cpu_us_per_call(calls: dict[str, Any], n: int, repeat: int) -> dict[str, float]:
    """Process CPU time per call (µs) of each of ``calls``: the best of ``repeat`` batches of ``n``,
    the calls taken in turn batch by batch (so other load on the machine hits them alike)."""
    best = dict.fromkeys(calls, float("inf"))
    for call in calls.values():
        call()
    for _ in range(repeat):
        for name, call in calls.items():
            started = time.process_time()
            for _ in range(n):
                call()
            best[name] = min(best[name], time.process_time() - started)
    return {name: seconds / n * 1e6 for name, seconds in best.items()}


def response_stages(n: int, repeat: int) -> dict[str, float]:
    """CPU per labelled completion (labelling + the answer's JSON re-encoding), stage by stage."""
    import copy

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tongzhou.gateway.policy import LabelPolicy
    from tongzhou.gateway.response_labels import ResponseLabeller
    from tongzhou.labels.binding import _statement
    from tongzhou.labels.fields import AigcLabel
    from tongzhou.labels.text_label_signer import TextLabelSigner, _signer

    policy = LabelPolicy()
    new, old = ResponseLabeller(policy), LegacyResponseLabeller(policy)
    openssl = ResponseLabeller(policy)
    assert openssl._signer is not None and old._key is not None
    openssl._signer._sign = old._key.sign  # stage 1: templates and the kept key, OpenSSL signing

    def labelled(labeller: Any) -> Any:
        def call() -> None:
            body = copy.deepcopy(CHAT_BODY)
            labeller.label_completion(body, "chatcmpl-bench")
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

        return call

    def unlabelled() -> None:
        body = copy.deepcopy(CHAT_BODY)
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    key = Ed25519PrivateKey.generate()
    sodium = _signer(key)
    label = AigcLabel("1", policy.producer, "chatcmpl-bench", "", policy.producer, "chatcmpl-bench", "")
    signer = TextLabelSigner(key, policy.producer)
    digest = "sha256:" + "0" * 64
    head, tail = signer._producer_statement[0], signer._producer_statement[1]
    measured = cpu_us_per_call(
        {
            "labels_off": unlabelled,
            "old": labelled(old),
            "templates_openssl": labelled(openssl),
            "templates_libsodium": labelled(new),
            "sign_openssl": lambda: key.sign(b"x" * 330),
            "sign_libsodium": lambda: sodium(b"x" * 330),
            "statement_rfc8785": lambda: _statement(label, "producer", digest, "utf8-text-v1"),
            "statement_template": lambda: "".join((head, digest, tail)),
        },
        n,
        repeat,
    )
    for name in ("old", "templates_openssl", "templates_libsodium"):
        measured[name] -= measured["labels_off"]
    return measured


def serve_legacy_gateway(upstream: str, policy_path: Path, port: int) -> None:
    """A gateway whose labeller is the previous implementation (the end-to-end anchor)."""
    import tongzhou.gateway.app as gateway_app
    from tongzhou.gateway.policy import load_policy
    from tongzhou.gateway.server import serve

    gateway_app.ResponseLabeller = LegacyResponseLabeller  # type: ignore[misc,assignment]
    serve(upstream, load_policy(policy_path), "127.0.0.1", port, lambda _url: None)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _interleaved_ms(urls: list[str], n: int) -> list[list[float]]:
    """Latencies (ms) of ``n`` chat completions to each of ``urls``, one request at a time, taking
    the URLs in turn request by request (one keep-alive connection each): on a shared machine a
    burst of other load then hits every configuration alike, not whichever was being measured."""
    import asyncio

    import aiohttp

    body = json.dumps({"model": "stub-model", "messages": [{"role": "user", "content": "Say hello."}]})

    async def run() -> list[list[float]]:
        out: list[list[float]] = [[] for _ in urls]
        sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) for _ in urls]
        try:
            for i in range(n + 50):
                for slot, (session, url) in enumerate(zip(sessions, urls, strict=True)):
                    started = time.perf_counter()
                    async with session.post(
                        url, data=body, headers={"Content-Type": "application/json"}
                    ) as r:
                        await r.read()
                        assert r.status == 200, r.status
                    if i >= 50:  # warm-up excluded
                        out[slot].append((time.perf_counter() - started) * 1000)
        finally:
            for session in sessions:
                await session.close()
        return out

    return asyncio.run(run())


def gateway_response_labels(requests: int, rounds: int, work: Path) -> dict[str, dict[str, float]]:
    """p50 at c=1 and proxy CPU per request: labels off, labels on (ours), labels on (previous)."""
    import statistics

    py = sys.executable
    stub_port = _free_port()
    upstream = f"http://127.0.0.1:{stub_port}/v1"
    env = {**os.environ, "TONGZHOU_HOME": str(work / "home")}
    from tongzhou.attest import KeyRing

    ring = KeyRing(work / "home" / "keys")
    for name in ("labels", "gateway-audit"):  # made once here, not raced for by three gateways
        if not (ring.directory / f"{name}.pub").exists():
            ring.generate(name)
    configs = {
        "labels off": "labels: {explicit: false, implicit: false}",
        "labels on (ours)": "labels: {explicit: true, implicit: true}",
        "labels on (previous, anchor)": "labels: {explicit: true, implicit: true}",
    }
    procs: list[subprocess.Popen[bytes]] = []
    targets: dict[str, tuple[str, int]] = {}
    try:
        procs.append(
            subprocess.Popen(
                [py, "-m", "tongzhou.gateway.stub_upstream", "--port", str(stub_port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        )
        _wait(f"{upstream}/models", procs[0])
        for number, (name, labels) in enumerate(configs.items()):
            policy = work / f"gateway-{number}.yaml"
            policy.write_text(
                f"{labels}\naudit: {{dir: {work / f'audit-{number}'}}}\n"
                f"halt: {{state_file: {work / f'halt-{number}.json'}}}\nenergy_period_seconds: null\n"
            )
            port = _free_port()
            if "previous" in name:
                cmd = [
                    py,
                    __file__,
                    "--serve-legacy-gateway",
                    str(policy),
                    "--upstream",
                    upstream,
                    "--port",
                    str(port),
                ]
            else:
                cmd = [py, "-m", "tongzhou.cli.main", "gateway", "serve", "--upstream", upstream,
                       "--policy", str(policy), "--port", str(port)]  # fmt: skip
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            procs.append(proc)
            _wait(f"http://127.0.0.1:{port}/governance/health", proc)
            targets[name] = (f"http://127.0.0.1:{port}/v1/chat/completions", proc.pid)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        urls = [url for url, _pid in targets.values()]
        for number in range(rounds):
            print(f"  round {number + 1}/{rounds}", file=sys.stderr, flush=True)
            before = {name: _cpu_seconds(pid) for name, (_url, pid) in targets.items()}
            latencies = _interleaved_ms(urls, requests)
            for (name, (_url, pid)), measured in zip(targets.items(), latencies, strict=True):
                cpu = (_cpu_seconds(pid) - before[name]) / (requests + 50) * 1e6
                runs[name].append({"p50_ms": statistics.median(measured), "cpu_us": cpu})
    finally:
        for proc in reversed(procs):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
    return {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}


def main_responses(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="tongzhou-response-labels-"))
    os.environ["TONGZHOU_HOME"] = str(work / "home")
    load = os.getloadavg()
    print(
        f"GB 45438 labels on gateway responses; {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} before the run",
        flush=True,
    )
    stages = response_stages(args.calls, max(args.repeat, 7))
    print(
        f"\nIn process: CPU per labelled completion over labels off (best of {max(args.repeat, 7)} "
        f"batches of {args.calls}, the stages in turn)"
    )
    old = stages["old"]
    for name, label in (
        ("old", "previous: label_text / make_label (anchor)"),
        ("templates_openssl", "canonical templates + kept key, OpenSSL"),
        ("templates_libsodium", "+ libsodium signing (shipped)"),
    ):
        print(f"  {label:44} {stages[name]:7.1f} us   old/this {old / stages[name]:5.2f}x")
    print(
        f"  one Ed25519 signature: OpenSSL {stages['sign_openssl']:.1f} us, libsodium "
        f"{stages['sign_libsodium']:.1f} us; one binding statement: RFC 8785 encoder "
        f"{stages['statement_rfc8785']:.1f} us, template {stages['statement_template']:.2f} us"
    )
    results = gateway_response_labels(args.requests, args.rounds, work)
    off = results["labels off"]
    print(
        f"\nThrough the gateway (stub upstream, c=1, medians of {args.rounds} rounds x {args.requests} "
        "requests to each, the three gateways taken in turn request by request)"
    )
    print(f"  {'configuration':30} {'p50':>9} {'added p50':>10} {'proxy CPU/req':>14} {'added CPU':>10}")
    for name, r in results.items():
        print(
            f"  {name:30} {r['p50_ms']:7.3f}ms {r['p50_ms'] - off['p50_ms']:+8.3f}ms "
            f"{r['cpu_us']:12.0f}us {r['cpu_us'] - off['cpu_us']:+8.0f}us"
        )
    ours, prev = results["labels on (ours)"], results["labels on (previous, anchor)"]
    added, added_prev = ours["p50_ms"] - off["p50_ms"], prev["p50_ms"] - off["p50_ms"]
    cpu, cpu_prev = ours["cpu_us"] - off["cpu_us"], prev["cpu_us"] - off["cpu_us"]
    print(
        f"  added by labels, previous / ours: p50 {added_prev:.3f} / {added:.3f} ms "
        f"({added_prev / added if added > 0 else float('inf'):.1f}x), CPU {cpu_prev:.0f} / {cpu:.0f} us "
        f"({cpu_prev / cpu if cpu > 0 else float('inf'):.1f}x); goal: added p50 <= 0.15 ms"
    )
    if args.json:
        args.json.write_text(json.dumps({"in_process_us": stages, "gateway": results}, indent=2))
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="PNG files and JPEG files each (default 200)")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--exiftool-per-file", type=int, default=40, help="files timed for exiftool per file")
    parser.add_argument("--c2pa", type=int, default=50, help="files timed for c2pa-python signing/reading")
    parser.add_argument("--work", type=Path, default=None, help="keep generated files here (reused)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--repeat", type=int, default=3, help="best of this many runs (not exiftool per file)"
    )
    parser.add_argument(
        "--responses",
        action="store_true",
        help="instead: labels on gateway responses, ours vs the previous implementation (no exiftool)",
    )
    parser.add_argument("--calls", type=int, default=2000, help="--responses: in-process calls per batch")
    parser.add_argument("--requests", type=int, default=1000, help="--responses: requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="--responses: rounds (medians)")
    parser.add_argument("--serve-legacy-gateway", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_legacy_gateway:
        serve_legacy_gateway(args.upstream, args.serve_legacy_gateway, args.port)
        return
    if args.responses:
        main_responses(args)
        return
    if shutil.which("exiftool") is None:
        sys.exit("exiftool is needed (Debian libimage-exiftool-perl)")
    # tmpfs when there is one: both tools then pay the same memory-speed I/O, and the shared disk's
    # contention (other jobs on this machine) does not swamp what is being compared.
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and shutil.disk_usage(shm).free > 4 << 30 else None
    work = args.work or Path(tempfile.mkdtemp(prefix="tongzhou-label-bench-", dir=base))
    os.environ.setdefault("TONGZHOU_HOME", str(work / "home"))
    config = str(resources.files("tongzhou.labels").joinpath("data/exiftool-tc260.config"))
    files = make_images(work, args.n, args.size)
    results: dict[str, Any] = {
        "n": args.n,
        "size": args.size,
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "repeat": args.repeat,
    }
    print(
        f"work dir {work}: {args.n} PNG + {args.n} JPEG, {args.size}x{args.size}, mean size "
        + ", ".join(f"{k} {sum(p.stat().st_size for p in v) / len(v) / 1e6:.2f} MB" for k, v in files.items())
        + f"; {os.cpu_count()} CPUs; best of {args.repeat} runs (exiftool per file: 1)",
        flush=True,
    )
    for fmt, mime in (("png", "image/png"), ("jpeg", "image/jpeg")):
        paths = files[fmt]
        r: dict[str, float] = {}
        rep = args.repeat
        r["tongzhou_1proc"] = best(rep, bench_tongzhou, paths, work / f"out-tz-{fmt}", 1)
        r["tongzhou_workers"] = best(rep, bench_tongzhou, paths, work / f"out-tzw-{fmt}", args.workers)
        r["exiftool_per_file"] = bench_exiftool_per_file(
            paths[: args.exiftool_per_file], work / f"out-ep-{fmt}", config
        )
        r["exiftool_batch_fast"] = best(
            rep, bench_exiftool_batch, paths, work / f"out-eb-{fmt}", config, False
        )
        r["exiftool_batch_fast_per_file_values"] = best(
            rep, bench_exiftool_batch, paths, work / f"out-ebx-{fmt}", config, True
        )
        # C2PA: sign labelled files (label first, then C2PA), then verify both ways on the same signed files.
        labelled = sorted((work / f"out-tz-{fmt}").iterdir())[: args.c2pa]
        r["c2pa_sign"] = best(rep, bench_c2pa_sign, labelled, work / f"out-c2pa-{fmt}", mime)
        signed = sorted((work / f"out-c2pa-{fmt}").iterdir())
        r["tongzhou_verify"], r["c2pa_read"] = best(rep, bench_verify, signed, mime)
        results[fmt] = r
        print(f"\n{fmt.upper()} (files/s)", flush=True)
        print(f"  tongzhou label+binding, 1 process   {r['tongzhou_1proc']:8.1f}")
        print(f"  tongzhou label+binding, {args.workers} workers   {r['tongzhou_workers']:8.1f}")
        print(
            f"  exiftool per file (no binding)     {r['exiftool_per_file']:8.1f}   "
            f"ratio {r['tongzhou_1proc'] / r['exiftool_per_file']:.1f}x"
        )
        print(
            f"  exiftool batch -@ -fast, same value  {r['exiftool_batch_fast']:8.1f}   "
            f"ratio {r['tongzhou_1proc'] / r['exiftool_batch_fast']:.2f}x (1 proc), "
            f"{r['tongzhou_workers'] / r['exiftool_batch_fast']:.2f}x ({args.workers} workers)"
        )
        print(
            f"  exiftool batch -fast, -execute/file {r['exiftool_batch_fast_per_file_values']:8.1f}   "
            f"ratio {r['tongzhou_1proc'] / r['exiftool_batch_fast_per_file_values']:.2f}x (1 proc)"
        )
        print(
            f"  c2pa-python signing                {r['c2pa_sign']:8.1f}   "
            f"ratio {r['tongzhou_1proc'] / r['c2pa_sign']:.1f}x"
        )
        print(
            f"  verify: tongzhou {r['tongzhou_verify']:.1f} vs c2pa Reader {r['c2pa_read']:.1f}   "
            f"ratio {r['tongzhou_verify'] / r['c2pa_read']:.1f}x (1 process each)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
