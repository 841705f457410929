"""Gradient checking: compare an analytic gradient with central differences.

One rule everywhere in the course (lessons, nnlib, tests and graders):

- numerical derivative by central differences,
  dJ/dw ~ (J(w + eps) - J(w - eps)) / (2 eps), with eps = 1e-4;
- compare with the relative difference ||a - b|| / ||a + b||;
- the gradients agree when it is below ``THRESHOLD`` = 1e-7.

With eps = 1e-4 the central difference is accurate to about eps^2 = 1e-8
relative to the curvature of J, so a correct backprop on a smooth cost
typically gives 1e-9 to 1e-11; a wrong one gives 1e-3 or more.
"""
import numpy as np

from .network import backprop, nn_cost, pack, unpack

EPS = 1e-4
THRESHOLD = 1e-7


def numerical_derivative(J, w, eps=EPS):
    """Central difference of a function of one number: (J(w+eps) - J(w-eps)) / (2 eps).

    Introduced in lesson 05_gradient_descent.
    """
    return (J(w + eps) - J(w - eps)) / (2.0 * eps)


def numerical_gradient(J, w, eps=EPS):
    """Central-difference gradient of J at w, one coordinate at a time.

    Parameters
    ----------
    J : function of an array shaped like w, returning a float.
    w : array of shape (n,) (any shape works).
    eps : float, step.

    Returns
    -------
    grad : array shaped like w, grad[i] ~ dJ/dw[i].

    Introduced in lesson 05_gradient_descent.
    """
    w = np.array(w, dtype=float)  # a copy: the caller's array is never changed
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        J_plus = J(w)
        w[i] = old - eps
        J_minus = J(w)
        w[i] = old
        grad[i] = (J_plus - J_minus) / (2.0 * eps)
    return grad


def relative_difference(a, b):
    """||a - b|| / ||a + b|| (Euclidean norms); 0.0 when both are zero.

    Introduced in lesson 06_backprop.
    """
    a, b = np.ravel(np.asarray(a, dtype=float)), np.ravel(np.asarray(b, dtype=float))
    denominator = np.linalg.norm(a + b)
    if denominator == 0.0:
        return 0.0 if np.linalg.norm(a - b) == 0.0 else float("inf")
    return float(np.linalg.norm(a - b) / denominator)


def check_gradients(params, X, Y, lambda_, cost=nn_cost, grad=backprop, n_show=8,
                    verbose=True):
    """Compare ``grad(params, X, Y, lambda_)`` with central differences of ``cost``.

    Prints the first ``n_show`` entries of both gradients side by side, the
    relative difference and whether it is below ``THRESHOLD``.

    Parameters
    ----------
    params : list of (W, b) pairs.
    X : array of shape (m, n_0); keep m and the layers small: this costs
        two evaluations of ``cost`` per parameter.
    Y : array of shape (m, n_L).
    lambda_ : float.
    cost, grad : the cost and the backprop to check (defaults: nnlib's).

    Returns
    -------
    difference : float, the relative difference.

    Introduced in lesson 06_backprop.
    """
    sizes = [params[0][0].shape[1]] + [W.shape[0] for W, _ in params]
    theta = pack(params)
    numeric = numerical_gradient(lambda t: cost(unpack(t, sizes), X, Y, lambda_), theta)
    analytic = pack(grad(params, X, Y, lambda_))
    difference = relative_difference(numeric, analytic)
    if verbose:
        print(f"{'numerical':>14} {'backprop':>14}")
        for n, a in zip(numeric[:n_show], analytic[:n_show]):
            print(f"{n:14.8f} {a:14.8f}")
        verdict = "OK" if difference < THRESHOLD else "WRONG: check backprop"
        print(f"relative difference {difference:.3e} "
              f"(threshold {THRESHOLD:.0e}): {verdict}")
    return difference


def layer_differences(params, X, Y, lambda_, cost=nn_cost, grad=backprop):
    """Relative difference of each layer's dW and db from central differences of ``cost``.

    The check of ``check_gradients``, layer by layer, so that a wrong
    gradient can be traced to the layer (and the W or b) where it goes wrong.

    Parameters
    ----------
    params : list of L pairs (W, b); keep the network small (two
        evaluations of ``cost`` per parameter).
    X : array of shape (m, n_0).
    Y : array of shape (m, n_L).
    lambda_ : float.
    cost, grad : the cost and the backprop to check (defaults: nnlib's).

    Returns
    -------
    differences : list of L pairs (difference of dW, difference of db),
        each a float to compare with ``THRESHOLD``.

    Raises
    ------
    ValueError if ``grad`` does not return L pairs shaped like ``params``.

    Introduced in lesson 07_digits (the check of your backprop).
    """
    sizes = [np.shape(params[0][0])[1]] + [np.shape(W)[0] for W, _ in params]
    numeric = unpack(numerical_gradient(lambda t: cost(unpack(t, sizes), X, Y, lambda_),
                                        pack(params)), sizes)
    grads = grad([(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params],
                 X, Y, lambda_)
    if not isinstance(grads, (list, tuple)) or len(grads) != len(params):
        raise ValueError(f"it should return a list of {len(params)} pairs (dW, db), one per "
                         f"layer, not {type(grads).__name__}"
                         + (f" of length {len(grads)}" if isinstance(grads, (list, tuple)) else ""))
    differences = []
    for l, (pair, (dW_num, db_num)) in enumerate(zip(grads, numeric), start=1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"its item for layer {l} should be a pair (dW, db)")
        for name, got, expected in (("dW", pair[0], dW_num), ("db", pair[1], db_num)):
            if np.shape(got) != expected.shape:
                raise ValueError(f"layer {l}'s {name} has shape {np.shape(got)}, "
                                 f"expected {expected.shape}")
        differences.append((relative_difference(pair[0], dW_num),
                            relative_difference(pair[1], db_num)))
    return differences
