"""One step of each toy traces with torch.fx when neurons and the zoo's stateful or
looping modules (TIM, SelectiveScan) are leaves; the traced step computes the same."""

import pytest
import torch
import torch.fx

pytest.importorskip("spikingjelly")
pytest.importorskip("braincog")
pytestmark = pytest.mark.frameworks

from snncompile.zoo.neurons import braincog_node_module  # noqa: E402
from snncompile.zoo.spikformer import Spikformer  # noqa: E402
from snncompile.zoo.spikmamba import SelectiveScan, SpikMamba  # noqa: E402
from snncompile.zoo.stepping import run  # noqa: E402
from snncompile.zoo.tim import TIM, SpikformerTIM  # noqa: E402


class LeafTracer(torch.fx.Tracer):
    def is_leaf_module(self, m, qualname):
        from spikingjelly.activation_based import neuron

        leaves = (neuron.BaseNode, braincog_node_module().BaseNode, TIM, SelectiveScan)
        return isinstance(m, leaves) or super().is_leaf_module(m, qualname)


@pytest.mark.parametrize("factory,shape,steps", [
    (Spikformer, (2, 16, 16), 4),
    (lambda: SpikformerTIM("as_intended"), (2, 16, 16), 6),
    (SpikMamba, (2, 1, 16, 16), 4)])
def test_one_step_traces_and_matches(factory, shape, steps):
    torch.manual_seed(0)
    model = factory().double().eval()
    graph = LeafTracer().trace(model)
    traced = torch.fx.GraphModule(model, graph)
    ops = {n.op for n in graph.nodes}
    assert ops <= {"placeholder", "call_module", "call_function", "call_method", "output", "get_attr"}
    x = (torch.rand(2, steps, *shape, dtype=torch.float64) < 0.3).double()
    with torch.no_grad():
        assert torch.equal(run(traced, x), run(model, x))
