"""Reading NIR: every paper graph, clean one-line errors, subgraphs, delays, padding."""

from __future__ import annotations

import warnings
from pathlib import Path

import h5py
import nir
import numpy as np
import pytest

from snncompile.errors import InputError, SnnCompileError
from snncompile.interop.nir import read_nir, to_nir
from snncompile.ir import Conv2d, Delay, Graph, Linear

PAPER = Path(__file__).resolve().parents[2] / "data" / "nir_paper"
PAPER_GRAPHS = sorted(p.relative_to(PAPER).as_posix() for p in PAPER.rglob("*.nir") if "unreadable" not in p.parts)
UNREADABLE = sorted(p.relative_to(PAPER).as_posix() for p in (PAPER / "03_rnn" / "unreadable").glob("*.nir"))
RELAXED = {"01_lif/lif_rockpool.nir"}  # fails NIR's own type checking


def read_quietly(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_nir(path)


def test_the_paper_folder_holds_what_we_expect():
    assert len(PAPER_GRAPHS) == 6 and len(UNREADABLE) == 2


@pytest.mark.parametrize("name", PAPER_GRAPHS)
def test_every_paper_graph_reads(name):
    path = PAPER / name
    if name in RELAXED:
        with pytest.warns(UserWarning) as caught:
            graph = read_nir(path)
        messages = [str(w.message) for w in caught]
        assert any("fails NIR type checking" in m and "type_check=False" in m for m in messages)
        assert any("Output 'output' declares shape (1, 1, 1) but receives (1,)" in m for m in messages)
    else:
        with warnings.catch_warnings():  # every choice the file cannot hold stated: nothing to warn about
            warnings.simplefilter("error")
            graph = read_nir(path, **STATED)
    graph.validate()
    assert graph.dt == 1e-4


#: the choices NIR files do not store, stated (silences the default warnings)
STATED = {"dt": 1e-4, "reset": "zero", "reset_timing": "immediate", "comparator": ">"}


@pytest.mark.parametrize("stated", [{}, {"dt": 1e-3}, STATED])
def test_defaults_taken_for_a_plain_file_are_warned_one_line_each(stated):
    """A NIR file from another tool holds no dt, reset, reset timing or comparator: each
    default taken is one warning naming the value and the flag; a stated value is silent."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_nir(PAPER / "01_lif/lif_norse.nir", **stated)
    lines = [str(w.message) for w in caught]
    assert all("\n" not in m for m in lines)
    expected = {"dt": "dt=0.0001 s (state it with --dt", "reset": "reset='zero' (state it with --reset,",
                "reset_timing": "reset_timing='immediate' (state it with --reset-timing",
                "comparator": "comparator='>' (state it with --comparator"}
    for key, text in expected.items():
        found = [m for m in lines if text in m]
        assert len(found) == (0 if key in stated else 1), (key, lines)
        assert all("lif_norse.nir: the file does not say its" in m for m in found)


def test_hints_and_dialects_state_the_choices():
    """A file snncompile wrote carries hints, and --from names an exporter's choices: no
    default is taken, so nothing is warned."""
    from snncompile.interop.nir import to_nir

    graph = read_nir(PAPER / "01_lif/lif_norse.nir", **STATED)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_nir(to_nir(graph))
        read_nir(PAPER / "01_lif/lif_norse.nir", dialect="norse", dt=1e-4)
    assert not [w for w in caught if "does not say" in str(w.message)], [str(w.message) for w in caught]


@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_paper_graphs_name_the_missing_node(name):
    with pytest.raises(InputError) as info:
        read_nir(PAPER / name)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(PAPER / name))
    assert "subgraph 'lif1'" in message and "node 'lif', which does not exist" in message


def _nir_fields(node) -> dict:
    skip = {"input_type", "output_type", "metadata", "nodes", "edges"}
    return {k: v for k, v in vars(node).items() if k not in skip}


@pytest.mark.parametrize("name", PAPER_GRAPHS)
def test_paper_graph_nir_ir_nir_is_unchanged(name):
    """Same node names and types, same edges, parameters equal to float64 rounding
    (NIR -> per-step coefficients -> NIR; the files are float32, compared in float64)."""
    path = PAPER / name
    original = nir.read(path, type_check=name not in RELAXED)
    again = to_nir(read_quietly(path))
    assert sorted(original.edges) == sorted(again.edges)
    assert sorted(original.nodes) == sorted(again.nodes)
    for key, node in original.nodes.items():
        other = again.nodes[key]
        assert type(node) is type(other), key
        if isinstance(node, nir.Output):
            declared = np.asarray(node.output_type["output"]).reshape(-1)
            if name in RELAXED:  # its Output declares (1, 1, 1) but receives (1,)
                assert declared.tolist() == [1, 1, 1] and other.output_type["output"].tolist() == [1]
                continue
            assert declared.tolist() == other.output_type["output"].tolist()
        for field, value in _nir_fields(node).items():
            theirs = getattr(other, field)
            if isinstance(value, dict):
                value, theirs = value["input"], theirs["input"]
            assert np.allclose(np.asarray(value, dtype=float), np.asarray(theirs, dtype=float), rtol=1e-9, atol=1e-12), (key, field)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no_such.nir: no such file"):
        read_nir(tmp_path / "no_such.nir")


def test_truncated_file(tmp_path):
    data = (PAPER / "01_lif" / "lif_norse.nir").read_bytes()
    path = tmp_path / "truncated.nir"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated.nir: not a readable NIR file") as info:
        read_nir(path)
    assert "\n" not in str(info.value)


def test_not_hdf5(tmp_path):
    path = tmp_path / "junk.nir"
    path.write_bytes(b"this is not a NIR file at all" * 10)
    with pytest.raises(InputError, match="junk.nir: not a readable NIR file"):
        read_nir(path)


def test_hdf5_without_a_graph(tmp_path):
    path = tmp_path / "empty.nir"
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0")
    with pytest.raises(InputError, match="empty.nir: not a readable NIR file"):
        read_nir(path)


def test_unknown_node_type(tmp_path):
    path = tmp_path / "odd.nir"
    nir.write(path, nir.NIRGraph.from_list(nir.Linear(weight=np.eye(2))))
    with h5py.File(path, "r+") as f:
        del f["node/nodes/linear/type"]
        f["node/nodes/linear"].create_dataset("type", data="Wormhole", dtype=h5py.string_dtype())
    with pytest.raises(InputError, match="node 'linear' has unknown NIR type 'Wormhole'"):
        read_nir(path)


def test_bad_semantic_argument():
    with pytest.raises(InputError, match="reset='soft' is not valid"):
        read_nir(PAPER / "01_lif" / "lif_norse.nir", reset="soft")


def _delay_graph(seconds: float) -> nir.NIRGraph:
    return nir.NIRGraph.from_list(nir.Delay(delay=np.full(3, seconds)))


def test_delay_seconds_become_steps():
    graph = read_nir(_delay_graph(3e-4))
    (node,) = [n for n in graph.nodes.values() if isinstance(n, Delay)]
    assert node.delay.tolist() == [3, 3, 3]
    graph = read_nir(_delay_graph(3e-4), dt=1e-4 / 2)
    (node,) = [n for n in graph.nodes.values() if isinstance(n, Delay)]
    assert node.delay.tolist() == [6, 6, 6]


def test_delay_that_is_not_whole_steps_is_an_error():
    with pytest.raises(InputError, match="delay 0.00015 s is 1.5 steps of dt=0.0001 s"):
        read_nir(_delay_graph(1.5e-4))


@pytest.mark.parametrize(("kernel", "padding", "expected"), [((3, 5), "same", (1, 2)), ((3, 3), "valid", (0, 0)),
                                                         ((3, 3), 2, (2, 2))])
def test_conv_padding_strings_become_integers(kernel, padding, expected):
    # (nir 1.0.8's own shape inference assumes square kernels unless padding='same')
    conv = nir.Conv2d(input_shape=(6, 6), weight=np.ones((1, 1, *kernel)), stride=1, padding=padding,
                      dilation=1, groups=1, bias=np.zeros(1))
    graph = read_nir(nir.NIRGraph.from_list(conv))
    (node,) = [n for n in graph.nodes.values() if isinstance(n, Conv2d)]
    assert node.padding == expected


def test_same_padding_that_needs_asymmetry_is_an_error():
    conv = nir.Conv2d(input_shape=(6, 6), weight=np.ones((1, 1, 2, 2)), stride=1, padding="same",
                      dilation=1, groups=1, bias=np.zeros(1))
    with pytest.raises(InputError, match="asymmetric padding"):
        read_nir(nir.NIRGraph.from_list(conv))


def _subgraph_braille(path: Path) -> nir.NIRGraph:
    """The paper's Braille graph rebuilt the nested way (its own *_subgraph.nir is broken)."""
    flat = nir.read(path)
    inner = nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([38])}), "lif": flat.nodes["lif1.lif"],
               "w_rec": flat.nodes["lif1.w_rec"], "output": nir.Output(output_type={"output": np.array([38])})},
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
    )
    nodes = {k: v for k, v in flat.nodes.items() if not k.startswith("lif1.")}
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")]
    return nir.NIRGraph(nodes={**nodes, "lif1": inner}, edges=edges)


