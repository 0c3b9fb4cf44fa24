"""Traced host operations compute what the torch module computes (float64, over several
steps), and what cannot be traced is refused with a message naming it."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import snncompile.nn as snn
from snncompile.errors import GraphError, UnsupportedError
from snncompile.frontends.torch import trace
from snncompile.simulate import simulate


def check_same(module: nn.Module, shape: tuple[int, ...], steps: int = 3, batch: int = 2, seed: int = 0, scale: float = 1.0):
    torch.manual_seed(seed)
    graph = trace(module, shape)
    x = scale * np.random.default_rng(seed).normal(size=(batch, steps, *shape))
    got = simulate(graph, x).output()
    with torch.no_grad():
        want = np.stack([module(torch.as_tensor(x[:, t])).numpy() for t in range(steps)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    return graph


def kinds(graph) -> list[str]:
    return [n.kind for n in graph.nodes.values()]


class Lambda(nn.Module):
    """A module whose forward is ``fn(self, x)`` (submodules and buffers given by name)."""

    def __init__(self, fn, **children):
        super().__init__()
        self.fn = fn
        for name, value in children.items():
            if isinstance(value, nn.Module):
                self.add_module(name, value)
            else:
                self.register_buffer(name, value)

    def forward(self, x):
        return self.fn(self, x)


class Product(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(4, 4)
        self.k = nn.Linear(4, 4)

    def forward(self, x):
        return self.q(x) @ self.k(x) + torch.matmul(x, x)


def test_matmul_operator_function_and_method():
    graph = check_same(Product().double(), (4, 4))
    assert kinds(graph).count("MatMul") == 2


# -- arithmetic -----------------------------------------------------------------------------
def _arithmetic(m, x):
    y = torch.sigmoid(x)
    a = x - y + 1.0                       # Add(x, Scale(-1) y) then Add with a Constant
    b = 2.0 - x * y                       # Mul, then Add(Constant 2, Scale(-1))
    c = 1 / (y + 0.5) + x / (y + 1)       # Div(Constant 1, .), Div of two tensors
    d = -x * m.w + m.c - x / 4 + x ** 2   # Scale by a buffer, Constant, Scale(1/4), Mul(x, x)
    e = (x.unsqueeze(1) * m.wide).mean(1)  # a constant wider than x: Mul with a Constant
    n = x.shape[-1]
    return a + b + c + d + e * (n ** -0.5) * (n // 2)


def test_arithmetic_maps_to_add_scale_constant_mul_div():
    w, c = torch.linspace(-1, 1, 3, dtype=torch.float64), torch.tensor([[0.5, 1.0, 2.0]], dtype=torch.float64)
    wide = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    graph = check_same(Lambda(_arithmetic, w=w, c=c, wide=wide), (3,))
    found = kinds(graph)
    assert {"Mul", "Div", "Scale", "Constant", "Add"} <= set(found)
    wide_products = [n for n, node in graph.items() if node.kind == "Mul"
                     and any(graph.nodes[e.src].kind == "Constant" for e in graph.incoming(n))]
    assert len(wide_products) == 1 and graph.infer_shapes()[wide_products[0]] == (2, 3)


def test_a_broadcast_sum_expands_the_smaller_operand():
    def fn(m, x):  # a layer norm written out, and a (4, 1) + (1, 3) sum
        d = x - x.mean(-1, keepdim=True)
        return d / (d * d).mean(-1, keepdim=True) + x[:, :, :1] + x[:, :1, :]

    graph = check_same(Lambda(fn), (4, 3))
    assert kinds(graph).count("Expand") == 3


def test_sums_that_do_not_broadcast_and_batch_mixing_constants_are_refused():
    with pytest.raises(GraphError, match=r"adds tensors of shapes \(3,\) and \(2,\), which do not broadcast"):
        trace(Lambda(lambda m, x: x + x[:, :2]), (3,))
    with pytest.raises(UnsupportedError, match=r"a constant of shape \(2, 3\) would mix samples of the batch"):
        trace(Lambda(lambda m, x: x * m.w, w=torch.ones(2, 3)), (3,))
    with pytest.raises(UnsupportedError, match="floor division is supported on sizes only, not on tensors"):
        trace(Lambda(lambda m, x: x // 2), (3,))


# -- activations, means, norms ------------------------------------------------------------------
ACTIVATION_MODULES = [nn.ReLU(), nn.Sigmoid(), nn.SiLU(), nn.GELU(), nn.GELU(approximate="tanh"), nn.ELU(alpha=0.5),
                      nn.Softplus(), nn.Softplus(beta=2.0, threshold=1.0)]


@pytest.mark.parametrize("module", ACTIVATION_MODULES, ids=repr)
def test_activation_modules(module):
    graph = check_same(nn.Sequential(nn.Linear(4, 5), module).double(), (4,), scale=3.0)
    assert kinds(graph)[2] == type(module).__name__


def _functions(m, x):
    return (F.relu(x) + torch.relu(x) + x.relu() + torch.sigmoid(x) + x.sigmoid() + F.silu(x)
            + F.gelu(x, approximate="tanh") + F.elu(x, alpha=0.3) + F.softplus(x, beta=2, threshold=5)
            + torch.exp(x) + x.exp() + F.gelu(x) + torch.sign(x) + x.sign())


def test_activation_functions_and_methods():
    graph = check_same(Lambda(_functions), (2, 3), scale=2.0)
    assert {"ReLU", "Sigmoid", "SiLU", "GELU", "ELU", "Softplus", "Exp", "Sign"} <= set(kinds(graph))


def test_means_over_per_sample_axes():
    def fn(m, x):
        return (x.mean(1), torch.mean(x, dim=(1, 2), keepdim=True), x.mean(-1, keepdim=True), x.mean(dim=[-2]))

    torch.manual_seed(0)
    graph = trace(Lambda(fn), (4, 3))
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 3))
    got = simulate(graph, x).outputs
    want = fn(None, torch.as_tensor(x[:, 1]))
    for k, w in enumerate(want):
        np.testing.assert_allclose(got[f"output_{k}"][:, 1], w.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(UnsupportedError, match="a mean needs dim="):
        trace(Lambda(lambda m, x: x.mean()), (4, 3))
    with pytest.raises(UnsupportedError, match="dim 0 is the batch axis"):
        trace(Lambda(lambda m, x: x.mean(0)), (4, 3))


def _randomized(module: nn.Module) -> nn.Module:
    torch.manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_()
    return module.double()


@pytest.mark.parametrize("norm", [nn.LayerNorm(3), nn.LayerNorm((4, 3), eps=1e-3), nn.LayerNorm(3, elementwise_affine=False),
                                  nn.LayerNorm(3, bias=False), nn.RMSNorm(3), nn.RMSNorm((4, 3), eps=1e-4),
                                  nn.RMSNorm(3, elementwise_affine=False)], ids=repr)
def test_norm_modules(norm):
    graph = check_same(nn.Sequential(nn.Linear(3, 3), _randomized(norm)).double(), (4, 3), scale=2.0)
    assert kinds(graph)[2] == type(norm).__name__


def test_rms_norm_without_eps_gets_the_models_epsilon_explicitly():
    for dtype, eps in ((torch.float32, 2.0**-23), (torch.float64, 2.0**-52)):
        module = nn.Sequential(nn.Linear(3, 3), nn.RMSNorm(3)).to(dtype)
        assert trace(module, (3,)).nodes["1"].eps == eps
        function = Lambda(lambda m, x: F.rms_norm(m.fc(x), (3,)), fc=nn.Linear(3, 3).to(dtype))
        assert [n.eps for n in trace(function, (3,)).nodes.values() if n.kind == "RMSNorm"] == [eps]


def test_norm_functions_with_module_parameters():
    def fn(m, x):
        return F.layer_norm(x, (3,), m.ln.weight, m.ln.bias, 1e-4) + F.rms_norm(x, (4, 3), m.rms.weight)

    graph = check_same(Lambda(fn, ln=_randomized(nn.LayerNorm(3)), rms=_randomized(nn.RMSNorm((4, 3)))), (4, 3))
    assert {"LayerNorm", "RMSNorm"} <= set(kinds(graph))


# -- re-indexing ---------------------------------------------------------------------------------
def _reindex(m, x):  # x: (batch, 4, 6)
    b = x.shape[0]
    heads = x.reshape(b, 4, 2, 3).permute(0, 2, 1, 3)              # Reshape, Permute (2, 4, 3)
    t = heads.transpose(-2, -1).transpose(1, 3)                    # (3, 4, 2)
    u = torch.cat([x, x[..., :2], x.unsqueeze(1)[:, 0]], dim=-1)  # (4, 14)
    a, c = x.chunk(2, dim=-1)
    p, q, r = torch.split(x, [1, 2, 3], dim=2)
    s = x[:, 1:4:2, None, -1]                                      # (2, 1)
    return (t.flatten(1), u.view(b, -1), a * c + r, torch.cat((r, q, p), 2),
            s.squeeze(2), torch.transpose(x, 1, 2)[:, 0])


def test_reindexing_forms():
    torch.manual_seed(0)
    graph = trace(Lambda(_reindex), (4, 6))
    x = np.random.default_rng(0).normal(size=(2, 2, 4, 6))
    got = simulate(graph, x).outputs
    for k, want in enumerate(_reindex(None, torch.as_tensor(x[:, 1]))):
        np.testing.assert_array_equal(got[f"output_{k}"][:, 1], want.numpy())
    assert {"Reshape", "Permute", "Concat", "Slice", "Flatten"} <= set(kinds(graph))


def test_an_unused_piece_adds_no_node():
    graph = trace(Lambda(lambda m, x: x.chunk(3, dim=-1)[1]), (6,))
    assert kinds(graph).count("Slice") == 1


@pytest.mark.parametrize(("fn", "message"), [
    (lambda m, x: x.transpose(0, 1), "dim 0 is the batch axis"),
    (lambda m, x: x.permute(1, 0, 2), "must keep the batch axis first"),
    (lambda m, x: x.squeeze(), "squeeze needs dim="),
    (lambda m, x: x[:, [0, 1]], "only ints, slices, ... and None"),
    (lambda m, x: x[:, 3:1], "is empty or reversed"),
    (lambda m, x: torch.cat([x, x], dim=0), "dim 0 is the batch axis"),
    (lambda m, x: x.reshape(4, -1), "must keep the batch axis first"),
])
def test_reindexing_the_batch_axis_or_unsupported_indices_is_refused(fn, message):
    with pytest.raises(UnsupportedError, match=message):
        trace(Lambda(fn), (3, 4))


def test_unsupported_call_lists_what_is_supported():
    with pytest.raises(UnsupportedError) as info:
        trace(Lambda(lambda m, x: torch.cumsum(x, dim=1)), (3,))
    message = str(info.value)
    assert message.startswith("function 'cumsum'") and "is not supported; supported functions:" in message
    for name in ("matmul", "cat", "layer_norm", "softplus", "mean", "sub"):
        assert name in message.split("; methods:")[0]
    for name in ("transpose", "permute", "chunk", "reshape"):
        assert name in message.split("; methods:")[1]
    assert "\n" not in message


# -- convolutions ------------------------------------------------------------------------------
def test_depthwise_conv2d_and_a_1_p_p_conv3d_patch_embedding():
    model = nn.Sequential(nn.Conv3d(2, 8, kernel_size=(1, 4, 4), stride=(1, 4, 4)), nn.Flatten(2))
    graph = check_same(model.double(), (2, 4, 16, 16))
    assert kinds(graph)[1] == "Conv3d" and graph.infer_shapes()["output"] == (8, 64)
    depthwise = nn.Conv2d(6, 6, 3, padding=1, groups=6).double()
    graph = check_same(depthwise, (6, 5, 5))
    assert graph.nodes["conv2d"].groups == 6


# -- the three networks' blocks ----------------------------------------------------------------
class SpikingSelfAttention(nn.Module):
    """Spikformer's SSA on (tokens, dim) spikes: LIF(Linear) for Q, K, V, (Q Kᵀ) V × 0.125."""

    def __init__(self, dim=8, heads=2):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.proj = (nn.Linear(dim, dim) for _ in range(4))
        self.q_lif, self.k_lif, self.v_lif = snn.LIF(decay=0.5), snn.LIF(decay=0.5), snn.LIF(decay=0.5)
        self.attn_lif = snn.LIF(decay=0.5, threshold=0.5)

    def forward(self, x):
        b, n, c = x.shape
        def split(t):
            return t.reshape(b, n, self.heads, c // self.heads).permute(0, 2, 1, 3)

        q, k, v = split(self.q_lif(self.q(x))), split(self.k_lif(self.k(x))), split(self.v_lif(self.v(x)))
        attn = (q @ k.transpose(-2, -1)) @ v * 0.125
        return self.proj(self.attn_lif(attn.transpose(1, 2).reshape(b, n, c)))


def test_spiking_self_attention_block():
    graph = check_same(SpikingSelfAttention().double(), (6, 8), steps=4, scale=2.0)
    assert kinds(graph).count("MatMul") == 2
    x = 2.0 * np.random.default_rng(0).normal(size=(2, 4, 6, 8))
    recorded = simulate(graph, x, record=["q_lif", "k_lif", "v_lif", "attn_lif"]).recorded
    assert all(0 < spikes.mean() < 1 for spikes in recorded.values())  # the neurons fire, not always


class LinearAttention(nn.Module):
    """SpikMamba's linear attention: elu + 1 features, normaliser 1 / (q · mean(k)), LePE."""

    def __init__(self, dim=4, side=3):
        super().__init__()
        self.side = side
        self.qk = nn.Linear(dim, 2 * dim)
        self.lepe = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.elu = nn.ELU()

    def forward(self, x):
        b, n, c = x.shape
        q, k = self.qk(x).chunk(2, dim=-1)
        q, k = self.elu(q) + 1.0, self.elu(k) + 1.0
        z = 1 / (q @ k.mean(dim=-2, keepdim=True).transpose(-2, -1) + 1e-6)
        kv = (k.transpose(-2, -1) * (n ** -0.5)) @ (x * (n ** -0.5))
        out = q @ kv * z
        v = x.transpose(1, 2).reshape(b, c, self.side, self.side)
        return out + self.lepe(v).permute(0, 2, 3, 1).reshape(b, n, c)


def test_linear_attention_block():
    graph = check_same(LinearAttention().double(), (9, 4))
    assert {"Div", "Mul", "Mean", "ELU", "Conv2d", "Permute"} <= set(kinds(graph))


class MambaBlock(nn.Module):
    """Mamba's block in plain PyTorch (mamba_simple.Mamba's slow path, token-major), with
    snncompile.nn.SelectiveScan."""

    def __init__(self, d_model=4, d_state=3, d_conv=4, expand=2):
        super().__init__()
        d_inner = expand * d_model
        self.dt_rank, self.d_state = 2, d_state
        self.norm = nn.RMSNorm(d_model, eps=1e-5)
        self.in_proj = nn.Linear(d_model, 2 * d_inner, bias=False)
        self.conv1d = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner, padding=d_conv - 1)
        self.x_proj = nn.Linear(d_inner, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, d_inner, bias=False)
        self.scan = snn.SelectiveScan(d_inner, d_state)
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)

    def forward(self, tokens):
        L = tokens.shape[1]
        x, z = self.in_proj(self.norm(tokens)).chunk(2, dim=-1)
        x = F.silu(self.conv1d(x.transpose(1, 2))[..., :L]).transpose(1, 2)
        dt, B, C = torch.split(self.x_proj(x), [self.dt_rank, self.d_state, self.d_state], dim=-1)
        y = self.scan(x, self.dt_proj(dt), B, C)
        return tokens + self.out_proj(y * F.silu(z))


