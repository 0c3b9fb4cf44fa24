"""The emulator's kernels called directly on hand-computed integers: each case is a
line of FixedLIF's / FixedSynapse's docstring equations worked by hand (or, for the
random source, splitmix64's published outputs). Written to kill the mutants that the
broader emulator tests let through (docs/mutation.md)."""

import numpy as np
import pytest

from snncompile.emulator import kernels as K
from snncompile.ir.fixed import FixedLIF


def _step(node: FixedLIF, a, u0=0, v0=0, a_lo=None, a_hi=None, bias=0):
    """One lif_step of a one-neuron population; returns (u, v, output, active count)."""
    one = np.ones((1, 1), np.int64)
    u, v = one * u0, one * v0
    out, active, left = np.zeros((1, 1), np.int64), np.zeros(1, np.int64), np.zeros((1, 1), np.int64)
    lo = one * (a_lo if a_lo is not None else -(1 << 40))
    hi = one * (a_hi if a_hi is not None else 1 << 40)
    count = K.lif_step(one * a, lo, hi, u, v, np.full(1, bias, np.int64), K.lif_params(node), out, active, left)
    return int(u[0, 0]), int(v[0, 0]), int(out[0, 0]), count


@pytest.mark.parametrize(("x", "shift", "expected"), [
    (5, 3, 4),      # 5 >> 3 = 0: still one step toward 0
    (-5, 3, -4),
    (16, 3, 14),    # 16 >> 3 = 2
    (-16, 3, -14),  # -16 >> 3 = -2
    (0, 3, 0),
    (1, 3, 0),      # 1 >> 3 = 0: one step toward 0 is 0
    (-1, 3, 0),
])
def test_shift_decay_takes_at_least_one_step_toward_zero(x, shift, expected):
    assert K._decay(x, K.DECAY_SHIFT, shift, 0) == expected


@pytest.mark.parametrize(("x", "bits", "expected"), [
    (40000, 16, 40000 - 65536), (32768, 16, -32768), (32767, 16, 32767), (-32768, 16, -32768),
    (-20000, 16, -20000), (-40000, 16, 65536 - 40000),
])
def test_wrap_into_state_bits(x, bits, expected):
    assert K._wrap_bits(x, bits) == expected


def test_lava_current_wraps_once_into_24_bits():
    """du = 4095 keeps no current, so u = a << 6; above 2**23 Lava subtracts 2**24 once,
    at or below -2**23 it adds 2**24."""
    lif = FixedLIF(shape=(1,), du=4095, dv=0, vth=(1 << 16))
    u, v, _, _ = _step(lif, (1 << 17) + 1)       # (2**17 + 1) << 6 = 2**23 + 64
    assert u == (1 << 23) + 64 - (1 << 24) == -8388544
    assert v == -8388544                           # v = 0 + u, inside +-(2**23 - 1)
    u, v, out, _ = _step(lif, -(1 << 17))        # -2**23: wraps up to +2**23
    assert u == 1 << 23
    assert (v, out) == (0, 1)                     # v = sat(2**23) passes vth << 6 = 2**22: spike, reset


def _xylo_like(vth: int = 30000) -> FixedLIF:
    return FixedLIF(shape=(1,), state_bits=16, decay_bits=0, decay_encoding="shift", du=1, dv=1, vth=vth,
                    vth_shift=0, act_shift=0, state_range="twos_complement", current_overflow="saturate",
                    membrane_update="saturate_each")


