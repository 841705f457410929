"""The gradient-descent explorers of lesson 05, driven without a browser."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import nnlib.widgets as nw  # noqa: E402
from nnlib.optimize import gradient_descent  # noqa: E402


def test_1d_slider_move_recomputes_the_path_and_redraws():
    explorer = nw.descent_explorer()
    before, renders = explorer.image.value, explorer.renders
    explorer.controls["alpha"].value = 0.05
    assert explorer.renders == renders + 1 and explorer.image.value != before
    expected = gradient_descent(explorer.cost.grad, explorer.controls["w0"].value, 0.05,
                                explorer.controls["n_steps"].value)
    np.testing.assert_allclose(explorer.history, expected)
    np.testing.assert_allclose(explorer.path_line.get_xdata(), expected)


def test_every_cost_of_the_menu_draws():
    explorer = nw.descent_explorer()
    for name in explorer.controls["cost"].options:
        explorer.controls["cost"].value = name
        assert explorer.cost is explorer.costs[name]
        assert np.all(np.isfinite(explorer.costs_per_step))


def test_divergence_is_reported_not_raised():
    explorer = nw.descent_explorer(cost="convex bowl")
    explorer.controls["alpha"].value = 1.2      # J = (w - 3)^2 diverges for alpha > 1
    assert explorer.costs_per_step[-1] > explorer.costs_per_step[0]
    assert "higher than at the start" in explorer.status.value
    explorer.controls["cost"].value = "two minima"  # a quartic: w^3 in the gradient overflows
    explorer.controls["n_steps"].value = 100
    explorer.controls["alpha"].value = 3.0
    assert not np.all(np.isfinite(explorer.costs_per_step))
    assert "diverged" in explorer.status.value


def test_2d_explorer_path_matches_gradient_descent():
    explorer = nw.descent_explorer_2d()
    explorer.controls["alpha"].value = 0.02
    w0 = np.array([explorer.controls["w1"].value, explorer.controls["w2"].value])
    expected = gradient_descent(explorer.cost.grad, w0, 0.02, explorer.controls["n_steps"].value)
    np.testing.assert_allclose(explorer.history, expected)
    assert expected.shape[1] == 2
