"""Read a netx ``.net`` file (lava-dl's HDF5 network) into a fixed (integer) IR graph.

The graph computes what ``netx.hdf5.Network`` builds from the file on Lava's
``fixed_pt`` models, bit for bit (see :mod:`.encoding` for netx's conventions). Layers
``/layer/0 .. /layer/N-1`` become, in order (``i`` the layer index)::

    input      -> Input 'input' (shape as stored, (C, H, W) or (N,))
    dense      -> FixedLinear 'layer<i>.synapse' -> FixedLIF 'layer<i>'
    dense_rec  -> the same plus FixedLinear 'layer<i>.recurrent' (layer<i> -> itself)
    conv       -> FixedConv2d 'layer<i>.synapse' -> FixedLIF 'layer<i>'
    flatten    -> Flatten 'layer<i>' (netx flattens (C, H, W) in C order before a dense)

then an Output 'output' on the last layer. Every synapse -> neuron edge has delay 1
(Lava's one step per synapse stage); netx's dense delays are the FixedLinear's
per-synapse ``delays``. A file without an input layer takes the first dense layer's
input width.

What netx runs differently from what the file seems to say, and what no Loihi synapse
in the IR can hold, is refused with an InputError naming the file, layer and field:
neuron types other than CUBA/LOIHI, graded spikes or message bits, a refractory delay
other than 1, ``vDecay`` 4096 (beyond Loihi's 12-bit decay), an input layer with a
neuron, delays on conv or dense_rec layers (netx 0.6.0 ignores the first and applies the
input delays to the recurrent synapse in the second), delays above 62 (netx clips),
weights netx would clip or truncate, and complex, pooling, average or concat layers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snncompile.errors import InputError
from snncompile.hdf5check import check_hdf5
from snncompile.interop.netx import encoding as enc
from snncompile.interop.netx.fields import (
    Where,
    exact_ints,
    flag,
    pair,
    scalar_int,
    string,
    truncated_ints,
)
from snncompile.ir import DEFAULT_DT, Flatten, Graph, Input, Output, Shape
from snncompile.ir.fixed import SYNAPSE_LATENCY, FixedConv2d, FixedLIF, FixedLinear


@dataclass
class _Chain:
    """The graph being built and the layer the next one reads from."""

    graph: Graph
    last: str | None = None
    shape: Shape | None = None
    index: int = 0
    flatten_pending: bool = False
    neurons: list[str] = field(default_factory=list)

    def attach(self, name: str, node, src: str, delay: int = 0) -> None:
        self.graph.add(name, node)
        self.graph.connect(src, name, delay)


LayerReader = Callable[[_Chain, Any, Where], None]
#: netx layer type -> reader
LAYER_READERS: dict[str, LayerReader] = {}


def _reads(kind: str) -> Callable[[LayerReader], LayerReader]:
    def register(fn: LayerReader) -> LayerReader:
        LAYER_READERS[kind] = fn
        return fn

    return register


def read_netx(path: str | os.PathLike, dt: float | None = None, input_shape: Shape | None = None) -> Graph:
    """The fixed graph of a netx file; every problem is an InputError naming the file
    and the layer. ``input_shape`` ((C, H, W) or (N,)) is for files without an input
    layer whose first layer is a conv (netx's ``hdf5.Network(input_shape=...)``)."""
    import h5py

    source = str(path)
    if not os.path.exists(path):
        raise InputError(f"{source}: no such file")
    check_hdf5(source, "HDF5 file")  # in a child process: a corrupt file can hang or crash HDF5
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise InputError(f"{source}: not a readable HDF5 file ({exc})") from None
    with handle:
        groups = _layer_groups(handle, source)
        chain = _Chain(Graph(dt=_dt(handle, source) if dt is None else float(dt)))
        if input_shape is not None and string(groups[0], "type", Where(source, "layer 0")) != "input":
            _start(chain, tuple(int(d) for d in input_shape))
        for i, group in enumerate(groups):
            where = Where(source, f"layer {i}")
            kind = string(group, "type", where)
            where = Where(source, f"layer {i} ({kind})")
            if kind not in LAYER_READERS:
                supported = ", ".join(enc.READ_LAYER_TYPES)
                why = " (netx 0.6.0 cannot build it either)" if kind not in enc.NETX_LAYER_TYPES else ""
                raise where.error(f"layer type '{kind}' is not supported{why}; supported: {supported}")
            chain.index = i
            LAYER_READERS[kind](chain, group, where)
    if not chain.neurons:
        raise InputError(f"{source}: no dense or conv layer (nothing to run)")
    if chain.flatten_pending:
        raise InputError(f"{source}: the last layer is a flatten layer (netx flattens only into a dense layer)")
    last = chain.neurons[-1]
    chain.attach("output", Output(shape=chain.graph.nodes[last].shape), last)  # type: ignore[attr-defined]
    try:
        return chain.graph.validate()
    except Exception as exc:  # a shape the per-layer checks let through
        raise InputError(f"{source}: the layers do not form a valid network ({exc})") from None


def _dt(handle: Any, source: str) -> float:
    """The root attribute ``dt`` snncompile writes (netx ignores it), else the default."""
    if "dt" not in handle.attrs:
        return DEFAULT_DT
    value = np.asarray(handle.attrs["dt"])
    if value.size != 1 or value.dtype.kind not in "iuf" or not (np.isfinite(value) and value > 0).all():
        raise InputError(f"{source}: root attribute 'dt' must be one positive number of seconds, found {value!r}")
    return float(value.ravel()[0])


def _layer_groups(handle: Any, source: str) -> list[Any]:
    import h5py

    if "layer" not in handle or not isinstance(handle["layer"], h5py.Group):
        raise InputError(f"{source}: not a netx network (no group '/layer')")
    layer = handle["layer"]
    keys = sorted(layer.keys(), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    expected = [str(i) for i in range(len(keys))]
    if keys != expected:
        found = sorted(layer.keys())
        shown = ", ".join(found[:12]) + (f", ... ({len(found)} in all)" if len(found) > 12 else "")
        raise InputError(f"{source}: '/layer' must hold groups 0..{len(keys) - 1}, found {shown}")
    if not keys:
        raise InputError(f"{source}: '/layer' is empty")
    out = []
    for key in keys:
        if not isinstance(layer[key], h5py.Group):
            raise InputError(f"{source}: '/layer/{key}' must be a group")
        out.append(layer[key])
    return out


# -- layers ---------------------------------------------------------------------------------


@_reads("input")
def _input(chain: _Chain, group: Any, where: Where) -> None:
    if chain.index != 0:
        raise where.error("an input layer must come first")
    if "neuron" in group:
        raise where.error("an input layer with a neuron (netx's Input block) is not supported")
    shape = tuple(int(d) for d in exact_ints(group, "shape", where, 1, 2**24).ravel())
    if len(shape) not in (1, 3):
        raise where.error(f"must be (N,) or (C, H, W), found {shape}", "shape")
    _start(chain, shape)


def _start(chain: _Chain, shape: Shape) -> None:
    chain.graph.add("input", Input(shape=shape))
    chain.last, chain.shape = "input", shape


@_reads("flatten")
def _flatten(chain: _Chain, group: Any, where: Where) -> None:
    if chain.last is None or chain.shape is None:
        raise where.error("a flatten layer needs a layer before it")
    name = f"layer{chain.index}"
    chain.attach(name, Flatten(), chain.last)
    chain.last, chain.shape = name, (int(np.prod(chain.shape)),)
    chain.flatten_pending = True


@_reads("dense")
def _dense(chain: _Chain, group: Any, where: Where) -> None:
    weight = _dense_weight(group, "weight", where)
    _dense_input(chain, weight.shape[1], where)
    fields = _exact_dense(weight, None, "weight", where)
    if "delay" in group:
        delays = _delays(group, weight.shape, where)
        if np.any(delays):
            fields["delays"] = delays
    _neuron_layer(chain, group, where, FixedLinear(**fields), (weight.shape[0],))


@_reads("dense_rec")
def _dense_rec(chain: _Chain, group: Any, where: Where) -> None:
    weight = _dense_weight(group, "weight", where)
    rec = _dense_weight(group, "weight_rec", where, rows=weight.shape[0])
    if rec.shape != (weight.shape[0],) * 2:
        raise where.error(f"must be ({weight.shape[0]}, {weight.shape[0]}), found {rec.shape}", "weight_rec")
    if "delay" in group:
        raise where.error("delays on a dense_rec layer are not supported (netx 0.6.0 applies the input delays to the "
                          "recurrent synapse too and drops the weight exponent there)")
    _dense_input(chain, weight.shape[1], where)
    try:
        joint = enc.dense_encoding(np.hstack([weight, rec]))
    except ValueError as exc:
        raise where.error(f"netx cannot encode [weight, weight_rec] exactly: {exc}") from None
    n_in = weight.shape[1]
    parts = [enc.DenseEncoding(part, joint.num_weight_bits, joint.weight_exp, joint.scale_bits)
             for part in (joint.weight[:, :n_in], joint.weight[:, n_in:])]
    syn = FixedLinear(**_exact_dense(weight, parts[0], "weight", where))
    name = _neuron_layer(chain, group, where, syn, (weight.shape[0],))
    chain.attach(f"{name}.recurrent", FixedLinear(**_exact_dense(rec, parts[1], "weight_rec", where)), name)
    chain.graph.connect(f"{name}.recurrent", name, SYNAPSE_LATENCY)


@_reads("conv")
def _conv(chain: _Chain, group: Any, where: Where) -> None:
    if chain.last is None or chain.shape is None:
        raise where.error("a conv layer needs an input layer before it or an input shape (--input-shape C,H,W)")
    if len(chain.shape) != 3 or chain.flatten_pending:
        raise where.error(f"a conv layer reads (C, H, W), found input shape {chain.shape}")
    weight = truncated_ints(group, "weight", where)
    if weight.ndim == 5 and weight.shape[-1] == 1:  # SLAYER's (out, in, kH, kW, 1); netx drops the 1
        weight = weight[..., 0]
    if weight.ndim != 4:
        raise where.error(f"must be (C_out, C_in/groups, kH, kW), found shape {weight.shape}", "weight")
    if "delay" in group:
        raise where.error("delays on a conv layer are not supported (netx 0.6.0 ignores them)")
    node = FixedConv2d(weight=weight, stride=pair(group, "stride", where, 1, 1),
                       padding=pair(group, "padding", where, 0, 0), dilation=pair(group, "dilation", where, 1, 1),
                       groups=scalar_int(group, "groups", where, 1, 2**20, default=1))
    if not np.array_equal(node.effective_weight(), weight):
        raise where.error(f"weights in [{weight.min()}, {weight.max()}] do not fit a Loihi {node.resolved_sign_mode().value} "
                          "synapse exactly (8-bit; mixed-sign weights are even)", "weight")
    problems = node.check(chain.shape)
    if problems:
        raise where.error("; ".join(problems))
    _neuron_layer(chain, group, where, node, node.output_shape(chain.shape))


# -- shared parts -----------------------------------------------------------------------------


def _dense_weight(group: Any, key: str, where: Where, rows: int | None = None) -> np.ndarray:
    weight = truncated_ints(group, key, where)
    if weight.ndim == 1:  # netx reshapes a flat weight to (neurons, -1)
        n = rows if rows is not None else int(np.prod(exact_ints(group, "shape", where, 1, 2**24)))
        if weight.size % n:
            raise where.error(f"flat weights of size {weight.size} do not split into {n} rows", key)
        weight = weight.reshape(n, -1)
    if weight.ndim != 2 or 0 in weight.shape:
        raise where.error(f"must be a non-empty 2-D (out, in) matrix, found shape {weight.shape}", key)
    return weight


def _dense_input(chain: _Chain, width: int, where: Where) -> None:
    if chain.last is None:
        _start(chain, (width,))
    assert chain.shape is not None
    if len(chain.shape) != 1:
        raise where.error(f"a dense layer after a {len(chain.shape)}-D layer needs a flatten layer before it")
    if chain.shape != (width,):
        raise where.error(f"expects {width} inputs, the previous layer has {chain.shape[0]}", "weight")


def _exact_dense(weight: np.ndarray, encoding: enc.DenseEncoding | None, key: str, where: Where) -> dict:
    try:
        return enc.exact_dense_fields(weight, encoding)
    except ValueError as exc:
        raise where.error(f"netx cannot encode these weights exactly: {exc}", key) from None


def _delays(group: Any, shape: tuple[int, ...], where: Where) -> np.ndarray:
    delay = exact_ints(group, "delay", where, 0, 2**20)
    if delay.size and delay.max() > enc.MAX_DELAY:
        raise where.error(f"delays above {enc.MAX_DELAY} (found {delay.max()}): netx clips them", "delay")
    try:
        return enc.broadcast_delay(delay, shape)
    except ValueError as exc:
        raise where.error(str(exc), "delay") from None


def _neuron_layer(chain: _Chain, group: Any, where: Where, synapse, shape: Shape) -> str:
    """Synapse ``layer<i>.synapse`` from the current layer into neurons ``layer<i>``."""
    declared = tuple(int(d) for d in exact_ints(group, "shape", where, 1, 2**24).ravel())
    if int(np.prod(declared)) != int(np.prod(shape)) or (len(shape) == 3 and declared != shape):
        raise where.error(f"declares {declared} but its weights make {shape}", "shape")
    assert chain.last is not None
    name = f"layer{chain.index}"
    chain.attach(f"{name}.synapse", synapse, chain.last)
    chain.graph.add(name, _lif(group, where, shape))
    chain.graph.connect(f"{name}.synapse", name, SYNAPSE_LATENCY)
    chain.last, chain.shape, chain.flatten_pending = name, shape, False
    chain.neurons.append(name)
    return name


def _lif(group: Any, where: Where, shape: Shape) -> FixedLIF:
    if "neuron" not in group:
        raise where.error("has no 'neuron' group (netx would run a default integrator with vDecay 4096, "
                          "beyond Loihi's 12-bit decay)")
    neuron = group["neuron"]
    nwhere = Where(where.source, f"{where.layer} neuron")
    kind = string(neuron, "type", nwhere)
    if kind not in enc.LIF_TYPES:
        raise nwhere.error(f"neuron type '{kind}' is not supported; supported: {', '.join(enc.LIF_TYPES)}")
    if flag(neuron, "gradedSpike", nwhere, False):
        raise nwhere.error("graded spikes: netx runs the layer as Lava's binary LIF", "gradedSpike")
    if scalar_int(neuron, "messageBits", nwhere, 0, 32, default=0):
        raise nwhere.error("message bits > 0 (graded output) are not supported", "messageBits")
    if scalar_int(neuron, "refDelay", nwhere, 0, 2**20, default=1) != 1:
        raise nwhere.error("a refractory delay other than 1 is not supported (netx ignores it)", "refDelay")
    fields: dict[str, Any] = {
        "du": scalar_int(neuron, "iDecay", nwhere, 0, 4096) - 1,
        "dv": scalar_int(neuron, "vDecay", nwhere, 0, 4095),
        "vth": scalar_int(neuron, "vThMant", nwhere, 0, 2**17 - 1),
    }
    if "bias" in group:
        fields["bias_mant"] = _bias(group, where, shape)
        fields["bias_exp"] = np.int64(enc.BIAS_EXP)
    return FixedLIF(shape=shape, **fields)


def _bias(group: Any, where: Where, shape: Shape) -> np.ndarray:
    """netx's bias broadcast (``blocks/process.py`` ``_neuron``): per neuron, or per
    channel for conv layers; a conv layer's per-neuron bias is in Lava's (W, H, C) order."""
    bias = truncated_ints(group, "bias", where)
    if bias.size and (bias.min() < -4096 or bias.max() > 4095):
        raise where.error(f"must fit Lava's 13-bit bias mantissa [-4096, 4095], found [{bias.min()}, {bias.max()}]",
                          "bias")
    if len(shape) == 1:
        if bias.size not in (1, shape[0]):
            raise where.error(f"must have 1 or {shape[0]} values, found shape {bias.shape}", "bias")
        return bias.reshape(-1) if bias.size > 1 else bias.reshape(())
    lava = tuple(reversed(shape))
    if bias.shape == lava:
        return np.ascontiguousarray(np.transpose(bias, (2, 1, 0)))
    if bias.shape == (shape[0],):
        return bias.reshape(shape[0], 1, 1)
    raise where.error(f"must be per channel ({shape[0]},) or per neuron {lava} (W, H, C), found {bias.shape}", "bias")


__all__ = ["read_netx", "LAYER_READERS"]
