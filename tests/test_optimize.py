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
