"""The partition report: segments, crossings with their bytes, the host's cost."""

import math

import numpy as np
import pytest

from snncompile.compile import build_artifact
from snncompile.partition_report import PartitionError, render_partition
from snncompile.targets import load_target
from snncompile.testing.mixed_graphs import float_attention


@pytest.fixture(scope="module")
def artifact():
    x = (np.random.default_rng(1).random((4, 20, 4, 6)) < 0.5).astype(float)
    return build_artifact(float_attention(), "loihi2", calibrate=x)


def test_crossings_carry_spikes_out_and_payloads_in(artifact):
    rows = {(c.src, c.dst): c for c in artifact.partition.crossings}
    assert set(rows) == {("q", "qk"), ("k", "qk"), ("attn.entry.q", "attn.entry")}
    spikes = rows[("q", "qk")]
    assert (spikes.carries, spikes.direction, spikes.per_step, spikes.bytes_per_step) == ("spikes", "chip->host", 16, 2)
    payload = rows[("attn.entry.q", "attn.entry")]
    assert payload.carries == "payloads" and payload.direction == "host->chip"
    assert payload.bytes_per_step == 16 * math.ceil(18 / 8)  # 18-bit payloads: 24-bit state minus act_shift 6
    assert artifact.partition.bytes_per_step == 2 + 2 + 48


def test_host_cost_from_the_host_descriptor(artifact):
    host = load_target("host-cortex-a72")
    part = artifact.partition
    # q (4x4) @ k (4x4): 16 outputs x 4 products; the Quantize one op per element (the
    # Scale folded into attn's threshold)
    assert part.host_ops_per_step == 64 + 16
    assert part.host_step_s == pytest.approx(part.host_ops_per_step * 0.25 / host.number("timing", "clock_hz"))
    assert part.host_step_j == pytest.approx(part.host_ops_per_step * host.number("energy", "mac_j"))


def test_rendered_report_names_every_host_node_and_why(artifact):
    text = render_partition(artifact.partition.to_dict())
    assert "qk" in text and "reassociate" in text and "chip1" in text and "bytes per step" in text


def test_all_on_chip_lists_every_node_the_chip_cannot_run():
    with pytest.raises(PartitionError, match="2 node\\(s\\) cannot run on loihi2: 'qk' \\(MatMul\\): .*'s' \\(Scale\\)"):
        build_artifact(float_attention(scale=-0.25), "loihi2", all_on_chip=True)
