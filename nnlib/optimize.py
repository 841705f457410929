"""Optimizers: plain and mini-batch gradient descent, and scipy's CG and L-BFGS-B.

``gradient_descent`` and ``minibatch_sgd`` are algorithms the course
teaches and are written out here; the faster optimizers used to train the
digit network come from ``scipy.optimize`` through ``minimize``, which
records the cost at every iteration.

One call shape, in one order: what is minimized, where it starts, then the
step's settings; each returns where it ended and the history of the run.

- ``gradient_descent(grad, w0, alpha, n_steps)`` and
  ``minimize(fun, theta0, method, maxiter)`` work on a flat vector: what is
  minimized is a function (``grad`` alone: lesson 05 draws its steps;
  ``fun`` returns (J, gradient), as scipy wants it); both histories start
  at the starting point.
- ``fit_linear(x, y, alpha, n_steps)``, ``train(X, y, sizes, lambda_,
  maxiter, rng)`` and ``minibatch_sgd(params, X, Y, lambda_, alpha, epochs,
  batch_size, ...)`` minimize a model's cost on data, which comes first:
  ``fit_linear`` and ``train`` start from their own starting point (zeros,
  ``random_init``) and take labels ``y``; ``minibatch_sgd`` continues from
  ``params`` and takes one-hot ``Y``, as ``backprop`` does. ``train``
  returns only ``params`` (its ``costs=`` list collects the history).

These are the graded signatures of lessons 05 and 07 (COURSE.md), kept as
they are; the networks' ``hidden=`` is the same keyword as in ``nn_cost``.
"""
import numpy as np
from threadpoolctl import threadpool_limits

from .costs import mse
from .data import one_hot
from .network import backprop, nn_cost, nn_cost_and_gradients, pack, random_init, unpack


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


def minibatch_sgd(params, X, Y, lambda_, alpha, epochs, batch_size, momentum=0.0, rng=None,
                  hidden="sigmoid"):
    """Mini-batch gradient descent with momentum on the cost of ``nn_cost``.

    Each epoch shuffles the m examples once, ``order = rng.permutation(m)``,
    and walks through them in batches of ``batch_size`` (the last batch is
    smaller when m is not a multiple: every example is used once per epoch).
    For a batch of m_b examples the gradient is
    ``backprop(params, X_b, Y_b, lambda_ * m_b / m)``: the batch's average
    gradient of the cross-entropy plus the penalty's (lambda_ / m) W, an
    estimate of the gradient of J on the whole training set. Then, for every
    W and b (v starts at zero for each),

        v <- momentum * v - alpha * grad,    W <- W + v.

    With ``batch_size >= m`` and ``momentum = 0`` every epoch is one step of
    plain gradient descent.

    Parameters
    ----------
    params : list of (W, b) pairs, W of shape (n_l, n_{l-1}), b of shape
        (n_l,); not modified.
    X : array of shape (m, n_0).
    Y : array of shape (m, n_L), one-hot targets.
    lambda_ : float, L2 regularization strength (as in ``nn_cost``).
    alpha : float, learning rate.
    epochs : int, passes over the training set.
    batch_size : int, examples per batch.
    momentum : float in [0, 1), 0 for plain mini-batch gradient descent.
    rng : None, int seed or Generator, for the shuffles.
    hidden : a name in ``network.HIDDEN``, the hidden layers' activation.

    Returns
    -------
    params : list of (W, b) pairs, the new parameters.
    costs : array of shape (epochs,), costs[e] = nn_cost(params after epoch
        e + 1, X, Y, lambda_) on the whole training set.

    Introduced in lesson 07_digits.
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if len(X) != len(Y):
        raise ValueError(f"X has {len(X)} rows but Y has {len(Y)}: one target row per example")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    rng = np.random.default_rng(rng)
    m = len(X)
    params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    costs = []
    for _ in range(epochs):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start:start + batch_size]
            grads = backprop(params, X[batch], Y[batch], lambda_ * len(batch) / m, hidden)
            velocity = [(momentum * vW - alpha * dW, momentum * vb - alpha * db)
                        for (vW, vb), (dW, db) in zip(velocity, grads)]
            params = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(params, velocity)]
        costs.append(nn_cost(params, X, Y, lambda_, hidden))
    return params, np.array(costs)
