"""Network: forward pass, shapes, parameter counting, collapse, XOR, backprop."""
import numpy as np
import pytest

from functools import partial

from nnlib.activations import identity, relu, sigmoid, step, tanh
from nnlib.costs import cross_entropy
from nnlib.gradcheck import THRESHOLD, check_gradients, numerical_gradient, relative_difference
from nnlib.network import (HIDDEN, backprop, backward, collapse_linear, count_parameters, forward,
                           forward_layers, layer_forward, nn_cost, nn_cost_and_gradients,
                           pack, predict, random_init, unpack, xor_params)


def random_problem(sizes, m, seed):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(0, 0.5, (n, n_prev)), rng.normal(0, 0.5, n))
              for n_prev, n in zip(sizes[:-1], sizes[1:])]
    X = rng.normal(0, 1, (m, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], m)]
    return params, X, Y


def test_layer_forward_batch_equals_one_example_at_a_time():
    params, X, _ = random_problem([3, 4], 5, 1)
    W, b = params[0]
    A = layer_forward(X, W, b, sigmoid)
    assert A.shape == (5, 4)
    for x, a in zip(X, A):
        np.testing.assert_allclose(layer_forward(x, W, b, sigmoid), a)
        np.testing.assert_allclose(a, sigmoid(W @ x + b))


def test_shape_error_names_layer_and_shapes():
    params, X, _ = random_problem([3, 4, 2], 5, 1)
    params[1] = (params[1][0].T, params[1][1])  # (4, 2) instead of (2, 4)
    with pytest.raises(ValueError, match=r"layer 2: .*\(5, 4\).*\(4, 2\)"):
        forward(X, params)


def test_forward_layers_keeps_every_layer():
    params, X, _ = random_problem([3, 4, 5, 2], 6, 2)
    Zs, As = forward_layers(X, params)
    assert [Z.shape for Z in Zs] == [(6, 4), (6, 5), (6, 2)]
    assert len(As) == 4 and As[0] is not None
    np.testing.assert_allclose(As[-1], forward(X, params))


def test_count_parameters():
    assert count_parameters([400, 25, 10]) == 401 * 25 + 26 * 10 == 10285
    assert count_parameters([2, 2, 1]) == 9
    params = random_init([7, 5, 3, 2], rng=0)
    assert count_parameters([7, 5, 3, 2]) == pack(params).size


def test_stacked_linear_layers_collapse_to_one():
    params, X, _ = random_problem([4, 6, 5, 3], 8, 3)
    W, b = collapse_linear(params)
    assert W.shape == (3, 4) and b.shape == (3,)
    np.testing.assert_allclose(forward(X, params, identity), X @ W.T + b)


def test_xor_params_compute_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    params = xor_params()
    assert [W.shape for W, _ in params] == [(2, 2), (1, 2)]
    np.testing.assert_array_equal(forward(X, params, step).ravel(), [0, 1, 1, 0])


def test_nn_cost_by_definition():
    params, X, Y = random_problem([3, 4, 2], 5, 4)
    lambda_ = 0.7
    penalty = lambda_ / (2 * 5) * sum(np.sum(W ** 2) for W, _ in params)
    assert nn_cost(params, X, Y, lambda_) == pytest.approx(
        cross_entropy(forward(X, params), Y) + penalty)


@pytest.mark.parametrize("sizes, lambda_", [
    ([2, 1], 0.0), ([3, 4, 2], 0.0), ([3, 4, 2], 1.5), ([5, 3, 4, 3], 0.3),
    ([4, 6, 5, 4, 3], 2.0),
])
def test_backprop_matches_central_differences(sizes, lambda_):
    params, X, Y = random_problem(sizes, 7, sum(sizes))
    grads = backprop(params, X, Y, lambda_)
    assert [(dW.shape, db.shape) for dW, db in grads] == [(W.shape, b.shape) for W, b in params]
    difference = check_gradients(params, X, Y, lambda_, verbose=False)
    assert difference < THRESHOLD


