"""Host-operation kernels (float64) against torch's own operators and modules and against
independent NumPy implementations of the docstring equations."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snncompile.ir import Graph, Input, Output
from snncompile.ir.host import Div, LayerNorm, MatMul, Mean, Mul, RMSNorm
from snncompile.ir.host_activation import ELU, GELU, Exp, ReLU, Sigmoid, Sign, SiLU, Softplus
from snncompile.ir.host_scan import SelectiveScan
from snncompile.ir.host_tensor import Concat, Expand, Permute, Reshape, Slice
from snncompile.simulate import simulate

STEPS, BATCH = 3, 2


def run_ports(node, shapes: dict, seed=0, scale=1.0):
    """Run ``node`` with one Input per port (``{"": shape}`` for a summing node) on random
    normal data; returns (output (batch, steps, ...), inputs by port)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = {}
    for port, shape in shapes.items():
        name = port or "x"
        g.add(name, Input(shape=shape))
        x[name] = scale * rng.normal(size=(BATCH, STEPS, *shape))
    g.add("op", node)
    for port in shapes:
        g.connect(port or "x", "op", port=port)
    g.add("y", Output(shape=node.operand_output_shape(shapes)))
    g.connect("op", "y")
    return simulate(g, x).output(), x


def run_one(node, shape, seed=0, scale=1.0):
    got, x = run_ports(node, {"": shape}, seed, scale)
    return got, x["x"]


def test_matmul_is_torch_matmul_per_sample():
    for a_shape, b_shape in [((4, 3), (3, 5)), ((2, 4, 3), (3, 5)), ((1, 4, 3), (2, 3, 5)), ((2, 4, 3), (2, 3, 5))]:
        got, x = run_ports(MatMul(), {"a": a_shape, "b": b_shape})
        for n in range(BATCH):
            for t in range(STEPS):
                want = torch.matmul(torch.as_tensor(x["a"][n, t]), torch.as_tensor(x["b"][n, t])).numpy()
                np.testing.assert_allclose(got[n, t], want, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("a_shape", "b_shape"), [((4, 3), (4, 3)), ((2, 4, 3), (4, 1)), ((3,), (2, 3)), ((), (5,))])
def test_mul_and_div_broadcast_per_sample_as_numpy(a_shape, b_shape):
    for node, op in ((Mul(), np.multiply), (Div(), np.divide)):
        got, x = run_ports(node, {"a": a_shape, "b": b_shape})
        for n in range(BATCH):  # per sample: the batch axis never broadcasts
            for t in range(STEPS):
                np.testing.assert_array_equal(got[n, t], op(x["a"][n, t], x["b"][n, t]))


def test_div_by_zero_is_ieee_as_torch():
    g = Graph()
    g.add("a", Input(shape=(3,)))
    g.add("b", Input(shape=(3,)))
    g.add("q", Div())
    g.add("y", Output(shape=(3,)))
    g.connect("a", "q", port="a")
    g.connect("b", "q", port="b")
    g.connect("q", "y")
    got = simulate(g, {"a": np.array([[[1.0, -1.0, 0.0]]]), "b": np.zeros((1, 1, 3))}).output()
    assert got[0, 0, 0] == np.inf and got[0, 0, 1] == -np.inf and np.isnan(got[0, 0, 2])


@pytest.mark.parametrize(("axes", "keepdim"), [((0,), False), ((-1,), True), ((0, 2), False), ((1,), True)])
def test_mean_is_numpy_mean_over_per_sample_axes(axes, keepdim):
    got, x = run_one(Mean(axes=axes, keepdim=keepdim), (4, 3, 2))
    want = x.mean(axis=tuple(a % 3 + 2 for a in axes), keepdims=keepdim)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)


