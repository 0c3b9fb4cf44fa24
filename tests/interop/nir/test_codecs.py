"""Each codec's conversion, checked by hand against NIR's equations."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snncompile.interop.nir import READERS, read_nir, to_nir
from snncompile.ir import IF, LIF, CubaLIF, Graph, Input, Integrator, Output

LEAF_TYPES = {"Input", "Output", "Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d",
              "Flatten", "Threshold", "Delay", "I", "IF", "LI", "LIF", "CubaLI", "CubaLIF"}


def test_a_reader_for_every_nir_leaf_type():
    # the 19th type, NIRGraph, is flattened by the reader instead
    assert {t.__name__ for t in READERS} == LEAF_TYPES


def _only(graph: Graph, kind: str):
    (node,) = [n for n in graph.nodes.values() if n.kind == kind]
    return node


def test_lif_forward_euler():
    lif = nir.LIF(tau=np.array([2.5e-3]), r=np.array([2.0]), v_leak=np.array([0.5]), v_threshold=np.array([0.1]),
                  v_reset=np.array([-0.2]))
    node = _only(read_nir(nir.NIRGraph.from_list(lif)), "LIF")
    # dt/tau = 0.04: decay 0.96, gain r dt/tau = 0.08, bias v_leak dt/tau = 0.02
    assert np.allclose(np.concatenate([node.decay, node.gain, node.bias]), [0.96, 0.08, 0.02])
    assert node.threshold == pytest.approx(0.1) and node.v_reset == pytest.approx(-0.2)


def test_cuba_lif_is_snntorch_synaptic_for_snntorch_parameters():
    """snnTorch writes tau_syn = dt/(1-alpha), w_in = tau_syn/dt, tau_mem = dt/(1-beta),
    r = tau_mem/dt; reading must give alpha, beta and unit gains back."""
    dt, alpha, beta = 1e-4, 0.55, 0.9
    tau_syn, tau_mem = dt / (1 - alpha), dt / (1 - beta)
    cuba = nir.CubaLIF(tau_syn=np.full(3, tau_syn), tau_mem=np.full(3, tau_mem), r=np.full(3, tau_mem / dt),
                       v_leak=np.zeros(3), v_threshold=np.ones(3), w_in=np.full(3, tau_syn / dt))
    node = _only(read_nir(nir.NIRGraph.from_list(cuba)), "CubaLIF")
    assert np.allclose(node.syn_decay, alpha) and np.allclose(node.decay, beta)
    assert np.allclose(node.syn_gain, 1) and np.allclose(node.gain, 1) and np.allclose(node.bias, 0)


def test_if_and_integrator_read_r_as_charge_per_step():
    if_node = _only(read_nir(nir.NIRGraph.from_list(nir.IF(r=np.full(2, 3.0), v_threshold=np.ones(2)))), "IF")
    assert np.allclose(if_node.gain, 3.0) and np.allclose(if_node.v_reset, 0)
    integ = _only(read_nir(nir.NIRGraph.from_list(nir.I(r=np.full(2, 0.5)))), "Integrator")
    assert np.allclose(integ.gain, 0.5)


def test_threshold_and_flatten():
    g = nir.NIRGraph.from_list(nir.Flatten(input_type={"input": np.array([2, 3])}, start_dim=0),
                               nir.Threshold(threshold=np.full(6, 0.5)))
    graph = read_nir(g, comparator=">=")
    assert _only(graph, "Flatten").start_dim == 0
    assert _only(graph, "Threshold").comparator.value == ">="


def _single(node) -> Graph:
    g = Graph()
    g.add("in", Input(shape=node.shape))
    g.add("n", node)
    g.add("out", Output(shape=node.shape))
    g.chain("in", "n", "out")
    return g


def test_writers_produce_nir_parameters():
    lif = to_nir(_single(LIF(shape=(2,), decay=0.96, gain=0.08, bias=0.02, threshold=0.1))).nodes["n"]
    assert np.allclose(lif.tau, 2.5e-3) and np.allclose(lif.r, 2.0) and np.allclose(lif.v_leak, 0.5)
    assert lif.tau.shape == (2,)
    cuba = to_nir(_single(CubaLIF(shape=(2,), syn_decay=0.5, syn_gain=1.0, decay=0.9, gain=1.0))).nodes["n"]
    assert np.allclose(cuba.tau_syn, 2e-4) and np.allclose(cuba.w_in, 2.0) and np.allclose(cuba.r, 10.0)
    assert np.allclose(to_nir(_single(IF(shape=(2,), gain=3.0))).nodes["n"].r, 3.0)
    assert np.allclose(to_nir(_single(Integrator(shape=(2,), gain=0.5))).nodes["n"].r, 0.5)


def _conv(kernel, padding, dilation=1, bias=True):
    rng = np.random.default_rng(0)
    return nir.Conv2d(input_shape=(8, 8), weight=rng.normal(size=(4, 2, *kernel)), stride=1, padding=padding,
                      dilation=dilation, groups=1, bias=rng.normal(size=4) if bias else None)


@pytest.mark.parametrize(("kernel", "dilation", "padding"), [((3, 3), 1, (1, 1)), ((5, 3), 2, (4, 2)),
                                                             ((1, 1), 1, (0, 0))])
def test_same_padding_is_half_the_dilated_kernel(kernel, dilation, padding):
    """padding='same' at stride 1 pads d (k - 1) / 2 on each side; a bias per output channel."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        node = _only(read_nir(nir.NIRGraph.from_list(_conv(kernel, "same", dilation))), "Conv2d")
    assert not [w for w in caught if "bias of shape" in str(w.message)]  # (4,) is read as it is
    assert node.padding == padding
    assert node.bias.shape == (4,)


