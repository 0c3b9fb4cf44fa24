"""Reference networks: hand-built IR graphs from published weights (``l2mu``) and small
trained PyTorch spiking transformers (``spikformer``, ``tim``, ``spikmamba``; their data in
``data``, stepping and weights in ``stepping``; see docs/zoo.md)."""