def test_saturate_each_membrane_update_by_hand():
    """dv = sat(wrap16(D(v) - v) + u), dv = sat(dv + bias), v = sat(v + dv) with the shift
    decay D(1000) = 1000 - (1000 >> 1) = 500, u = sat(D(0) + 300) = 300."""
    u, v, out, _ = _step(_xylo_like(), 300, v0=1000, a_lo=-32768, a_hi=32767)
    assert (u, v, out) == (300, 1000 - 500 + 300, 0)
    assert _step(_xylo_like(), 300, v0=1000, a_lo=-32768, a_hi=32767, bias=7)[1] == 1000 - 500 + 300 + 7
    # near the top: v = 32000 (D: 16000), u = 20000: dv = -16000 + 20000, v = sat(36000) = 32767
    u, v, out, _ = _step(_xylo_like(vth=32767), 20000, v0=32000, a_lo=-32768, a_hi=32767)
    assert (u, v, out) == (20000, 32767, 0)


def test_zero_reset_sends_one_spike_even_when_more_are_allowed():
    """Zero reset with a threshold of 0 and '>=': v = 0 still passes, but a zero reset
    ends the step's spikes at one (the subtract reset is what sends several)."""
    lif = FixedLIF(shape=(1,), vth=0, vth_shift=0, act_shift=0, state_bits=16, decay_encoding="none",
                   comparator=">=", reset="zero", max_spikes=3, state_range="twos_complement")
    _, v, out, count = _step(lif, 7)
    assert (v, out, count) == (0, 1, 1)


def _csr(weight: int):
    return np.array([0, 1], np.int64), np.array([0], np.int64), np.array([weight], np.int64)


@pytest.mark.parametrize(("max_payload", "expected"), [(0, 3 * 5), (1, 1 * 5), (2, 2 * 5), (4, 3 * 5)])
def test_graded_payload_is_clipped_only_by_a_positive_limit(max_payload, expected):
    indptr, indices, weights = _csr(5)
    x = np.array([[3]], np.int64)                  # one source sending a payload of 3
    acc = np.zeros((1, 1, 1), np.int64)
    none = np.zeros(1, np.int64)
    synops = K.csr_accumulate(np.array([0], np.int64), 1, x, 1, True, max_payload, indptr, indices, weights,
                              np.zeros(1, np.uint8), 0, 1, acc, none, 0, np.zeros((1, 1), np.int64))
    assert synops == 1
    assert acc[0, 0, 0] == expected


def test_saturating_synapse_event_is_shifted_weight_times_payload():
    """e = (w << shift) * payload = (5 << 2) * 3 = 60 applied to the identity map
    clamp(x, -100, 100): S = 60, L = clamp(-40), H = clamp(160) = 100."""
    indptr, indices, weights = _csr(5)
    s, lo, hi = np.zeros((1, 1), np.int64), np.full((1, 1), -100, np.int64), np.full((1, 1), 100, np.int64)
    K.csr_saturate(np.array([0], np.int64), 1, np.array([[3]], np.int64), 1, True, 0, indptr, indices, weights,
                   2, -100, 100, s, lo, hi, np.zeros(1, np.int64), 0, np.zeros((1, 1), np.int64))
    assert (s[0, 0], lo[0, 0], hi[0, 0]) == (60, -40, 100)


