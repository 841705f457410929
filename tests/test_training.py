"""The 400-25-10 network learns the real digits (fixed seed, the course's settings)."""
import numpy as np

import nnlib
from nnlib.data import load_digits, train_test_split


def test_400_25_10_reaches_95_train_and_91_held_out():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, rng=0)
    costs = []
    params = nnlib.train(X_train, y_train, [400, 25, 10], lambda_=1.0, maxiter=100,
                         rng=0, costs=costs)
    assert [W.shape for W, _ in params] == [(25, 400), (10, 25)]
    assert costs[-1] < costs[0] / 5
    train_accuracy = nnlib.accuracy(nnlib.predict(params, X_train), y_train)
    test_accuracy = nnlib.accuracy(nnlib.predict(params, X_test), y_test)
    assert train_accuracy >= 0.95, train_accuracy
    assert test_accuracy >= 0.91, test_accuracy


def test_training_is_reproducible_with_a_seed():
    X, y = load_digits()
    X_small, y_small = X[::10], y[::10]
    a = nnlib.train(X_small, y_small, [400, 25, 10], maxiter=5, rng=3)
    b = nnlib.train(X_small, y_small, [400, 25, 10], maxiter=5, rng=3)
    np.testing.assert_array_equal(a[0][0], b[0][0])
