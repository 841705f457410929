"""Activation functions g(z) and their derivatives g'(z).

Each function sits next to its derivative. Every ``*_prime`` takes ``z``,
the weighted input, not the activation's output ``a = g(z)``. All of them
work element-wise on arrays of any shape, except ``softmax``, which
normalises each row of a batch.

``ACTIVATIONS`` maps a name to the pair ``(g, g_prime)``: it is the one list
of activations, and ``HIDDEN``, those a network's hidden layers may use
(lesson 04's ``hidden=``), is derived from it. One derivative is also
written to be read off the output: ``sigmoid_prime_from_output(A)``, which
``sigmoid_prime`` uses and with which the backward pass reuses the forward
pass's activations.
"""
import numpy as np


def step(z):
    """Heaviside step: 1.0 where z >= 0, else 0.0.

    Introduced in lesson 01_single_unit.
    """
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def step_prime(z):
    """Derivative of the step: 0 everywhere (undefined at z = 0).

    A zero derivative is why a step network cannot learn by gradient descent.
    Introduced in lesson 03_activations.
    """
    return np.zeros_like(np.asarray(z, dtype=float))


def sigmoid(z):
    """Logistic sigmoid: g(z) = 1 / (1 + exp(-z)).

    For z < -709, exp(-z) overflows to inf and 1 / (1 + inf) = 0.0, which is
    the right answer to double precision; the overflow warning is therefore
    switched off, and |z| = 1000 gives 0.0 and 1.0 without warnings.
    Introduced in lesson 01_single_unit.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_in_place(Z):
    """Overwrite the float array Z with sigmoid(Z) and return it.

    The same operations as ``sigmoid``, so the same values, without making new
    arrays: for where Z is not needed afterwards. No lesson teaches it; lesson
    07_digits' training uses it through ``network.nn_cost_and_gradients``.
    """
    with np.errstate(over="ignore"):
        np.negative(Z, out=Z)
        np.exp(Z, out=Z)
        Z += 1.0
        return np.reciprocal(Z, out=Z)


def sigmoid_prime(z):
    """g'(z) = g(z) (1 - g(z)) for the sigmoid.

    Introduced in lesson 03_activations.
    """
    return sigmoid_prime_from_output(sigmoid(z))


def sigmoid_prime_from_output(A):
    """The sigmoid's derivative read off its output: g'(z) = A (1 - A), A = sigmoid(z).

    Unlike the ``*_prime`` functions it takes the activation A, not z: the
    backward pass uses it so that it needs only the stored activations
    (``network.backward``). Introduced in lesson 06_backprop.
    """
    return A * (1.0 - A)


def tanh(z):
    """Hyperbolic tangent: g(z) = (e^z - e^-z) / (e^z + e^-z).

    Introduced in lesson 03_activations.
    """
    return np.tanh(z)


def tanh_prime(z):
    """g'(z) = 1 - tanh(z)^2.

    Introduced in lesson 03_activations.
    """
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    """Rectified linear unit: g(z) = max(0, z).

    Introduced in lesson 03_activations.
    """
    return np.maximum(0.0, z)


def relu_prime(z):
    """g'(z) = 1 where z > 0, else 0 (0 chosen at z = 0).

    Introduced in lesson 03_activations.
    """
    return np.where(np.asarray(z) > 0, 1.0, 0.0)


def identity(z):
    """Linear activation: g(z) = z (a layer without a nonlinearity).

    Introduced in lesson 02_hidden_layers.
    """
    return np.asarray(z, dtype=float)


def identity_prime(z):
    """g'(z) = 1.

    Introduced in lesson 03_activations.
    """
    return np.ones_like(np.asarray(z, dtype=float))


def softmax(Z):
    """Row-wise softmax: A[i, j] = exp(Z[i, j]) / sum_k exp(Z[i, k]).

    Subtracting each row's maximum first leaves the result unchanged and
    keeps every exponential <= 1, so large inputs do not overflow.

    Parameters
    ----------
    Z : array of shape (m, k), or (k,) for a single example.

    Returns
    -------
    A : array of the same shape; each row is positive and sums to 1.

    Introduced in lesson 03_activations.
    """
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "step": (step, step_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "identity": (identity, identity_prime),
}

# The activations a hidden layer may not use, and why.
NOT_HIDDEN = {
    "step": "its derivative is 0, so gradient descent cannot train the network (lesson 03)",
    "identity": "linear hidden layers collapse into one linear layer (lesson 02)",
}
HIDDEN = tuple(name for name in ACTIVATIONS if name not in NOT_HIDDEN)


def hidden_activation(hidden):
    """The pair (g, g_prime) of the hidden-layer activation named ``hidden``, one of ``HIDDEN``.

    Introduced in lesson 04_cost (``nn_cost(..., hidden=...)``).
    """
    if hidden in NOT_HIDDEN:
        raise ValueError(f"hidden={hidden!r} cannot be a hidden layer's activation: "
                         f"{NOT_HIDDEN[hidden]}; use one of {', '.join(map(repr, HIDDEN))}")
    if hidden not in HIDDEN:
        raise ValueError(f"hidden must be one of {', '.join(map(repr, HIDDEN))}, not {hidden!r}")
    return ACTIVATIONS[hidden]