def test_mamba_block_with_the_selective_scan_module():
    torch.manual_seed(3)
    block = MambaBlock().double()
    graph = check_same(block, (5, 4), steps=2)
    scan = graph.nodes["scan"]
    assert scan.kind == "SelectiveScan" and scan.delta_softplus
    np.testing.assert_array_equal(scan.A, block.scan.A.detach().numpy())
    np.testing.assert_array_equal(scan.delta_bias, block.scan.delta_bias.detach().numpy())


def test_selective_scan_module_options_and_a_wrong_call():
    for options in (dict(skip=False), dict(delta_bias=False, delta_softplus=False)):
        scan = snn.SelectiveScan(4, 2, **options).double()
        model = Lambda(lambda m, x: m.scan(x, x.sigmoid(), x[..., :2], x[..., 2:]), scan=scan)
        graph = check_same(model, (5, 4))
        node = graph.nodes["scan"]
        assert (node.D is None) == (not options.get("skip", True))
        assert (node.delta_bias is None) == (not options.get("delta_bias", True))
    with pytest.raises(UnsupportedError, match=r"module 'scan' \(SelectiveScan\) must be called as scan\(x, delta, B, C\)"):
        trace(Lambda(lambda m, x: m.scan(x, x), scan=snn.SelectiveScan(4, 2)), (5, 4))
