"""Byte-level damage, for every file kind: flips, truncation, zeroed or spliced blocks,
appended garbage, an empty file, and flips aimed at the structures HDF5 and zip readers
trust most (HDF5 global heaps holding variable-length strings, zip headers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snncompile.testing.fuzz.registry import KINDS, generator

ALL = tuple(k for k in KINDS if k != "py")


def _rand(rng: np.random.Generator, n: int) -> bytes:
    return bytes(rng.integers(0, 256, n, dtype=np.uint8).tolist())


@generator(*ALL)
def flip_bytes(rng: np.random.Generator, seed: Path, out: Path) -> str:
    data = bytearray(seed.read_bytes())
    count = int(rng.integers(1, 9))
    at = rng.integers(0, len(data), count)
    for i in at:
        data[int(i)] ^= int(rng.integers(1, 256))
    out.write_bytes(bytes(data))
    return f"{count} byte(s) flipped at {sorted(int(i) for i in at)}"


@generator(*ALL)
def truncate(rng: np.random.Generator, seed: Path, out: Path) -> str:
    data = seed.read_bytes()
    cut = int(rng.integers(0, len(data)))
    out.write_bytes(data[:cut])
    return f"truncated to {cut} of {len(data)} bytes"


@generator(*ALL)
def zero_block(rng: np.random.Generator, seed: Path, out: Path) -> str:
    data = bytearray(seed.read_bytes())
    start = int(rng.integers(0, len(data)))
    size = int(rng.integers(1, 512))
    data[start:start + size] = bytes(len(data[start:start + size]))
    out.write_bytes(bytes(data))
    return f"zeroed {size} bytes at {start}"


@generator(*ALL)
def splice(rng: np.random.Generator, seed: Path, out: Path) -> str:
    data = bytearray(seed.read_bytes())
    size = int(rng.integers(1, 256))
    src, dst = (int(v) for v in rng.integers(0, max(1, len(data) - size), 2))
    data[dst:dst + size] = data[src:src + size]
    out.write_bytes(bytes(data))
    return f"copied {size} bytes from {src} over {dst}"


@generator(*ALL)
def append_garbage(rng: np.random.Generator, seed: Path, out: Path) -> str:
    n = int(rng.integers(1, 4096))
    out.write_bytes(seed.read_bytes() + _rand(rng, n))
    return f"appended {n} random bytes"


@generator(*ALL)
def empty(rng: np.random.Generator, seed: Path, out: Path) -> str:
    out.write_bytes(b"")
    return "empty file"


@generator(*ALL)
def random_bytes(rng: np.random.Generator, seed: Path, out: Path) -> str:
    head = seed.read_bytes()[:8]
    n = int(rng.integers(8, 8192))
    out.write_bytes(head + _rand(rng, n))
    return f"the seed's first 8 bytes then {n} random bytes"


def _flip_near(rng: np.random.Generator, seed: Path, out: Path, marks: list[bytes], span: int) -> str:
    data = bytearray(seed.read_bytes())
    spots = [i for m in marks for i in _find_all(data, m)]
    if not spots:
        return flip_bytes(rng, seed, out)
    base = spots[int(rng.integers(0, len(spots)))]
    count = int(rng.integers(1, 5))
    at = sorted({min(len(data) - 1, base + int(rng.integers(0, span))) for _ in range(count)})
    for i in at:
        data[i] ^= int(rng.integers(1, 256))
    out.write_bytes(bytes(data))
    return f"byte(s) flipped at {at}, after a {bytes(data[base:base + 4])!r} structure at {base}"


def _find_all(data: bytearray, mark: bytes) -> list[int]:
    found, i = [], data.find(mark)
    while i >= 0:
        found.append(i)
        i = data.find(mark, i + 1)
    return found


@generator("nir", "net")
def flip_global_heap(rng: np.random.Generator, seed: Path, out: Path) -> str:
    """Flips inside an HDF5 global heap collection (where variable-length strings such as
    NIR's ``edges`` and ``type`` live) or an object header."""
    return _flip_near(rng, seed, out, [b"GCOL", b"OHDR", b"TREE", b"HEAP", b"SNOD"], 160)


@generator("snnir", "snnc", "npz", "pt")
def flip_zip_headers(rng: np.random.Generator, seed: Path, out: Path) -> str:
    """Flips in zip local headers and the central directory (versions, sizes, offsets)."""
    return _flip_near(rng, seed, out, [b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06"], 46)
