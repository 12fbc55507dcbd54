"""Inventory: every file hashed (streamed), sorted, symlinks followed but never in a loop, bounded."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tongzhou.errors import InputError
from tongzhou.oss.bom_inventory import InventoryLimits, take_inventory


def test_files_are_hashed_sorted_and_relative(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    big = os.urandom(3 * (1 << 20) + 17)  # crosses the 1 MiB block boundary
    (tmp_path / "b" / "weights.bin").write_bytes(big)
    (tmp_path / "a.txt").write_text("x")
    inventory = take_inventory(tmp_path)
    assert [f.path for f in inventory.files] == ["a.txt", "b/weights.bin"]
    weights = inventory.files[1]
    assert (weights.size, weights.sha256) == (len(big), hashlib.sha256(big).hexdigest())
    assert inventory.total_bytes == len(big) + 1


def test_content_digest_does_not_depend_on_where_the_folder_is(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name / "sub").mkdir(parents=True)
        (tmp_path / name / "sub" / "m.safetensors").write_bytes(b"same")
    assert take_inventory(tmp_path / "one").content_digest == take_inventory(tmp_path / "two").content_digest
    (tmp_path / "two" / "sub" / "m.safetensors").write_bytes(b"diff")
    assert take_inventory(tmp_path / "one").content_digest != take_inventory(tmp_path / "two").content_digest


def test_symlinks_into_a_blob_store_are_followed(tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    (blobs / "abc").write_bytes(b"weights")
    snapshot = tmp_path / "snapshots" / "rev"
    snapshot.mkdir(parents=True)
    (snapshot / "model.safetensors").symlink_to(blobs / "abc")
    (file,) = take_inventory(snapshot).files
    assert (file.path, file.sha256) == ("model.safetensors", hashlib.sha256(b"weights").hexdigest())


@pytest.mark.parametrize("shape", ["self", "cycle", "parent"])
def test_symlink_loops_are_refused_with_the_path(tmp_path: Path, shape: str) -> None:
    root = tmp_path / "model"
    root.mkdir()
    (root / "ok.bin").write_bytes(b"1")
    if shape == "self":
        (root / "loop").symlink_to(root / "loop")
    elif shape == "cycle":
        (root / "a").symlink_to(root / "b")
        (root / "b").symlink_to(root / "a")
    else:
        (root / "sub").mkdir()
        (root / "sub" / "up").symlink_to(root)
    with pytest.raises(InputError, match="symlink loop") as caught:
        take_inventory(root)
    assert caught.value.zh and "符号链接循环" in caught.value.zh


def test_dangling_link_fifo_empty_folder_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "d1").mkdir()
    (tmp_path / "d1" / "gone").symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="dangling symlink"):
        take_inventory(tmp_path / "d1")
    (tmp_path / "d2").mkdir()
    os.mkfifo(tmp_path / "d2" / "pipe")
    with pytest.raises(InputError, match="not a regular file"):
        take_inventory(tmp_path / "d2")
    (tmp_path / "d3").mkdir()
    with pytest.raises(InputError, match="no files"):
        take_inventory(tmp_path / "d3")
    with pytest.raises(InputError, match="no such file"):
        take_inventory(tmp_path / "absent")


def test_too_many_files_is_refused_before_hashing(tmp_path: Path) -> None:
    for i in range(6):
        (tmp_path / f"f{i}").write_bytes(b"")
    assert len(take_inventory(tmp_path, InventoryLimits(max_files=6)).files) == 6
    with pytest.raises(InputError, match="more than 5 files"):
        take_inventory(tmp_path, InventoryLimits(max_files=5))
