"""The 1 s per-process caches of keys, grants and collections: fast, and never stale for long."""

from __future__ import annotations

import pytest

import tongzhou.threats.ttl_cache as ttl_cache
from tests.threats.conftest import API_ROOT
from tongzhou.store import Store
from tongzhou.threats.auth import ANONYMOUS, AuthenticationFailed, Authority
from tongzhou.threats.repository import TaxiiRepository
from tongzhou.threats.ttl_cache import TtlCache


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(ttl_cache.time, "monotonic", fake)
    return fake


def test_entries_expire_and_clear(clock: _Clock) -> None:
    cache: TtlCache[str] = TtlCache(1.0, max_entries=2)
    cache.put("a", "x")
    assert cache.get("a") == "x"
    clock.now += 1.0
    assert cache.get("a") is None
    cache.put("a", "x")
    cache.put("b", "y")
    cache.put("c", "z")  # full: cleared whole, then this one kept
    assert (cache.get("a"), cache.get("c")) == (None, "z")
    cache.clear()
    assert cache.get("c") is None
    assert TtlCache[str](0).put("k", "v") == "v" and TtlCache[str](0).get("k") is None


def test_grant_changes_apply_at_once_here_and_within_the_ttl_elsewhere(store: Store, clock: _Clock) -> None:
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "c")
    here, elsewhere = Authority(store), Authority(store)  # elsewhere: another worker of the deployment
    key = here.issue_api_key("alice")
    caller = here.authenticate(f"Bearer {key}")
    here.grant("alice", col.id, read=True, write=True)
    assert here.permissions(caller, col.id, False) == (True, True)
    assert elsewhere.permissions(caller, col.id, False) == (True, True)
    here.grant("alice", col.id, read=True, write=False)
    assert here.permissions(caller, col.id, False) == (True, False)  # this process: at once
    assert elsewhere.permissions(caller, col.id, False) == (True, True)  # another: still cached
    clock.now += 1.0
    assert elsewhere.permissions(caller, col.id, False) == (True, False)


def test_wrong_keys_are_never_cached(store: Store, clock: _Clock) -> None:
    authority = Authority(store)
    key = authority.issue_api_key("bob")
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            authority.authenticate(f"Bearer {wrong}")
    assert authority.authenticate(f"Bearer {key}").name == "bob"


def test_the_cache_only_answers_know_nothing_the_store_has_not_told_this_process(
    store: Store, clock: _Clock
) -> None:
    """What the permission dependency answers on the event loop (no I/O) equals the full check."""
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "c")
    authority = Authority(store)
    key = authority.issue_api_key("alice")
    assert authority.cached_caller(None) == ANONYMOUS
    assert authority.cached_caller(f"Bearer {key}") is None  # never verified here yet
    assert authority.cached_caller("Bearer tz_not_a_key_at_all") is None
    assert authority.cached_caller(None, "x") is None
    assert authority.cached_caller("Basic YWxpY2U6cHc=") is None  # passwords: always the full check
    alice = authority.authenticate(f"Token {key}")
    assert authority.cached_caller(f"Bearer {key}") == alice == authority.cached_caller(None, f" {key} ")
    assert authority.cached_caller(f" token  {key} ") == alice  # taxii2-client's TokenAuth scheme
    assert authority.cached_caller(f"Digest {key}") is None
    assert repo.cached_collection(API_ROOT, col.id) is None
    assert repo.collection(API_ROOT, col.id) == repo.cached_collection(API_ROOT, col.id)
    assert authority.cached_permissions(alice, col.id, False) is None
    authority.grant("alice", col.id, read=True, write=False)
    assert authority.cached_permissions(alice, col.id, False) is None  # a change clears the cache
    assert authority.permissions(alice, col.id, True) == (True, False)
    assert authority.cached_permissions(alice, col.id, True) == (True, False)
    authority.revoke_api_keys(principal="alice")
    assert authority.cached_caller(f"Bearer {key}") is None  # revoked here: gone at once
    with pytest.raises(AuthenticationFailed):
        authority.authenticate(f"Bearer {key}")
    clock.now += 1.0
    assert repo.cached_collection(API_ROOT, col.id) is None  # expired with the time to live


def test_a_verified_key_is_trusted_for_the_ttl_after_another_worker_revokes_it(
    store: Store, clock: _Clock
) -> None:
    """Documented in auth.py: a change made elsewhere applies here within AUTH_CACHE_SECONDS."""
    here, elsewhere = Authority(store), Authority(store)
    key = here.issue_api_key("carol")
    assert here.authenticate(f"Bearer {key}").name == "carol"
    assert elsewhere.revoke_api_keys(principal="carol") == 1
    assert here.authenticate(f"Bearer {key}").name == "carol"  # still cached here
    clock.now += 1.0
    with pytest.raises(AuthenticationFailed, match="unknown or revoked"):
        here.authenticate(f"Bearer {key}")
