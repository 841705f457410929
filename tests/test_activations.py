"""Activations: values, stability, and every derivative against central differences."""
import warnings

import numpy as np
import pytest

from nnlib.activations import ACTIVATIONS, sigmoid, softmax, step
from nnlib.gradcheck import THRESHOLD, numerical_derivative, relative_difference

# Points away from the kinks of step (0) and relu (0), where no derivative exists.
Z = np.array([-7.5, -3.0, -1.2, -0.4, -0.05, 0.05, 0.3, 1.1, 2.5, 6.0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_central_differences(name):
    g, g_prime = ACTIVATIONS[name]
    numeric = numerical_derivative(g, Z)  # element-wise functions: one call checks all points
    assert g_prime(Z).shape == Z.shape
    if name == "step":
        np.testing.assert_array_equal(g_prime(Z), numeric)  # 0 away from the jump
    else:
        assert relative_difference(g_prime(Z), numeric) < THRESHOLD


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_shape_is_kept(name):
    g, g_prime = ACTIVATIONS[name]
    Zm = Z.reshape(2, 5)
    assert g(Zm).shape == (2, 5) and g_prime(Zm).shape == (2, 5)


def test_step_is_one_at_zero():
    np.testing.assert_array_equal(step(np.array([-1e-9, 0.0, 1e-9])), [0.0, 1.0, 1.0])


def test_sigmoid_no_overflow_at_1000():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


def test_sigmoid_values_and_symmetry():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), atol=1e-15)
    assert isinstance(float(sigmoid(0.3)), float)


def test_softmax_rows_sum_to_one_and_are_stable():
    Zb = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = softmax(Zb)
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    np.testing.assert_allclose(A[0], A[1])  # shifting a row changes nothing
    np.testing.assert_allclose(A[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(A[2], [0.0, 0.0, 1.0])


def test_softmax_jacobian_against_central_differences():
    z = np.array([0.2, -1.0, 0.5, 2.0])
    s = softmax(z)
    jacobian = np.diag(s) - np.outer(s, s)  # d s_i / d z_j
    for j in range(len(z)):
        e = np.zeros_like(z)
        e[j] = 1.0
        numeric = numerical_derivative(lambda t: softmax(z + t * e), 0.0)
        assert relative_difference(jacobian[:, j], numeric) < THRESHOLD


def test_hidden_activations_come_from_the_registry():
    from nnlib.activations import HIDDEN, NOT_HIDDEN, hidden_activation
    from nnlib import network

    assert HIDDEN == ("sigmoid", "tanh", "relu") and network.HIDDEN is HIDDEN
    assert set(HIDDEN) | set(NOT_HIDDEN) == set(ACTIVATIONS)
    for name in HIDDEN:
        assert hidden_activation(name) == ACTIVATIONS[name]
    with pytest.raises(ValueError, match="hidden='step' cannot be a hidden layer's activation: its derivative is 0"):
        hidden_activation("step")


def test_sigmoid_prime_from_output_is_sigmoid_prime_read_off_A():
    from nnlib.activations import sigmoid_prime, sigmoid_prime_from_output

    z = np.linspace(-6, 6, 13)
    np.testing.assert_allclose(sigmoid_prime_from_output(sigmoid(z)), sigmoid_prime(z))
    assert sigmoid_prime_from_output(0.5) == 0.25   # the sigmoid's largest slope, at z = 0
