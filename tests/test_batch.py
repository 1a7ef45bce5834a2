"""The snapshot batch: the one byte layout the live view reads, round-tripped over network shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core import Network
from playground import batch as sn


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 16), min_size=2, max_size=10), n=st.integers(0, 12),
       n_points=st.integers(0, 40), n_curve=st.integers(0, 30), label=st.text(max_size=12))
def test_a_batch_round_trips_with_the_documented_size(sizes, n, n_points, n_curve, label):
    net = Network(sizes, seed=1)
    rng = np.random.default_rng(len(sizes))
    params = net.params + rng.normal(size=(n, len(net.params)))
    stats = np.column_stack([np.arange(n), rng.random((n, len(sn.STATS) - 1))])
    stats[:, 2] = np.nan  # no test set: NaN survives
    points, curve = rng.normal(size=(n_points, 3)), rng.normal(size=(n_curve, 3)) * 1e300
    meta = {"sizes": sizes, "label": label}
    data = sn.encode(meta, stats, params, points if n_points else None, curve if n_curve else None)
    meta_bytes = len(data) - sn.size(n, len(net.params), 0, n_points, n_curve)
    assert meta_bytes % 8 == 0 and len(data) % 8 == 0
    batch = sn.decode(data)
    assert batch.meta == meta
    np.testing.assert_array_equal(batch.stats, stats)
    np.testing.assert_array_equal(batch.params, params.astype(np.float32))
    np.testing.assert_array_equal(batch.points, points.astype(np.float32))
    np.testing.assert_array_equal(batch.curve, curve)
    assert batch.params.shape == (n, len(net.params))


def test_the_layout_is_as_documented():
    row = [7, 0.5, 0.25, 1, 0.75, 0.5, 0.25]  # epoch, losses, accuracies, R²s
    data = sn.encode({"k": 1}, [row], np.arange(3, dtype=np.float32)[None])
    assert data[:4] == b"NNPG"
    assert np.frombuffer(data, "<u4", 6, 4).tolist() == [sn.VERSION, 8, 1, 3, 0, 0]
    assert data[32:40] == b'{"k":1} '
    assert np.frombuffer(data, "<f8", 7, 40).tolist() == row
    assert np.frombuffer(data, "<f4", 3, 96).tolist() == [0, 1, 2]
    assert len(data) == 112  # 12 bytes of params padded to 16
    default = sn.encode({}, np.zeros((1, 7)), np.zeros((1, 25)))
    assert len(default) - len(sn.encode({}, np.zeros((0, 7)), np.zeros((0, 25)))) == 56 + 100 + 4  # + padding


@pytest.mark.parametrize("bad", [b"", b"XXXX" + bytes(28), sn.encode({}, np.zeros((1, 7)), np.zeros((1, 2)))[:-8]])
def test_anything_else_is_refused(bad):
    with pytest.raises(ValueError):
        sn.decode(bad)