def test_mix64_is_splitmix64():
    """splitmix64 seeded with 0 outputs 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4,
    0x06C45D188009454F (its published first outputs): mix64(k * golden) for k = 0, 1, 2."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    assert K.mix64(np.uint64(0)) == np.uint64(0xE220A8397B1DCDAF)
    assert K.mix64(golden) == np.uint64(0x6E789E6AA1B965F4)
    assert K.mix64(np.uint64(2 * 0x9E3779B97F4A7C15 % 2**64)) == np.uint64(0x06C45D188009454F)


def test_random_spikes_are_zero_or_one_per_threshold():
    """A threshold of 0 never fires (r >= 0), one of 2**32 always fires (r < 2**32)."""
    thresholds = np.array([0, 1 << 32, 0, 1 << 32], np.int64)
    out = np.full(8, 7, np.int8)
    K.random_spikes(3, 0, 5, thresholds, out, 2)
    assert out.tolist() == [0, 1, 0, 1, 0, 1, 0, 1]


def test_finish_synapse_shifts_wraps_and_clears():
    """out = wrap24(acc << weight_exp) (an arithmetic right shift for a negative exponent);
    the slot is cleared for its next use."""
    acc = np.array([[5_000_000, (1 << 23) + 5, -5]], np.int64)
    out = np.zeros_like(acc)
    K.finish_synapse(acc, 0, 24, out)
    assert out.tolist() == [[5_000_000, (1 << 23) + 5 - (1 << 24), -5]]
    assert not acc.any()
    acc[:] = [[7, -5, 1 << 22]]
    K.finish_synapse(acc, -1, 24, out)
    assert out.tolist() == [[3, -3, 1 << 21]]
    acc[:] = [[3, -3, 1 << 22]]
    K.finish_synapse(acc, 1, 24, out)
    assert out.tolist() == [[6, -6, -(1 << 23)]]


def test_random_spikes_follow_the_ir_definition():
    """RandomSpikes' own definition (ir.random_source: r = mix(...) >> 32 compared with
    p * 2**32) for three samples of step 4."""
    from snncompile.ir.random_source import RandomSpikes

    node = RandomSpikes(shape=(30,), probability=np.linspace(0.05, 0.95, 30), seed=12)
    out = np.zeros(3 * 30, np.int8)
    K.random_spikes(12, 5, 4, node.threshold(), out, 3)
    np.testing.assert_array_equal(out.reshape(3, 30), node.spikes(np.arange(5, 8), 4))


@pytest.mark.parametrize(("timing", "u"), [("after_decay", 50 + 50), ("before_decay", 150 - 75)])
def test_saturating_current_decays_before_or_after_the_input(timing, u):
    """after_decay: u = sat(D(u) + a); before_decay: u = D(sat(u + a)); D(x) = x - (x >> 1)."""
    lif = FixedLIF(shape=(1,), state_bits=16, decay_bits=0, decay_encoding="shift", du=1, dv=1, vth=30000,
                   vth_shift=0, act_shift=0, state_range="twos_complement", current_overflow="saturate",
                   input_timing=timing)
    assert _step(lif, 50, u0=100, a_lo=-32768, a_hi=32767)[0] == u


def test_membrane_readout_lists_the_flat_index_of_each_nonzero_output():
    """output="v": the payload is v; ``active`` holds b * N + n of each nonzero v."""
    lif = FixedLIF(shape=(3,), du=4095, dv=0, output="v")
    a = np.array([[0, 2, 0], [1, 0, 3]], np.int64)
    u, v = np.zeros((2, 3), np.int64), np.zeros((2, 3), np.int64)
    out, active, left = np.zeros((2, 3), np.int64), np.zeros(6, np.int64), np.zeros((2, 3), np.int64)
    count = K.lif_step(a, a, a, u, v, np.zeros(3, np.int64), K.lif_params(lif), out, active, left)
    assert out.tolist() == (a << 6).tolist()          # v = u = a << 6
    assert active[:count].tolist() == [1, 3, 5]


def test_refractory_neuron_is_silent_for_its_period():
    """refractory = 2: after a spike, two steps hold v and send nothing; a constant input
    that passes the threshold every step then fires at steps 0, 3, 6."""
    lif = FixedLIF(shape=(1,), du=4095, dv=0, vth=1, refractory=2)
    one = np.ones((1, 1), np.int64)
    u, v, left = np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64)
    out, active = np.zeros((1, 1), np.int64), np.zeros(1, np.int64)
    spikes = []
    for _ in range(7):
        K.lif_step(one * 5, one, one, u, v, np.zeros(1, np.int64), K.lif_params(lif), out, active, left)
        spikes.append(int(out[0, 0]))
    assert spikes == [1, 0, 0, 1, 0, 0, 1]


@pytest.mark.parametrize("saturate", [False, True])
def test_synapse_counts_its_operations_per_destination_core(saturate):
    """Source 0 reaches targets 0, 1, 2 (cores 0, 0, 1): 2 synops on core 0, 1 on core 1."""
    indptr, indices, weights = np.array([0, 3]), np.array([0, 1, 2]), np.array([1, 1, 1], np.int64)
    cores, counted = np.array([0, 0, 1]), np.zeros((1, 2), np.int64)
    x, active = np.array([[1]], np.int64), np.array([0], np.int64)
    if saturate:
        s, lo, hi = np.zeros((1, 3), np.int64), np.full((1, 3), -9, np.int64), np.full((1, 3), 9, np.int64)
        synops = K.csr_saturate(active, 1, x, 1, False, 0, indptr, indices, weights, 0, -9, 9, s, lo, hi,
                                cores, 2, counted)
    else:
        synops = K.csr_accumulate(active, 1, x, 1, False, 0, indptr, indices, weights, np.zeros(3, np.uint8),
                                  0, 1, np.zeros((1, 1, 3), np.int64), cores, 2, counted)
    assert synops == 3
    assert counted.tolist() == [[2, 1]]


def test_no_reset_sends_one_spike_and_keeps_v():
    lif = FixedLIF(shape=(1,), vth=1, vth_shift=0, act_shift=0, state_bits=16, decay_encoding="none",
                   reset="none", max_spikes=3, state_range="twos_complement")
    _, v, out, _ = _step(lif, 7)
    assert (v, out) == (7, 1)


@pytest.mark.parametrize("saturate", [False, True])
def test_synops_count_the_active_rows_only_and_no_core_counters_without_cores(saturate):
    """Rows 0 (one synapse) and 1 (three): only source 1 is active, so 3 synops; with
    neurons_per_core = 0 the per-core counters stay untouched."""
    indptr, indices, weights = np.array([0, 1, 4]), np.array([0, 0, 1, 2]), np.array([1, 1, 1, 1], np.int64)
    x, active, counted = np.array([[0, 1]], np.int64), np.array([1], np.int64), np.zeros((1, 1), np.int64)
    if saturate:
        s, lo, hi = np.zeros((1, 3), np.int64), np.full((1, 3), -9, np.int64), np.full((1, 3), 9, np.int64)
        synops = K.csr_saturate(active, 1, x, 2, False, 0, indptr, indices, weights, 0, -9, 9, s, lo, hi,
                                np.zeros(3, np.int64), 0, counted)
    else:
        synops = K.csr_accumulate(active, 1, x, 2, False, 0, indptr, indices, weights, np.zeros(4, np.uint8),
                                  0, 1, np.zeros((1, 1, 3), np.int64), np.zeros(3, np.int64), 0, counted)
    assert synops == 3
    assert not counted.any()


def _splitmix_r(seed, b, t, i):
    """r(seed, b, t, i) of ir.random_source's docstring, in Python integers mod 2**64."""
    def mix(x):
        z = (x + 0x9E3779B97F4A7C15) % 2**64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
        return z ^ (z >> 31)

    return mix(mix(mix(mix(seed) ^ b) ^ t) ^ i) >> 32


