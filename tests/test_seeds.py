"""The worked numbers of the source articles (COURSE.md), corrected where they erred."""
import numpy as np
import pytest

from nnlib.activations import identity, sigmoid
from nnlib.network import (collapse_linear, count_parameters, forward, output_weight_gradient,
                           unit_output, weighted_sum)


def test_seed_004_first_unit():
    x, w = np.array([1, 0.4, 2]), np.array([-1, 0.2, 1])
    # -1*1 + 0.2*0.4 + 1*2 = 1.08
    assert weighted_sum(x, w, 0.0) == pytest.approx(1.08)
    assert unit_output(x, w, 0.0, sigmoid) == pytest.approx(0.7465, abs=5e-5)


def test_seed_004_second_unit_is_0_949_not_0_81():
    # 3*1 + 0.3*0.4 - 0.1*2 = 2.92, sigmoid(2.92) = 0.949 (the article says 0.81)
    x, w = np.array([1, 0.4, 2]), np.array([3, 0.3, -0.1])
    assert weighted_sum(x, w, 0.0) == pytest.approx(2.92)
    assert unit_output(x, w, 0.0, sigmoid) == pytest.approx(0.949, abs=5e-4)


def test_seed_003_output_weight_gradient_and_update():
    # dE/dw = 0.77 * 0.77 * 0.23 * 0.73 = 0.0995 (the article rounds 0.1771 to 0.17 and gets 0.095)
    dE_dw = output_weight_gradient(actual=0.0, output=0.77, input_=0.73)
    assert dE_dw == pytest.approx(0.0995, abs=5e-5)
    assert 0.3 - 0.2 * dE_dw == pytest.approx(0.2801, abs=5e-5)


def test_seed_003_gradient_matches_central_difference():
    # E(w) for the output unit with input 0.73: pick the net input so that output = 0.77
    z_other = np.log(0.77 / 0.23) - 0.3 * 0.73

    def E(w):
        return 0.5 * (0.0 - sigmoid(w * 0.73 + z_other)) ** 2

    numeric = (E(0.3 + 1e-4) - E(0.3 - 1e-4)) / 2e-4
    assert output_weight_gradient(0.0, 0.77, 0.73) == pytest.approx(numeric, rel=1e-7)


def test_seed_002_parameter_count():
    assert count_parameters([400, 25, 10]) == 10285


def test_seed_000_two_linear_layers_are_one():
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(4, 3)), rng.normal(size=4)), (rng.normal(size=(1, 4)), rng.normal(size=1))]
    W, b = collapse_linear(params)
    X = rng.normal(size=(10, 3))
    np.testing.assert_allclose(forward(X, params, identity), X @ W.T + b)
