"""Costs: values by hand, gradients against central differences, L2 penalty."""
import numpy as np
import pytest

from nnlib.costs import COSTS, cross_entropy, l2_penalty, mse
from nnlib.gradcheck import THRESHOLD, numerical_gradient, relative_difference

rng = np.random.default_rng(0)
H = rng.uniform(0.2, 0.8, size=(6, 3))  # away from 0 and 1, where log is steep at the scale of eps
Y = np.eye(3)[rng.integers(0, 3, size=6)]


@pytest.mark.parametrize("name", sorted(COSTS))
def test_gradient_matches_central_differences(name):
    J, J_prime = COSTS[name]
    numeric = numerical_gradient(lambda h: J(h, Y), H)
    assert relative_difference(J_prime(H, Y), numeric) < THRESHOLD


def test_mse_by_hand():
    # errors 1, -2, 3 -> (1 + 4 + 9) / 3
    assert mse([3.0, 0.0, 6.0], [2.0, 2.0, 3.0]) == pytest.approx(14 / 3)


def test_mse_house_prices_is_the_mean_of_squared_errors():
    # seed 000: cost = sum over the houses of (output - price)^2 / number of houses
    price = np.array([250.0, 310.0, 180.0, 420.0])
    output = np.array([240.0, 330.0, 175.0, 400.0])
    assert mse(output, price) == pytest.approx((100 + 400 + 25 + 400) / 4)


def test_cross_entropy_by_hand():
    # one example, two classes: -(log 0.8 + log(1 - 0.3))
    assert cross_entropy([[0.8, 0.3]], [[1, 0]]) == pytest.approx(-np.log(0.8) - np.log(0.7))


def test_cross_entropy_finite_when_saturated():
    assert np.isfinite(cross_entropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])))


def test_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*shape \(3, 2\)"):
        cross_entropy(np.ones((2, 3)) / 2, np.ones((3, 2)))


def test_l2_penalty_excludes_biases():
    params = [(np.array([[1.0, 2.0]]), np.array([100.0])), (np.array([[3.0]]), np.array([-50.0]))]
    # lambda / (2 m) * (1 + 4 + 9) with lambda = 2, m = 7
    assert l2_penalty(params, 2.0, 7) == pytest.approx(2.0 / 14 * 14)
