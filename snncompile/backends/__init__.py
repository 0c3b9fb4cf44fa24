"""Backends that run a graph somewhere other than the float reference simulator."""