def test_backprop_on_the_400_25_10_network():
    rng = np.random.default_rng(5)
    params = random_init([400, 25, 10], rng=rng)
    X = rng.uniform(0, 1, (4, 400))
    Y = np.eye(10)[[3, 1, 4, 1]]
    assert check_gradients(params, X, Y, 1.0, verbose=False) < THRESHOLD


def test_check_gradients_flags_a_wrong_backprop(capsys):
    params, X, Y = random_problem([3, 4, 2], 5, 6)

    def wrong_backprop(params, X, Y, lambda_):  # regularizes the biases too
        return [(dW, db + lambda_ / len(X) * b)
                for (dW, db), (_, b) in zip(backprop(params, X, Y, lambda_), params)]

    assert check_gradients(params, X, Y, 1.0, grad=wrong_backprop) > 1e-3
    assert "WRONG" in capsys.readouterr().out


@pytest.mark.parametrize("hidden, g", [("tanh", tanh), ("relu", relu)])
def test_hidden_activation_in_the_hidden_layers_only(hidden, g):
    params, X, Y = random_problem([3, 4, 5, 2], 6, 11)
    (W1, b1), (W2, b2), (W3, b3) = params
    H = sigmoid(g(g(X @ W1.T + b1) @ W2.T + b2) @ W3.T + b3)
    penalty = 0.5 / (2 * 6) * sum(np.sum(W ** 2) for W, _ in params)
    assert nn_cost(params, X, Y, 0.5, hidden=hidden) == pytest.approx(cross_entropy(H, Y) + penalty)
    assert np.array_equal(predict(params, X, hidden=hidden), np.argmax(H, axis=1))


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("sizes, lambda_", [([3, 4, 2], 0.0), ([5, 3, 4, 3], 0.8)])
def test_backprop_with_each_hidden_activation_matches_central_differences(hidden, sizes, lambda_):
    params, X, Y = random_problem(sizes, 7, sum(sizes))
    cost, grad = partial(nn_cost, hidden=hidden), partial(backprop, hidden=hidden)
    assert check_gradients(params, X, Y, lambda_, cost=cost, grad=grad, verbose=False) < THRESHOLD
    J, grads = nn_cost_and_gradients(params, X, Y, lambda_, hidden=hidden)
    assert J == pytest.approx(cost(params, X, Y, lambda_))
    assert relative_difference(pack(grads), pack(grad(params, X, Y, lambda_))) < 1e-12


def test_default_hidden_is_sigmoid_and_unknown_names_are_refused():
    params, X, Y = random_problem([3, 4, 2], 5, 12)
    assert nn_cost(params, X, Y, 0.3) == nn_cost(params, X, Y, 0.3, hidden="sigmoid")
    assert nn_cost(params, X, Y, 0.3) == cross_entropy(forward(X, params), Y) + \
        0.3 / 10 * sum(np.sum(W ** 2) for W, _ in params)
    with pytest.raises(ValueError, match="hidden must be one of 'sigmoid', 'tanh', 'relu', not 'softmax'"):
        backprop(params, X, Y, 0.3, hidden="softmax")


def test_cost_and_gradients_in_one_pass_agree():
    params, X, Y = random_problem([6, 5, 3], 9, 7)
    J, grads = nn_cost_and_gradients(params, X, Y, 0.4)
    assert J == pytest.approx(nn_cost(params, X, Y, 0.4))
    assert relative_difference(pack(grads), pack(backprop(params, X, Y, 0.4))) == 0.0


def test_pack_unpack_round_trip():
    sizes = [4, 3, 2]
    params = random_init(sizes, rng=1)
    theta = pack(params)
    for (W, b), (W2, b2) in zip(params, unpack(theta, sizes)):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    with pytest.raises(ValueError, match=r"sizes \[4, 3, 2\] need \(23,\)"):
        unpack(theta[:-1], sizes)


