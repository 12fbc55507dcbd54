"""Conformance: the real OASIS taxii2-client and stix2's TAXII data source/sink against our server."""

from __future__ import annotations

import pytest
import stix2
from stix2 import Filter, TAXIICollectionSink, TAXIICollectionSource
from taxii2client.common import TokenAuth
from taxii2client.exceptions import AccessError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from tests.threats.conftest import LiveTaxii, attack_pattern, indicator


def test_discovery_api_root_and_collections(live_taxii: LiveTaxii) -> None:
    server = Server(f"{live_taxii.base}/taxii2/", auth=TokenAuth(live_taxii.reader_key))
    assert server.title.startswith("Tongzhou")
    assert [root.url for root in server.api_roots] == [live_taxii.root_url]
    root = server.default
    assert root.versions == ["application/taxii+json;version=2.1"]
    assert root.max_content_length == 256 * 1024
    titles = {c.title: (c.can_read, c.can_write) for c in root.collections}
    assert titles == {"Shared AI threats": (True, False), "Public AI incidents": (True, False)}


def test_add_get_manifest_versions_delete_status(live_taxii: LiveTaxii) -> None:
    collection = Collection(
        live_taxii.collection_url(live_taxii.shared), auth=TokenAuth(live_taxii.writer_key)
    )
    first = attack_pattern("LLM prompt injection", modified="2025-01-01T00:00:00.000Z")
    second = dict(first, modified="2025-03-01T00:00:00.000Z", description="revised")
    ind = indicator("evil.example")
    status = collection.add_objects({"objects": [first, ind]})
    assert status.status == "complete" and status.success_count == 2 and status.failure_count == 0
    assert {s["id"] for s in status.successes} == {first["id"], ind["id"]}
    collection.add_objects({"objects": [second]})

    # Status resource through the API root (the client polls {collection}/../../status/{id}/ too).
    root = ApiRoot(live_taxii.root_url, auth=TokenAuth(live_taxii.writer_key))
    polled = root.get_status(status.id)
    assert polled.total_count == 2 and polled.success_count == 2 and polled.pending_count == 0

    envelope = collection.get_objects()
    by_id = {o["id"]: o for o in envelope["objects"]}
    assert by_id[first["id"]]["modified"] == "2025-03-01T00:00:00.000Z"  # version=last by default
    assert len(envelope["objects"]) == 2 and envelope["more"] is False

    assert len(collection.get_objects(version="all")["objects"]) == 3
    assert (
        collection.get_objects(version="first", id=first["id"])["objects"][0]["modified"] == first["modified"]
    )
    assert collection.get_objects(version="2025-01-01T00:00:00.000Z", id=first["id"])["objects"][0] == first
    assert [o["type"] for o in collection.get_objects(type="indicator")["objects"]] == ["indicator"]
    assert len(collection.get_objects(spec_version="2.1")["objects"]) == 2
    assert "objects" not in collection.get_objects(spec_version="2.0")

    one = collection.get_object(first["id"])
    assert one["objects"][0]["description"] == "revised"
    versions = collection.object_versions(first["id"])
    assert versions["versions"] == ["2025-01-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z"]

    manifest = collection.get_manifest()
    entries = {m["id"]: m for m in manifest["objects"]}
    assert entries[first["id"]]["version"] == "2025-03-01T00:00:00.000Z"
    assert entries[ind["id"]]["media_type"] == "application/stix+json;version=2.1"

    # added_after: only what was added after the first request's objects.
    after = collection.get_objects(added_after=manifest["objects"][0]["date_added"], version="all")
    assert first["id"] in {o["id"] for o in after["objects"]}

    collection.delete_object(first["id"], version="2025-03-01T00:00:00.000Z")
    assert collection.get_object(first["id"])["objects"][0]["modified"] == first["modified"]  # now the last
    collection.delete_object(first["id"])
    with pytest.raises(Exception, match="404"):
        collection.get_object(first["id"])


