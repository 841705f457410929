"""Optimizers: plain gradient descent, and scipy's CG and L-BFGS-B for networks.

``gradient_descent`` is the algorithm the course teaches and is written
out here; the faster optimizers used to train the digit network come from
``scipy.optimize`` through ``minimize``, which records the cost at every
iteration. Both share one convention: parameters are a flat vector, and
the history starts with the starting point.
"""
import numpy as np

from .costs import mse
from .data import one_hot
from .network import nn_cost_and_gradients, pack, random_init, unpack


def gradient_descent(grad, w0, alpha, n_steps):
    """Repeat the update w <- w - alpha * grad(w) and record every w.

    Parameters
    ----------
    grad : function returning dJ/dw, shaped like w.
    w0 : float or array of shape (n,): the starting point.
    alpha : float, the learning rate.
    n_steps : int, number of updates.

    Returns
    -------
    history : array of shape (n_steps + 1,) for a scalar w0, or
        (n_steps + 1, n); history[0] is w0 and history[k] is w after k steps.
        A diverging run gives inf or nan instead of overflow warnings.

    Introduced in lesson 05_gradient_descent.
    """
    w = np.array(w0, dtype=float)
    history = [w.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            w = w - alpha * np.asarray(grad(w), dtype=float)
            history.append(w.copy())
    return np.array(history)


def fit_linear(x, y, alpha, n_steps):
    """Linear regression y ~ x w + b by gradient descent on the MSE.

    J(w, b) = (1/m) sum_i (x_i . w + b - y_i)^2, so
    dJ/dw = (2/m) X.T (y_hat - y) and dJ/db = (2/m) sum_i (y_hat_i - y_i).
    Starts from w = 0, b = 0.

    Parameters
    ----------
    x : array of shape (m,) (one feature) or (m, n).
    y : array of shape (m,).
    alpha : float, learning rate.
    n_steps : int.

    Returns
    -------
    w : float (x of shape (m,)) or array of shape (n,).
    b : float.
    costs : array of shape (n_steps + 1,): J before the first step and
        after every step.

    Introduced in lesson 05_gradient_descent.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    X = x.reshape(len(x), -1)
    m = len(y)
    w, b = np.zeros(X.shape[1]), 0.0
    costs = [mse(X @ w + b, y)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            r = X @ w + b - y
            w = w - alpha * 2.0 / m * (X.T @ r)
            b = b - alpha * 2.0 / m * np.sum(r)
            costs.append(mse(X @ w + b, y))
    return (float(w[0]) if x.ndim == 1 else w), float(b), np.array(costs)


METHODS = ("L-BFGS-B", "CG")


def minimize(fun, theta0, method="L-BFGS-B", maxiter=100, progress=False):
    """Minimize ``fun`` with scipy.optimize.minimize, recording the cost.

    Parameters
    ----------
    fun : function of theta returning (J, dJ/dtheta).
    theta0 : array of shape (n,), the starting point.
    method : "L-BFGS-B" or "CG".
    maxiter : int, maximum number of iterations.
    progress : bool, print the cost about ten times during the run.

    Returns
    -------
    theta : array of shape (n,), the best point found.
    costs : array of shape (iterations + 1,), costs[0] = J(theta0).

    Introduced in lesson 07_digits.
    """
    import scipy.optimize
    from threadpoolctl import threadpool_limits

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    costs = [fun(theta0)[0]]
    every = max(1, maxiter // 10)

    def record(intermediate_result):
        costs.append(float(intermediate_result.fun))
        k = len(costs) - 1
        if progress and (k % every == 0 or k == maxiter):
            print(f"iteration {k:4d}/{maxiter}   cost J = {costs[-1]:.5f}", flush=True)

    # scipy's optimizers do many small vector operations between evaluations;
    # with several BLAS threads, waking them for each one costs more than the
    # work (100 L-BFGS-B iterations on the digits: 5.5 s with 2 threads, 1.1 s
    # with 1), so the run uses one BLAS thread.
    with threadpool_limits(limits=1, user_api="blas"):
        result = scipy.optimize.minimize(fun, theta0, jac=True, method=method,
                                         callback=record, options={"maxiter": maxiter})
    if progress:
        print(f"{method} stopped after {len(costs) - 1} iterations: {result.message}")
    return result.x, np.array(costs)


def train(X, y, sizes, lambda_=1.0, maxiter=100, rng=None, method="L-BFGS-B",
          progress=False, costs=None, hidden="sigmoid"):
    """Train a sigmoid network on labelled data with ``minimize``.

    Parameters
    ----------
    X : array of shape (m, sizes[0]).
    y : int array of shape (m,), labels 0..sizes[-1]-1.
    sizes : list of layer widths, e.g. [400, 25, 10].
    lambda_ : float, L2 regularization strength.
    maxiter : int, optimizer iterations.
    rng : None, int seed or Generator for ``random_init``.
    method : "L-BFGS-B" or "CG".
    progress : bool, print the cost as training goes.
    costs : optional list; the cost of every iteration is appended to it.
    hidden : "sigmoid", "tanh" or "relu", the hidden layers' activation.

    Returns
    -------
    params : list of (W, b) pairs.

    Introduced in lesson 07_digits.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != sizes[0]:
        raise ValueError(f"X has shape {X.shape}, expected (m, {sizes[0]}) for sizes {sizes}")
    Y = one_hot(y, sizes[-1])

    def cost_and_gradient(theta):
        J, grads = nn_cost_and_gradients(unpack(theta, sizes), X, Y, lambda_, hidden)
        return J, pack(grads)

    theta0 = pack(random_init(sizes, rng=rng))
    theta, history = minimize(cost_and_gradient, theta0, method, maxiter, progress)
    if costs is not None:
        costs.extend(history)
    return unpack(theta.copy(), sizes)