def test_a_random_spike_needs_r_strictly_below_its_threshold():
    """y = 1 when r < p: a threshold equal to the element's r does not fire, r + 1 does."""
    r0, r1 = _splitmix_r(7, 2, 3, 0), _splitmix_r(7, 2, 3, 1)
    out = np.full(2, 9, np.int8)
    K.random_spikes(7, 2, 3, np.array([r0, r1 + 1], np.int64), out, 1)
    assert out.tolist() == [0, 1]


def test_a_delay_that_reaches_the_ring_buffers_end_wraps_to_slot_0():
    """Three slots, the current one 1: delays 0, 1, 2 land in slots 1, 2 and (1 + 2 = 3)
    0 of the ring buffer."""
    indptr, indices = np.array([0, 3]), np.array([0, 1, 2])
    weights, delays = np.array([5, 6, 7], np.int64), np.array([0, 1, 2], np.uint8)
    acc = np.zeros((3, 1, 3), np.int64)
    K.csr_accumulate(np.array([0], np.int64), 1, np.array([[1]], np.int64), 1, False, 0, indptr, indices, weights,
                     delays, 1, 3, acc, np.zeros(3, np.int64), 0, np.zeros((1, 1), np.int64))
    assert acc[:, 0].tolist() == [[0, 0, 7], [5, 0, 0], [0, 6, 0]]


