"""Seeded random requests to every TAXII route: no 5xx, and every error a TAXII error message.

Each request mixes a method, a route with valid or hostile path segments, query parameters, headers
and a body, drawn from the pools below (add to them to widen the search). The seed is printed with
each failure so it can be replayed: ``TONGZHOU_FUZZ_SEED=<seed> pytest tests/threats/test_route_fuzz.py``.
"""

from __future__ import annotations

import base64
import json
import os
import random
import uuid
from typing import Any
from urllib.parse import quote

import httpx

from tests.threats.conftest import LiveTaxii, attack_pattern, indicator
from tongzhou.threats.media import TAXII_MEDIA_TYPE

REQUESTS = int(os.environ.get("TONGZHOU_FUZZ_REQUESTS", "400"))
SEED = int(os.environ.get("TONGZHOU_FUZZ_SEED", "20"))

ROUTES = (
    "/taxii2/",
    "/{root}/",
    "/{root}/status/{status}/",
    "/{root}/collections/",
    "/{root}/collections/{collection}/",
    "/{root}/collections/{collection}/manifest/",
    "/{root}/collections/{collection}/objects/",
    "/{root}/collections/{collection}/objects/{object}/",
    "/{root}/collections/{collection}/objects/{object}/versions/",
)
METHODS = ("GET", "GET", "GET", "POST", "POST", "DELETE", "HEAD", "PUT", "OPTIONS", "PATCH")
HOSTILE_SEGMENTS = (
    "\x00",
    "\x00",
    "attack-pattern--\x00",
    "a\x00b",
    "\x01",
    "%",
    "%ff",
    "..",
    "é",
    "漢字",
    "\ud7ff",
    " ",
    "x" * 300,
    "x" * 5000,
    "indicator--" + "0" * 36,
    "x-" + "a" * 248 + "--" + str(uuid.UUID(int=0)),
    "'; DROP TABLE threats_object; --",
    "*",
    "",
)
QUERY_KEYS = (
    "added_after",
    "limit",
    "next",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
    "unknown",
)
QUERY_VALUES = (
    "2025-01-01T00:00:00Z",
    "٢٠٢٥-01-01T00:00:00Z",
    "2025-13-45T99:99:99Z",
    "0",
    "-1",
    "1",
    "99999999999999999999999",
    "last",
    "first,all",
    "attack-pattern,indicator",
    ",,,",
    "\x00",
    "a\x00",
    "x" * 3000,
    "eyJ9.eyJ9",
    "not.a.token",
    "2.1",
    "",
)
CONTROL_VALUES = ("\x00", "indicator--\x00", "a\x00b", "\x01", "x\x7f", "\x00,attack-pattern")
ACCEPTS = (None, TAXII_MEDIA_TYPE, "application/taxii+json", "*/*", "text/html", "application/json;q=0", ";")
CONTENT_TYPES = (TAXII_MEDIA_TYPE, TAXII_MEDIA_TYPE, "application/json", "text/plain", None, ";version=2.1")


def _credentials(rng: random.Random, live: LiveTaxii) -> dict[str, str]:
    choice = rng.randrange(9)
    if choice == 0:
        return {}
    if choice == 1:
        basic = base64.b64encode(rng.choice([b"writer:correct horse battery staple", b"\x00:\x00", b"x"]))
        return {"Authorization": "Basic " + basic.decode()}
    if choice == 2:
        odd = ["Bearer tzk_", "Bearer tzk_a_b", "Digest x", "Basic ***", "Token"]
        return {"Authorization": rng.choice(odd)}
    if choice == 3:
        return {"X-API-Key": rng.choice([live.reader_key, "tzk_" + "a" * 500, "nope"])}
    return {"Authorization": f"Bearer {rng.choice([live.admin_key, live.writer_key, live.reader_key])}"}


