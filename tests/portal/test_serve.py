"""`tongzhou serve` end to end: one port, two workers, portal + API + TAXII over SQLite in TONGZHOU_HOME;
`tongzhou portal` creates the first admin; a session made by one worker is honoured by the other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import tongzhou
from tests.conftest import free_port, wait_http
from tests.portal.conftest import PASSWORD, PUBLIC_ID, csrf_of
from tongzhou.cli.main import app
from tongzhou.errors import InputError
from tongzhou.store import open_store
from tongzhou.systems.bundled import example_profile
from tongzhou.systems.registry import SystemRegistry

SRC = str(Path(tongzhou.__file__).resolve().parents[1])
runner = CliRunner()


def test_portal_cli_creates_organisations_users_and_tokens() -> None:
    assert runner.invoke(app, ["portal", "add-org", "acme", "ACME AI"]).exit_code == 0
    made = runner.invoke(
        app, ["portal", "add-user", "root", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert made.exit_code == 0 and "root (admin)" in made.output, made.output
    short = runner.invoke(app, ["portal", "add-user", "bob", "--role", "provider"], input="short\nshort\n")
    assert isinstance(short.exception, InputError) and "12" in str(short.exception)  # exit 2 via cli.main
    token = runner.invoke(app, ["portal", "add-token", "root"])
    assert token.exit_code == 0 and token.output.startswith("tzk_")
    assert isinstance(runner.invoke(app, ["portal", "add-token", "nobody"]).exception, InputError)


@pytest.mark.slow
def test_serve_one_port_two_workers(tongzhou_home: Path) -> None:
    store = open_store()
    SystemRegistry(store).add(example_profile(PUBLIC_ID))
    store.close()
    env = {
        **os.environ,
        "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "TONGZHOU_PORTAL_PASSWORD": PASSWORD,
        "TONGZHOU_TAXII_VALIDATION_PROCESSES": "0",
    }
    subprocess.run(
        [sys.executable, "-m", "tongzhou.cli.entry", "portal", "add-user", "prov", "--role", "provider"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "tongzhou.cli.entry", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"{base}/api/v1/openapi.json", timeout=120, process=process)
        assert "Registry" in httpx.get(f"{base}/registry").text
        listed = httpx.get(f"{base}/api/v1/systems").json()["systems"]
        assert [s["id"] for s in listed] == [PUBLIC_ID], "serve indexed the registry before starting"
        openapi = httpx.get(f"{base}/api/v1/openapi.json").json()
        assert "/api/v1/systems" in openapi["paths"] and "/registry" not in openapi["paths"]
        # Behind the TLS proxy (trusted: loopback by default) the service knows it is HTTPS.
        assert "strict-transport-security" not in httpx.get(f"{base}/").headers
        proxied = httpx.get(f"{base}/", headers={"X-Forwarded-Proto": "https"})
        assert proxied.headers["strict-transport-security"].startswith("max-age=")
        discovery = httpx.get(f"{base}/taxii2/")
        assert discovery.status_code == 200
        assert discovery.headers["content-type"].startswith("application/taxii+json")
        assert discovery.json()["api_roots"] == [f"{base}/tongzhou/"]
        # Log in, then use the session on many connections: whichever worker answers knows it.
        with httpx.Client(base_url=base) as browser:
            token = csrf_of(browser.get("/login").text)
            done = browser.post("/login", data={"name": "prov", "password": PASSWORD, "csrf_token": token})
            assert done.status_code == 303
            cookies = dict(browser.cookies)
        for _ in range(12):
            with httpx.Client(base_url=base, cookies=cookies) as fresh:
                assert fresh.get("/api/v1/me").json()["name"] == "prov"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
