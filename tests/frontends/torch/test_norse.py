"""Norse 1.1.0 cells traced and compared with Norse's own forward pass (float64 inputs;
Norse keeps its parameters in float32 and the adapter reads them as Norse uses them)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

norse = pytest.importorskip("norse.torch")
pytestmark = pytest.mark.frameworks

from norse.torch.functional.reset import reset_subtract  # noqa: E402

from snncompile.errors import UnsupportedError  # noqa: E402
from snncompile.frontends.torch import trace  # noqa: E402
from snncompile.ir import IF, LI, LIF, CubaLIF, Reset  # noqa: E402


def v_of(module, output):
    return output[1].v


class Threaded:
    """The step function of a model that passes its state along: out, state = m(x, state)."""

    def __init__(self):
        self.state = None

    def __call__(self, model, x):
        out, self.state = model(x, self.state)
        return out


class Net(nn.Module):
    """A hand-written one-step model: cells called with their previous state."""

    def __init__(self, cell1, cell2, n_in=8, hidden=12, n_out=4):
        super().__init__()
        torch.manual_seed(0)
        self.fc1, self.cell1, self.fc2, self.cell2 = nn.Linear(n_in, hidden), cell1, nn.Linear(hidden, n_out), cell2

    def forward(self, x, state=None):
        s1, s2 = (None, None) if state is None else state
        z1, s1 = self.cell1(self.fc1(x), s1)
        z2, s2 = self.cell2(self.fc2(z1), s2)
        return z2, (s1, s2)


LIFP, BOXP = norse.LIFParameters, norse.LIFBoxParameters


@pytest.mark.parametrize(
    "p1",
    [
        LIFP(),
        LIFP(tau_syn_inv=torch.linspace(100, 300, 12), tau_mem_inv=torch.linspace(50, 150, 12), v_th=torch.full((12,), 0.3)),
        LIFP(v_leak=torch.tensor(-0.2), v_reset=torch.tensor(-0.3), v_th=torch.tensor(0.1)),
    ],
    ids=["default", "per_neuron", "shifted"],
)
def test_sequential_state_lif_and_lifbox(compare, p1):
    torch.manual_seed(1)
    model = norse.SequentialState(
        nn.Linear(8, 12), norse.LIFCell(p1), nn.Linear(12, 4),
        norse.LIFBoxCell(BOXP(tau_mem_inv=torch.tensor(200.0), v_th=torch.tensor(0.2))),
    )
    out = compare(model, (8,), v_of, step=Threaded(), scale=30.0)
    graph = out["graph"]
    assert isinstance(graph.nodes["1"], CubaLIF) and isinstance(graph.nodes["3"], LIF)
    assert graph.dt == 0.001


def test_hand_written_iaf_and_li_readout(compare):
    model = Net(norse.IAFCell(norse.IAFParameters(v_th=torch.tensor(0.8), v_reset=torch.tensor(-0.1))),
                norse.LIBoxCell(norse.LIBoxParameters(tau_mem_inv=torch.tensor(100.0))))
    out = compare(model, (8,), v_of, step=Threaded(), scale=0.5)
    assert isinstance(out["graph"].nodes["cell1"], IF) and isinstance(out["graph"].nodes["cell2"], LI)


def test_lifbox_subtract_reset(compare):
    model = Net(norse.LIFBoxCell(BOXP(tau_mem_inv=torch.tensor(300.0), v_th=torch.tensor(0.2), reset_method=reset_subtract)),
                norse.LIFBoxCell(BOXP(tau_mem_inv=torch.tensor(300.0), v_th=torch.tensor(0.1))))
    out = compare(model, (8,), v_of, step=Threaded(), scale=3.0)
    assert out["graph"].nodes["cell1"].reset is Reset.SUBTRACT


def test_conv_net(compare):
    torch.manual_seed(3)
    model = norse.SequentialState(
        nn.Conv2d(2, 3, 3, padding=1), norse.LIFCell(LIFP(v_th=torch.tensor(0.1))), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(3 * 3 * 3, 5), norse.LIFBoxCell(BOXP(tau_mem_inv=torch.tensor(200.0), v_th=torch.tensor(0.05))),
    )
    compare(model, (2, 6, 6), v_of, step=Threaded(), scale=20.0)


def test_threshold_ties_do_not_fire(compare, dyadic):
    """tau_mem_inv * dt = 0.5 and dyadic weights: v == v_th happens; Norse needs v > v_th."""
    p = BOXP(tau_mem_inv=torch.tensor(500.0), v_th=torch.tensor(0.5))
    model = dyadic(Net(norse.LIFBoxCell(p), norse.LIFBoxCell(p)), step=0.5)
    compare(model, (8,), v_of, step=Threaded(), binary_input=True)


def test_dt_conflict_and_li_offset_are_refused():
    model = norse.SequentialState(nn.Linear(3, 3), norse.LIFBoxCell(dt=0.001))
    with pytest.raises(UnsupportedError, match=r"dt=0.001 s .* but dt=0.0001 s was requested"):
        trace(model, (3,), dt=1e-4)
    model = norse.SequentialState(nn.Linear(3, 3), norse.LIBoxCell(norse.LIBoxParameters(v_leak=torch.tensor(0.5))))
    with pytest.raises(UnsupportedError, match=r"module '1' \(LIBoxCell\): v_leak != 0"):
        trace(model, (3,))


@pytest.mark.parametrize("autapses", [False, True])
def test_lif_recurrent_cell(compare, autapses):
    torch.manual_seed(7)
    cell = norse.LIFRecurrentCell(8, 12, LIFP(v_leak=torch.tensor(0.1), v_th=torch.tensor(0.3)), autapses=autapses)
    model = norse.SequentialState(cell, nn.Linear(12, 4), norse.LIFBoxCell(BOXP(tau_mem_inv=torch.tensor(200.0), v_th=torch.tensor(0.1))))
    out = compare(model, (8,), v_of, step=Threaded(), scale=2.0)
    graph = out["graph"]
    assert [(e.src, e.delay) for e in graph.incoming("0.recurrent")] == [("0", 1)]
    assert [e.src for e in graph.incoming("0.input")] == ["input"]
    assert np.any(np.diag(graph.nodes["0.recurrent"].weight) != 0) == autapses


def refrac_v_of(module, output):
    return output[1].lif.v


@pytest.mark.parametrize("rho_reset", [1.0, 3.0, 2.5])
def test_refractory_cells(compare, rho_reset):
    """LIFRefracCell and LIFRefracRecurrentCell: the membrane stays at v_reset for
    ceil(rho_reset) steps after a spike while the current integrates."""
    p = norse.LIFRefracParameters(
        norse.LIFParameters(tau_syn_inv=torch.tensor(150.0), tau_mem_inv=torch.tensor(120.0), v_th=torch.tensor(0.2),
                            v_leak=torch.tensor(-0.05), v_reset=torch.tensor(-0.1)),
        rho_reset=torch.tensor(rho_reset))

    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(3)
            self.fc1 = nn.Linear(8, 12)
            self.cell1 = norse.LIFRefracCell(p)
            self.cell2 = norse.LIFRefracRecurrentCell(12, 5, p, autapses=True)

        def forward(self, x, state=None):
            s1, s2 = (None, None) if state is None else state
            z1, s1 = self.cell1(self.fc1(x), s1)
            z2, s2 = self.cell2(z1 * 2.0, s2)
            return z2, (s1, s2)

    out = compare(Recurrent(), (8,), refrac_v_of, step=Threaded(), scale=30.0)
    graph = out["graph"]
    assert graph.nodes["cell1"].refractory == graph.nodes["cell2"].refractory == int(np.ceil(rho_reset))
    assert out["spikes"] > 100


def test_refractory_period_varying_across_neurons_is_refused():
    p = norse.LIFRefracParameters(rho_reset=torch.tensor([1.0, 2.0, 2.0]))
    with pytest.raises(UnsupportedError, match=r"module '1' \(LIFRefracCell\): rho_reset varies across neurons"):
        trace(norse.SequentialState(nn.Linear(3, 3), norse.LIFRefracCell(p)), (3,))
