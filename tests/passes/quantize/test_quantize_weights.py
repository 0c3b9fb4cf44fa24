"""quantize_weights on synapses with per-synapse delays: the delays go to the FixedLinear
unchanged (same meaning), the emulator follows the float graph, Lava equals the emulator
bit for bit, and what no chip can hold is refused in one line naming the node."""

import numpy as np
import pytest

from snncompile.compare import compare_graphs
from snncompile.errors import SnnCompileError
from snncompile.ir import LIF, Conv1d, Flatten, Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedLinear
from snncompile.passes.quantize import quantize


def delayed_mlp(max_delay: int = 6, seed: int = 0) -> Graph:
    """12 -> 24 -> 5 LIF layers whose synapses each have their own delay (bias on the first)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("x", Input(shape=(12,)))
    g.add("fc1", Linear(weight=rng.normal(0.25, 0.5, (24, 12)), bias=rng.normal(0, 0.05, 24),
                        delays=rng.integers(0, max_delay + 1, (24, 12))))
    g.add("lif1", LIF(shape=(24,), decay=1 - 1 / 1.5, threshold=1.0))
    g.add("fc2", Linear(weight=rng.normal(0.2, 0.5, (5, 24)), delays=rng.integers(0, max_delay + 1, (5, 24))))
    g.add("lif2", LIF(shape=(5,), decay=1 - 1 / 1.5, threshold=1.0))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "fc1", "lif1", "fc2", "lif2", "y")
    return g.validate()


def spikes(shape, p=0.3, seed=1):
    return (np.random.default_rng(seed).random(shape) < p).astype(float)


def test_delays_reach_the_integer_synapses_and_the_emulator_follows_float(loihi2):
    g = delayed_mlp()
    x = spikes((16, 40, 12))
    q = quantize(g, loihi2, calibrate=x)
    for name in ("fc1", "fc2"):
        node = q.fixed.nodes[name]
        assert isinstance(node, FixedLinear) and np.array_equal(node.delays, g.nodes[name].delays)
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    agreement = {r.layer: r.agreement for r in c.pairs[0].layers}
    assert min(agreement.values()) >= 0.99 and all(r.spikes_a > 0 for r in c.pairs[0].layers), agreement


def test_without_the_delays_the_compiled_graph_would_not_follow(loihi2):
    """The delays matter: the same weights without them disagree with the float graph."""
    g, plain = delayed_mlp(), delayed_mlp()
    for name in ("fc1", "fc2"):
        plain.nodes[name] = plain.nodes[name].replace(delays=None)
    x = spikes((16, 40, 12))
    q = quantize(plain, loihi2, calibrate=x)
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    assert min(r.agreement for r in c.pairs[0].layers) < 0.95


def test_lava_equals_emulator_on_per_synapse_delays(loihi2):
    pytest.importorskip("lava")
    g = delayed_mlp(max_delay=9)
    x = spikes((1, 30, 12))
    q = quantize(g, loihi2, calibrate=spikes((8, 30, 12)))
    c = compare_graphs(g, q.fixed, q.lags, x, ["emulator", "lava"])
    assert c.pairs[0].first_layer is None and all(r.spikes_a > 0 for r in c.pairs[0].layers)


def test_a_delay_beyond_the_target_is_one_line_naming_node_and_limit(loihi2):
    g = delayed_mlp()
    g.nodes["fc2"] = g.nodes["fc2"].replace(delays=np.full((5, 24), 64))
    with pytest.raises(SnnCompileError, match=r"node 'fc2' \(Linear\): delay 64 steps exceeds loihi2's "
                                               r"largest synaptic delay 63$"):
        quantize(g, loihi2)


def test_a_delayed_convolution_has_no_integer_form(loihi2):
    g = Graph()
    g.add("x", Input(shape=(2, 6)))
    g.add("conv", Conv1d(weight=np.ones((3, 2, 3)), padding=1, delays=np.ones((3, 2, 3), int)))
    g.add("lif", LIF(shape=(3, 6), decay=0.5, threshold=1.0))
    g.add("flat", Flatten())
    g.add("y", Output(shape=(18,)))
    g.chain("x", "conv", "lif", "flat", "y")
    with pytest.raises(SnnCompileError, match="node 'conv' \\(Conv1d\\): per-synapse delays on a convolution"):
        quantize(g, loihi2)


def _two_layers(bias: bool = False) -> Graph:
    rng = np.random.default_rng(3)
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=rng.normal(0.3, 0.4, (8, 6)), bias=rng.normal(0.1, 0.05, 8) if bias else None))
    g.add("lif1", LIF(shape=(8,), decay=0.5, threshold=1.0, reset="subtract"))
    g.add("fc2", Linear(weight=rng.normal(0.3, 0.4, (4, 8))))
    g.add("lif2", LIF(shape=(4,), decay=0.5, threshold=1.0, reset="subtract"))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc1", "lif1", "fc2", "lif2", "y")
    return g.validate()


def _fields(node: FixedLinear) -> tuple[int, int]:
    return node.num_message_bits, node.max_payload


def test_what_each_synapse_reads_follows_its_source():
    """Xylo Audio 2 (targets/xylo-audio2.toml): the input synapse reads spike counts up to
    max_input_payload = 15 (4 bits); the hidden one counts up to the hidden neurons'
    max_spikes_hidden = 31 (5 bits). Loihi 2 with graded_input: only the input synapse
    reads 24-bit payloads; the one fed by neurons reads binary spikes."""
    from snncompile.passes.quantize import QuantizeOptions, spec_from_target

    g, x = _two_layers(), spikes((4, 20, 6))
    q = quantize(g, spec_from_target("xylo-audio2"), calibrate=x)
    assert q.fixed.nodes["lif1"].max_spikes == 31
    assert _fields(q.fixed.nodes["fc1"]) == (4, 15)
    assert _fields(q.fixed.nodes["fc2"]) == (5, 31)
    q = quantize(g, spec_from_target("loihi2"), QuantizeOptions(graded_input=True), calibrate=x)
    assert q.fixed.nodes["fc1"].num_message_bits == 24
    assert _fields(q.fixed.nodes["fc2"]) == (0, 0)
    # two spikes at most: a count of 0..2 needs 2 bits
    import dataclasses

    two = dataclasses.replace(spec_from_target("xylo-audio2"), max_spikes_hidden=2)
    assert _fields(quantize(g, two, calibrate=x).fixed.nodes["fc2"]) == (2, 2)


def test_the_bias_column_reads_binary_spikes_and_is_not_delayed(loihi2):
    """A bias arrives through its own synapse from a Constant source (bias_timing
    "exact"): one binary spike per step, never the layer's per-synapse delays."""
    q = quantize(delayed_mlp(), loihi2, calibrate=spikes((4, 20, 12)))
    assert q.fixed.nodes["bias_source"].kind == "Constant"
    bias = q.fixed.nodes["lif1.bias"]
    assert bias.delays is None and _fields(bias) == (0, 0)


