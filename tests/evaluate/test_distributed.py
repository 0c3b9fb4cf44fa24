"""Evaluation on a local Ray of two workers: the numbers of a single-process run, also
when a worker is killed in the middle of a task. One Ray is started (by
``ray_session``, as ``--workers 2`` starts it) for the whole module."""

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

from snncompile.cli.output import dumps
from snncompile.datasets import open_data
from snncompile.errors import InputError
from snncompile.estimate.run import resolve_targets
from snncompile.evaluate import evaluate, ray_session
from snncompile.simulate import graph_for

from .conftest import GRAPH, numbers

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    assert not ray.is_initialized()
    with ray_session(workers=2):
        assert ray.cluster_resources()["CPU"] == 2
        assert ray.nodes()[0]["NodeManagerAddress"] == "127.0.0.1"  # tests/conftest.py keeps it on loopback
        yield ray
    assert not ray.is_initialized()  # the Ray started for the run is shut down after it


@pytest.mark.parametrize("backend", ["reference", "emulator"])
def test_two_workers_give_the_numbers_of_one_process(local_ray, backend, braille_graph, braille_artifact,
                                                      braille_shards):
    graph = braille_graph if backend == "reference" else graph_for(braille_artifact, backend)
    ds = open_data(braille_shards, graph)
    targets = resolve_targets("loihi,cortex-m4")
    one = evaluate(graph, ds, backend, batch_size=32, targets=targets)
    two = evaluate(graph, ds, backend, batch_size=32, targets=targets, workers=2, chunk_batches=2)
    assert (two.workers, two.chunks) == (2, 5)
    assert dumps(numbers(two)) == dumps(numbers(one))  # every number, bit for bit
    assert np.array_equal(two.counts.predicted, one.counts.predicted)


def kill_a_running_task(title: bytes, killed: list, stop: threading.Event) -> None:
    """SIGKILL the first process found executing ``title`` (a Ray worker mid-task)."""
    while not stop.is_set():
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    running = f.read().startswith(title)
            except OSError:
                continue
            if running:
                os.kill(int(pid), signal.SIGKILL)
                killed.append(int(pid))
                return
        time.sleep(0.002)


def test_a_worker_killed_mid_task_loses_and_repeats_nothing(local_ray, braille_graph, braille_shards):
    ds = open_data(braille_shards, braille_graph)
    # 1000 steps (the data's 256, then silence) keeps each task busy long enough to be caught
    one = evaluate(braille_graph, ds, "reference", batch_size=35, steps=1000)
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=kill_a_running_task, args=(b"ray::evaluate_ranges", killed, stop))
    killer.start()
    try:
        two = evaluate(braille_graph, ds, "reference", batch_size=35, steps=1000, workers=2, chunk_batches=1)
    finally:
        stop.set()
        killer.join()
    assert killed, "no worker was caught running a task"
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)  # it really died
    assert dumps(numbers(two)) == dumps(numbers(one))


def test_a_data_error_in_a_worker_is_the_users_one_line_error(local_ray, braille_graph, braille_arrays, tmp_path):
    x, y, _ = braille_arrays
    np.savez(tmp_path / "a.npz", input=x[:20], labels=y[:20])
    np.savez(tmp_path / "b.npz", input=x[:20], labels=np.full(20, 9))
    with pytest.raises(InputError, match=r"b.npz: label 9 of sample 20 is not one of the network's 7 output classes") as e:
        evaluate(braille_graph, open_data(tmp_path, braille_graph), "reference", workers=2)
    assert "Traceback" not in str(e.value)


def test_the_cli_runs_on_the_ray_it_finds(local_ray, run_cli, braille_shards):
    args = ["evaluate", GRAPH, "--reset", "subtract", "--reset-timing", "delayed", "--data", braille_shards,
            "--target", "cortex-m4", "--json", "--no-progress"]
    code1, out1, _ = run_cli(*args)
    code2, out2, _ = run_cli(*args, "--workers", "2")
    assert code1 == code2 == 0
    one, two = json.loads(out1), json.loads(out2)
    assert two["workers"] == 2 and two["chunks"] > 1
    assert {k: v for k, v in one.items() if k not in ("workers", "chunks")} == \
        {k: v for k, v in two.items() if k not in ("workers", "chunks")}


def test_a_sweep_on_ray_gives_the_rows_of_one_process(local_ray, braille_graph, braille_shards, tmp_path):
    from snncompile.sweep import SweepRun, grid, run_sweep

    cells = grid(["loihi2"], [5, 7])
    one = run_sweep(braille_graph, cells, tmp_path / "one", SweepRun(str(braille_shards)))
    two = run_sweep(braille_graph, cells, tmp_path / "two", SweepRun(str(braille_shards), workers=2))

    def plain(rows):
        return [{k: v for k, v in r.items() if k != "output"} for r in rows]

    assert plain(two.rows) == plain(one.rows) and all(r["status"] == "ok" for r in one.rows)
    assert local_ray.is_initialized()  # the sweep used the running Ray and left it running


@pytest.mark.slow
def test_ray_address_connects_to_a_running_cluster(braille_shards, tmp_path):
    """``--ray ADDRESS``: a head node started here (``ray start --head --block``, ended by
    this test), the CLI in its own process connecting to it."""
    import shutil
    import socket
    import subprocess
    import sys
    import tempfile

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ray_cli = os.path.join(os.path.dirname(sys.executable), "ray")
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit 107 characters
    head = subprocess.Popen([ray_cli, "start", "--head", "--block", "--port", str(port), "--num-cpus", "2",
                             "--node-ip-address", "127.0.0.1", "--include-dashboard", "false",
                             "--object-store-memory", str(128 * 2**20), "--temp-dir", temp],
                            env={**os.environ, "RAY_AUTH_MODE": "disabled"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        args = [sys.executable, "-m", "snncompile", "evaluate", str(GRAPH), "--reset", "subtract", "--reset-timing",
                "delayed", "--data", str(braille_shards), "--target", "none", "--json", "--no-progress"]
        for _ in range(30):
            done = subprocess.run([*args, "--ray", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=120)
            if done.returncode == 0 or "cannot start or reach Ray" not in done.stderr:
                break
            time.sleep(1)  # the head is still starting
        assert done.returncode == 0, done.stderr[-2000:]
        local = subprocess.run(args, capture_output=True, text=True, timeout=300)
        on_cluster, here = json.loads(done.stdout), json.loads(local.stdout)
        assert on_cluster["workers"] == 2 and on_cluster["chunks"] > 1
        assert {k: v for k, v in on_cluster.items() if k not in ("workers", "chunks")} == \
            {k: v for k, v in here.items() if k not in ("workers", "chunks")}
    finally:
        head.terminate()
        head.wait(timeout=60)
        shutil.rmtree(temp, ignore_errors=True)
