"""Energy and latency models, one per module; importing this package registers them."""

from snncompile.estimate.models import chip, host, mcu, memory_aware, paper

__all__ = ["chip", "host", "mcu", "memory_aware", "paper"]
