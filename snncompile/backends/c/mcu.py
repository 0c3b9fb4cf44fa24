"""The generated C on a Cortex-M instruction set: cross-compiled with clang (the
``ziglang`` wheel's ``zig cc``; no root needed), sized from the ELF (pyelftools) and
executed instruction by instruction (:mod:`snncompile.backends.c.iss`).

- :func:`build_elf`: the network (``snn_model.c``) plus the freestanding benchmark
  (``snn_bench.c``: one stored input sample) linked for a bare MCU: code and
  constants in flash at ``FLASH_BASE``, state in RAM at ``RAM_BASE``;
- :func:`network_sizes`: flash and RAM of the network alone, from the sections of its
  own object file (``-ffunction-sections -fdata-sections``): text and read-only data
  are flash, initialised data flash and RAM, zero-initialised data RAM.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from snncompile.backends.c.harness import bench_source
from snncompile.backends.c.toolchains import TOOLCHAINS, toolchain_of
from snncompile.errors import UnsupportedError
from snncompile.fileio import atomic_open

FLASH_BASE, FLASH_SIZE = 0x08000000, 2 * 1024 * 1024
RAM_BASE, RAM_SIZE = 0x20000000, 1024 * 1024

CFLAGS = ["-std=c99", "-O2", "-g0", "-ffreestanding", "-ffunction-sections", "-fdata-sections", "-Wall",
          "-Wextra"]

LINKER_SCRIPT = f"""\
MEMORY {{ FLASH (rx) : ORIGIN = {FLASH_BASE:#x}, LENGTH = {FLASH_SIZE // 1024}K
         RAM (rwx)  : ORIGIN = {RAM_BASE:#x}, LENGTH = {RAM_SIZE // 1024}K }}
ENTRY(snn_bench_main)
SECTIONS {{
  .text : {{ KEEP(*(.text.snn_bench_main)) *(.text*) }} > FLASH
  .rodata : {{ *(.rodata*) }} > FLASH
  .data : {{ *(.data*) }} > RAM AT > FLASH
  .bss (NOLOAD) : {{ *(.bss*) *(COMMON) }} > RAM
  /DISCARD/ : {{ *(.ARM.exidx*) *(.ARM.extab*) *(.comment) }}
}}
"""

#: what a freestanding C environment must provide (the compiler may call them)
FREESTANDING_SUPPORT = """\
#include <stddef.h>
void *memset(void *dst, int c, size_t n) { unsigned char *d = dst; while (n--) *d++ = (unsigned char)c; return dst; }
void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst; const unsigned char *s = src; while (n--) *d++ = *s++; return dst;
}
"""


def zig_cc() -> list[str]:
    try:
        import ziglang  # noqa: F401
    except ImportError:
        raise UnsupportedError("cross-compiling for Cortex-M needs the 'ziglang' package (pip install ziglang)") from None
    return [sys.executable, "-m", "ziglang", "cc"]


def mcu_flags(target: str) -> list[str]:
    """zig cc's flags for ``target`` (Armv7E-M, hardware float ABI; the code has no floats)."""
    chain = toolchain_of(target)
    if chain is None or not chain.zig:
        known = ", ".join(t for t, c in TOOLCHAINS.items() if c.zig)
        raise UnsupportedError(f"no Cortex-M cross-compilation for target '{target}' (known: {known})")
    return list(chain.flags)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0 or done.stderr.strip():
        raise UnsupportedError(f"cross-compiling failed: {done.stderr.strip()[:2000]}")


def compile_object(project: Path, target: str) -> Path:
    """``snn_model.o`` for ``target`` (what :func:`network_sizes` reads)."""
    obj = project / f"snn_model.{target}.o"
    _run([*zig_cc(), *mcu_flags(target), *CFLAGS, "-c", "-o", str(obj), str(project / "snn_model.c")])
    return obj


def build_elf(project: Path, target: str, inputs: np.ndarray) -> Path:
    """The linked benchmark image for ``target`` running ``inputs`` (steps, input size)."""
    for name, text in (("snn_bench.c", bench_source(inputs)), ("snn_freestanding.c", FREESTANDING_SUPPORT),
                       ("snn_bench.ld", LINKER_SCRIPT)):
        with atomic_open(project / name) as handle:
            handle.write(text)
    elf = project / f"snn_bench.{target}.elf"
    _run([*zig_cc(), *mcu_flags(target), *CFLAGS, "-nostdlib", f"-Wl,-T,{project / 'snn_bench.ld'}",
          "-Wl,--gc-sections", "-Wl,--entry=snn_bench_main", "-o", str(elf), str(project / "snn_bench.c"), str(project / "snn_model.c"),
          str(project / "snn_freestanding.c")])
    return elf


@dataclass(frozen=True)
class Sizes:
    """Bytes of flash and of static RAM of what a firmware links (``snn_reset``,
    ``snn_step``, ``snn_read_outputs``, tables, state), with every section; the probe
    API (tests, debugging; dropped by the linker when unused) is ``probe_flash``."""

    flash: int
    ram: int
    probe_flash: int
    sections: dict[str, int]


#: sections of the probe API (snn_read_probe, its table and the probe names)
PROBE_SECTIONS = (".text.snn_read_probe", ".rodata.snn_probes", ".rodata.str")


FLASH_PREFIXES = (".text", ".rodata")
RAM_PREFIXES = (".bss",)
BOTH_PREFIXES = (".data",)


def network_sizes(obj: Path) -> Sizes:
    """Flash and static RAM of the network's object file (relocatable ELF sections)."""
    from elftools.elf.elffile import ELFFile

    sections: dict[str, int] = {}
    with open(obj, "rb") as handle:
        for s in ELFFile(handle).iter_sections():
            if s["sh_size"] and s.name.startswith(FLASH_PREFIXES + RAM_PREFIXES + BOTH_PREFIXES):
                sections[s.name] = int(s["sh_size"])
    probe = sum(v for k, v in sections.items() if k.startswith(PROBE_SECTIONS))
    flash = sum(v for k, v in sections.items() if k.startswith(FLASH_PREFIXES + BOTH_PREFIXES)) - probe
    ram = sum(v for k, v in sections.items() if k.startswith(RAM_PREFIXES + BOTH_PREFIXES))
    return Sizes(flash, ram, probe, sections)
