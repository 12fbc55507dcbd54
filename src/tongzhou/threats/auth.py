"""Who is calling, and what may they do: API keys / bearer tokens, HTTP Basic, per-collection grants.

* API keys look like ``tzk_<key id>_<secret>``; only ``SHA-256(key)`` is stored (a 256-bit random
  secret needs no slow hash). They are accepted as ``Authorization: Bearer …``, ``Authorization:
  Token …`` (taxii2-client's ``TokenAuth``) or ``X-API-Key: …``.
  A key may carry an expiry (``expires_us``) and is revoked by deleting it
  (:meth:`Authority.revoke_api_keys`).
* HTTP Basic passwords are stored as scrypt hashes; a verified password is remembered in this
  process for a minute (keyed by its SHA-256) so clients that send Basic on every request are not
  charged an scrypt each time. An unknown user costs the same scrypt as a known one (no user
  enumeration by timing); a refused password is remembered for a second; at most
  :data:`PASSWORD_CHECK_SLOTS` scrypts run at once per process, further Basic requests wait
  :data:`PASSWORD_CHECK_WAIT_S` and then get 503 (API keys are never held up by them).
* Grants give a principal read and/or write on one collection; admins may do everything;
  collections marked public are readable by anyone, including anonymous callers.
* Verified API keys and grants are remembered for :data:`AUTH_CACHE_SECONDS` in each process:
  a change through this :class:`Authority` applies at once, elsewhere (another worker, the CLI)
  within that time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.threats._tables import GRANTS, KEYS, PRINCIPALS
from tongzhou.threats.timestamps import now_us
from tongzhou.threats.ttl_cache import TtlCache

KEY_PREFIX = "tzk_"
_SCRYPT = (2**14, 8, 1)
_BASIC_CACHE_SECONDS = 60.0
AUTH_CACHE_SECONDS = 1.0
"""How long a worker trusts a verified API key or a grant before asking the store again."""


PASSWORD_CHECK_SLOTS = 2
"""scrypt password checks one process runs at once (each ~16 MiB and ~50–80 ms of a core)."""
PASSWORD_CHECK_WAIT_S = 1.0
"""How long a Basic request waits for a free slot before :class:`PasswordChecksBusy`."""
_KEY_ID = re.compile(r"[0-9a-f]{16}")


class AuthenticationFailed(PermissionError):
    """Credentials were sent but are wrong (→ 401)."""


class PasswordChecksBusy(RuntimeError):
    """Every password-check slot is taken (→ 503 with ``Retry-After``): come back shortly."""


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """An API key as listed: everything but its secret."""

    key_id: str
    """The part after ``tzk_``: what ``revoke_api_keys(key_id=…)`` takes."""
    principal: str
    label: str | None
    created_us: int
    expires_us: int | None
    """When it stops working (None: never)."""


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated principal (or the anonymous caller, ``name is None``)."""

    name: str | None
    is_admin: bool = False

    @property
    def anonymous(self) -> bool:
        """True when no credentials were sent."""
        return self.name is None


ANONYMOUS = Caller(None)


def hash_password(password: str) -> str:
    """An scrypt hash string for ``password``."""
    n, r, p = _SCRYPT
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches an scrypt hash from :func:`hash_password`."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
    )
    return hmac.compare_digest(candidate.hex(), digest)


@functools.cache
def _unknown_user_hash() -> str:
    """A hash no password matches, checked for unknown users so they cost what known ones do."""
    return hash_password(secrets.token_urlsafe(32))