def test_paging_10000_objects_with_as_pages(live_taxii: LiveTaxii) -> None:
    collection = Collection(
        live_taxii.collection_url(live_taxii.shared), auth=TokenAuth(live_taxii.admin_key)
    )
    sent = []
    for chunk in range(10):
        batch = [attack_pattern(f"technique {chunk}-{i}") for i in range(1000)]
        sent.extend(o["id"] for o in batch)
        status = collection.add_objects({"objects": batch})
        assert status.success_count == 1000
    seen: list[str] = []
    pages = 0
    for envelope in as_pages(collection.get_objects, per_request=700):
        pages += 1
        seen.extend(o["id"] for o in envelope.get("objects", []))
        assert pages <= 20, "paging loops"
    assert pages == 15
    assert len(seen) == len(set(seen)) == 10_000  # no repeats
    assert seen == sent  # no gaps, ascending by date_added
    manifest_ids = [
        m["id"]
        for page in as_pages(collection.get_manifest, per_request=4000)
        for m in page.get("objects", [])
    ]
    assert manifest_ids == sent


def test_stix2_data_source_and_sink(live_taxii: LiveTaxii) -> None:
    url = live_taxii.collection_url(live_taxii.shared)
    sink = TAXIICollectionSink(Collection(url, auth=TokenAuth(live_taxii.writer_key)))
    technique = stix2.AttackPattern(
        name="LLM Prompt Injection",
        external_references=[{"source_name": "mitre-atlas", "external_id": "AML.T0051"}],
    )
    mitigation = stix2.CourseOfAction(name="Input validation for LLM prompts")
    rel = stix2.Relationship(mitigation, "mitigates", technique)
    sink.add(stix2.Bundle(technique, mitigation, rel))
    sink.add(technique.new_version(description="updated"))

    source = TAXIICollectionSource(Collection(url, auth=TokenAuth(live_taxii.reader_key)), items_per_page=2)
    assert source.get(technique.id).description == "updated"
    assert len(source.all_versions(technique.id)) == 2
    found = source.query([Filter("type", "=", "attack-pattern")])
    assert [o.id for o in found] == [technique.id]
    env = stix2.Environment(source=source)
    assert env.related_to(technique, relationship_type="mitigates")[0].id == mitigation.id


def test_reader_cannot_write_through_client(live_taxii: LiveTaxii) -> None:
    collection = Collection(
        live_taxii.collection_url(live_taxii.shared), auth=TokenAuth(live_taxii.reader_key)
    )
    with pytest.raises(AccessError):
        collection.add_objects({"objects": [attack_pattern("x")]})


def test_basic_auth_for_older_clients(live_taxii: LiveTaxii) -> None:
    collection = Collection(
        live_taxii.collection_url(live_taxii.public), user="writer", password="correct horse battery staple"
    )
    assert collection.add_objects({"objects": [attack_pattern("basic")]}).success_count == 1
    anonymous = Collection(live_taxii.collection_url(live_taxii.public))
    assert anonymous.get_objects()["objects"][0]["name"] == "basic"


def test_gateway_style_polling_for_custom_halt_orders(live_taxii: LiveTaxii) -> None:
    """The gateway's pattern: post a custom object, then poll with added_after from the last header."""
    writer = Collection(live_taxii.collection_url(live_taxii.shared), auth=TokenAuth(live_taxii.writer_key))
    reader = Collection(live_taxii.collection_url(live_taxii.shared), auth=TokenAuth(live_taxii.reader_key))
    first = {
        "type": "x-tongzhou-halt-order",
        "spec_version": "2.1",
        "id": "x-tongzhou-halt-order--6b0e3f52-9a41-4d7c-8c2e-1f5a7b9d0c11",
        "created": "2026-11-23T00:00:00.000Z",
        "modified": "2026-11-23T00:00:00.000Z",
        "x_command": "PAUSE",
        "x_scope": "instance",
    }
    writer.add_objects({"objects": [first]})
    seen = reader.get_manifest()["objects"]
    last = seen[-1]["date_added"]
    assert reader.get_objects(added_after=last).get("objects") is None  # nothing new yet
    second = dict(first, modified="2026-11-23T00:05:00.000Z", x_command="RESUME")
    writer.add_objects({"objects": [second]})
    new = reader.get_objects(added_after=last)["objects"]
    assert [o["x_command"] for o in new] == ["RESUME"]
