"""Lesson 07's validators: what its test cells check of a network's parameters,
of training and of mini-batch gradient descent, beyond ``nnlib.checks``.

Each raises ``checks.CheckFailed`` with what is wrong. ``check_minibatch_sgd``
goes on, after a mismatch, to call the student's function again with one
setting changed (momentum, epochs, lambda_) and to name the first part of the
recipe that breaks it. The autograder's judge runs them too; it puts its own
``checks.counting_calls`` in place while a test cell runs, so this module
looks that name up in ``checks`` at each call.

Introduced in lesson 07_digits.
"""
import copy

import numpy as np

from . import checks
from .checks import ATOL, RTOL, CheckFailed, _short, call, compare, that

# ---------------------------------------------------------------- parameters

def check_param_shapes(params, sizes, call):
    """Fail unless ``params`` is a list of ``(W, b)`` pairs shaped for ``sizes``:
    ``W`` of shape ``(n_l, n_{l-1})``, ``b`` of shape ``(n_l,)``."""
    L = len(sizes) - 1
    if isinstance(params, (list, tuple)):
        got = f"a {type(params).__name__} of length {len(params)}"
    else:
        got = f"{type(params).__name__} of shape {np.shape(params)}"
    that(isinstance(params, (list, tuple)) and len(params) == L,
         f"{call} should return a list of {L} pairs (W, b), one per layer; got {got}")
    for l in range(1, L + 1):
        pair = params[l - 1]
        that(isinstance(pair, (list, tuple)) and len(pair) == 2,
             f"{call}: item {l - 1} should be a pair (W, b), got {type(pair).__name__}")
        W, b = pair
        n_prev, n_l = int(sizes[l - 1]), int(sizes[l])
        that(np.shape(W) != (n_prev, n_l) or n_prev == n_l,
             f"{call}: layer {l}'s W has shape {np.shape(W)} but should have shape "
             f"({n_l}, {n_prev}) = (n_l, n_(l-1)), one row per unit: your W is transposed.")
        that(np.shape(W) == (n_l, n_prev),
             f"{call}: layer {l}'s W has shape {np.shape(W)} but should have shape "
             f"({n_l}, {n_prev}) = (n_l, n_(l-1)): one row of {n_prev} weights for each "
             f"of the {n_l} units of layer {l}.")
        that(np.shape(b) == (n_l,),
             f"{call}: layer {l}'s b has shape {np.shape(b)} but should have shape "
             f"({n_l},): one bias per unit, as a 1-D array.")


def check_param_values(params, epsilon, call):
    """Fail unless every ``W`` is drawn uniformly from ``[-epsilon, epsilon]``
    (all rows different) and every bias is 0 or in that range.

    The spread and the mean are tested on layers of 200 weights or more,
    within 5 standard errors, so a correct draw fails about once in a
    million."""
    for l, (W, b) in enumerate(params, start=1):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        where = f"{call}, layer {l}"
        that(np.all(np.isfinite(W)) and np.all(np.isfinite(b)),
             f"{where}: the parameters contain nan or inf.")
        that(np.ptp(W) > 0,
             f"{where}: every weight is {W.flat[0]:g}. Equal weights make all units of a "
             "layer identical for ever (the symmetry problem): draw them at random.")
        that(np.abs(W).max() <= epsilon,
             f"{where}: a weight is {W.flat[np.argmax(np.abs(W))]:.4f}, outside "
             f"[-epsilon, epsilon] = [{-epsilon:g}, {epsilon:g}]. Draw from a uniform "
             "distribution, rng.uniform(-epsilon, epsilon, size=...), not a normal one, "
             "and use the epsilon argument.")
        that(W.min() < 0,
             f"{where}: no weight is negative; they should fill [-epsilon, epsilon], "
             "not [0, epsilon]. Try rng.uniform(-epsilon, epsilon, size=...).")
        that(W.min() < -epsilon / 2 and W.max() > epsilon / 2,
             f"{where}: the weights lie between {W.min():.4f} and {W.max():.4f}; "
             f"they should spread over the whole range [{-epsilon:g}, {epsilon:g}].")
        if W.shape[0] > 1:
            that(len(np.unique(W, axis=0)) == W.shape[0],
                 f"{where}: some units (rows of W) have exactly the same weights. Draw "
                 "a separate random number for every weight, e.g. "
                 "rng.uniform(-epsilon, epsilon, size=(n_l, n_prev)), not one row repeated.")
        if W.size >= 200:
            spread, target = W.std(), epsilon / np.sqrt(3)
            tolerance = max(0.05, 5 * np.sqrt(0.2 / W.size))
            that(abs(spread / target - 1) < tolerance,
                 f"{where}: the weights' standard deviation is {spread:.4f}, but weights "
                 f"uniform on [-epsilon, epsilon] have about epsilon/sqrt(3) = {target:.4f}.")
            that(abs(W.mean()) < max(0.1 * epsilon, 5 * target / np.sqrt(W.size)),
                 f"{where}: the weights average {W.mean():.4f}; uniform weights on "
                 "[-epsilon, epsilon] average about 0.")
        that(np.all(np.abs(b) <= epsilon),
             f"{where}: a bias is {b.flat[np.argmax(np.abs(b))]:.4f}; biases should be 0 "
             f"or drawn from [-epsilon, epsilon] = [{-epsilon:g}, {epsilon:g}].")


