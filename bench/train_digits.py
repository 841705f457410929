"""Train 400-25-10 on the real 20x20 digits with nnlib and with scikit-learn.

Both learn from the same seeded, stratified 4000/1000 split; scikit-learn
with its default BLAS threads (one per CPU) and with one (as nnlib, which
sets one on import), and the faster of the two is the comparison. Each trains REPEAT times, taking turns,
and the shortest time counts (on a shared machine, taking turns exposes all
to the same load). Prints a table
(time, iterations, train and held-out accuracy), how long one cost+gradient
evaluation of nnlib takes next to its three largest matrix products (with one
BLAS thread, as ``nnlib.train`` runs it; target: ratio at most 1.5), 30 steps
of gradient descent with ``backprop`` with one BLAS thread per CPU and with
one, and a
last line ``speedup vs scikit-learn: X.XX`` (scikit-learn's faster training
time divided by nnlib's; target: at least 3.5 at equal or better held-out accuracy).

Run from the repository root:  python bench/train_digits.py
"""
import os
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import nnlib
from nnlib.data import load_digits, one_hot, train_test_split
from nnlib.network import nn_cost_and_gradients, random_init

SIZES = [400, 25, 10]
LAMBDA = 1.0
MAXITER = 100
SEED = 0
REPEAT = 2


def best_time(f, repeat=50):
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

    def train_nnlib():
        costs = []
        params = nnlib.train(X_train, y_train, SIZES, lambda_=LAMBDA, maxiter=MAXITER,
                             rng=SEED, costs=costs)
        return (len(costs) - 1, nnlib.accuracy(nnlib.predict(params, X_train), y_train),
                nnlib.accuracy(nnlib.predict(params, X_test), y_test))

    def train_sklearn(threads):
        mlp = MLPClassifier(hidden_layer_sizes=(25,), activation="logistic", random_state=SEED)
        with warnings.catch_warnings(), threadpool_limits(limits=threads, user_api="blas"):
            warnings.simplefilter("ignore", ConvergenceWarning)  # it stops at max_iter=200
            mlp.fit(X_train, y_train)
        return mlp.n_iter_, mlp.score(X_train, y_train), mlp.score(X_test, y_test)

    runs = {"nnlib L-BFGS-B": train_nnlib,
            "scikit-learn MLPClassifier": lambda: train_sklearn(os.cpu_count()),
            "  the same, 1 BLAS thread": lambda: train_sklearn(1)}
    times, results = {name: [] for name in runs}, {}
    for _ in range(REPEAT):                   # in turns, so all meet the same load
        for name, fit in runs.items():
            start = time.perf_counter()
            results[name] = fit()             # the same every time: seeded
            times[name].append(time.perf_counter() - start)
    rows = [(name, min(times[name]), *results[name]) for name in runs]
    ours, theirs = rows[0], min(rows[1:], key=lambda row: row[1])   # scikit-learn's faster

    print(f"400-25-10 on {len(X_train)} training and {len(X_test)} held-out real digits")
    print(f"{'':28}{'time (s)':>10}{'iterations':>12}{'train acc':>11}{'held-out acc':>14}")
    for name, seconds, iterations, train_acc, test_acc in rows:
        print(f"{name:28}{seconds:10.2f}{iterations:12d}{train_acc:11.4f}{test_acc:14.4f}")

    # One cost+gradient evaluation against the three big matrix products it must do:
    # Z1 = X @ W1.T (forward), dW1 = delta2.T @ X and delta2 = delta3 @ W2 (backward),
    # with one BLAS thread as in nnlib.train, in turns.
    Y = one_hot(y_train, 10)
    p = random_init(SIZES, rng=SEED)
    W1, W2 = p[0][0], p[1][0]
    delta2 = np.ones((len(X_train), 25))
    delta3 = np.ones((len(X_train), 10))
    evaluations, products = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(4):
            evaluations.append(best_time(lambda: nn_cost_and_gradients(p, X_train, Y, LAMBDA)))
            products.append(best_time(lambda: X_train @ W1.T) + best_time(lambda: delta2.T @ X_train)
                            + best_time(lambda: delta3 @ W2))
    evaluation, product = min(evaluations), min(products)
    ratio = evaluation / product
    print(f"one cost+gradient evaluation: {evaluation * 1e3:.2f} ms; its three matrix "
          f"products: {product * 1e3:.2f} ms; ratio {ratio:.2f} (target <= 1.5: "
          f"{'met' if ratio <= 1.5 else 'MISSED'})")
    # importing nnlib sets BLAS to one thread: 30 steps of gradient descent with
    # backprop, as lesson 07 does them, with two threads and with one, in turns
    def descent():
        params = random_init(SIZES, rng=SEED)
        for _ in range(30):
            grads = nnlib.backprop(params, X_train, Y, LAMBDA)
            params = [(W - dW, b - db) for (W, b), (dW, db) in zip(params, grads)]
    steps = {threads: [] for threads in (os.cpu_count(), 1)}
    for _ in range(3):
        for threads in steps:
            with threadpool_limits(limits=threads, user_api="blas"):
                steps[threads].append(best_time(descent, repeat=1))
    print("30 steps of gradient descent with backprop: "
          + ", ".join(f"{min(times):.2f} s with {threads} BLAS thread(s)"
                      for threads, times in steps.items()))
    speedup = theirs[1] / ours[1]
    met = speedup >= 3.5 and ours[4] >= theirs[4]
    print(f"target: speedup >= 3.5 at equal or better held-out accuracy: "
          f"{'met' if met else 'MISSED'}")
    print(f"speedup vs scikit-learn: {speedup:.2f}")


if __name__ == "__main__":
    main()
