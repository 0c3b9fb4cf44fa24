"""The digits data: fixed stratified split, deterministic channels and event frames."""

import numpy as np

from snncompile.zoo import data


def test_split_is_fixed_stratified_and_disjoint():
    xtr, ytr = data.digits("train")
    xte, yte = data.digits("test")
    assert xtr.shape == (1347, 16, 16) and xte.shape == (450, 16, 16)
    assert np.bincount(yte).min() >= 43 and np.bincount(yte).max() <= 46  # 25 % of each class
    x2, y2 = data.digits("test")
    assert np.array_equal(x2, xte) and np.array_equal(y2, yte)
    rows = {r.tobytes() for r in xtr}
    # a few digits are duplicated in load_digits; nearly all held-out images are unseen
    assert sum(r.tobytes() in rows for r in xte) < 5


def test_upsampling_repeats_each_pixel():
    from sklearn.datasets import load_digits

    x, _ = data.digits("train")
    small = x[:, ::2, ::2]
    assert np.array_equal(np.kron(small, np.ones((1, 2, 2))), x)
    assert set(np.unique(small * 16)) <= set(range(17))
    assert any(np.array_equal(small[0] * 16, im) for im in load_digits().images)


def test_static_sequence_repeats_intensity_and_edges():
    x, y = data.static_sequence("test", steps=4)
    assert x.shape == (450, 4, 2, 16, 16) and x.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(x[:, 0], x[:, 3])
    images, _ = data.digits("test")
    assert np.array_equal(x[:, 0, 0], images)
    g = np.hypot(*np.gradient(images[7]))
    assert np.allclose(x[7, 0, 1], g / g.max())


def test_event_frames_are_on_off_changes_of_the_saccade():
    x, _ = data.event_sequence("test", 6)
    images, _ = data.digits("test")
    assert x.shape == (450, 6, 2, 16, 16) and set(np.unique(x)) == {0.0, 1.0}
    t, img = 2, images[3]
    (y0, x0), (y1, x1) = data.SACCADE[t], data.SACCADE[t + 1]
    before = np.zeros((16, 16))
    before[y0:, x0:] = img[: 16 - y0, : 16 - x0]
    after = np.zeros((16, 16))
    after[y1:, x1:] = img[: 16 - y1, : 16 - x1]
    assert np.array_equal(x[3, t, 0], after - before > 0.25)
    assert np.array_equal(x[3, t, 1], after - before < -0.25)
    c, _ = data.event_sequence("test", 4, depth_axis=True)
    assert c.shape == (450, 4, 2, 1, 16, 16) and np.array_equal(c[:, :, :, 0], x[:, :4])


def test_write_npz_is_the_cli_input_format(tmp_path):
    x, y = data.static_sequence("test")
    data.write_npz(tmp_path / "a.npz", x[:3], y[:3])
    with np.load(tmp_path / "a.npz", allow_pickle=False) as d:
        assert sorted(d.files) == ["input", "labels"]
        assert np.array_equal(d["input"], x[:3]) and np.array_equal(d["labels"], y[:3])