def test_same_padding_that_needs_asymmetry_is_refused():
    with pytest.raises(Exception, match="needs asymmetric padding"):
        read_nir(nir.NIRGraph.from_list(_conv((2, 2), "same")))


def test_conv1d_written_and_read_back_by_hand():
    """An IR Conv1d over (2, 10) without bias: NIR's Conv1d holds input_shape 10, stride,
    padding, dilation and a zero bias of one entry per output channel (NIR convolutions
    always have one); reading it back restores "no bias"."""
    from snncompile.ir import Conv1d

    w = np.random.default_rng(1).normal(size=(4, 2, 3))
    g = Graph()
    g.add("x", Input(shape=(2, 10)))
    g.add("c", Conv1d(weight=w, stride=2, padding=1))
    g.add("y", Output(shape=(4, 5)))
    g.chain("x", "c", "y")
    written = to_nir(g.validate())
    conv = written.nodes["c"]
    assert isinstance(conv, nir.Conv1d)
    assert int(conv.input_shape) == 10 and np.array_equal(conv.bias, np.zeros(4))
    back = _only(read_nir(written), "Conv1d")
    assert back.bias is None and back.stride == (2,) and back.padding == (1,) and back.dilation == (1,)
    assert np.array_equal(back.weight, w)


def test_a_scalar_conv_bias_is_one_per_output_channel():
    conv = _conv((3, 3), (1, 1))
    conv.bias = np.array(0.5)
    with pytest.warns(UserWarning, match=r"bias of shape \(\) read as shape \(4,\)"):
        node = _only(read_nir(nir.NIRGraph.from_list(conv)), "Conv2d")
    assert np.array_equal(node.bias, np.full(4, 0.5))


def test_sum_pool_fields_are_pairs():
    pool = nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2, 4, 4])), "pool": pool,
                                "output": nir.Output(output_type=np.array([2, 2, 2]))},
                         edges=[("input", "pool"), ("pool", "output")])
    node = _only(read_nir(graph), "SumPool2d")
    assert (node.kernel_size, node.stride, node.padding) == ((2, 2), (2, 2), (0, 0))


@pytest.mark.parametrize("delays", [[-1e-4], [1e-4, 1.5e-4]])
def test_delays_must_be_whole_non_negative_steps(delays):
    with pytest.raises(Exception, match="needs a whole, non-negative number of steps"):
        read_nir(nir.NIRGraph.from_list(nir.Delay(delay=np.array(delays))), dt=1e-4)


def test_delays_read_as_whole_steps_by_hand():
    """delay / dt rounded when within 1e-6 relative (at least 1e-6 steps): 0 s, a
    billionth of a step and 3 dt read as 0, 0 and 3 steps."""
    dt = 1e-4
    node = _only(read_nir(nir.NIRGraph.from_list(nir.Delay(delay=np.array([0.0, 1e-9 * dt, 3 * dt]))), dt=dt), "Delay")
    assert np.asarray(node.delay).tolist() == [0, 0, 3]


def test_a_refused_delay_names_the_value_furthest_from_a_step():
    """Of 5 dt (whole) and 0.5 dt (not), the message names 0.5 dt = 5e-05 s as 0.5 steps."""
    with pytest.raises(Exception, match=r"delay 5e-05 s is 0\.5 steps of dt=0\.0001 s"):
        read_nir(nir.NIRGraph.from_list(nir.Delay(delay=np.array([5e-4, 5e-5]))), dt=1e-4)


