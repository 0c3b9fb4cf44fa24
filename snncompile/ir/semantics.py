"""The discrete-time choices every neuron makes explicit.

Frameworks disagree on these (see docs/semantics.md); snncompile never guesses them:
each neuron node carries them as fields.
"""

from __future__ import annotations

from enum import Enum


class Reset(str, Enum):
    """What happens to the membrane ``v`` of a neuron that spiked.

    - ``ZERO``: ``v := v_reset`` (hard reset; ``v_reset`` is usually 0).
    - ``SUBTRACT``: ``v := v - threshold`` (soft reset; keeps the overshoot).
    - ``NONE``: ``v`` is left as it is.
    """

    ZERO = "zero"
    SUBTRACT = "subtract"
    NONE = "none"


class ResetTiming(str, Enum):
    """When the reset of a spike emitted at step ``t`` is applied.

    - ``IMMEDIATE``: at the end of step ``t``; the state carried to ``t+1`` (and the
      membrane recorded for step ``t``) is post-reset. SpikingJelly, Norse, NIR, Lava.
    - ``DELAYED``: at the start of step ``t+1``; the recorded membrane of step ``t`` is
      pre-reset. A zero reset sets ``v := v_reset`` before the decay of step ``t+1``; a
      subtract reset subtracts ``threshold`` *after* the decay, i.e. undecayed:
      ``v[t+1] = decay v[t] + input - threshold s[t]``. This is snnTorch (reset_delay=True).
    """

    IMMEDIATE = "immediate"
    DELAYED = "delayed"


class Comparator(str, Enum):
    """Spike condition: ``GT`` fires on ``v > threshold`` (snnTorch, NIR, Lava);
    ``GE`` on ``v >= threshold`` (SpikingJelly, BrainCog)."""

    GT = ">"
    GE = ">="
