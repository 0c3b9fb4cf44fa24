"""Backends: executors and exporters beyond the float reference (ONNX, Lava, ...)."""
