"""Instruction-set simulation of a benchmark ELF (unicorn, Cortex-M / Thumb-2) with a
cycle count per ``snn_step`` call.

Every executed instruction is decoded once (capstone) and priced by a timing model:

- ``cortex-m4``: Arm's Cortex-M4 Technical Reference Manual (DDI 0439, section 3.3.1,
  Table 3-1 "Processor instruction set summary", zero wait states): data processing,
  multiplies (MUL/MLA/MLS, SMULL/UMULL/SMLAL/UMLAL, the DSP multiplies) and saturation 1
  cycle; LDR/STR (any width) 2 cycles, 1 when they follow another single load or store
  ("neighboring load and store single instructions can pipeline their address and data
  phases"), unless the address needs the previous load's result; LDRD/STRD and
  LDM/STM/PUSH/POP 1 + N (N registers); SDIV/UDIV 2 to 12 (early termination; counted
  as 12, the bound); branches 1 + P taken, 1 not taken (B<cond>, CBZ/CBNZ); BX/BLX/BL
  and writes to the PC 1 + P; TBB/TBH 2 + P; IT 1. P, the pipeline refill, is "1 to 3
  depending on alignment and width of the target instruction and whether the processor
  manages to speculate the address early": counted as ``refill`` (default 2), so each
  run also reports the P = 1 and P = 3 totals.
- ``cortex-m7``: Arm publishes no instruction timings for the Cortex-M7; counted as one
  cycle per executed instruction (the single-issue rate of its pipeline), with neither
  its dual issue (faster) nor its stalls and branch mispredictions (slower) modelled.

The memory system is ideal (zero wait-state flash and SRAM, no caches): the TRM
table's own assumption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from snncompile.backends.c.mcu import FLASH_BASE, FLASH_SIZE, RAM_BASE, RAM_SIZE
from snncompile.errors import UnsupportedError

#: where the benchmark "returns" to: the simulation stops there
RETURN_ADDRESS = FLASH_BASE + FLASH_SIZE - 16
STACK_PAINT = 0xA5


@dataclass
class StepCounts:
    """Per ``snn_step`` call: instructions, and cycles with P = 1, ``refill``, 3."""

    instructions: list[int] = field(default_factory=list)
    cycles: list[float] = field(default_factory=list)
    cycles_p1: list[float] = field(default_factory=list)
    cycles_p3: list[float] = field(default_factory=list)


@dataclass
class IssRun:
    target: str
    steps: StepCounts
    total_instructions: int
    peak_stack: int
    outputs: list[int]


@dataclass(frozen=True)
class Op:
    """One decoded instruction: its cost without refills (``base``), the refills it takes
    when it branches (``refills_taken``) or always (``refills``), and what the load/store
    pipelining needs."""

    size: int
    base: float
    refills: int = 0
    refills_taken: int = 0
    single_ls: bool = False
    load_dest: frozenset[int] = frozenset()
    addr_regs: frozenset[int] = frozenset()


CONDITIONS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le")


def _stem(mnemonic: str) -> str:
    m = mnemonic.split(".")[0]
    return m


def _is_cond_branch(m: str) -> bool:
    return m.startswith("b") and len(m) == 3 and m[1:] in CONDITIONS


def decode_m4(insn, refill_on_pc: bool = True) -> Op:  # insn: capstone CsInsn (detail on)
    """Cortex-M4 cost of one instruction (see module docstring)."""
    from capstone import arm

    m = _stem(insn.mnemonic)
    _, written = insn.regs_access()
    writes_pc = arm.ARM_REG_PC in written
    size = insn.size
    if m in ("b", "bl", "bx", "blx"):
        return Op(size, 1, refills=1)
    if _is_cond_branch(m) or m in ("cbz", "cbnz"):
        return Op(size, 1, refills_taken=1)
    if m in ("tbb", "tbh"):
        return Op(size, 2, refills=1)
    if m in ("sdiv", "udiv"):
        return Op(size, 12)
    if m in ("ldm", "ldmia", "ldmdb", "ldmfd", "pop", "stm", "stmia", "stmdb", "stmfd", "push"):
        n = sum(1 for op in insn.operands if op.type == arm.ARM_OP_REG) - (0 if m in ("pop", "push") else 1)
        return Op(size, 1 + n, refills=int(writes_pc))
    if m in ("ldrd", "strd", "ldrexd", "strexd"):
        return Op(size, 3)
    if m.startswith(("ldr", "str")):
        mem = [op for op in insn.operands if op.type == arm.ARM_OP_MEM]
        addr = frozenset(r for op in mem for r in (op.mem.base, op.mem.index) if r)
        dest = frozenset(written) if m.startswith("ldr") else frozenset()
        return Op(size, 2, refills=int(writes_pc), single_ls=True, load_dest=dest, addr_regs=addr)
    return Op(size, 1, refills=int(writes_pc))


class TimingModel:
    """Cycles of an instruction stream, fed one executed address at a time."""

    def __init__(self, decode: Callable[[int], Op], pipelined_loads: bool = True, cpi_one: bool = False):
        self.decode = decode
        self.pipelined = pipelined_loads
        self.cpi_one = cpi_one
        self.prev: Op | None = None
        self.prev_addr = -1

    def price(self, addr: int) -> tuple[float, int]:
        """(cycles without refills, refills) of the *previous* instruction, now that the
        next address (``addr``) shows whether it branched."""
        prev = self.prev
        if prev is None or self.cpi_one:
            return (1.0 if prev is not None else 0.0), 0
        taken = addr != self.prev_addr + prev.size
        return prev.base, prev.refills + (prev.refills_taken if taken else 0)

    def step(self, addr: int) -> tuple[float, int]:
        cost = self.price(addr)
        op = self.decode(addr)
        if self.pipelined and not self.cpi_one and op.single_ls and self.prev is not None and self.prev.single_ls \
                and not (op.addr_regs & self.prev.load_dest):
            op = Op(op.size, op.base - 1, op.refills, op.refills_taken, op.single_ls, op.load_dest, op.addr_regs)
        self.prev, self.prev_addr = op, addr
        return cost


def simulate(elf: Path, target: str, refill: int = 2) -> IssRun:
    """Run ``snn_bench_main`` of ``elf`` to its end; per ``snn_step`` call its
    instructions and cycles."""
    from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection
    from unicorn import UC_ARCH_ARM, UC_HOOK_CODE, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
    from unicorn.arm_const import UC_ARM_REG_LR, UC_ARM_REG_SP

    with open(elf, "rb") as handle:
        e = ELFFile(handle)
        table = e.get_section_by_name(".symtab")
        if not isinstance(table, SymbolTableSection):
            raise UnsupportedError(f"{elf}: no symbol table")
        symbols = {s.name: s["st_value"] for s in table.iter_symbols()}
        segments = [(seg["p_vaddr"], seg.data()) for seg in e.iter_segments() if seg["p_type"] == "PT_LOAD"]
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.mem_map(FLASH_BASE, FLASH_SIZE)
    uc.mem_map(RAM_BASE, RAM_SIZE)
    for addr, data in segments:
        if data:
            uc.mem_write(addr, data)
    stack_size = 64 * 1024
    uc.mem_write(RAM_BASE + RAM_SIZE - stack_size, bytes([STACK_PAINT]) * stack_size)
    uc.mem_write(RETURN_ADDRESS, b"\xfe\xe7")  # b . (never executed: the run stops here)
    uc.reg_write(UC_ARM_REG_SP, RAM_BASE + RAM_SIZE)
    uc.reg_write(UC_ARM_REG_LR, RETURN_ADDRESS | 1)
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    cs.detail = True
    cache: dict[int, Op] = {}

    def decode(addr: int) -> Op:
        op = cache.get(addr)
        if op is None:
            insn = next(cs.disasm(bytes(uc.mem_read(addr, 4)), addr, 1))
            op = decode_m4(insn)
            cache[addr] = op
        return op

    model = TimingModel(decode, cpi_one=target == "cortex-m7")
    step_addr = symbols["snn_step"] & ~1
    counts = StepCounts()
    state: dict = {"in_step": False, "ret": 0, "n": 0, "c": [0.0, 0.0, 0.0], "total": 0}

    def hook(uc_, addr, size, _user):
        base, refills = model.step(addr)
        state["total"] += 1
        if state["in_step"]:
            c = state["c"]
            c[0] += base + refill * refills
            c[1] += base + refills
            c[2] += base + 3 * refills
            if addr == state["ret"]:  # first instruction after snn_step returned
                _close(counts, state)
            else:
                state["n"] += 1
                return
        if addr == step_addr:
            state.update(in_step=True, ret=uc_.reg_read(UC_ARM_REG_LR) & ~1, n=1, c=[0.0, 0.0, 0.0])

    uc.hook_add(UC_HOOK_CODE, hook)
    uc.emu_start(symbols["snn_bench_main"] | 1, RETURN_ADDRESS)
    stack = bytes(uc.mem_read(RAM_BASE + RAM_SIZE - stack_size, stack_size))
    peak = stack_size - next((i for i, b in enumerate(stack) if b != STACK_PAINT), stack_size)
    n_out = symbols.get("snn_bench_counts")
    outputs = list(memoryview(bytes(uc.mem_read(n_out, 4 * 64))).cast("i")) if n_out else []
    return IssRun(target, counts, state["total"], peak, outputs)


def _close(counts: StepCounts, state: dict) -> None:
    counts.instructions.append(state["n"])
    counts.cycles.append(state["c"][0])
    counts.cycles_p1.append(state["c"][1])
    counts.cycles_p3.append(state["c"][2])
    state["in_step"] = False