def test_random_init_range_seed_and_symmetry_breaking():
    params = random_init([400, 25, 10], epsilon=0.12, rng=0)
    for W, b in params:
        assert np.all(np.abs(W) <= 0.12) and W.std() > 0.05
        assert np.all(b == 0)
    assert len({tuple(row) for row in params[0][0]}) == 25  # no two hidden units alike
    np.testing.assert_array_equal(params[0][0], random_init([400, 25, 10], rng=0)[0][0])


def test_predict_is_argmax_of_output():
    params, X, _ = random_problem([3, 5, 4], 10, 8)
    np.testing.assert_array_equal(predict(params, X), forward(X, params).argmax(axis=1))


def test_numerical_gradient_leaves_input_untouched():
    w = np.array([1.0, 2.0])
    numerical_gradient(lambda v: float(v @ v), w)
    np.testing.assert_array_equal(w, [1.0, 2.0])


def test_cost_and_gradients_change_none_of_their_inputs_and_take_lists_and_float32():
    # the fast pass works in place on its own arrays only
    params, X, Y = random_problem([6, 5, 4, 3], 9, 8)
    before = [(W.copy(), b.copy()) for W, b in params], X.copy(), Y.copy()
    J, grads = nn_cost_and_gradients(params, X, Y, 0.4)
    for (W, b), (W0, b0) in zip(params, before[0]):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    np.testing.assert_array_equal(X, before[1])
    np.testing.assert_array_equal(Y, before[2])
    # the same numbers from float32 arrays and from nested lists
    small = [(W.astype(np.float32), b.tolist()) for W, b in params]
    J32, grads32 = nn_cost_and_gradients(small, X.astype(np.float32).tolist(), Y.tolist(), 0.4)
    assert J32 == pytest.approx(nn_cost(small, X.astype(np.float32), Y, 0.4), rel=1e-12)
    assert relative_difference(pack(grads32), pack(grads)) < 1e-6
    with pytest.raises(ValueError, match="layer 2"):
        nn_cost_and_gradients([params[0], (params[2][0], params[2][1])], X, Y, 0.4)


def test_backward_leaves_the_forward_pass_untouched():
    params, X, Y = random_problem([6, 5, 3], 9, 9)
    Zs, As = forward_layers(X, params)
    copies = [A.copy() for A in As]
    backward(params, As, Y, 0.4)
    for A, A0 in zip(As, copies):
        np.testing.assert_array_equal(A, A0)


def test_sigmoid_in_place_gives_the_sigmoid_in_the_same_array_without_warnings():
    import warnings

    from nnlib.activations import sigmoid_in_place
    z = np.array([[-1000.0, -3.0, 0.0], [0.5, 40.0, 1000.0]])
    expected = sigmoid(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sigmoid_in_place(z)
    assert out is z
    np.testing.assert_array_equal(z, expected)            # the same operations, bit for bit


def test_nn_cost_and_its_gradients_take_the_cost_from_COSTS(monkeypatch):
    """nn_cost looks its cost up in costs.COSTS, as scikit-learn's MLP uses LOSS_FUNCTIONS."""
    from nnlib import costs, network

    params, X, Y = random_problem([3, 4, 2], 5, 13)
    assert network.COST in costs.COSTS
    J = nn_cost(params, X, Y, 0.0)
    monkeypatch.setitem(costs.COSTS, network.COST, (lambda H, Y: 7.0, None))
    assert nn_cost(params, X, Y, 0.0) == 7.0 != J
    assert nn_cost_and_gradients(params, X, Y, 0.0)[0] == 7.0


@pytest.mark.parametrize("hidden", HIDDEN)
def test_forward_is_the_last_layer_of_forward_layers_for_every_hidden_activation(hidden):
    from nnlib.activations import hidden_activation

    params, X, _ = random_problem([3, 4, 5, 2], 6, 17)
    g, _ = hidden_activation(hidden)
    Zs, As = forward_layers(X, params, g, g_out=sigmoid)
    np.testing.assert_array_equal(forward(X, params, g, g_out=sigmoid), As[-1])
    np.testing.assert_array_equal(As[1], g(Zs[0]))
