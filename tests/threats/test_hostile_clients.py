"""Hostile clients against a real TAXII server (issue 20): each attack gets a TAXII error, never a
plain-text 500, the same answer on SQLite and PostgreSQL, and loses none of the valid objects.

To add an attack: write what the client sends with :func:`raw_request` (bytes on a socket, for what
httpx refuses to send) or httpx, and assert with :func:`assert_taxii_error`.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.threats.conftest import LiveTaxii, ThreadedServer, attack_pattern, indicator, make_principals
from tongzhou.store import open_store
from tongzhou.threats.envelope_bounds import (
    MAX_OBJECTS_PER_ENVELOPE,
    MAX_PATTERN_CHARS_PER_ENVELOPE,
    MAX_STATUS_FAILURES,
    EnvelopeTooLarge,
)
from tongzhou.threats.http_protocol import TaxiiHttpProtocol
from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.server import ServerConfig, create_app

HEADERS = {"Accept": TAXII_MEDIA_TYPE, "Content-Type": TAXII_MEDIA_TYPE}


def bearer(key: str) -> dict[str, str]:
    """The header that authenticates with an API key."""
    return {"Authorization": f"Bearer {key}"}


def assert_taxii_error(response: httpx.Response, status: int) -> dict[str, str]:
    """``response`` is a TAXII error message with ``status``; returns its body."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == TAXII_MEDIA_TYPE
    error = response.json()
    assert error["http_status"] == str(status) and error["title"]
    return error


def post_envelope(live: LiveTaxii, body: bytes | dict[str, Any], key: str | None = None) -> httpx.Response:
    """POST ``body`` (an envelope, or raw bytes) to the shared collection as the writer."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        live.collection_url(live.shared) + "objects/",
        content=content,
        headers={**HEADERS, **bearer(key or live.writer_key)},
        timeout=60,
    )


def raw_request(live: LiveTaxii, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send ``head`` (request line and headers, without the blank line) and ``body`` on a socket.

    Returns the status, the headers (lower-case names) and the body of the answer.
    """
    host, port = live.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    header_block, _, payload = rest.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        headers[name.decode().strip().lower()] = value.decode().strip()
    return int(status_line.split()[1]), headers, payload


def custom_object(stix_type: str) -> dict[str, Any]:
    """A valid custom STIX 2.1 object of ``stix_type``."""
    return {
        "type": stix_type,
        "spec_version": "2.1",
        "id": f"{stix_type}--{uuid.uuid4()}",
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
    }


# -- item 6: the same answer on both stores -------------------------------------------------------


def test_longest_stix_type_is_stored_beside_the_others(live_taxii: LiveTaxii) -> None:
    # STIX 2.1 §2.9 allows 250 characters for a type, so an id of 288; PostgreSQL held 64 and 128.
    longest = custom_object("x-" + "a" * 248)
    envelope = {"objects": [attack_pattern(f"p{i}") for i in range(999)] + [longest]}
    status = post_envelope(live_taxii, envelope).json()
    assert (status["success_count"], status["failure_count"]) == (1000, 0)
    assert live_taxii.repo.count(live_taxii.shared) == 1000
    fetched = httpx.get(
        live_taxii.collection_url(live_taxii.shared) + f"objects/{longest['id']}/",
        headers=bearer(live_taxii.reader_key),
    )
    assert fetched.json()["objects"] == [longest]
    too_long = custom_object("x-" + "a" * 249)
    status = post_envelope(live_taxii, {"objects": [too_long, attack_pattern("beside")]}).json()
    assert (status["success_count"], status["failure_count"]) == (1, 1)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("collections/%00/objects/", {}),
        ("collections/{shared}/objects/indicator--%00/", {}),
        ("collections/{shared}/objects/", {"match[id]": "indicator--\x00"}),
        ("collections/{shared}/objects/", {"match[type]": "\x00"}),
        ("collections/{shared}/manifest/", {"match[spec_version]": "2.1\x00"}),
        ("status/%00/", {}),
        ("%00/", {}),
    ],
)
def test_nul_anywhere_in_the_target_is_400_even_anonymous(
    live_taxii: LiveTaxii, path: str, params: dict[str, str]
) -> None:
    url = f"{live_taxii.root_url}{path.format(shared=live_taxii.shared.id)}"
    for headers in ({}, bearer(live_taxii.admin_key)):
        assert_taxii_error(httpx.get(url, params=params, headers=headers), 400)


