"""What the tracer accepts and how it refuses: messages name the module path, its class
and what is supported."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import snncompile.nn as snn
from snncompile.errors import GraphError, UnsupportedError
from snncompile.frontends.torch import trace
from snncompile.ir import DEFAULT_DT, Flatten


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(4, 4), snn.LIF(), nn.Softsign())

    def forward(self, x):
        return self.block(x)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block()

    def forward(self, x):
        return self.encoder(x)


def test_unsupported_module_names_path_class_and_supported_list():
    with pytest.raises(UnsupportedError) as info:
        trace(Encoder(), (4,))
    message = str(info.value)
    assert "module 'encoder.block.2' (Softsign) is not supported" in message
    assert "torch.nn.Linear" in message and "torch.nn.Conv2d" in message
    assert "snncompile.nn.neurons.LIF" in message and "snntorch.Leaky" in message
    assert "\n" not in message


class UsesSoftsign(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(3, 3)

    def forward(self, x):
        return nn.functional.softsign(self.inner(x))


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = UsesSoftsign()

    def forward(self, x):
        return self.head(x)


def test_unsupported_function_names_function_and_module():
    with pytest.raises(UnsupportedError, match=r"function 'softsign' in module 'head' \(UsesSoftsign\) is not supported; supported functions: .*add"):
        trace(Holder(), (3,))


def test_nan_weights_name_the_node():
    model = nn.Sequential(nn.Linear(3, 4), snn.LIF(), nn.Linear(4, 2), snn.LIF())
    with torch.no_grad():
        model[2].weight[0, 0] = float("nan")
    with pytest.raises(GraphError, match=r"node '2' \(Linear\): parameter 'weight' has non-finite values"):
        trace(model, (3,))


def test_shape_mismatch_names_the_node():
    model = nn.Sequential(nn.Linear(3, 4), snn.LIF(), nn.Linear(5, 2))
    with pytest.raises(GraphError, match=r"node '2' \(Linear\): expects input \(\.\.\., 5\), found \(4,\)"):
        trace(model, (3,))


class Reshapes(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.lif = snn.LIF()

    def forward(self, x):
        s = self.lif(self.conv(x))
        a = s.view(s.size(0), -1)
        b = torch.flatten(s, 1)
        c = s.reshape(-1, 2, 16)
        return a, b, c.flatten(1) * 2.0


def test_flatten_forms_and_several_outputs():
    graph = trace(Reshapes(), (1, 6, 6))
    assert graph.outputs == ["output_0", "output_1", "output_2"]
    flats = {n: node for n, node in graph.items() if isinstance(node, Flatten)}
    assert {(f.start_dim, f.end_dim) for f in flats.values()} == {(0, 2), (1, 2), (0, 1)}
    shapes = graph.infer_shapes()
    assert shapes["output_0"] == shapes["output_1"] == shapes["output_2"] == (32,)


class Slices(nn.Module):
    def forward(self, x):
        return x[:2]


def test_slicing_the_batch_axis_is_refused():
    with pytest.raises(UnsupportedError, match=r"index slice\(None, 2, None\) selects from or moves the batch axis"):
        trace(Slices(), (4,))


class StateArg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x, mem):
        return self.fc(x) + mem


def test_extra_argument_without_default_is_refused():
    with pytest.raises(UnsupportedError, match="argument 'mem' has no default"):
        trace(StateArg(), (3,))


def test_neuron_called_twice_is_refused():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.lif = nn.Linear(3, 3), snn.LIF()

        def forward(self, x):
            return self.lif(self.fc(self.lif(x)))

    with pytest.raises(UnsupportedError, match=r"module 'lif' \(LIF\) is called twice"):
        trace(Twice(), (3,))


def test_shared_layer_gets_two_nodes_and_default_dt():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.a, self.b = nn.Linear(3, 3), snn.LIF(), snn.LIF()

        def forward(self, x):
            return self.b(self.fc(self.a(self.fc(x))))

    graph = trace(Shared(), (3,))
    assert [n for n in graph.nodes if n.startswith("fc")] == ["fc", "fc_1"]
    np.testing.assert_array_equal(graph.nodes["fc"].weight, graph.nodes["fc_1"].weight)
    assert graph.dt == DEFAULT_DT
    assert trace(Shared(), (3,), dt=1e-3).dt == 1e-3


def test_subclass_overriding_forward_is_refused():
    class Custom(snn.LIF):
        def forward(self, x):
            return super().forward(2 * x)

    with pytest.raises(UnsupportedError, match="overrides forward"):
        trace(nn.Sequential(nn.Linear(2, 2), Custom()), (2,))


def test_untraceable_control_flow_is_one_line():
    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(UnsupportedError, match="cannot trace Branchy.forward with torch.fx") as info:
        trace(Branchy(), (2,))
    assert "\n" not in str(info.value)


def test_layer_subclass_overriding_forward_is_refused():
    class NoisyLinear(nn.Linear):
        def forward(self, x):
            return super().forward(x) + 1.0

    with pytest.raises(UnsupportedError, match=r"module '0' \(NoisyLinear\): subclass of Linear overrides forward"):
        trace(nn.Sequential(NoisyLinear(2, 2), snn.LIF()), (2,))


def test_name_prefix_applies_to_every_node():
    model = nn.Sequential(nn.Linear(3, 3), snn.LIF())
    graph = trace(model, (3,), name_prefix="net.")
    assert list(graph.nodes) == ["net.input", "net.0", "net.1", "net.output"]


def test_a_graph_module_is_traced_into_not_kept_as_a_layer():
    """torch.fx's GraphModule (e.g. a converted ANN) is generated code: its layers trace."""
    from torch import fx

    class KeepNeurons(fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return isinstance(m, snn.IF) or super().is_leaf_module(m, qualname)

    root = nn.Sequential(nn.Linear(3, 2), snn.IF(threshold=1.0))
    gm = fx.GraphModule(root, KeepNeurons().trace(root))
    g = trace(gm, (3,))
    assert sorted(node.kind for node in g.nodes.values()) == ["IF", "Input", "Linear", "Output"]
