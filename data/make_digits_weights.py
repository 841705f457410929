"""Write data/digits_weights.npz: trained weights of the 400-25-10 digit network.

Lesson 07 checks the student's nn_cost on them before anything trains (a
"should be about" checkpoint, as in Andrew Ng's ex4). Exactly:

    X, y = nnlib.load_digits()                               # all 5,000 digits of digits.npz
    params = nnlib.train(X, y, [400, 25, 10], lambda_=1.0, maxiter=200, rng=2024)

The weights and biases are stored as float32 (W1 (25, 400), b1 (25,),
W2 (10, 25), b2 (10,)). J holds nnlib.nn_cost of the stored weights, read
back as float64, on all 5,000 digits, with lambda_ = 0 and lambda_ = 1: the
values the checkpoint expects. They are computed from the stored file, so
they hold wherever the file is read, even where a rebuild would train to
slightly different weights (another BLAS may round the sums differently).

Run from the repository root:  python data/make_digits_weights.py
"""
from pathlib import Path

import numpy as np

import nnlib

OUT_PATH = Path(__file__).resolve().parent / "digits_weights.npz"
SIZES, LAMBDA, MAXITER, SEED = [400, 25, 10], 1.0, 200, 2024


def make_weights():
    """The trained network as float32 arrays: {"W1": ..., "b1": ..., "W2": ..., "b2": ...}."""
    X, y = nnlib.load_digits()
    params = nnlib.train(X, y, SIZES, lambda_=LAMBDA, maxiter=MAXITER, rng=SEED)
    arrays = {}
    for l, (W, b) in enumerate(params, start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = W.astype(np.float32), b.astype(np.float32)
    return arrays


def stored_params(arrays):
    """The (W, b) pairs of the stored arrays, as float64."""
    return [(np.asarray(arrays[f"W{l}"], dtype=float), np.asarray(arrays[f"b{l}"], dtype=float))
            for l in (1, 2)]


def costs(arrays):
    """nn_cost of the stored weights on all 5,000 digits: [J at lambda_ = 0, J at lambda_ = 1]."""
    X, y = nnlib.load_digits()
    Y = nnlib.one_hot(y, 10)
    return np.array([nnlib.nn_cost(stored_params(arrays), X, Y, lambda_) for lambda_ in (0.0, 1.0)])


def main():
    arrays = make_weights()
    arrays["J"] = costs(arrays)
    np.savez_compressed(OUT_PATH, **arrays)
    X, y = nnlib.load_digits()
    accuracy = nnlib.accuracy(nnlib.predict(stored_params(arrays), X), y)
    print(f"wrote {OUT_PATH} ({OUT_PATH.stat().st_size:,} bytes)")
    print(f"J = {arrays['J'][0]:.6f} (lambda_ = 0), {arrays['J'][1]:.6f} (lambda_ = 1); "
          f"accuracy on the 5,000 digits it was trained on: {accuracy:.4f}")


if __name__ == "__main__":
    main()
