"""The 400-25-10 network learns the real digits (fixed seed, the course's settings)."""
import numpy as np

import nnlib
from nnlib.data import load_digits, train_test_split
from nnlib.training_checks import check_trained_network


def test_400_25_10_reads_the_digits_as_lesson_07_asks():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, rng=0)
    costs = []
    params = nnlib.train(X_train, y_train, [400, 25, 10], lambda_=1.0, maxiter=100,
                         rng=0, costs=costs)
    assert [W.shape for W, _ in params] == [(25, 400), (10, 25)]
    assert costs[-1] < costs[0] / 5
    check_trained_network(params, X_train, y_train, X_test, y_test, "nnlib.train(...)")


def test_training_is_reproducible_with_a_seed():
    X, y = load_digits()
    X_small, y_small = X[::10], y[::10]
    a = nnlib.train(X_small, y_small, [400, 25, 10], maxiter=5, rng=3)
    b = nnlib.train(X_small, y_small, [400, 25, 10], maxiter=5, rng=3)
    np.testing.assert_array_equal(a[0][0], b[0][0])


def test_loading_the_digits_again_gives_fresh_copies_and_notices_a_new_file(tmp_path):
    import shutil

    from nnlib.data import DATA_DIR
    path = tmp_path / "digits.npz"
    shutil.copy(DATA_DIR / "digits.npz", path)
    X, y = nnlib.load_digits(path)
    X[:] = 0.0                                          # a student's mistake
    y[:] = 0
    X2, y2 = nnlib.load_digits(path)
    assert X2.max() == 1.0 and set(np.unique(y2)) == set(range(10))
    assert not np.shares_memory(X2, nnlib.load_digits(path)[0])
    with np.load(path) as npz:                          # the file changes: read again
        X_int, y_int = npz["X"], npz["y"]
    np.savez_compressed(path, X=255 - X_int, y=y_int)
    X3, _ = nnlib.load_digits(path)
    np.testing.assert_allclose(X3, 1.0 - X2)


def test_minibatch_sgd_learns_the_digits_in_a_few_epochs():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, rng=0)
    start, Y_train = nnlib.random_init([400, 25, 10], rng=0), nnlib.one_hot(y_train, 10)
    params, costs = nnlib.minibatch_sgd(start, X_train, Y_train, 1.0, 1.0, 8, 50, momentum=0.5, rng=0)
    assert costs.shape == (8,) and costs[-1] < costs[0] < nnlib.nn_cost(start, X_train, Y_train, 1.0)
    assert nnlib.accuracy(nnlib.predict(params, X_test), y_test) >= 0.89