def test_zero_delays_compile_to_a_plain_synapse_and_the_largest_delay_fits(loihi2):
    """All-zero delays are no per-synapse delays (the FixedLinear can be stored as dense
    rows); a delay of exactly the target's largest (63 on Loihi 2) compiles, 64 does not."""
    g = delayed_mlp()
    g.nodes["fc2"] = g.nodes["fc2"].replace(delays=np.zeros((5, 24), int))
    d = np.zeros((24, 12), int)
    d[0, 0] = loihi2.max_delay
    g.nodes["fc1"] = g.nodes["fc1"].replace(delays=d)
    q = quantize(g, loihi2, calibrate=spikes((2, 10, 12)))
    assert q.fixed.nodes["fc2"].delays is None
    assert q.fixed.nodes["fc1"].delays.max() == 63
    d[0, 0] = 64
    g.nodes["fc1"] = g.nodes["fc1"].replace(delays=d)
    with pytest.raises(SnnCompileError, match="fc1.*delay 64 steps exceeds"):
        quantize(g, loihi2, calibrate=spikes((2, 10, 12)))


def test_a_synapse_behind_a_flatten_reads_binary_spikes(loihi2):
    """Loihi's neurons send one spike at most: a synapse fed through a Flatten reads 0/1."""
    rng = np.random.default_rng(4)
    g = Graph()
    g.add("x", Input(shape=(2, 6)))
    g.add("fc1", Linear(weight=rng.normal(0.3, 0.4, (4, 6))))
    g.add("lif1", LIF(shape=(2, 4), decay=0.5, threshold=1.0))
    g.add("flat", Flatten())
    g.add("fc2", Linear(weight=rng.normal(0.3, 0.4, (3, 8))))
    g.add("lif2", LIF(shape=(3,), decay=0.5, threshold=1.0))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "lif1", "flat", "fc2", "lif2", "y")
    q = quantize(g.validate(), loihi2, calibrate=spikes((2, 10, 2, 6)))
    assert [e.src for e in q.fixed.incoming("fc2")] == ["flat"]
    assert _fields(q.fixed.nodes["fc2"]) == (0, 0)


def test_mantissas_are_the_scaled_weights_at_their_exponent(loihi2):
    """Small excitatory weights (Loihi's grid [0, 255], every integer) get an exponent;
    each mantissa is then the weight in `v` units, S w, divided by 2**(act_shift +
    weight_exp) and rounded to nearest (Loihi's w << (6 + exp) read back): within half a
    mantissa step of the float weight."""
    from snncompile.passes.quantize import QuantizeOptions

    w = np.array([[0.011, 0.023, 0.004], [0.017, 0.008, 0.02]])
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=w))
    g.add("n", LIF(shape=(2,), decay=0.9, threshold=1.0))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "n", "y")
    scale = 2.0**14
    q = quantize(g, loihi2, QuantizeOptions(scale=scale, auto_precision=False))
    fc, n = q.fixed.nodes["fc"], q.fixed.nodes["n"]
    step = 2.0 ** (fc.weight_exp + n.act_shift) / scale  # one mantissa unit in float weight
    assert fc.weight_exp + n.act_shift != 0
    assert np.all(np.abs(fc.effective_weight() * step - w) <= step / 2 + 1e-12)
    assert np.abs(fc.effective_weight()).max() > 64  # the exponent keeps the mantissas large
