"""One client may hold only so many connections to a TAXII worker (issue 20, item 7): beyond the
cap a connection gets a TAXII 429 with ``Retry-After`` and is closed; a closed connection frees
its place. A real server on loopback, real sockets."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.threats.conftest import LiveTaxii
from tests.threats.test_hostile_clients import _connect, _read_all, running_taxii
from tongzhou.threats.http_protocol import RETRY_AFTER_S, TaxiiHttpProtocol
from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.server import ServerConfig

CAP = 3


class CappedTaxiiHttpProtocol(TaxiiHttpProtocol):
    """The TAXII connection handling with room for three connections per client."""

    max_connections_per_client = CAP


class UncappedTaxiiHttpProtocol(TaxiiHttpProtocol):
    max_connections_per_client = 0


@pytest.fixture
def capped_taxii(tmp_path: Path) -> Iterator[LiveTaxii]:
    with running_taxii(tmp_path, ServerConfig(), CappedTaxiiHttpProtocol) as live:
        yield live


def _hold(live: LiveTaxii, count: int) -> list[socket.socket]:
    """``count`` connections that have sent half a request (each holds its place)."""
    held = [_connect(live) for _ in range(count)]
    for sock in held:
        sock.sendall(b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\n")
    return held


def _discovery(live: LiveTaxii) -> httpx.Response:
    return httpx.get(f"{live.base}/taxii2/", headers={"Accept": TAXII_MEDIA_TYPE}, timeout=30)


def _served_again(live: LiveTaxii) -> httpx.Response:
    """Discovery, retried (as Retry-After asks) until the server has seen a closed connection go."""
    deadline = time.monotonic() + 30
    while True:
        response = _discovery(live)
        if response.status_code != 429 or time.monotonic() > deadline:
            return response
        time.sleep(RETRY_AFTER_S / 10)


def test_connections_beyond_the_cap_get_429_with_retry_after(capped_taxii: LiveTaxii) -> None:
    held = _hold(capped_taxii, CAP)
    try:
        refused = _discovery(capped_taxii)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == str(RETRY_AFTER_S)
        assert refused.headers["content-type"] == TAXII_MEDIA_TYPE
        error = refused.json()
        assert error["http_status"] == "429" and f"already holds {CAP} connections" in error["description"]
        # A raw client sees the answer before it sent anything, then the server closes.
        with _connect(capped_taxii) as extra:
            answer = _read_all(extra)
        assert answer.startswith(b"HTTP/1.1 429 ")
        assert json.loads(answer.partition(b"\r\n\r\n")[2])["http_status"] == "429"
        # The held connections are still served.
        held[0].sendall(b"Accept: */*\r\nConnection: close\r\n\r\n")
        assert _read_all(held[0]).startswith(b"HTTP/1.1 200 ")
        held[0].close()
        assert _served_again(capped_taxii).status_code == 200  # its place is free again
    finally:
        for sock in held:
            sock.close()


def test_closed_connections_give_back_every_place(capped_taxii: LiveTaxii) -> None:
    for _ in range(3):  # the count goes back to zero each time, or a later round is refused
        held = _hold(capped_taxii, CAP)
        for sock in held:
            sock.close()
        assert _served_again(capped_taxii).status_code == 200
    held = _hold(capped_taxii, CAP - 1)
    try:
        assert _served_again(capped_taxii).status_code == 200  # the last place is free
        held += _hold(capped_taxii, 1)
        assert _discovery(capped_taxii).status_code == 429
    finally:
        for sock in held:
            sock.close()


def test_a_cap_of_zero_turns_the_cap_off(tmp_path: Path) -> None:
    with running_taxii(tmp_path, ServerConfig(), UncappedTaxiiHttpProtocol) as live:
        held = _hold(live, 20)
        try:
            assert _discovery(live).status_code == 200
        finally:
            for sock in held:
                sock.close()
