"""snncompile: a train-to-chip compiler for spiking neural networks."""

__version__ = "0.1.0"