def check_trained_shapes(params, sizes, call):
    """Fail unless a trained ``params`` is a list of ``(W, b)`` pairs shaped for
    ``sizes`` (and not the optimizer's flat vector)."""
    if isinstance(params, np.ndarray) and params.ndim == 1:
        raise CheckFailed(f"{call} returned a flat vector of shape {params.shape}: turn "
                          "the optimizer's result back into (W, b) pairs with "
                          "unpack(theta, sizes).")
    check_param_shapes(params, sizes, call)


# What the 400-25-10 network trained on the digits (train(X_train, y_train,
# [400, 25, 10], lambda_=1.0, maxiter=100), 80 % of the digits) must read right.
TRAIN_ACCURACY = 0.95
TEST_ACCURACY = 0.91


def check_trained_network(params, X_train, y_train, X_test, y_test, call):
    """Print the accuracies of a trained ``params`` on the training and the test
    digits, and fail unless they reach ``TRAIN_ACCURACY`` and ``TEST_ACCURACY``.

    ``X_*`` have shape (m, 400), ``y_*`` shape (m,); ``call`` names the training
    run in the messages."""
    from .metrics import accuracy
    from .network import predict

    train_accuracy = accuracy(predict(params, X_train), y_train)
    test_accuracy = accuracy(predict(params, X_test), y_test)
    print(f"training accuracy {train_accuracy:.4f} (must be at least {TRAIN_ACCURACY}), "
          f"test accuracy {test_accuracy:.4f} (must be at least {TEST_ACCURACY})")
    advice = (" Check that random_init gives different random weights (equal ones keep the "
              "hidden units identical), that the optimizer gets maxiter, and that you return "
              "the optimized parameters.")
    that(train_accuracy >= TRAIN_ACCURACY, f"{call}: the training accuracy is "
         f"{train_accuracy:.4f}, below {TRAIN_ACCURACY}." + advice)
    that(test_accuracy >= TEST_ACCURACY, f"{call}: the test accuracy is {test_accuracy:.4f}, "
         f"below {TEST_ACCURACY}." + advice)


# ---------------------------------------------------------------- mini-batch gradient descent

def _copy_params(params):
    return [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]


def _copy_rng(rng):
    """The same generator state again (a Generator is consumed by each call)."""
    return copy.deepcopy(rng)


def _params_message(got, expected, call):
    """None if the params match, else which layer's W or b differs and how."""
    for l, ((W, b), (W_e, b_e)) in enumerate(zip(got, expected), start=1):
        for name, value, value_e in (("W", W, W_e), ("b", b, b_e)):
            message = compare(value, value_e, f"{call}: layer {l}'s {name}")
            if message:
                return message
    return None


SGD_RECIPE = ("each epoch: order = rng.permutation(m) (rng = np.random.default_rng(rng)); for "
              "each batch of batch_size examples in that order (the last may be smaller): "
              "grads = backprop(params, X[batch], Y[batch], lambda_ * m_b / m); for every W and "
              "b: v <- momentum v - alpha grad, W <- W + v (v starts at 0); after the epoch, "
              "append nn_cost(params, X, Y, lambda_).")


