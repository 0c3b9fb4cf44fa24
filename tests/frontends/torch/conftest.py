"""Run a framework model step by step and compare it with the traced graph.

Both sides run in float64 (the framework model converted with ``.double()``): the traced
neurons do the same arithmetic as the frameworks up to the order of a few additions, so
in float64 the membranes agree to ~1e-15 and a spike can only differ on an exact tie,
which random inputs do not produce. In float32 the same reorderings move the membrane
by ~1e-7, which is still far below 1e-6 but makes the tie argument weaker; one test per
framework family runs in float32 to show the default precision works too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from snncompile.frontends.torch import trace_details
from snncompile.ir import NeuronNode
from snncompile.simulate import simulate

# Tiny tensors: one thread is faster than many competing for a shared 2-core machine
# (a conv test drops from 16 s to 0.3 s).
torch.set_num_threads(1)

Step = Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]


def default_step(model, x):
    return model(x)


def compare_with_framework(
    model: torch.nn.Module,
    input_shape: tuple[int, ...],
    membrane: Callable[[torch.nn.Module, object], torch.Tensor],
    *,
    steps: int = 100,
    batch: int = 3,
    scale: float = 1.0,
    seed: int = 0,
    step: Step = default_step,
    multistep: bool = False,
    dtype: torch.dtype = torch.float64,
    binary_input: bool = False,
    reset: Callable[[torch.nn.Module], None] | None = None,
) -> dict:
    """Trace ``model``, run it and the graph on the same random input, assert identical
    spikes of every neuron layer at every step and membranes within 1e-6. Returns counts."""
    model = model.to(dtype).eval()
    info = trace_details(model, input_shape)
    graph = info.graph
    neurons = [n for n, node in graph.items() if isinstance(node, NeuronNode)]
    assert neurons, "the traced graph has no neurons"
    modules = dict(model.named_modules())
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand((batch, steps, *input_shape), generator=gen, dtype=dtype)
    x = (x < 0.3).to(dtype) if binary_input else x * scale

    recorded: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {n: [] for n in neurons}

    def hook(name):
        def fn(module, args, output):
            spikes = output[0] if isinstance(output, tuple) else output
            recorded[name].append((spikes.detach().clone(), membrane(module, output).detach().clone()))

        return fn

    handles = [modules[n].register_forward_hook(hook(n)) for n in neurons]
    outputs = []
    with torch.no_grad():
        if reset is not None:
            reset(model)
        if multistep:
            out = step(model, x.transpose(0, 1).contiguous())  # (T, B, ...)
            outputs = [o for o in (out[0] if isinstance(out, tuple) else out)]
        else:
            for t in range(steps):
                out = step(model, x[:, t])
                outputs.append(out[0] if isinstance(out, tuple) else out)
    for h in handles:
        h.remove()

    result = simulate(graph, x.numpy(), record="all", membranes="all", dtype=dtype)
    total = 0
    for name in neurons:
        if multistep:
            ((spk, mem),) = recorded[name]
            spk, mem = spk.transpose(0, 1), mem.transpose(0, 1)  # (T, B, ...) -> (B, T, ...)
        else:
            spk = torch.stack([s for s, _ in recorded[name]], dim=1)
            mem = torch.stack([v for _, v in recorded[name]], dim=1)
        sim_out = result.recorded[name]
        node = graph.nodes[name]
        if node.spiking:
            mismatch = np.argwhere(sim_out != spk.numpy())
            assert mismatch.size == 0, f"{name}: spikes differ at (batch, step, ...) {mismatch[:5].tolist()}"
            # a silent layer checks neither threshold, comparator nor reset; an always-on one
            # checks no leak: the comparison proves nothing then (raise the input's scale)
            fired = int(spk.sum())
            assert 0 < fired < spk.numel(), f"{name}: {fired} spikes of {spk.numel()}: the layer must fire sometimes, not always"
            total += fired
        else:
            np.testing.assert_allclose(sim_out, spk.numpy(), rtol=0, atol=1e-6, err_msg=name)
        offset = info.membrane_offsets.get(name, 0.0)
        v = result.membranes[name] + offset
        np.testing.assert_allclose(v, np.broadcast_to(mem.numpy(), v.shape), rtol=0, atol=1e-6, err_msg=f"{name} membrane")
    final = torch.stack(outputs, dim=1).numpy()
    np.testing.assert_allclose(result.output(), final, rtol=0, atol=1e-6, err_msg="graph output")
    return {"spikes": total, "neurons": neurons, "graph": graph}


@pytest.fixture
def compare():
    return compare_with_framework


def dyadic_weights(model: torch.nn.Module, step: float = 0.25, seed: int = 0) -> torch.nn.Module:
    """Set every weight to a random multiple of ``step`` in [-2, 3] steps and zero the
    biases, so that with 0/1 inputs and dyadic decays the membranes hit the threshold
    exactly: this is what makes a test tell ``>`` from ``>=`` (random floats almost
    never tie)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.zero_()
            elif p.dim() >= 2:
                p.copy_(torch.randint(-2, 4, p.shape, generator=gen).to(p.dtype) * step)
    return model


@pytest.fixture
def dyadic():
    return dyadic_weights