def test_nul_in_a_basic_user_name_is_401(live_taxii: LiveTaxii) -> None:
    url = live_taxii.collection_url(live_taxii.shared) + "objects/"
    assert_taxii_error(httpx.get(url, auth=("writer\x00", "correct horse battery staple")), 401)


# -- item 5: bounded requests ---------------------------------------------------------------------


def test_more_objects_than_the_bound_is_413_and_stores_nothing(live_taxii: LiveTaxii) -> None:
    over = b'{"objects":[' + b",".join([b"0"] * (MAX_OBJECTS_PER_ENVELOPE + 1)) + b"]}"
    error = assert_taxii_error(post_envelope(live_taxii, over), 413)
    assert str(MAX_OBJECTS_PER_ENVELOPE) in error["description"]
    assert live_taxii.repo.count(live_taxii.shared) == 0


def test_status_keeps_every_count_but_a_bounded_list_of_failures(live_taxii: LiveTaxii) -> None:
    objects: list[Any] = [0] * (MAX_OBJECTS_PER_ENVELOPE - 1) + [attack_pattern("kept")]
    status = post_envelope(live_taxii, {"objects": objects}).json()
    assert (status["total_count"], status["success_count"]) == (MAX_OBJECTS_PER_ENVELOPE, 1)
    assert status["failure_count"] == MAX_OBJECTS_PER_ENVELOPE - 1
    assert len(status["failures"]) == MAX_STATUS_FAILURES
    stored = httpx.get(f"{live_taxii.root_url}status/{status['id']}/", headers=bearer(live_taxii.writer_key))
    assert stored.json() == status


# -- item 7: deep requests ------------------------------------------------------------------------


def test_deep_nesting_is_400_or_a_failure_never_500(live_taxii: LiveTaxii) -> None:
    for depth in (990, 100_000):
        body = b'{"objects":[' + b"[" * depth + b"]" * depth + b"]}"
        assert_taxii_error(post_envelope(live_taxii, body), 400)
    for depth in (300, 900, 990):
        deep = json.dumps(dict(attack_pattern(f"deep {depth}"), x_deep="NEST"))
        deep = deep.replace('"NEST"', "[" * depth + "]" * depth)
        body = '{"objects":[' + deep + "," + json.dumps(attack_pattern(f"beside {depth}")) + "]}"
        response = post_envelope(live_taxii, body.encode())
        if response.status_code == 400:  # the whole body nested too deeply to decode here
            assert_taxii_error(response, 400)
            continue
        status = response.json()
        assert (status["success_count"], status["failure_count"]) == (1, 1)
        assert "nested deeper" in status["failures"][0]["message"]


# -- item 9: minor ones ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_only_utf8_bodies_are_read(live_taxii: LiveTaxii, encoding: str) -> None:
    body = json.dumps({"objects": [attack_pattern("not utf-8")]}).encode(encoding)
    assert_taxii_error(post_envelope(live_taxii, body), 400)
    assert live_taxii.repo.count(live_taxii.shared) == 0


def test_a_repeated_filter_is_400_not_its_last_value(live_taxii: LiveTaxii) -> None:
    url = live_taxii.collection_url(live_taxii.shared) + "objects/"
    repeated = [("match[type]", "attack-pattern"), ("match[type]", "indicator")]
    error = assert_taxii_error(httpx.get(url, params=repeated, headers=bearer(live_taxii.reader_key)), 400)
    assert "commas" in error["description"]
    both = {"match[type]": "attack-pattern,indicator"}
    assert httpx.get(url, params=both, headers=bearer(live_taxii.reader_key)).status_code == 200


