"""`tongzhou serve`: the portal, the REST API and TAXII 2.1 as one service on one port."""

from __future__ import annotations

import os

import typer
from rich.console import Console


def app(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8080, min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(
        1, min=1, max=256, help="uvicorn worker processes (they share nothing but the database)."
    ),
    api_root: str = typer.Option("tongzhou", help="TAXII API root name(s), comma-separated."),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        help="Proxies trusted for X-Forwarded-Proto (the TLS proxy: Secure cookies, HSTS).",
    ),
    reassess_every: int = typer.Option(
        0,
        min=0,
        max=31_536_000,
        help="Also run `tongzhou reassess tick` every N seconds (at least 60) in the workers; 0: off "
        "(use cron or a systemd timer). A database lease lets one tick run at a time.",
    ),
) -> None:
    """Serve the portal, the REST API (/api/v1) and TAXII 2.1 (/taxii2/) on the store.
    启动门户、REST 接口与 TAXII 2.1 服务。
    """
    import uvicorn

    from tongzhou.portal.listing_index import refresh_listing
    from tongzhou.portal.oidc_config import load_providers
    from tongzhou.store import open_store

    load_providers()  # a bad oidc.yaml is one line here, not a traceback in every worker
    # Migrate and index once here, so workers starting together do not race on either.
    store = open_store()
    try:
        indexed = refresh_listing(store)
    finally:
        store.close()
    os.environ.update(
        {"TONGZHOU_PORTAL_MIGRATE": "0", "TONGZHOU_TAXII_MIGRATE": "0", "TONGZHOU_TAXII_API_ROOT": api_root}
    )
    if reassess_every:
        os.environ["TONGZHOU_REASSESS_EVERY"] = str(reassess_every)
    console = Console()
    console.print(
        f"Portal 门户: http://{host}:{port}/  ·  API: http://{host}:{port}/api/v1/openapi.json  ·  "
        f"TAXII: http://{host}:{port}/taxii2/  ({indexed} registry entries indexed / 已索引)",
        highlight=False,
    )
    uvicorn.run(
        "tongzhou.portal.service:service_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        http="tongzhou.threats.http_protocol:TaxiiHttpProtocol",  # header deadline (slow clients)
    )
