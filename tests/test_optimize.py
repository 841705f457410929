"""Gradient descent, fit_linear and the scipy-backed minimize."""
import numpy as np
import pytest

from nnlib.optimize import fit_linear, gradient_descent, minimize


def test_gradient_descent_history_on_a_bowl():
    # J(w) = (w - 3)^2, dJ/dw = 2 (w - 3): each step with alpha = 0.25 halves the distance to 3
    history = gradient_descent(lambda w: 2 * (w - 3), 1.0, 0.25, 4)
    np.testing.assert_allclose(history, [1.0, 2.0, 2.5, 2.75, 2.875])


def test_gradient_descent_rows_are_copies_not_aliases():
    history = gradient_descent(lambda w: w, np.array([1.0, -2.0]), 0.5, 3)
    assert history.shape == (4, 2)
    np.testing.assert_allclose(history[:, 0], [1, 0.5, 0.25, 0.125])


def test_gradient_descent_learning_rate_regimes():
    grad = lambda w: 2 * w  # J = w^2
    small, right, zigzag, diverge = (gradient_descent(grad, 1.0, a, 20) for a in (0.01, 0.3, 0.9, 1.1))
    assert 0.5 < small[-1] < 1.0                      # slow
    assert abs(right[-1]) < 1e-6                      # fast
    assert np.all(np.sign(zigzag[1:6]) == [-1, 1, -1, 1, -1]) and abs(zigzag[-1]) < 0.1
    assert abs(diverge[-1]) > 30                      # |w| grows each step


def test_gradient_descent_divergence_gives_inf_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = gradient_descent(lambda w: w ** 3, 10.0, 1.0, 12)
    assert not np.isfinite(history[-1])


def test_fit_linear_recovers_a_line():
    x = np.linspace(0, 1, 50)
    y = 3 * x - 1
    w, b, costs = fit_linear(x, y, alpha=0.5, n_steps=2000)
    assert w == pytest.approx(3, abs=1e-4) and b == pytest.approx(-1, abs=1e-4)
    assert costs.shape == (2001,) and costs[0] == pytest.approx(np.mean(y ** 2))
    assert np.all(np.diff(costs) <= 1e-12)


def test_fit_linear_several_features_agrees_with_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, -2.0, 0.5] + 4 + rng.normal(0, 0.1, 40)
    w, b, _ = fit_linear(X, y, alpha=0.1, n_steps=3000)
    solution = np.linalg.lstsq(np.c_[X, np.ones(40)], y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[w, b], solution, atol=1e-6)


@pytest.mark.parametrize("method", ["L-BFGS-B", "CG"])
def test_minimize_records_costs(method, capsys):
    target = np.array([1.0, -2.0, 3.0])

    def fun(theta):  # a stretched bowl
        d = theta - target
        return float(d @ (np.arange(1, 4) * d)), 2 * np.arange(1, 4) * d

    theta, costs = minimize(fun, np.zeros(3), method=method, maxiter=50, progress=True)
    np.testing.assert_allclose(theta, target, atol=1e-5)
    assert costs[0] == pytest.approx(1 + 8 + 27) and costs[-1] < 1e-9
    assert "stopped after" in capsys.readouterr().out


def test_minimize_rejects_unknown_method():
    with pytest.raises(ValueError, match="L-BFGS-B"):
        minimize(lambda t: (0.0, t), np.zeros(2), method="Newton")


def _tiny_problem(seed=0, m=23):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(0, 0.5, (4, 3)), rng.normal(0, 0.5, 4)),
              (rng.normal(0, 0.5, (2, 4)), rng.normal(0, 0.5, 2))]
    X = rng.normal(size=(m, 3))
    Y = np.eye(2)[rng.integers(0, 2, m)]
    return params, X, Y


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
def test_minibatch_sgd_with_one_batch_and_no_momentum_is_gradient_descent(hidden):
    from nnlib import backprop, minibatch_sgd, nn_cost
    params, X, Y = _tiny_problem()
    new, costs = minibatch_sgd(params, X, Y, 0.7, 0.5, 3, len(X), rng=1, hidden=hidden)
    by_hand = params
    for _ in range(3):
        grads = backprop(by_hand, X, Y, 0.7, hidden=hidden)
        by_hand = [(W - 0.5 * dW, b - 0.5 * db) for (W, b), (dW, db) in zip(by_hand, grads)]
    for (W, b), (W2, b2) in zip(new, by_hand):
        np.testing.assert_allclose(W, W2, rtol=1e-12)
        np.testing.assert_allclose(b, b2, rtol=1e-12)
    assert costs.shape == (3,) and costs[-1] == pytest.approx(nn_cost(new, X, Y, 0.7, hidden=hidden))


def test_minibatch_sgd_momentum_and_batches_by_hand():
    # two epochs of batches of 10 over 23 examples (10, 10, 3), momentum 0.9:
    # v <- 0.9 v - alpha grad, W <- W + v, with the penalty scaled to each batch
    from nnlib import backprop, minibatch_sgd
    params, X, Y = _tiny_problem(2)
    rng = np.random.default_rng(5)
    state = [(W.copy(), b.copy()) for W, b in params]
    v = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    for _ in range(2):
        order = rng.permutation(23)
        for batch in (order[:10], order[10:20], order[20:]):
            grads = backprop(state, X[batch], Y[batch], 2.0 * len(batch) / 23)
            v = [(0.9 * vW - 0.1 * dW, 0.9 * vb - 0.1 * db) for (vW, vb), (dW, db) in zip(v, grads)]
            state = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(state, v)]
    copies = [(W.copy(), b.copy()) for W, b in params]
    new, costs = minibatch_sgd(params, X, Y, 2.0, 0.1, 2, 10, momentum=0.9, rng=5)
    for (W, b), (W2, b2) in zip(new, state):
        np.testing.assert_allclose(W, W2, rtol=1e-12)
        np.testing.assert_allclose(b, b2, rtol=1e-12)
    assert all(np.array_equal(W, W0) and np.array_equal(b, b0)
               for (W, b), (W0, b0) in zip(params, copies)), "params modified in place"
    assert len(costs) == 2


def test_minibatch_sgd_is_reproducible_and_lowers_the_cost():
    from nnlib import minibatch_sgd, nn_cost
    params, X, _ = _tiny_problem(3, m=60)
    Y = np.eye(2)[(X[:, 0] + X[:, 1] > 0).astype(int)]      # a learnable rule
    a, costs = minibatch_sgd(params, X, Y, 0.1, 1.0, 20, 8, momentum=0.5, rng=4)
    b, _ = minibatch_sgd(params, X, Y, 0.1, 1.0, 20, 8, momentum=0.5, rng=4)
    c, _ = minibatch_sgd(params, X, Y, 0.1, 1.0, 20, 8, momentum=0.5, rng=5)
    assert np.array_equal(a[0][0], b[0][0]) and not np.array_equal(a[0][0], c[0][0])
    assert costs[-1] < 0.5 * nn_cost(params, X, Y, 0.1)


def test_minibatch_sgd_rejects_bad_input():
    from nnlib import minibatch_sgd
    params, X, Y = _tiny_problem()
    with pytest.raises(ValueError, match="one target row per example"):
        minibatch_sgd(params, X, Y[:-1], 0.0, 0.1, 1, 5)
    with pytest.raises(ValueError, match="batch_size"):
        minibatch_sgd(params, X, Y, 0.0, 0.1, 1, 0)
