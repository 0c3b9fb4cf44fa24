"""Toy B: toy A with TIM, the Temporal Interaction Module (Shen et al., IJCAI 2024), on Q.

Source: BrainCog-X/Brain-Cog, ``examples/TIM/models/TIM.py`` (the module),
``examples/TIM/models/spikformer_braincog_DVS.py`` (where it acts: ``q = self.TIM(q)``
on the per-head queries, before ``(q k^T) v * 0.25``) and ``examples/TIM/utils/MyNode.py``
(the neuron). The network is :class:`~snncompile.zoo.spikformer.Spikformer` (toy A,
stem included) with every neuron BrainCog's ``LIFNode`` (:func:`neurons.braincog_lif`,
tau 2, reset to 0, fires at ``mem >= threshold``), the SSA scale 0.25 of TIM's DVS
model, :class:`TIM` on Q, and T = 6 event frames.

Thresholds (``thresholds=``):

- ``"as_coded"``: every neuron fires at 1.0. TIM's code passes ``v_threshold=0.3``
  (TIM's input LIF), ``v_threshold=0.5`` (TIM's output LIF and the attention LIF), but
  its ``MyNode(threshold=1., ..., *args, **kwargs)`` (like BrainCog's ``LIFNode``) takes
  ``threshold``; ``v_threshold`` lands in ``**kwargs`` and is ignored.
- ``"as_intended"``: TIM input LIF 0.3, TIM output LIF 0.5, attention LIF 0.5, all
  others 1.0.

Simplifications, besides toy A's: the heads are split as in toy A (``transpose``, then
``reshape``); TIM's DVS model reshapes (C, N) to (N, H, C/H) without the transpose, so
its "tokens" there are a reinterpretation of memory. Conv1d layers are bias-free as in
toy A (TIM's MLP Conv1d have a bias).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from snncompile.zoo.neurons import braincog_lif
from snncompile.zoo.spikformer import Spikformer
from snncompile.zoo.stepping import WEIGHTS, load_weights

THRESHOLDS = {  # (TIM input LIF, TIM output LIF, attention LIF)
    "as_coded": (1.0, 1.0, 1.0),
    "as_intended": (0.3, 0.5, 0.5),
}


class TIM(nn.Module):
    """One step of TIM on per-head queries ``q_t`` (batch, heads, N, d), with N = d.

    State: ``prev`` = the previous output ``q~_{t-1}`` (``None`` after :meth:`reset`)
    and the membranes of ``in_lif`` and ``out_lif`` (BrainCog LIFs, start at 0)::

        first step (prev is None):  q~_t = q_t        (no LIF is stepped, no conv)
        later steps:                c = Conv1d_k5(q~_{t-1})     per (batch, head)
                                    q~_t = out_lif(alpha * in_lif(c) + (1 - alpha) q_t)
        prev <- q~_t

    ``Conv1d(d, d, kernel 5, padding 2, bias)`` acts on the (N, d) matrix of each head
    with the token axis N as its channel axis and d as its length (as coded: TIM's
    ``interactor`` has ``in_channels = dim // heads`` and is applied to (B*H, N, d), which
    only type-checks because N = d = 16). ``alpha = 0.5``. So ``in_lif`` and ``out_lif``
    see their first input at the second step; their membranes carry over between
    later steps (TIM resets them once per sequence, ``self.reset()`` in ``forward``).
    """

    def __init__(self, tokens: int, alpha: float = 0.5, in_threshold: float = 1.0,
                 out_threshold: float = 1.0) -> None:
        super().__init__()
        self.interactor = nn.Conv1d(tokens, tokens, kernel_size=5, padding=2, bias=True)
        self.in_lif: Any = braincog_lif(in_threshold)  # BrainCog LIFNode (untyped package)
        self.out_lif: Any = braincog_lif(out_threshold)
        self.alpha = alpha
        self.prev: torch.Tensor | None = None

    def reset(self) -> None:
        self.prev = None
        self.in_lif.n_reset()
        self.out_lif.n_reset()

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        if self.prev is None:
            out = q
        else:
            c = self.interactor(self.prev.flatten(0, 1)).reshape(q.shape)
            out = self.out_lif(self.alpha * self.in_lif(c) + (1 - self.alpha) * q)
        self.prev = out
        return out


class SpikformerTIM(Spikformer):
    """Toy B, one step per call: (batch, 2, 16, 16) event frame -> (batch, 10)."""

    steps = 6

    def __init__(self, thresholds: str = "as_coded", alpha: float = 0.5) -> None:
        if thresholds not in THRESHOLDS:
            raise ValueError(f"thresholds is {thresholds!r}; expected one of {sorted(THRESHOLDS)}")
        tim_in, tim_out, attn = THRESHOLDS[thresholds]
        tokens = 16
        super().__init__(scale=0.25, attn_threshold=attn, lif=braincog_lif,
                         query=TIM(tokens, alpha, tim_in, tim_out))
        self.thresholds = thresholds


def load_tim(thresholds: str = "as_coded", path: str | Path | None = None,
             dtype: torch.dtype = torch.float64) -> SpikformerTIM:
    """Toy B with its trained weights (``weights/tim_<thresholds>.npz``), eval mode."""
    model = SpikformerTIM(thresholds).to(dtype)
    return load_weights(model, path or WEIGHTS / f"tim_{thresholds}.npz")  # type: ignore[return-value]
