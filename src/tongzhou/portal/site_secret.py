"""The site's secret key (for CSRF tokens), made once and kept in the store for every worker."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tongzhou.portal._tables import SETTINGS
from tongzhou.store import Store

_NAME = "csrf_key"


def site_secret(store: Store) -> bytes:
    """The shared secret; the first worker to ask creates it, the others read the same one."""
    for _ in range(2):
        with store.engine.connect() as conn:
            row = conn.execute(select(SETTINGS.c.value).where(SETTINGS.c.name == _NAME)).first()
        if row is not None:
            return bytes.fromhex(row[0])
        try:
            with store.transaction() as session:
                session.execute(SETTINGS.insert().values(name=_NAME, value=secrets.token_hex(32)))
        except IntegrityError:  # another worker made it first: read theirs
            continue
    raise RuntimeError("could not create or read the site secret")
