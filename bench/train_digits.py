"""Train 400-25-10 on the real 20x20 digits with nnlib and with scikit-learn.

Both learn from the same seeded, stratified 4000/1000 split. Prints a table
(time, iterations, train and held-out accuracy), how long one cost+gradient
evaluation of nnlib takes next to its three largest matrix products, and a
last line ``speedup vs scikit-learn: X.XX`` (scikit-learn's training time
divided by nnlib's).

Run from the repository root:  python bench/train_digits.py
"""
import time
import warnings

import numpy as np

import nnlib
from nnlib.data import load_digits, one_hot, train_test_split
from nnlib.network import nn_cost_and_gradients, random_init

SIZES = [400, 25, 10]
LAMBDA = 1.0
MAXITER = 100
SEED = 0


def best_time(f, repeat=20):
    """Smallest wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, rng=SEED)
    rows = []

    start = time.perf_counter()
    costs = []
    params = nnlib.train(X_train, y_train, SIZES, lambda_=LAMBDA, maxiter=MAXITER,
                         rng=SEED, costs=costs)
    nnlib_time = time.perf_counter() - start
    rows.append(("nnlib L-BFGS-B", nnlib_time, len(costs) - 1,
                 nnlib.accuracy(nnlib.predict(params, X_train), y_train),
                 nnlib.accuracy(nnlib.predict(params, X_test), y_test)))

    mlp = MLPClassifier(hidden_layer_sizes=(25,), activation="logistic", random_state=SEED)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # it stops at max_iter=200
        mlp.fit(X_train, y_train)
    sklearn_time = time.perf_counter() - start
    rows.append(("scikit-learn MLPClassifier", sklearn_time, mlp.n_iter_,
                 mlp.score(X_train, y_train), mlp.score(X_test, y_test)))

    print(f"400-25-10 on {len(X_train)} training and {len(X_test)} held-out real digits")
    print(f"{'':28}{'time (s)':>10}{'iterations':>12}{'train acc':>11}{'held-out acc':>14}")
    for name, seconds, iterations, train_acc, test_acc in rows:
        print(f"{name:28}{seconds:10.2f}{iterations:12d}{train_acc:11.4f}{test_acc:14.4f}")

    # One cost+gradient evaluation against the three big matrix products it must do:
    # Z1 = X @ W1.T (forward), dW1 = delta2.T @ X and delta2 = delta3 @ W2 (backward).
    Y = one_hot(y_train, 10)
    p = random_init(SIZES, rng=SEED)
    W1, W2 = p[0][0], p[1][0]
    delta2 = np.ones((len(X_train), 25))
    delta3 = np.ones((len(X_train), 10))
    evaluation = best_time(lambda: nn_cost_and_gradients(p, X_train, Y, LAMBDA))
    products = (best_time(lambda: X_train @ W1.T) + best_time(lambda: delta2.T @ X_train)
                + best_time(lambda: delta3 @ W2))
    print(f"one cost+gradient evaluation: {evaluation * 1e3:.2f} ms; its three matrix "
          f"products: {products * 1e3:.2f} ms; ratio {evaluation / products:.2f}")
    print(f"speedup vs scikit-learn: {sklearn_time / nnlib_time:.2f}")


if __name__ == "__main__":
    main()
