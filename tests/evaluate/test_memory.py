"""``snncompile evaluate`` streams a sharded set larger than the memory it is given.

The command runs in a subprocess whose data segment (heap and private mappings,
RLIMIT_DATA) is capped at 400 MiB; the set holds 458 MiB of input (24 .npz shards of
100 samples x 100 steps x 2000 inputs, uint8). As a control, concatenating the shards
under the same cap fails."""

import os
import resource
import subprocess
import sys

import numpy as np

from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph

LIMIT = 400 * 2**20
SHARDS, PER_SHARD, STEPS, INPUTS = 24, 100, 100, 2000


def capped():
    resource.setrlimit(resource.RLIMIT_DATA, (LIMIT, LIMIT))


def run_capped(*argv):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *map(str, argv)], preexec_fn=capped, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_sharded_set_larger_than_the_memory_limit_completes(tmp_path):
    data = tmp_path / "shards"
    data.mkdir()
    x = np.zeros((PER_SHARD, STEPS, INPUTS), np.uint8)
    x[:, ::7, ::97] = 1
    for i in range(SHARDS):
        np.savez_compressed(data / f"part{i}.npz", input=x, labels=np.arange(PER_SHARD) % 2)
    assert SHARDS * x.nbytes > LIMIT
    g = Graph()
    g.add("x", Input(shape=(INPUTS,)))
    g.add("fc", Linear(weight=np.random.default_rng(0).normal(0, 0.3, (2, INPUTS))))
    g.add("lif", LIF(shape=(2,), decay=0.9))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    save_graph(g, tmp_path / "m.snnir")

    done = run_capped("-m", "snncompile", "evaluate", tmp_path / "m.snnir", "--data", data, "--batch-size", "16",
                      "--target", "none", "--no-progress", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"samples": 2400' in done.stdout and '"accuracy": 0.5' in done.stdout

    whole = run_capped("-c", f"import numpy as np; [np.concatenate([np.load('{data}/part{{}}.npz'.format(i))['input'] "
                             f"for i in range({SHARDS})])]")
    assert whole.returncode != 0 and "MemoryError" in whole.stderr