@pytest.mark.parametrize("shape", [(1, 3), (3, 1)])
def test_a_vector_with_a_singleton_axis_is_read_flat(shape):
    """A (1, 3) or (3, 1) Affine bias (NIR's own test suite writes such shapes) reads as
    the layer's 3 biases, with a warning naming the shape."""
    affine = nir.Affine(weight=np.ones((3, 2)), bias=np.zeros(3))
    affine.bias = np.array([0.1, 0.2, 0.3]).reshape(shape)
    with pytest.warns(UserWarning, match=rf"bias of shape \({shape[0]}, {shape[1]}\) read as shape \(3,\)"):
        node = _only(read_nir(nir.NIRGraph.from_list(affine)), "Linear")
    assert np.asarray(node.bias).shape == (3,) and np.allclose(node.bias, [0.1, 0.2, 0.3])


def test_a_decay_without_a_positive_time_constant_is_refused_naming_four_values():
    """Negative decays and decays above 1 have no finite positive tau (Euler: dt / (1 -
    decay)), nor decay 0 with the exact discretization (-dt / ln 0 = 0): all refused;
    the message lists the four smallest values."""
    from snncompile.errors import UnsupportedError

    decay = np.array([0.0, -0.5, -0.25, 1.5, 2.0])
    import re

    listed = re.escape(f"decay {np.unique(decay)[:4]} has no finite positive NIR")  # -0.5, -0.25, 0, 1.5
    with pytest.raises(UnsupportedError, match=listed):
        to_nir(_single(LIF(shape=(5,), decay=decay)))
    with pytest.raises(UnsupportedError, match="has no finite positive NIR time constant with exact"):
        to_nir(_single(LIF(shape=(2,), decay=0.0)), discretization="exact")  # tau = -dt / ln 0 = 0


def test_a_conv_weight_with_too_few_axes_names_the_axes_needed():
    conv = nir.Conv1d(input_shape=10, weight=np.ones((4, 2, 3)), stride=1, padding=0, dilation=1, groups=1,
                      bias=np.zeros(4))
    conv.weight = np.ones((4, 2))  # NIR's constructor checks the axes; a file need not
    with pytest.raises(Exception, match=r"Conv1d weight must have 3 axes \(out, in, k\)"):
        read_nir(nir.NIRGraph.from_list(conv))


def test_valid_padding_is_no_padding():
    """NIR's padding='valid' (as PyTorch's) pads nothing: zeros on each axis."""
    node = _only(read_nir(nir.NIRGraph.from_list(_conv((3, 3), "valid"))), "Conv2d")
    assert node.padding == (0, 0)


def test_delays_and_refractory_periods_are_written_in_seconds():
    """dt = 1 ms: delays of 2 and 3 steps are 2 ms and 3 ms; a refractory period of 3
    steps is refractory_time 3 ms (the parameter proposed in neuromorphs/NIR#138)."""
    from snncompile.interop.nir.semantics import read_hints
    from snncompile.ir import Delay

    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2,)))
    g.add("d", Delay(delay=np.array([2, 3])))
    g.add("n", IF(shape=(2,), refractory=3))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "d", "n", "y")
    written = to_nir(g.validate())
    assert np.allclose(written.nodes["d"].delay, [2e-3, 3e-3])
    assert read_hints(written.nodes["n"].metadata)["refractory_time"] == pytest.approx(3e-3)


def test_a_biased_linear_layer_is_written_as_affine():
    """NIR's Linear has no bias and its Affine does: y = W x + b."""
    from snncompile.ir import Linear

    w, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5])
    for bias, kind in ((b, nir.Affine), (None, nir.Linear)):
        g = Graph()
        g.add("x", Input(shape=(2,)))
        g.add("fc", Linear(weight=w, bias=bias))
        g.add("y", Output(shape=(2,)))
        g.chain("x", "fc", "y")
        node = to_nir(g.validate()).nodes["fc"]
        assert type(node) is kind and np.array_equal(node.weight, w)
        if bias is not None:
            assert np.array_equal(node.bias, b)


def test_a_bias_of_the_right_size_but_not_a_vector_is_refused():
    """A (2, 2) bias for 4 outputs is not a vector with singleton axes: it is not
    flattened (which entry is which output would be a guess) and the layer refuses it."""
    from snncompile.errors import InputError

    affine = nir.Affine(weight=np.ones((4, 3)), bias=np.arange(4.0).reshape(2, 2))
    with pytest.raises(InputError, match=r"bias shape \(2, 2\) != \(4,\)"):
        read_nir(nir.NIRGraph.from_list(affine), dt=1e-4)


@pytest.mark.parametrize("steps", [1.5e-6, 1 + 1.5e-6])
def test_a_delay_1_5_millionths_of_a_step_off_a_small_whole_number_is_refused(steps):
    """The tolerance is 1e-6 relative, and 1e-6 steps below one step: 1.5e-6 steps off 0
    or 1 is refused."""
    with pytest.raises(Exception, match="needs a whole, non-negative number of steps"):
        read_nir(nir.NIRGraph.from_list(nir.Delay(delay=np.array([steps * 1e-4]))), dt=1e-4)
