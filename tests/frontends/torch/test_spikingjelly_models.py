"""Whole networks from SpikingJelly 2.0.0's own model package (``activation_based.model``),
built without downloads (``pretrained=False``), run in multi-step mode by SpikingJelly
and traced by snncompile: spikes equal at every neuron and step, membranes within 1e-6.

The model modules import ``load_state_dict_from_url`` from torchvision at import time
(only used for pretrained weights); torchvision has no build for this torch, so when it
is absent a stand-in module that refuses to download is put in its place.
"""

from __future__ import annotations

import importlib
import sys
import types

import pytest
import torch

sj = pytest.importorskip("spikingjelly.activation_based")
pytestmark = pytest.mark.frameworks

from spikingjelly.activation_based import functional, neuron  # noqa: E402

from snncompile.ir import Add, AvgPool2d, MaxPool2d  # noqa: E402


def v_seq_of(module, output):
    return module.v_seq


def _refuse(*args, **kwargs):
    raise RuntimeError("no downloads in tests")


@pytest.fixture
def model_package(monkeypatch):
    try:
        importlib.import_module("torchvision")
    except ImportError:
        stub = types.ModuleType("torchvision")
        utils = types.ModuleType("torchvision._internally_replaced_utils")
        utils.load_state_dict_from_url = _refuse  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "torchvision", stub)
        monkeypatch.setitem(sys.modules, "torchvision._internally_replaced_utils", utils)
    sew = importlib.import_module("spikingjelly.activation_based.model.sew_resnet")
    spiking = importlib.import_module("spikingjelly.activation_based.model.spiking_resnet")
    return sew, spiking


def _multi_step(model):
    functional.set_step_mode(model, "m")
    return model


@pytest.mark.parametrize("cnf", ["ADD", "IAND"])
def test_sew_resnet(compare, model_package, cnf):
    sew, _ = model_package
    torch.manual_seed(0)
    model = _multi_step(sew.SEWResNet(sew.BasicBlock, [1, 1, 1, 1], num_classes=5, cnf=cnf,
                                      spiking_neuron=neuron.LIFNode, tau=2.0, store_v_seq=True))
    with torch.no_grad():  # PyTorch's initial weights leave the deeper blocks' LIFs silent
        for name, p in model.named_parameters():  # (compare asserts every layer fires sometimes)
            if name.startswith("layer") and p.dim() == 4:
                p.mul_(8.0)
    out = compare(model, (3, 32, 32), v_seq_of, reset=functional.reset_net, scale=3.0, multistep=True,
                  steps=10, batch=2)
    graph = out["graph"]
    assert out["spikes"] > 1000
    kinds = {type(n) for n in graph.nodes.values()}
    assert {MaxPool2d, AvgPool2d} <= kinds and (Add in kinds or cnf != "ADD")
    assert model.sn1.step_mode == "m"  # traced in single-step mode, then put back


def test_spiking_resnet(compare, model_package):
    _, spiking = model_package
    torch.manual_seed(1)
    model = _multi_step(spiking.SpikingResNet(spiking.BasicBlock, [1, 1, 1, 1], num_classes=5,
                                              spiking_neuron=neuron.IFNode, store_v_seq=True))
    out = compare(model, (3, 32, 32), v_seq_of, reset=functional.reset_net, scale=3.0, multistep=True,
                  steps=6, batch=2)
    assert out["spikes"] > 1000