def test_nested_subgraph_flattens_to_the_flat_graph(tmp_path):
    path = PAPER / "03_rnn" / "braille_noDelay_bias_zero.nir"
    nested = tmp_path / "nested.nir"
    nir.write(nested, _subgraph_braille(path))
    a, b = read_nir(path), read_nir(nested)
    assert sorted(a.nodes) == sorted(b.nodes)
    assert a.equals(Graph({n: b.nodes[n] for n in a.nodes}, b.edges, b.dt))
    assert ("lif1.w_rec", "lif1.lif", 1) in {(e.src, e.dst, e.delay) for e in b.edges}
    assert isinstance(b.nodes["lif1.w_rec"], Linear)


def _lif_file(path: Path, tau: np.ndarray) -> Path:
    lif = nir.LIF(tau=np.full(2, 1e-2), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))
    nir.write(path, nir.NIRGraph.from_list(lif))
    with h5py.File(path, "r+") as f:
        del f["node/nodes/lif/tau"]
        f["node/nodes/lif"].create_dataset("tau", data=tau)
    return path


def test_parameters_nir_rejects(tmp_path):
    path = _lif_file(tmp_path / "bad.nir", np.full(3, 1e-2))
    with pytest.raises(InputError, match="bad.nir: NIR cannot build the graph \\(All parameters must have the same shape"):
        read_nir(path)