def _layer_norm_np(x, k, w, b, eps):
    axes = tuple(range(x.ndim - k, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


@pytest.mark.parametrize("normalized", [(3,), (4, 3)])
def test_layer_norm_is_the_equation_and_nn_layer_norm(normalized):
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=normalized), rng.normal(size=normalized)
    got, x = run_one(LayerNorm(normalized_shape=normalized, weight=w, bias=b, eps=1e-3), (2, 4, 3), scale=3.0)
    np.testing.assert_allclose(got, _layer_norm_np(x, len(normalized), w, b, 1e-3), rtol=1e-12, atol=1e-12)
    module = nn.LayerNorm(normalized, eps=1e-3).double()
    with torch.no_grad():
        module.weight.copy_(torch.as_tensor(w))
        module.bias.copy_(torch.as_tensor(b))
        np.testing.assert_allclose(got, module(torch.as_tensor(x)).numpy(), rtol=1e-12, atol=1e-12)
    plain, _ = run_one(LayerNorm(normalized_shape=normalized), (2, 4, 3), scale=3.0)
    np.testing.assert_allclose(plain, _layer_norm_np(x, len(normalized), 1.0, 0.0, 1e-5), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("eps", [None, 1e-6])
def test_rms_norm_is_the_equation_and_nn_rms_norm(eps):
    rng = np.random.default_rng(2)
    w = rng.normal(size=(3,))
    got, x = run_one(RMSNorm(normalized_shape=(3,), weight=w, eps=eps), (4, 3), scale=1e-4)
    used = np.finfo(np.float64).eps if eps is None else eps  # torch's default: the dtype's epsilon
    want = x / np.sqrt((x**2).mean(axis=-1, keepdims=True) + used) * w
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    module = nn.RMSNorm(3, eps=eps).double()
    with torch.no_grad():
        module.weight.copy_(torch.as_tensor(w))
        np.testing.assert_allclose(got, module(torch.as_tensor(x)).numpy(), rtol=1e-12, atol=0)


_erf = np.vectorize(math.erf)
ACTIVATIONS = [
    (ReLU(), nn.ReLU(), lambda x: np.maximum(x, 0)),
    (Sigmoid(), nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (SiLU(), nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (Exp(), None, np.exp),
    (Sign(), None, np.sign),
    (GELU(), nn.GELU(), lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    (GELU(approximate="tanh"), nn.GELU(approximate="tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
    (ELU(alpha=0.7), nn.ELU(alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    (Softplus(), nn.Softplus(), lambda x: np.where(x > 20, x, np.log1p(np.exp(x)))),
    (Softplus(beta=2.0, threshold=3.0), nn.Softplus(beta=2.0, threshold=3.0),
     lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
]


@pytest.mark.parametrize(("node", "module", "formula"), ACTIVATIONS, ids=lambda v: getattr(v, "kind", ""))
def test_activation_is_its_equation_and_the_torch_module(node, module, formula):
    got, x = run_one(node, (4, 5), scale=4.0)
    np.testing.assert_allclose(got, formula(x), rtol=1e-12, atol=1e-14)
    if module is not None:  # torch's vectorised and scalar paths may differ in the last bit
        np.testing.assert_allclose(got, module(torch.as_tensor(x)).numpy(), rtol=1e-15, atol=1e-16)


def test_permute_reshape_slice_concat_are_numpy_reindexings():
    got, x = run_one(Permute(perm=(2, 0, 1)), (2, 3, 4))
    np.testing.assert_array_equal(got, x.transpose(0, 1, 4, 2, 3))
    got, x = run_one(Reshape(shape=(6, 2, 2)), (2, 3, 4))
    np.testing.assert_array_equal(got, x.reshape(BATCH, STEPS, 6, 2, 2))
    got, x = run_one(Slice(axis=-1, start=1, stop=4, step=2), (2, 5))
    np.testing.assert_array_equal(got, x[..., 1:4:2])
    got, x = run_one(Expand(shape=(2, 4, 3)), (4, 1))
    for n in range(BATCH):
        np.testing.assert_array_equal(got[n], np.broadcast_to(x[n][:, None], (STEPS, 2, 4, 3)))
    got, x = run_ports(Concat(axis=1, count=3), {"x0": (2, 1), "x1": (2, 3), "x2": (2, 2)})
    np.testing.assert_array_equal(got, np.concatenate([x["x0"], x["x1"], x["x2"]], axis=3))


# -- the selective scan -----------------------------------------------------------------------
def scan_numpy(x, delta, A, B, C, D, delta_bias, softplus):
    """One sample, written from the docstring with explicit loops: x, delta (L, D); B, C (L, N)."""
    L, d_inner = x.shape
    n_state = A.shape[1]
    if delta_bias is not None:
        delta = delta + delta_bias
    if softplus:
        delta = np.where(delta > 20, delta, np.log1p(np.exp(delta)))
    h = np.zeros((d_inner, n_state))
    y = np.zeros((L, d_inner))
    for step in range(L):
        for d in range(d_inner):
            for n in range(n_state):
                h[d, n] = math.exp(delta[step, d] * A[d, n]) * h[d, n] + delta[step, d] * x[step, d] * B[step, n]
            y[step, d] = sum(h[d, n] * C[step, n] for n in range(n_state)) + (0.0 if D is None else D[d] * x[step, d])
    return y


def selective_scan_ref_port(u, delta, A, B, C, D=None, delta_bias=None, delta_softplus=False):
    """state-spaces/mamba ``selective_scan_ref`` (mamba_ssm/ops/selective_scan_interface.py),
    real A and variable B, C of shape (batch, N, L), in its own (batch, D, L) layout, kept
    in the input's dtype (Mamba's casts to float32 left out)."""
    if delta_bias is not None:
        delta = delta + delta_bias[..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    batch, dim, dstate = u.shape[0], A.shape[0], A.shape[1]
    x = A.new_zeros((batch, dim, dstate))
    ys = []
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)
    for i in range(u.shape[2]):
        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]
        ys.append(torch.einsum("bdn,bn->bd", x, C[:, :, i]))
    y = torch.stack(ys, dim=2)
    return y if D is None else y + u * D[:, None]


@pytest.mark.parametrize(("skip", "bias", "softplus"), [(True, True, True), (False, False, False), (True, False, True)])
def test_selective_scan_is_the_numpy_loop_and_mamba_selective_scan_ref(skip, bias, softplus):
    L, d_inner, n_state = 6, 4, 3
    rng = np.random.default_rng(3)
    A = -np.exp(rng.normal(size=(d_inner, n_state)))
    D = rng.normal(size=d_inner) if skip else None
    delta_bias = rng.normal(size=d_inner) if bias else None
    node = SelectiveScan(A=A, D=D, delta_bias=delta_bias, delta_softplus=softplus)
    shapes = {"x": (L, d_inner), "delta": (L, d_inner), "B": (L, n_state), "C": (L, n_state)}
    got, x = run_ports(node, shapes, seed=4)
    if not softplus:  # a positive step keeps the recurrence a decay, as softplus does
        x["delta"] = np.abs(x["delta"])
        got = simulate(_scan_graph(node, shapes), x).output()
    for s in range(BATCH):
        for t in range(STEPS):
            args = [x[p][s, t] for p in ("x", "delta")] + [A, x["B"][s, t], x["C"][s, t], D, delta_bias, softplus]
            np.testing.assert_allclose(got[s, t], scan_numpy(*args), rtol=1e-12, atol=1e-12)
    for t in range(STEPS):  # Mamba's reference on the whole batch, (batch, D, L) layout
        bdl = {p: torch.as_tensor(x[p][:, t]).transpose(1, 2) for p in shapes}
        want = selective_scan_ref_port(bdl["x"], bdl["delta"], torch.as_tensor(A), bdl["B"], bdl["C"],
                                       None if D is None else torch.as_tensor(D),
                                       None if delta_bias is None else torch.as_tensor(delta_bias), softplus)
        np.testing.assert_allclose(got[:, t], want.transpose(1, 2).numpy(), rtol=1e-12, atol=1e-12)


def _scan_graph(node, shapes):
    g = Graph()
    for port, shape in shapes.items():
        g.add(port, Input(shape=shape))
    g.add("op", node)
    for port in shapes:
        g.connect(port, "op", port=port)
    g.add("y", Output(shape=shapes["x"]))
    g.connect("op", "y")
    return g


def test_every_host_kind_has_a_kernel_and_an_emitter():
    from snncompile.backends.onnx.emitters import EMITTERS
    from snncompile.ir import NODE_TYPES
    from snncompile.ir.stage import Stage
    from snncompile.simulate.kernels import KERNEL_BUILDERS

    host = [cls for cls in NODE_TYPES.values() if cls.stage is Stage.HOST]
    assert len(host) == 20  # MatMul, Mul, Div, Mean, 2 norms, 8 activations, 4 re-indexings (Reshape is ANY), scan, Quantize
    assert [cls.kind for cls in host if cls not in KERNEL_BUILDERS] == []
    assert [cls.kind for cls in host if cls not in EMITTERS] == []
