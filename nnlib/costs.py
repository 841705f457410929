"""Cost functions J(H, Y) and their gradients dJ/dH.

Every cost, and its gradient ``*_prime``, takes the predictions first and
the targets second, both with examples as rows, and averages over the m
examples: ``mse(y_hat, y)`` for the numbers of a regression, written as
lesson 04 writes them, ``cross_entropy(H, Y)`` for a network's output
matrix and one-hot targets. ``COSTS`` maps a name
to the pair ``(J, J_prime)``; ``J_prime`` is the gradient with respect to
the predictions. ``l2_penalty`` is the regularization term added to a
network's cost; ``network.nn_cost`` takes its cost from ``COSTS``.
"""
import numpy as np

# Predictions are clipped this far away from 0 and 1 before taking logs,
# so that a saturated output gives a large but finite cost.
LOG_EPS = 1e-12


def _check_same_shape(H, Y, name):
    """Raise unless the predictions H and the targets Y have the same shape."""
    if H.shape != Y.shape:
        raise ValueError(f"{name}: predictions have shape {H.shape} but targets have "
                         f"shape {Y.shape}; they must match (examples as rows)")


def mse(y_hat, y):
    """Mean squared error: J = (1/m) sum_i ||y_hat_i - y_i||^2.

    Parameters
    ----------
    y_hat, y : arrays of shape (m,) or (m, k): predictions and targets.

    Returns
    -------
    J : float.

    Introduced in lesson 04_cost.
    """
    y_hat, y = np.asarray(y_hat, dtype=float), np.asarray(y, dtype=float)
    _check_same_shape(y_hat, y, "mse")
    return float(np.sum((y_hat - y) ** 2) / len(y))


def mse_prime(y_hat, y):
    """Gradient of ``mse`` with respect to y_hat: (2/m) (y_hat - y).

    Shapes as in ``mse``; the result has the shape of y_hat.
    Introduced in lesson 05_gradient_descent.
    """
    y_hat, y = np.asarray(y_hat, dtype=float), np.asarray(y, dtype=float)
    _check_same_shape(y_hat, y, "mse_prime")
    return 2.0 * (y_hat - y) / len(y)


def cross_entropy(H, Y):
    """Logistic cross-entropy, summed over classes, averaged over examples.

    J = -(1/m) sum_i sum_k [ Y_ik log(H_ik) + (1 - Y_ik) log(1 - H_ik) ]

    Parameters
    ----------
    H : array of shape (m, k) (or (m,) for one output): predicted
        probabilities in [0, 1], e.g. sigmoid outputs.
    Y : array of the same shape: targets in {0, 1}, e.g. ``one_hot(y, k)``.

    Returns
    -------
    J : float.

    Introduced in lesson 04_cost.
    """
    H, Y = np.asarray(H, dtype=float), np.asarray(Y, dtype=float)
    _check_same_shape(H, Y, "cross_entropy")
    H = np.clip(H, LOG_EPS, 1.0 - LOG_EPS)
    return float(-np.sum(Y * np.log(H) + (1.0 - Y) * np.log(1.0 - H)) / len(Y))


def cross_entropy_prime(H, Y):
    """Gradient of ``cross_entropy`` with respect to H.

    dJ/dH = -(1/m) [ Y / H - (1 - Y) / (1 - H) ], shape of H.
    Introduced in lesson 06_backprop.
    """
    H, Y = np.asarray(H, dtype=float), np.asarray(Y, dtype=float)
    _check_same_shape(H, Y, "cross_entropy_prime")
    H = np.clip(H, LOG_EPS, 1.0 - LOG_EPS)
    return -(Y / H - (1.0 - Y) / (1.0 - H)) / len(Y)


def l2_penalty(params, lambda_, m):
    """L2 regularization term: (lambda_ / (2 m)) sum_l sum(W_l ** 2).

    Biases are not regularized.

    Parameters
    ----------
    params : list of (W, b) pairs, W of shape (n_l, n_{l-1}).
    lambda_ : float, regularization strength.
    m : int, number of training examples.

    Returns
    -------
    penalty : float.

    Introduced in lesson 04_cost.
    """
    return float(lambda_ / (2.0 * m) * sum(np.sum(np.square(W)) for W, _ in params))


COSTS = {
    "mse": (mse, mse_prime),
    "cross_entropy": (cross_entropy, cross_entropy_prime),
}
