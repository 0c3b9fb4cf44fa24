"""Shapes as exporters write them: scalar parameters and a leading batch axis.

NIR wants every parameter array of a neuron layer at the layer's shape and shapes that
exclude the batch axis. Exporters do otherwise where the meaning is still unambiguous:

- 0-d or singleton parameters (snnTorch's ``beta=0.9``, Norse's ``LIFBoxParameters()``):
  the layer takes the shape it receives, if every parameter broadcasts to it;
- a leading singleton axis on every Input and Output (Norse's ``to_nir(model,
  torch.randn(1, 16))``): a batch axis, dropped when the graph is consistent without it
  (a single-channel image ``(1, 28, 28)`` feeding a Conv2d keeps its axis: without it
  the convolution would not fit).

:func:`fit_shapes` returns the graph with these fixed and one line per assumption made
(the reader issues them as warnings). A graph that is consistent as written is returned
unchanged.
"""

from __future__ import annotations

import numpy as np

from snncompile.errors import GraphError
from snncompile.ir import Add, Graph, Input, NeuronNode, Output, Shape


def fit_shapes(graph: Graph) -> tuple[Graph, list[str]]:
    """``graph`` with broadcast neuron shapes / dropped batch axes, and the notes saying
    so (empty when nothing was assumed)."""
    try:
        graph.infer_shapes()
        return graph, []
    except GraphError:
        pass
    for candidate, notes in _candidates(graph):
        fitted = _fit(candidate)
        if fitted is not None:
            return fitted[0], notes + fitted[1]
    return graph, []  # validation reports the original problem


def _candidates(graph: Graph) -> list[tuple[Graph, list[str]]]:
    """The graph without its leading singleton axes (batch, or batch and time as
    Rockpool's (1, 1, n) samples give), most dropped first, when every Input and
    Output declares them; then the graph as declared."""
    ports = [n for n, node in graph.items() if isinstance(node, (Input, Output))]
    shapes = {n: tuple(graph.nodes[n].shape) for n in ports}  # type: ignore[attr-defined]
    common = min((_leading_ones(s) for s in shapes.values()), default=0)
    out: list[tuple[Graph, list[str]]] = []
    for k in range(common, 0, -1):
        dropped = graph.copy()
        for name in ports:
            dropped.nodes[name] = type(graph.nodes[name])(shape=shapes[name][k:])  # type: ignore[call-arg]
        listed = ", ".join(f"'{n}' {shapes[n]}" for n in ports)
        what = "leading axis of size 1 is read as a batch axis" if k == 1 else \
            f"{k} leading axes of size 1 are read as batch (and time) axes"
        out.append((dropped, [f"Input/Output {listed}: the {what} and dropped (NIR shapes exclude them)"]))
    return [*out, (graph, [])]


def _leading_ones(shape: tuple[int, ...]) -> int:
    """Leading 1s that could be batch/time axes (one axis always remains)."""
    k = 0
    while k < len(shape) - 1 and shape[k] == 1:
        k += 1
    return k


def _fit(graph: Graph) -> tuple[Graph, list[str]] | None:
    """Neurons and Outputs take the shape they receive where their declared shape
    broadcasts to it; None when the graph is not consistent that way."""
    received = _received_shapes(graph)
    if received is None:
        return None
    fitted, notes = graph.copy(), []
    for name, node in graph.items():
        got = received.get(name)
        if got is None or not isinstance(node, (NeuronNode, Output)) or tuple(node.shape) == got:
            continue
        if isinstance(node, Output):
            if tuple(node.shape) != (1, *got):
                continue  # not a batch axis: the reader's relaxed mode or validation decides
            fitted.nodes[name] = Output(shape=got)
            notes.append(f"Output '{name}' declares {tuple(node.shape)} and receives {got}: leading batch axis dropped")
            continue
        params = node.param_arrays()
        if not all(_broadcasts(np.shape(v), got) for v in params.values()):
            return None
        fitted.nodes[name] = node.replace(shape=got)
        described = ", ".join(sorted({str(np.shape(v)) for v in params.values()}))
        notes.append(f"node '{name}' ({node.kind}): parameters of shape {described} broadcast to the shape it "
                     f"receives, {got}")
    check = fitted.copy()
    for name in check.outputs:
        check.nodes[name] = Output(shape=received[name])
    try:
        check.infer_shapes()
    except GraphError:
        return None
    return fitted, notes


def _received_shapes(graph: Graph) -> dict[str, Shape] | None:
    """What every node receives when neurons and Outputs are pass-through (an Add takes
    the shape it receives), or None when even that is inconsistent."""
    probe = graph.copy()
    for name, node in graph.items():
        if isinstance(node, (NeuronNode, Output)):
            probe.nodes[name] = Add()
    if graph.inputs:  # the probe still needs an Output to be a graph
        first = graph.inputs[0]
        probe.add(" probe", Output(shape=graph.nodes[first].shape))  # type: ignore[attr-defined]
        probe.connect(first, " probe")
    try:
        shapes = probe.infer_shapes()
    except GraphError:
        return None
    return {name: tuple(shapes[graph.incoming(name)[0].src]) for name in graph.nodes if graph.incoming(name)}


def _broadcasts(shape: tuple[int, ...], to: Shape) -> bool:
    try:
        return np.broadcast_shapes(shape, tuple(to)) == tuple(to)
    except ValueError:
        return False