def test_lava_keeps_a_current_of_exactly_2_to_the_23():
    """Lava 0.10's LIF (proc/lif/models.py) wraps u only when ``decayed_curr > max_uv_val``
    (2**23): (2**17) << 6 = 2**23 stays 2**23."""
    lif = FixedLIF(shape=(1,), du=4095, dv=0, vth=(1 << 16))
    u, _, _, _ = _step(lif, 1 << 17)
    assert u == 1 << 23


def test_a_graded_spike_sends_v_before_reset_shifted_right():
    """FixedLIF's docstring: a graded neuron sends v_pre_reset >> vth_shift. v = 13 passes
    vth << vth_shift = 1 << 2 = 4 and sends 13 >> 2 = 3."""
    lif = FixedLIF(shape=(1,), vth=1, vth_shift=2, act_shift=0, state_bits=16, decay_encoding="none",
                   graded=True, state_range="twos_complement")
    _, v, out, count = _step(lif, 13)
    assert (v, out, count) == (0, 3, 1)


@pytest.mark.parametrize("saturate", [False, True])
def test_one_neuron_per_core_counts_each_target_on_its_own_core(saturate):
    """neurons_per_core = 1: targets 0, 1, 2 are cores 0, 1, 2, one synop each."""
    indptr, indices, weights = np.array([0, 3]), np.array([0, 1, 2]), np.array([1, 1, 1], np.int64)
    cores, counted = np.array([0, 1, 2]), np.zeros((1, 3), np.int64)
    x, active = np.array([[1]], np.int64), np.array([0], np.int64)
    if saturate:
        s, lo, hi = np.zeros((1, 3), np.int64), np.full((1, 3), -9, np.int64), np.full((1, 3), 9, np.int64)
        K.csr_saturate(active, 1, x, 1, False, 0, indptr, indices, weights, 0, -9, 9, s, lo, hi, cores, 1, counted)
    else:
        K.csr_accumulate(active, 1, x, 1, False, 0, indptr, indices, weights, np.zeros(3, np.uint8), 0, 1,
                         np.zeros((1, 1, 3), np.int64), cores, 1, counted)
    assert counted.tolist() == [[1, 1, 1]]


@pytest.mark.parametrize(("timing", "u"), [("after_decay", 60 + 20), ("before_decay", 140 - 70)])
def test_wrapping_current_decays_before_or_after_the_input(timing, u):
    """The wrapping current (Lava's): after_decay: u = D(u) + a; before_decay:
    u = D(u + a); D(x) = x - (x >> 1), u = 120, a = 20 (act_shift 0): 80 or 70."""
    lif = FixedLIF(shape=(1,), state_bits=16, decay_bits=0, decay_encoding="shift", du=1, dv=1, vth=30000,
                   vth_shift=0, act_shift=0, state_range="twos_complement", input_timing=timing)
    assert _step(lif, 20, u0=120)[0] == u


@pytest.mark.parametrize(("x", "factor", "expected"), [
    (-1, 1, 0),          # -1 / 4096 truncates to 0 (a floor would give -1)
    (-3, 2048, -1),      # -1.5 -> -1
    (3, 2048, 1),        # 1.5 -> 1
    (-8192, 2048, -4096),
])
def test_multiply_decay_truncates_toward_zero(x, factor, expected):
    """D(x) = trunc0(x * factor / 2**12) (FixedLIF's MULTIPLY decay, as Lava's LIF)."""
    assert K._decay(x, K.DECAY_MULTIPLY, factor, 12) == expected
