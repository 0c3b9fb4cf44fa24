"""The cross-compiler of each MCU target, declared once: the generated project's
``make mcu`` uses it, and so does the measurement (:mod:`snncompile.backends.c.mcu`)
for the targets it can run (``zig``: the ``ziglang`` wheel's clang, no root needed).

Zig spells targets ``arch-os-abi`` and CPUs with underscores (``cortex_m4``); a plain
clang or ``arm-none-eabi-gcc`` takes other flags (the Makefile's ``MCU_CC`` and
``MCU_FLAGS`` override both).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Toolchain:
    """``command`` (the Makefile's default ``MCU_CC``) and the target ``flags``; ``zig``:
    the command is ``python -m ziglang cc``, which snncompile installs and measures with."""

    command: str
    flags: tuple[str, ...]
    zig: bool
    note: str = ""


TOOLCHAINS: dict[str, Toolchain] = {
    "cortex-m4": Toolchain("python3 -m ziglang cc", ("-target", "thumb-freestanding-eabihf", "-mcpu=cortex_m4"),
                           zig=True),
    "cortex-m7": Toolchain("python3 -m ziglang cc", ("-target", "thumb-freestanding-eabihf", "-mcpu=cortex_m7"),
                           zig=True),
    # zig's LLVM has no Xtensa backend: Espressif's GCC (ESP-IDF), not installed by snncompile
    "esp32-s3": Toolchain("xtensa-esp32s3-elf-gcc", ("-mlongcalls",), zig=False,
                          note="Espressif's xtensa-esp32s3-elf-gcc (ESP-IDF); snncompile does not install it"),
}


def toolchain_of(target: str) -> Toolchain | None:
    return TOOLCHAINS.get(target)