def test_parameters_the_ir_rejects_name_file_and_node(tmp_path):
    path = _lif_file(tmp_path / "zero_tau.nir", np.zeros(2))
    with pytest.raises(InputError, match="zero_tau.nir: .*node 'lif' \\(LIF\\).*non-finite"):
        read_nir(path)


def test_corrupted_files_read_or_fail_cleanly(tmp_path):
    """Byte flips, truncation and zeroed blocks (fixed seed): each file either reads or
    raises an SnnCompileError; no other exception escapes. (Some corruptions of HDF5's
    global heap hang the HDF5 library itself; none of these do.)"""
    source = (PAPER / "03_rnn" / "braille_noDelay_noBias_subtract.nir").read_bytes()
    rng = np.random.default_rng(7)
    outcomes = {"read": 0, "error": 0}
    for k in range(90):
        data = bytearray(source)
        if k % 3 == 0:
            for _ in range(int(rng.integers(1, 20))):
                data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        elif k % 3 == 1:
            data = data[: int(rng.integers(0, len(data)))]
        else:
            i = int(rng.integers(0, len(data) - 64))
            data[i : i + 64] = bytes(64)
        path = tmp_path / f"corrupt{k}.nir"
        path.write_bytes(bytes(data))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                read_nir(path).validate()
            outcomes["read"] += 1
        except SnnCompileError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
            outcomes["error"] += 1
    assert outcomes["read"] > 0 and outcomes["error"] > 0