def _body(rng: random.Random) -> bytes:
    objects: list[Any] = [attack_pattern("fuzz"), indicator("fuzz.example")]
    choice = rng.randrange(12)
    if choice == 0:
        return b""
    if choice == 1:
        return rng.randbytes(rng.randrange(1, 200))
    if choice == 2:
        return b'{"objects":' + b"[" * 2000 + b"]" * 2000 + b"}"
    if choice == 3:
        return json.dumps({"objects": objects}).encode("utf-16")
    if choice == 4:
        return json.dumps({"objects": [0, None, "x", [], {}, {"type": 1}]}).encode()
    if choice == 5:
        mutated = dict(objects[0])
        mutated[rng.choice(["id", "type", "created", "modified", "spec_version"])] = rng.choice(
            [None, 1, "", "\x00", "x" * 400, [], {}, "2025-01-01T00:00:00Z\n"]
        )
        return json.dumps({"objects": [mutated, objects[1]]}).encode()
    if choice == 6:
        return b'{"objects": [' + json.dumps(objects[0]).encode()[:-3]
    if choice == 7:
        return json.dumps({"objects": {"not": "a list"}}).encode()
    if choice == 8:
        return json.dumps([objects]).encode()
    return json.dumps({"objects": objects}).encode()


FuzzRequest = tuple[str, str, list[tuple[str, str]], dict[str, str], bytes]
"""Method, path, query parameters, headers, body."""


def _request(rng: random.Random, live: LiveTaxii) -> FuzzRequest:
    """A well-formed request to a random route, with one or two of its parts made hostile.

    (Mutating only a part or two reaches the routes' own code, past the checks that would refuse
    a request that is wrong everywhere.)
    """
    route = rng.choice(ROUTES)
    segments = {
        "root": "tongzhou",
        "status": str(uuid.uuid4()),
        "collection": rng.choice([live.shared.id, live.public.id, "shared"]),
        "object": f"attack-pattern--{uuid.uuid4()}",
    }
    params = [(rng.choice(QUERY_KEYS[:-1]), rng.choice(QUERY_VALUES[:2] + QUERY_VALUES[5:11]))]
    params = params if rng.random() < 0.5 else []
    headers = {"Authorization": f"Bearer {rng.choice([live.admin_key, live.writer_key])}"}
    headers["Accept"] = TAXII_MEDIA_TYPE
    method = "POST" if route.endswith("/objects/") and rng.random() < 0.4 else "GET"
    body = b""
    for _ in range(rng.randrange(1, 3)):
        part = rng.randrange(8)
        if part in (0, 1):  # the root rarely: a wrong root is refused before anything else
            name = rng.choice(["status", "collection", "object", "object", "root"])
            segments[name] = rng.choice(HOSTILE_SEGMENTS)
        elif part == 2:
            params.append((rng.choice(QUERY_KEYS), rng.choice(QUERY_VALUES)))
        elif part == 3:
            params.append((rng.choice(QUERY_KEYS[:-1]), rng.choice(CONTROL_VALUES)))
        elif part == 4:
            headers.pop("Authorization", None)
            headers.update(_credentials(rng, live))
        elif part == 5:
            headers["Accept"] = rng.choice(ACCEPTS) or ""
        elif part == 6:
            method = rng.choice(METHODS)
        else:
            method = "POST"
    if method in ("POST", "PUT", "PATCH"):
        content_type = rng.choice(CONTENT_TYPES)
        if content_type is not None:
            headers["Content-Type"] = content_type
        body = _body(rng)
    path = route.format(**{name: quote(value, safe="") for name, value in segments.items()})
    return method, path, params, headers, body


def test_random_requests_never_get_a_server_error(live_taxii: LiveTaxii) -> None:
    rng = random.Random(SEED)
    problems: list[str] = []
    seen: dict[int, int] = {}
    with httpx.Client(base_url=live_taxii.base, timeout=60) as client:
        for number in range(REQUESTS):
            method, path, params, headers, body = _request(rng, live_taxii)
            try:
                response = client.request(method, path, params=params, headers=headers, content=body)
            except httpx.TransportError as exc:  # the server dropped the connection
                problems.append(f"#{number} (seed {SEED}) {method} {path[:120]} {params!r:.200}: {exc!r}")
                continue
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            what = f"#{number} (seed {SEED}) {method} {path[:120]} {params!r:.200} -> {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{what}: {response.text[:300]}")
            elif response.status_code >= 400 and response.headers.get("content-type") != TAXII_MEDIA_TYPE:
                problems.append(f"{what}: not a TAXII error ({response.headers.get('content-type')})")
            elif response.status_code >= 400 and method != "HEAD":
                error = response.json()
                if error.get("http_status") != str(response.status_code):
                    problems.append(f"{what}: http_status {error.get('http_status')!r}")
    assert not problems, "\n".join(problems[:30])
    # The pools reach the routes' own answers, not only the guards' refusals.
    assert {200, 400}.issubset(seen) and sum(seen.values()) == REQUESTS, seen
