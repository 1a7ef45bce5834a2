"""Datasets: every generator keeps its promises; the split partitions; user CSVs load or fail clearly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core.datasets import DATASETS, MAX_CLASSES, load_csv, make_dataset, split, to_csv

CASES = [(name, k) for name, d in DATASETS.items() for k in ((2, MAX_CLASSES) if d.kind == "multiclass" else (3,))]


@pytest.mark.parametrize("name, n_classes", CASES)
@pytest.mark.parametrize("n", [60, 500])
def test_every_dataset_keeps_its_promises(name, n, n_classes):
    X, y = make_dataset(name, n_samples=n, noise=0.0, seed=0, n_classes=n_classes)
    assert X.shape == (n, 2) and X.dtype == np.float64 and y.shape == (n,)
    assert np.isfinite(X).all()
    assert 3 < np.abs(X).max() <= 6.5  # the points fill the plane [-6, 6], or about
    kind = DATASETS[name].kind
    if kind == "regression":
        assert y.dtype == np.float64 and np.all(np.abs(y) <= 1) and y.std() > 0.05
    else:
        k = n_classes if kind == "multiclass" else 2
        assert np.issubdtype(y.dtype, np.integer)
        assert set(np.unique(y)) == set(range(k))  # every class present, nothing else


@pytest.mark.parametrize("name", DATASETS)
def test_seed_and_noise_decide_the_data(name):
    def data(seed, noise):
        X, y = make_dataset(name, n_samples=200, noise=noise, seed=seed)
        return np.column_stack([X, y])

    np.testing.assert_array_equal(data(3, 0.1), data(3, 0.1))
    assert not np.array_equal(data(3, 0.1), data(4, 0.1))
    assert not np.array_equal(data(3, 0.0), data(3, 0.3))


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 300), st.floats(0.01, 0.99), st.integers(0, 2**32))
def test_split_is_a_partition_with_two_nonempty_parts(n, ratio, seed):
    X, y = np.arange(2 * n, dtype=float).reshape(n, 2), np.arange(n)
    X_train, y_train, X_test, y_test = split(X, y, ratio, np.random.default_rng(seed))
    assert len(X_train) >= 1 and len(X_test) >= 1
    assert abs(len(X_train) - ratio * n) <= 1
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay whole
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)


@pytest.mark.parametrize("name", ["circle", "blobs", "multi_spiral", "plane"])
def test_csv_round_trip(name):
    X, y = make_dataset(name, n_samples=100, noise=0.2, seed=1, n_classes=4)
    X = np.clip(X, -6, 6)  # inside the plane, so nothing is rescaled
    X2, y2, notes = load_csv(to_csv(X, y).encode())
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    assert y2.dtype == y.dtype and notes == []


def test_csv_is_read_leniently_and_says_what_it_changed():
    text = "\ufeff X1 , x2, Label\n-12,0,-1\n3,4,1\n0,1,1\n1,1,-1\n"
    X, y, notes = load_csv(text)
    np.testing.assert_array_equal(X, [[-6, 0], [1.5, 2], [0, 0.5], [0.5, 0.5]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert any("scaled" in n for n in notes) and any("-1/1" in n for n in notes)
    X, y, notes = load_csv("x1,x2,target\n0,0,4\n1,1,-2\n2,2,0\n3,3,1\n")
    np.testing.assert_array_equal(y, [1, -0.5, 0, 0.25])
    assert any("Targets were scaled" in n for n in notes)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e300, 1e300), st.floats(-1e300, 1e300)), min_size=4, max_size=20))
def test_any_finite_coordinates_are_scaled_into_the_plane(points):
    X = np.array(points)
    X2, _, notes = load_csv(to_csv(X, np.arange(len(X)) % 2))
    reach = np.abs(X).max()
    assert np.abs(X2).max() == min(reach, 6)  # never a rounding error past the edge
    np.testing.assert_allclose(X2, X * 6 / reach if reach > 6 else X, rtol=1e-12, atol=1e-300)
    assert bool(notes) == (reach > 6)


GOOD = "x1,x2,label\n0,0,0\n1,1,1\n2,2,0\n3,3,1\n"


@pytest.mark.parametrize("data, message", [
    ("a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n", "needs the columns x1, x2 and either label"),
    ("x1,x2,label,target\n0,0,0,0\n1,1,1,1\n2,2,0,0\n3,3,1,1\n", "either label"),
    ("x1,X1,x2,label\n0,0,0,0\n1,1,1,1\n2,2,2,0\n3,3,3,1\n", "more than one column named x1"),
    (GOOD.replace("2,2,0", "2,abc,0"), r"^Column x2 holds 'abc', which is not a number on row 4\.$"),
    (GOOD.replace("2,2,0", "nan,2,0"), "^Column x1 holds 'nan', which is not a number on row 4"),
    (GOOD.replace("2,2,0", "2,,0"), r"^Column x2 is empty on row 4\.$"),  # not "(np.float64(nan))"
    (GOOD.replace("2,2,0", "2,inf,0"), "^Column x2 holds 'inf', a number too large on row 4"),
    (GOOD.replace("3,3,1", "3,3,"), "^Column label is empty on row 5"),
    (GOOD.replace("2,2,0", "9" * 309 + ",2,0"), "^Column x1 holds '9{39}…', a number too large on row 4"),
    (GOOD.replace("2,2,0", "2,2," + "9" * 309), "^Column label holds '9{39}…', a number too large on row 4"),
    (GOOD.replace("2,2,0", "x" * 1_900_000 + ",2,0"), r"^Column x1 holds 'x{39}…', which is not a number on row 4\.$"),
    (GOOD + "1,2,3,4,5\n", "could not be parsed"),
    (GOOD + "4,4,0\n" * 7, "more than 10 rows"),
    ("x1,x2,label\n0,0,0\n1,1,1\n", "at least 4 rows"),
    ("", "empty"),
    (" \n\n", "empty"),
    (b"x1,x2,label\n\x00\x01\x02\n", "binary data"),
    (GOOD.encode() + b"\xff\xfe,1,0\n", "not UTF-8"),
    (GOOD.replace(",1\n", ",0\n"), "at least two classes"),
    (GOOD.replace("3,3,1", "3,3,6"), "classes 0 to 5"),
    (GOOD.replace("2,2,0", "2,2,-2"), "classes 0 to 5"),
    (GOOD.replace("3,3,1", "3,3,1.5"), "whole numbers"),
])
def test_bad_csv_says_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        load_csv(data, max_rows=10)


def test_too_large_file_is_refused_before_parsing():
    with pytest.raises(ValueError, match=r"The file is 2,400,036 bytes, over the limit of 2,000,000 bytes \(2 MB\)"):
        load_csv(GOOD + "0,0,0\n" * 400_000)
    with pytest.raises(ValueError, match=r"The file is 2,050,000 bytes, over the limit"):  # not "2.0 MB; ... 2.0 MB"
        load_csv("x" * 2_050_000)


CELLS = st.one_of(
    st.sampled_from(["", "0", "1", "-1", "2", "5", "6", "0.5", "nan", "inf", "-inf", "1e308", "-1e309", "1e-320",
                     "abc", '"1"', "True", "1_0", " 3", "99999999999999999999999"]),
    st.integers(-10, 10).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=5),
)
HEADERS = st.lists(st.sampled_from(["x1", "x2", "label", "target", "X1", " x2 ", "x1", "a"]), min_size=1, max_size=5)


@st.composite
def csv_like(draw):
    """Text that is nearly a CSV of the right shape, so that the checks past the header are reached."""
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header) - 1, max_size=len(header) + 1), max_size=12))
    return "\n".join(",".join(r) for r in [header, *rows])


def check_loaded(data):
    """load_csv either refuses with ValueError or returns finite points in the plane and valid y."""
    try:
        X, y, notes = load_csv(data, max_rows=10, max_bytes=2000)
    except ValueError as e:
        assert str(e)
        return
    assert X.shape == (len(y), 2) and len(y) >= 4
    assert np.isfinite(X).all() and np.abs(X).max() <= 6
    if np.issubdtype(y.dtype, np.integer):
        assert y.min() >= 0 and y.max() < MAX_CLASSES and len(np.unique(y)) >= 2
    else:
        assert y.dtype == np.float64 and np.isfinite(y).all() and np.abs(y).max() <= 1


@settings(max_examples=150, deadline=None)
@given(csv_like())
def test_fuzzed_csv_loads_validly_or_raises_value_error(text):
    check_loaded(text)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_arbitrary_bytes_load_validly_or_raise_value_error(data):
    check_loaded(data)