def test_head_is_answered_like_get_without_a_body(live_taxii: LiveTaxii) -> None:
    post_envelope(live_taxii, {"objects": [attack_pattern("headed")]})
    url = live_taxii.collection_url(live_taxii.shared) + "objects/"
    got = httpx.get(url, headers=bearer(live_taxii.reader_key))
    head = httpx.head(url, headers=bearer(live_taxii.reader_key))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == TAXII_MEDIA_TYPE
    assert head.headers["x-taxii-date-added-first"] == got.headers["x-taxii-date-added-first"]
    assert httpx.head(url).status_code == 401


@pytest.mark.parametrize("length", [20 * 1024, 70 * 1024])
def test_an_overlong_url_is_a_taxii_error(live_taxii: LiveTaxii, length: int) -> None:
    target = f"/tongzhou/collections/{live_taxii.shared.id}/objects/?match[id]=" + "a" * length
    status, headers, body = raw_request(live_taxii, f"GET {target} HTTP/1.1\r\nHost: x".encode())
    assert status in (400, 414, 431)
    assert headers["content-type"] == TAXII_MEDIA_TYPE
    assert json.loads(body)["http_status"] == str(status)


def test_timestamps_with_non_ascii_digits_are_refused(live_taxii: LiveTaxii) -> None:
    arabic = attack_pattern("arabic digits", created="٢٠٢٥-01-01T00:00:00Z", modified="٢٠٢٥-01-01T00:00:00Z")
    trailing = attack_pattern("newline", created="2025-01-01T00:00:00Z\n", modified="2025-01-01T00:00:00Z\n")
    status = post_envelope(live_taxii, {"objects": [arabic, trailing, attack_pattern("fine")]}).json()
    assert (status["success_count"], status["failure_count"]) == (1, 2)
    url = live_taxii.collection_url(live_taxii.shared) + "objects/"
    assert_taxii_error(
        httpx.get(url, params={"added_after": "٢٠٢٥-01-01T00:00:00Z"}, headers=bearer(live_taxii.reader_key)),
        400,
    )


# -- item 7: slow requests ------------------------------------------------------------------------


class QuickTaxiiHttpProtocol(TaxiiHttpProtocol):
    """The TAXII connection handling with a one-second header deadline (the default is ten), and
    no per-client connection cap: these tests hold 200 connections from one address to see each
    one's deadline (the cap has its own tests, ``test_connection_cap.py``)."""

    header_timeout_s = 1.0
    max_connections_per_client = 0


