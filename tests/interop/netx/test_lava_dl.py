"""lava-dl 0.6.0 imports on Python 3.11 / torch 2.13 through the stub, without edits on disk."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def test_slayer_and_netx_import_and_object_detection_is_a_stub(lava_dl):
    from lava.lib.dl import netx, slayer

    assert slayer.block.cuba.Dense and netx.hdf5.Network
    with pytest.raises(ImportError, match="torchvision and cv2"):
        slayer.obd.YOLOBase  # noqa: B018


def test_the_stubbed_package_is_untouched_on_disk(lava_dl):
    spec = importlib.util.find_spec("lava.lib.dl.slayer")
    folder = Path(spec.origin).parent / "object_detection"
    source = (folder / "__init__.py").read_bytes()
    assert b"from .yolo_base import" in source  # the original file, still there, unedited
    assert not (folder / "__init__.pyc").exists()
