"""The generated C on Cortex-M instruction sets: cross-compiled (zig cc), sized from
the ELF, executed by the instruction-set simulator with the Cortex-M4 timings; its
outputs there equal the emulator's."""

from pathlib import Path

import numpy as np
import pytest
from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs

from snncompile.api import ModelOptions, load_model
from snncompile.backends.c.iss import TimingModel, decode_m4
from snncompile.backends.c.measure import fit_costs, measure
from snncompile.compile import build_artifact

DATA = Path(__file__).resolve().parents[2] / "data"


def timing(code: bytes) -> tuple[float, int]:
    """(cycles without refills, refills) of straight-line Thumb ``code``."""
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    cs.detail = True
    ops = {i.address: decode_m4(i) for i in cs.disasm(code, 0)}
    model = TimingModel(ops.__getitem__)
    total, refills = 0.0, 0
    for addr in [*ops, len(code)]:
        cost, r = model.step(addr) if addr in ops else model.price(addr)
        total, refills = total + cost, refills + r
    return total, refills


def test_the_m4_timing_pipelines_independent_loads_only():
    # ldr r0,[r1] (2); ldr r2,[r0]: needs the loaded r0 (2); ldr r3,[r1] (pipelined, 1); add r0,r1 (1)
    code = bytes.fromhex("0868" "0268" "0b68" "0844")
    assert timing(code) == (6.0, 0)


def test_a_taken_branch_costs_a_refill():
    cs_code = bytes.fromhex("00d1")  # bne to pc + 4: taken when the next executed address is 4, not 2
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    cs.detail = True
    op = decode_m4(next(cs.disasm(cs_code, 0)))
    model = TimingModel(lambda a: op)
    model.step(0)
    assert model.price(4) == (1, 1) and model.price(2) == (1, 0)


@pytest.fixture(scope="module")
def braille():
    graph = load_model(str(DATA / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"),
                       ModelOptions(reset="subtract"))
    x = np.load(DATA / "braille" / "braille7_fold0.npz")["spikes"][0][:12].astype(np.int32)
    return build_artifact(graph, "cortex-m4").fixed, x


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m7"])
def test_braille_rnn_runs_on_the_instruction_set(braille, target):
    graph, x = braille
    m = measure(graph, x, target)  # raises unless the outputs there are the emulator's
    weights = 12 * 40 + 40 * 40 + 40 * 7  # int8 tables
    assert weights < m.sizes.flash < 4 * weights
    assert 2 * 47 * 4 < m.sizes.ram < 4096  # u, v of 47 neurons and the rings
    assert 0 < m.run.peak_stack < 512
    instructions = np.asarray(m.run.steps.instructions)
    if target == "cortex-m7":  # no public timings: one cycle per instruction
        assert np.array_equal(m.cycles, instructions)
    else:
        assert np.all(m.cycles > instructions)
        assert np.all(np.asarray(m.run.steps.cycles_p1) <= m.cycles)
    fit = fit_costs([m])
    assert fit.rms_relative < 0.2