class Authority:
    """Principals, API keys and grants on the store; answers 'who is this' and 'may they'."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._basic_cache: dict[str, tuple[float, Caller]] = {}
        self._key_cache: TtlCache[Caller] = TtlCache(AUTH_CACHE_SECONDS)
        self._grant_cache: TtlCache[tuple[bool, bool]] = TtlCache(AUTH_CACHE_SECONDS)
        self._refused: TtlCache[bool] = TtlCache(AUTH_CACHE_SECONDS, max_entries=4096)
        """Basic credentials just refused: the same wrong password again costs no scrypt."""
        self._password_checks = threading.BoundedSemaphore(PASSWORD_CHECK_SLOTS)

    # -- administration -------------------------------------------------------------------------
    def add_principal(self, name: str, *, password: str | None = None, is_admin: bool | None = None) -> None:
        """Create or update a principal: set what is given, keep the rest (password as scrypt).

        ``add-key eve --admin`` used to pass no password and so erased eve's Basic password.
        """
        values: dict[str, object] = {"name": name, "password_hash": None, "is_admin": bool(is_admin)}
        changed: dict[str, object] = {}
        if password:
            values["password_hash"] = changed["password_hash"] = hash_password(password)
        if is_admin is not None:
            changed["is_admin"] = is_admin
        with self.store.transaction() as session:
            dialect = session.connection().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            stmt = insert(PRINCIPALS).values(**values)
            if changed:
                session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=changed))
            else:
                session.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
        self._forget()

    def issue_api_key(
        self, principal: str, label: str | None = None, *, expires_us: int | None = None
    ) -> str:
        """Create an API key for ``principal`` and return it (shown once; only its hash is kept).

        ``expires_us`` (microseconds since the epoch): the key stops working then; None: never.
        """
        key_id = secrets.token_hex(8)
        token = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        with self.store.transaction() as session:
            if (
                session.execute(select(PRINCIPALS.c.name).where(PRINCIPALS.c.name == principal)).first()
                is None
            ):
                session.execute(
                    PRINCIPALS.insert().values(name=principal, password_hash=None, is_admin=False)
                )
            session.execute(
                KEYS.insert().values(
                    key_id=key_id,
                    principal=principal,
                    secret_sha256=hashlib.sha256(token.encode()).hexdigest(),
                    label=label,
                    created_us=now_us(),
                    expires_us=expires_us,
                )
            )
        return token

    def revoke_api_keys(self, *, key_id: str | None = None, principal: str | None = None) -> int:
        """Delete one key (by its id, the part after ``tzk_``) or every key of ``principal``.

        Returns how many were revoked. Effective at once in this process, within
        :data:`AUTH_CACHE_SECONDS` in other workers.
        """
        if (key_id is None) == (principal is None):
            raise ValueError("give either key_id or principal")
        condition = KEYS.c.key_id == key_id if key_id is not None else KEYS.c.principal == principal
        with self.store.transaction() as session:
            revoked = session.connection().execute(KEYS.delete().where(condition)).rowcount
        self._forget()
        return int(revoked)

    def api_keys(self, principal: str | None = None) -> list[ApiKeyInfo]:
        """The API keys (never their secrets), of one principal or of all, oldest first."""
        query = select(KEYS.c.key_id, KEYS.c.principal, KEYS.c.label, KEYS.c.created_us, KEYS.c.expires_us)
        if principal is not None:
            query = query.where(KEYS.c.principal == principal)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.order_by(KEYS.c.created_us, KEYS.c.key_id)).all()
        return [ApiKeyInfo(*row) for row in rows]

    def grant(self, principal: str, collection_id: str, *, read: bool = True, write: bool = False) -> None:
        """Set ``principal``'s permissions on one collection; :class:`InputError` for an unknown principal
        (a grant to a name nobody can log in as would do nothing)."""
        with self.store.transaction() as session:
            known = select(PRINCIPALS.c.name).where(PRINCIPALS.c.name == principal)
            if session.execute(known).first() is None:
                raise InputError.of(
                    "no principal {principal!r}: create it first with `tongzhou threats add-key "
                    "{principal}` or `tongzhou threats add-user {principal}`",
                    principal=principal,
                )
            session.execute(
                GRANTS.delete().where(
                    GRANTS.c.principal == principal, GRANTS.c.collection_id == collection_id
                )
            )
            session.execute(
                GRANTS.insert().values(
                    principal=principal, collection_id=collection_id, can_read=read, can_write=write
                )
            )
        self._forget()

    def _forget(self) -> None:
        self._basic_cache.clear()
        self._key_cache.clear()
        self._grant_cache.clear()
        self._refused.clear()

    # -- checks ---------------------------------------------------------------------------------
    def authenticate(self, authorization: str | None, api_key: str | None = None) -> Caller:
        """The caller for these headers; :class:`AuthenticationFailed` when credentials are wrong."""
        if api_key:
            return self._by_key(api_key.strip())
        if not authorization:
            return ANONYMOUS
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme in ("bearer", "token"):
            return self._by_key(value.strip())
        if scheme == "basic":
            return self._by_basic(value.strip())
        raise AuthenticationFailed(f"unsupported authorization scheme {scheme!r}")

    def cached_caller(self, authorization: str | None, api_key: str | None = None) -> Caller | None:
        """The caller for these headers when known without the store or a password check (no
        credentials, or an API key verified moments ago); None means: ask :meth:`authenticate`."""
        if api_key:
            token = api_key.strip()
        elif not authorization:
            return ANONYMOUS
        else:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() not in ("bearer", "token"):
                return None
            token = value.strip()
        return self._key_cache.get(hashlib.sha256(token.encode()).hexdigest())

    def _by_key(self, token: str) -> Caller:
        if not token.startswith(KEY_PREFIX) or token.count("_") < 2:
            raise AuthenticationFailed("malformed API key")
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._key_cache.get(digest)
        if cached is not None:
            return cached
        key_id = token[len(KEY_PREFIX) :].split("_", 1)[0]
        if not _KEY_ID.fullmatch(key_id):
            raise AuthenticationFailed("malformed API key")
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(KEYS.c.secret_sha256, KEYS.c.principal, PRINCIPALS.c.is_admin, KEYS.c.expires_us)
                .join(PRINCIPALS, PRINCIPALS.c.name == KEYS.c.principal, isouter=True)
                .where(KEYS.c.key_id == key_id)
            ).first()
        if row is None or not hmac.compare_digest(row[0], digest):
            raise AuthenticationFailed("unknown or revoked API key")
        if row[3] is not None and row[3] <= now_us():
            raise AuthenticationFailed("expired API key: ask for a new one")
        return self._key_cache.put(digest, Caller(row[1], bool(row[2])))

    def _by_basic(self, value: str) -> Caller:
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise AuthenticationFailed("malformed Basic credentials") from None
        cache_key = hashlib.sha256(f"{user}\0{password}".encode()).hexdigest()
        cached = self._basic_cache.get(cache_key)
        if cached and time.monotonic() - cached[0] < _BASIC_CACHE_SECONDS:
            return cached[1]
        if self._refused.get(cache_key):
            raise AuthenticationFailed("wrong user name or password")
        # A flood of wrong passwords may use PASSWORD_CHECK_SLOTS scrypts at a time, no more: the
        # rest are told to come back, instead of filling the worker's threads (a flood slowed every
        # GET from ~8 ms to 45–150 ms, issue 20).
        if not self._password_checks.acquire(timeout=PASSWORD_CHECK_WAIT_S):
            raise PasswordChecksBusy("too many password checks at once; retry shortly, or use an API key")
        try:
            return self._check_basic(user, password, cache_key)
        finally:
            self._password_checks.release()

    def _check_basic(self, user: str, password: str, cache_key: str) -> Caller:
        row = None
        if user.isprintable():  # a NUL cannot be stored in PostgreSQL text: no such user anywhere
            with self.store.engine.connect() as conn:
                row = conn.execute(
                    select(PRINCIPALS.c.password_hash, PRINCIPALS.c.is_admin).where(PRINCIPALS.c.name == user)
                ).first()
        if row is None or not row[0]:
            # The same scrypt for an unknown user (or one without a password) as for a known one:
            # answering sooner told a caller which names exist (3.6 ms against 79.8 ms, issue 20).
            verify_password(password, _unknown_user_hash())
            self._refused.put(cache_key, True)
            raise AuthenticationFailed("wrong user name or password")
        if not verify_password(password, row[0]):
            self._refused.put(cache_key, True)
            raise AuthenticationFailed("wrong user name or password")
        caller = Caller(user, bool(row[1]))
        if len(self._basic_cache) > 1024:
            self._basic_cache.clear()
        self._basic_cache[cache_key] = (time.monotonic(), caller)
        return caller

    def cached_permissions(
        self, caller: Caller, collection_id: str, public_read: bool
    ) -> tuple[bool, bool] | None:
        """:meth:`permissions` when known without the store, else None."""
        if caller.is_admin or caller.anonymous:
            return self.permissions(caller, collection_id, public_read)
        granted = self._grant_cache.get((caller.name, collection_id))
        return None if granted is None else (granted[0] or public_read, granted[1])

    def permissions(self, caller: Caller, collection_id: str, public_read: bool) -> tuple[bool, bool]:
        """``(can_read, can_write)`` of ``caller`` on a collection."""
        if caller.is_admin:
            return True, True
        if caller.anonymous:
            return public_read, False
        cache_key = (caller.name, collection_id)
        granted = self._grant_cache.get(cache_key)
        if granted is None:
            with self.store.engine.connect() as conn:
                row = conn.execute(
                    select(GRANTS.c.can_read, GRANTS.c.can_write).where(
                        GRANTS.c.principal == caller.name, GRANTS.c.collection_id == collection_id
                    )
                ).first()
            granted = (bool(row[0]), bool(row[1])) if row else (False, False)
            self._grant_cache.put(cache_key, granted)
        return granted[0] or public_read, granted[1]