def check_minibatch_sgd(f, params, X, Y, lambda_, alpha, epochs, batch_size, momentum=0.0,
                        rng=None, *, namespace, forbid=()):
    """Fail unless ``f`` (the student's minibatch_sgd) matches nnlib's on this call.

    ``namespace`` (the notebook's globals) holds the ``backprop`` that ``f``
    must call, once per batch. On a mismatch, further calls of ``f`` narrow
    the mistake down: momentum, reshuffling, the penalty of a batch. ``rng``
    is a seed or a Generator (each call gets a copy of it), None only when
    ``batch_size >= m``, so that ``f`` and nnlib's shuffle alike.
    """
    from .optimize import minibatch_sgd as reference

    m = len(X)
    what = (f"minibatch_sgd(params, X, Y, lambda_={lambda_:g}, alpha={alpha:g}, epochs={epochs}, "
            f"batch_size={batch_size}, momentum={momentum:g}, rng=...) with m = {m}")

    def run(**changes):
        settings = dict(lambda_=lambda_, alpha=alpha, epochs=epochs, batch_size=batch_size,
                        momentum=momentum)
        settings.update(changes)
        expected = reference(_copy_params(params), X, Y, rng=_copy_rng(rng), **settings)
        given = _copy_params(params)
        with checks.counting_calls(namespace, "backprop") as counts:
            result = call(f, given, X, Y, settings["lambda_"], settings["alpha"],
                           settings["epochs"], settings["batch_size"],
                           momentum=settings["momentum"], rng=_copy_rng(rng), forbid_=forbid)
        that(all(np.array_equal(W, W0) and np.array_equal(b, b0)
                 for (W, b), (W0, b0) in zip(given, _copy_params(params))),
             f"{what} changed the params it was given: build new arrays (W = W + v), "
             "do not update them in place (W += v).")
        that(isinstance(result, (tuple, list)) and len(result) == 2,
             f"{what} should return a pair (params, costs), got {_short(result)}")
        return result, expected, counts["backprop"]

    (got_params, got_costs), (expected_params, expected_costs), n_backprop = run()
    sizes = [np.shape(params[0][0])[1]] + [np.shape(W)[0] for W, _ in params]
    check_param_shapes(got_params, sizes, f"{what}: the params it returns")
    batches = -(-m // batch_size)
    if n_backprop != epochs * batches:
        if n_backprop == 0:
            why = ("it never called backprop: compute each batch's gradient with "
                   "backprop(params, X_batch, Y_batch, ...), the function section 0 chose")
        elif n_backprop == epochs * m and batches < m:
            why = ("it was called once per example: call it once per batch, on X[batch] and "
                   "Y[batch]; it averages the batch's gradient for you")
        elif m % batch_size and n_backprop == epochs * (m // batch_size):
            why = (f"the last, smaller batch ({m % batch_size} examples) is left out: every "
                   "example must be used once per epoch, e.g. for start in range(0, m, batch_size)")
        else:
            why = "backprop should be called once per batch"
        raise CheckFailed(f"{what} called backprop {n_backprop} times, but {epochs} epochs of "
                          f"{batches} batches (ceil(m / batch_size)) need {epochs * batches}: {why}.")
    got_costs = np.asarray(got_costs, dtype=float)
    that(got_costs.shape == (epochs,),
         f"{what} returned costs of shape {got_costs.shape}; it should hold one cost per "
         f"epoch, shape ({epochs},).")
    J_end = _reference_cost(got_params, X, Y, lambda_)
    J_start = _reference_cost(params, X, Y, lambda_)
    if not np.isclose(got_costs[-1], J_end, rtol=RTOL, atol=ATOL):
        before = np.isclose(got_costs[0], J_start, rtol=RTOL, atol=ATOL)
        raise CheckFailed(
            f"{what}: costs[-1] is {got_costs[-1]:.6f} but nn_cost of the params it returns, on "
            f"the whole training set, is {J_end:.6f}. "
            + ("costs[0] is the cost before training: record the cost AFTER each epoch."
               if before else "Record nn_cost(params, X, Y, lambda_) on all of X after each "
               "epoch, not the cost of a batch."))
    message = _params_message(got_params, expected_params, what)
    if message is None:
        message = compare(got_costs, expected_costs, f"{what}: costs")
    if message is None:
        return
    if got_costs[-1] > J_start > expected_costs[-1]:
        raise CheckFailed(f"{message}\nYour cost went up from {J_start:.4f} to {got_costs[-1]:.4f}: "
                          "step against the gradient, v <- momentum * v - alpha * grad and "
                          "W <- W + v (with momentum 0: W <- W - alpha * grad).")
    if batch_size < m:
        (again, _), _, _ = run()
        if _params_message(again, got_params, what) is not None:
            raise CheckFailed(
                f"{message}\nTwo calls with the same rng gave different params: make one "
                "generator, rng = np.random.default_rng(rng), and draw every shuffle from it "
                "(not from np.random).")
    # A simpler setting that gives the right params names the part that is wrong.
    simpler = [
        ("momentum", momentum, 0.0,
         "With momentum = 0 your result is right, so the momentum update is wrong: v <- "
         "momentum * v - alpha * grad, then W <- W + v (the same for b), with v starting at "
         "zero and kept from one batch to the next."),
        ("epochs", epochs > 1, 1,
         f"After one epoch your params are right, after {epochs} they are not: shuffle again "
         "at the start of EVERY epoch (order = rng.permutation(m) inside the loop over epochs, "
         "from one generator made before it), and keep v across epochs."),
        ("lambda_", lambda_, 0.0,
         "With lambda_ = 0 your result is right, so the penalty is wrong: the gradient of J on "
         "the whole set has the penalty term (lambda_ / m) W, so each batch of m_b examples "
         "needs backprop(params, X_b, Y_b, lambda_ * m_b / m)."),
    ]
    for name, applies, value, why in simpler:
        if applies:
            (got_simpler, _), (expected_simpler, _), _ = run(**{name: value})
            if _params_message(got_simpler, expected_simpler, what) is None:
                raise CheckFailed(f"{message}\n{why}")
    raise CheckFailed(f"{message}\nThe recipe: {SGD_RECIPE} Shuffle X and Y with the same "
                      "order (X[order], Y[order]).")


def check_minibatch_sgd_rng(f, params, X, Y, *, namespace, forbid=()):
    """Fail unless ``f`` shuffles with ``rng``: the same seed gives the same result,
    another seed another one, and a Generator passed twice moves on."""
    settings = dict(lambda_=0.5, alpha=0.3, epochs=2, batch_size=max(1, len(X) // 4))

    def W1(rng):
        with checks.counting_calls(namespace, "backprop"):
            result = call(f, _copy_params(params), X, Y, *settings.values(), rng=rng,
                           forbid_=forbid)
        that(isinstance(result, (tuple, list)) and len(result) == 2,
             f"minibatch_sgd should return a pair (params, costs), got {_short(result)}")
        return np.asarray(result[0][0][0], dtype=float)

    what = (f"minibatch_sgd(params, X, Y, lambda_=0.5, alpha=0.3, epochs=2, "
            f"batch_size={settings['batch_size']}, rng=...) with m = {len(X)}")
    that(np.array_equal(W1(7), W1(7)),
         f"two calls of {what} with rng=7 gave different params: make one generator, rng = "
         "np.random.default_rng(rng), and draw every shuffle from it (not from np.random).")
    that(not np.array_equal(W1(7), W1(8)),
         f"{what} gave the same params with rng=7 and rng=8: shuffle the examples with "
         "order = rng.permutation(m) at the start of every epoch (batches in a fixed order "
         "ignore rng).")
    generator = np.random.default_rng(7)
    that(not np.array_equal(W1(generator), W1(generator)),
         f"{what} gave the same params twice with the same np.random.Generator: use the "
         "generator you are given (np.random.default_rng(rng) returns it as it is).")


def _reference_cost(params, X, Y, lambda_):
    from .network import nn_cost
    return nn_cost(_copy_params(params), X, Y, lambda_)

