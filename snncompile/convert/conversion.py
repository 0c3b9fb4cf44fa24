"""convert: a trained ReLU network (PyTorch) → a rate-coded spiking network.

1. ``torch.fx`` traces the ANN (float64, eval mode); every ReLU (``nn.ReLU``,
   ``F.relu``, ``torch.relu``, ``x.relu()``) and the network's output are found;
2. :mod:`~snncompile.convert.balance` runs it on the calibration inputs and takes one
   scale ``lambda`` per ReLU and for the output (max or percentile);
3. each ReLU becomes a :class:`~snncompile.convert.spiking.SpikingReLU` and the output
   a :class:`~snncompile.convert.spiking.SpikingOutput` (IF or LIF, threshold 1 after
   the ``1 / lambda`` scaling, reset by subtraction or to zero).

The result runs one step per call on the same (static) input every step: the class after
``T`` steps is the output neuron with the most spikes. Every other layer (Linear, Conv,
AvgPool, Flatten, BatchNorm, additions) is kept as it is: the spiking network computes the
ANN's linear algebra on spike trains. :meth:`Conversion.graph` traces it into the IR,
its input marked as real values that stay the same every step.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import fx, nn

from snncompile.convert.balance import activation_scales, is_relu
from snncompile.convert.options import ConvertOptions
from snncompile.convert.spiking import ConvertedSNN, SpikingOutput, SpikingReLU
from snncompile.errors import InputError
from snncompile.ir import Graph, Input


@dataclass(frozen=True)
class Conversion:
    """``model``: the spiking network (one step per call); ``scales``: ``lambda`` per
    converted activation (the ANN's fx node names, ``output`` last); ``input_shape``: the
    per-sample input shape."""

    model: ConvertedSNN
    scales: dict[str, float]
    input_shape: tuple[int, ...]
    options: ConvertOptions = field(default_factory=ConvertOptions)

    def graph(self, dt: float | None = None) -> Graph:
        """The spiking network in the IR; its Input carries values, the same every step."""
        from snncompile.frontends.torch import trace

        graph = trace(self.model, self.input_shape, dt=dt)
        for name in graph.inputs:
            node = graph.nodes[name]
            assert isinstance(node, Input)
            graph.nodes[name] = node.replace(carries="values", static=True)
        return graph.validate()


def convert(ann: nn.Module, calibration: np.ndarray | torch.Tensor,
            options: ConvertOptions | None = None) -> Conversion:
    """Convert ``ann`` (see module docstring); ``calibration`` is (n, *input shape)."""
    options = options or ConvertOptions()
    x = torch.as_tensor(np.asarray(calibration), dtype=torch.float64)
    if x.ndim < 2 or len(x) == 0:
        raise InputError(f"convert: calibration must be (samples, *input shape), found shape {tuple(x.shape)}")
    gm = fx.symbolic_trace(copy.deepcopy(ann).double().eval())
    modules = dict(gm.named_modules())
    relus = [n for n in gm.graph.nodes if is_relu(n, modules)]
    if not relus:
        raise InputError(f"convert: {type(ann).__name__} has no ReLU to convert")
    output = _single_output(gm)
    scales = activation_scales(gm, relus + [output], x, options)
    for i, node in enumerate(relus):
        _replace(gm, node, f"spiking{i}", SpikingReLU(scales[node.name], options))
    result = gm.graph.call_module  # appended after the output value, before the return
    target = "spiking_output"
    gm.add_submodule(target, SpikingOutput(scales[output.name], options))
    ret = next(n for n in gm.graph.nodes if n.op == "output")
    with gm.graph.inserting_before(ret):
        spikes = result(target, (output,))
    ret.args = (spikes,)
    gm.graph.lint()
    gm.recompile()
    model = ConvertedSNN(gm, gm.graph, class_name="ConvertedSNN").eval()
    ordered = {n.name: scales[n.name] for n in relus}
    ordered["output"] = scales[output.name]
    return Conversion(model, ordered, tuple(x.shape[1:]), options)


def _single_output(gm: fx.GraphModule) -> fx.Node:
    ret = next(n for n in gm.graph.nodes if n.op == "output")
    value = ret.args[0]
    if not isinstance(value, fx.Node):
        raise InputError("convert: the ANN must return one tensor (its class scores)")
    return value


def _replace(gm: fx.GraphModule, node: fx.Node, target: str, module: nn.Module) -> None:
    gm.add_submodule(target, module)
    with gm.graph.inserting_before(node):
        spiking = gm.graph.call_module(target, (node.args[0],))
    node.replace_all_uses_with(spiking)
    gm.graph.erase_node(node)


def run_steps(model: nn.Module, x: np.ndarray | torch.Tensor, steps: int) -> torch.Tensor:
    """Output spike counts (n, classes) of the converted ``model`` after ``steps`` steps
    of the static input ``x`` (n, *input shape)."""
    x = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    model.reset()  # type: ignore[operator]
    counts = torch.zeros(())
    with torch.no_grad():
        for _ in range(steps):
            counts = counts + model(x)
    return counts


def accuracy_against_steps(model: nn.Module, x: np.ndarray, labels: np.ndarray,
                           steps: Sequence[int], readout: str = "count") -> dict[int, float]:
    """Accuracy after each of ``steps`` steps, from one run of ``max(steps)`` steps, each
    sample's class decided by ``readout`` over the steps so far (a name in
    :data:`~snncompile.simulate.readout.READOUTS`; a rate-coded network decides by
    ``count``: the output with the most spikes, ties to the lowest class)."""
    from snncompile.simulate.readout import get_readout

    rule = get_readout(readout, classifying=True)
    inputs = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    wanted, out = set(int(s) for s in steps), {}
    model.reset()  # type: ignore[operator]
    series = []  # each step's output spikes: the readout may look at when they came
    with torch.no_grad():
        for t in range(1, max(wanted) + 1):
            series.append(model(inputs).numpy())
            if t in wanted:
                score = rule.score(np.stack(series, axis=1), np.asarray(labels))
                assert score is not None  # a classifying readout
                out[t] = score
    return out


def ann_accuracy(ann: nn.Module, x: np.ndarray, labels: np.ndarray) -> float:
    """The ANN's own accuracy (float64, eval mode)."""
    model = copy.deepcopy(ann).double().eval()
    with torch.no_grad():
        scores = model(torch.as_tensor(np.asarray(x), dtype=torch.float64))
    return float((scores.argmax(dim=-1).numpy() == np.asarray(labels)).mean())