@contextmanager
def running_taxii(
    tmp_path: Path, config: ServerConfig, http: type[TaxiiHttpProtocol] = TaxiiHttpProtocol
) -> Iterator[LiveTaxii]:
    """A server with ``config`` on a SQLite store of its own (for attacks no store is involved in)."""
    store = open_store(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
    repo, authority, made = make_principals(store)
    port = free_port()
    server = ThreadedServer(create_app(store, config), port, http=http)
    server.start()
    try:
        yield LiveTaxii(base=f"http://127.0.0.1:{port}", store=store, repo=repo, authority=authority, **made)
    finally:
        server.stop()
        store.close()


@pytest.fixture
def impatient_taxii(tmp_path: Path) -> Iterator[LiveTaxii]:
    """A server that gives headers and bodies one second each."""
    with running_taxii(tmp_path, ServerConfig(body_timeout_s=1.0), QuickTaxiiHttpProtocol) as live:
        yield live


def _connect(live: LiveTaxii) -> socket.socket:
    host, port = live.base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_partial_headers_get_408_and_the_connection_closes(impatient_taxii: LiveTaxii) -> None:
    held = [_connect(impatient_taxii) for _ in range(200)]
    for sock in held:
        sock.sendall(b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    idle = _connect(impatient_taxii)  # sends nothing at all
    try:
        for sock in held:
            answer = _read_all(sock)  # returns only once the server closes the connection
            assert answer.startswith(b"HTTP/1.1 408 ")
            assert json.loads(answer.partition(b"\r\n\r\n")[2])["http_status"] == "408"
        assert _read_all(idle) == b""
    finally:
        for sock in [*held, idle]:
            sock.close()
    assert httpx.get(f"{impatient_taxii.base}/taxii2/").status_code == 200


def test_a_body_trickled_past_the_deadline_is_408_and_stores_nothing(impatient_taxii: LiveTaxii) -> None:
    body = json.dumps({"objects": [attack_pattern("slow")]}).encode()
    target = f"/tongzhou/collections/{impatient_taxii.shared.id}/objects/"
    head = (
        f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Type: {TAXII_MEDIA_TYPE}\r\n"
        f"Authorization: Bearer {impatient_taxii.writer_key}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with _connect(impatient_taxii) as sock:
        sock.sendall(head.encode())
        answer = b""
        for byte in body:  # 1 byte / 0.1 s, until the server answers
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            sock.settimeout(0.1)
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        sock.settimeout(30)
        answer += _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert impatient_taxii.repo.count(impatient_taxii.shared) == 0


def test_pattern_checks_are_bounded_per_request(tmp_path: Path) -> None:
    # 600 indicators with 100-term OR patterns (2.1 MB) took 44.8 s of one request to check.
    def wide(i: int) -> dict[str, Any]:
        terms = " OR ".join(f"[domain-name:value = 'evil{i}-{t}.example']" for t in range(100))
        return dict(indicator(f"wide{i}.example"), pattern=terms)

    patterns = [wide(i) for i in range(MAX_PATTERN_CHARS_PER_ENVELOPE // len(wide(0)["pattern"]) + 1)]
    assert sum(len(p["pattern"]) for p in patterns) > MAX_PATTERN_CHARS_PER_ENVELOPE
    with running_taxii(tmp_path, ServerConfig()) as live:  # the default body limit, 10 MiB
        error = assert_taxii_error(post_envelope(live, {"objects": patterns}), 413)
        assert "patterns" in error["description"]
        assert live.repo.count(live.shared) == 0
        with pytest.raises(EnvelopeTooLarge, match="patterns"):
            live.repo.add_objects(live.shared, patterns, "writer")
        within = patterns[: len(patterns) // 4]
        assert post_envelope(live, {"objects": within}).json()["success_count"] == len(within)


@pytest.mark.parametrize(
    "head",
    [
        b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\nX-Nul: a\x00b",
        b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\nno colon here",
        b"G\x01T /taxii2/ HTTP/1.1\r\nHost: x",
        b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000,
        b"POST /tongzhou/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6",
        b"POST /tongzhou/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip",
    ],
)
def test_requests_the_http_parser_refuses_get_taxii_errors(live_taxii: LiveTaxii, head: bytes) -> None:
    status, headers, body = raw_request(live_taxii, head)
    assert 400 <= status < 500
    assert headers["content-type"] == TAXII_MEDIA_TYPE
    assert json.loads(body)["http_status"] == str(status)


def test_a_client_leaving_mid_body_stores_nothing_and_the_server_goes_on(live_taxii: LiveTaxii) -> None:
    body = json.dumps({"objects": [attack_pattern("half")]}).encode()
    target = f"/tongzhou/collections/{live_taxii.shared.id}/objects/"
    head = (
        f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Type: {TAXII_MEDIA_TYPE}\r\n"
        f"Authorization: Bearer {live_taxii.writer_key}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    host, port = live_taxii.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode() + body[: len(body) // 2])
    assert live_taxii.repo.count(live_taxii.shared) == 0
    assert post_envelope(live_taxii, {"objects": [attack_pattern("whole")]}).json()["success_count"] == 1
