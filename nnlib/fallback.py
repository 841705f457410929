"""Yours, or nnlib's: a demonstration runs the student's function once it works,
nnlib's reference version until then, and says which.

- ``mine_or_reference(function, reference)``: yours until it raises, then nnlib's;
- ``choose_cost_and_backprop(nn_cost, backprop)``: lesson 07's section 0, yours
  if they pass a check on a small network;
- the training explorer of lesson 06 (``explore_training``) trains with the
  student's backprop if it passes a gradient check.

All three say why the student's function is not used in the words of
``attempt``: "is not written yet", or what it raised.

Introduced in lesson 07_digits (the training explorer: lesson 06_backprop).
"""
import numpy as np

from .checks import ATOL, RTOL

NOT_WRITTEN = "is not written yet"


def failure(error):
    """Why the student's function cannot be used, from what it raised:
    ``NOT_WRITTEN`` for ``NotImplementedError``, else e.g. "raised KeyError: 'W'"."""
    if isinstance(error, NotImplementedError):
        return NOT_WRITTEN
    return f"raised {type(error).__name__}: {error}"


def attempt(function, *args, **kwargs):
    """Call the student's ``function``: (its value, None), or (None, ``failure``
    of what it raised)."""
    try:
        return function(*args, **kwargs), None
    except Exception as error:
        return None, failure(error)


def _small_network():
    """A 4-5-3-3 network, 8 examples and lambda_ for the check of nn_cost and backprop."""
    rng = np.random.default_rng(2024)
    sizes = [4, 5, 3, 3]
    params = [(rng.normal(0, 0.7, (n, n_prev)), rng.normal(0, 0.5, n))
              for n_prev, n in zip(sizes[:-1], sizes[1:])]
    X = rng.normal(size=(8, 4))
    Y = np.eye(3)[rng.integers(0, 3, 8)]
    return sizes, params, X, Y, 1.5


def _cost_and_backprop_problem(nn_cost, backprop):
    """None if ``nn_cost`` and ``backprop`` pass the check, else what is wrong.

    ``nn_cost`` must agree with nnlib's on a small network (lambda_ = 0 and
    1.5); then each layer's dW and db from ``backprop`` must agree with central
    differences of that cost (``nnlib.gradcheck``: relative difference below
    THRESHOLD)."""
    from .gradcheck import THRESHOLD, layer_differences
    from .network import nn_cost as reference_cost

    sizes, params, X, Y, lambda_ = _small_network()
    network = "-".join(map(str, sizes))
    for name, function in (("nn_cost", nn_cost), ("backprop", backprop)):
        _, why = attempt(function, [(W.copy(), b.copy()) for W, b in params], X.copy(),
                         Y.copy(), lambda_)
        if why == NOT_WRITTEN:
            return f"your {name} {why} (paste it into the cell above)"
        if why:
            return f"your {name} {why}"
    for lam in (0.0, lambda_):
        expected = reference_cost(params, X, Y, lam)
        try:
            got = float(nn_cost(params, X, Y, lam))
        except Exception as error:
            return f"your nn_cost returned something that is not a number ({type(error).__name__}: {error})"
        if not np.isclose(got, expected, rtol=RTOL, atol=ATOL):
            return (f"your nn_cost gives J = {got:.6f} on a small {network} network with "
                    f"lambda_ = {lam:g}, where it should give {expected:.6f}"
                    + (" (the L2 penalty (lambda_ / (2 m)) sum W^2?)" if lam else ""))
    try:
        differences = layer_differences(params, X, Y, lambda_, cost=nn_cost, grad=backprop)
    except ValueError as error:
        return f"your backprop returned the wrong structure: {error}"
    except Exception as error:
        return f"your backprop {failure(error)}"
    for l, pair in enumerate(differences, start=1):
        for name, difference in zip(("dW", "db"), pair):
            if not difference < THRESHOLD:
                return (f"your backprop fails the gradient check: layer {l}'s {name} differs "
                        f"from central differences of nn_cost: relative difference "
                        f"{difference:.1e} (threshold {THRESHOLD:.0e}), on a small {network} "
                        f"network with lambda_ = {lambda_:g}")
    return None


def choose_cost_and_backprop(nn_cost, backprop, use_mine=True):
    """The (nn_cost, backprop) that training uses: yours if they pass the check, else nnlib's.

    Your ``nn_cost`` is compared with nnlib's on a small 4-5-3-3 network, and
    every layer's dW and db from your ``backprop`` with central differences of
    it. Prints which functions training uses and, when they are nnlib's,
    why (not written yet, the first layer that fails, or ``use_mine`` off).

    Returns
    -------
    (nn_cost, backprop) : your two functions, or nnlib's reference versions.

    Introduced in lesson 07_digits.
    """
    from . import network

    if nn_cost is network.nn_cost or backprop is network.backprop:
        print("nn_cost and backprop are already nnlib's reference versions (this cell ran "
              "before and fell back). Run the cell with your functions again, then this cell.")
        return network.nn_cost, network.backprop
    if not use_mine:
        problem = "USE_MY_FUNCTIONS is False"
    else:
        problem = _cost_and_backprop_problem(nn_cost, backprop)
    if problem is None:
        print("Training in this lesson uses YOUR nn_cost and backprop: your nn_cost agrees "
              "with the reference on a small network, and every layer's dW and db from your "
              "backprop agrees with central differences of it.")
        return nn_cost, backprop
    rule = "=" * 78
    print(f"{rule}\nTRAINING IN THIS LESSON USES NNLIB'S REFERENCE nn_cost AND backprop, "
          f"NOT YOURS:\n{problem}.")
    if use_mine:
        print("Fix them (lessons 4 and 6), paste them into the cell above, run it, then run "
              "this cell again. To use nnlib's versions on purpose, set USE_MY_FUNCTIONS = False.")
    print(rule)
    return network.nn_cost, network.backprop


def mine_or_reference(function, reference):
    """``function``, or ``reference`` once ``function`` turns out not to work.

    The returned function calls ``function``; if it raises (for instance
    ``NotImplementedError``, not written yet), it prints a notice once and
    from then on calls ``reference`` instead, so that a demonstration runs
    to the end before the exercise is solved.

    Introduced in lesson 07_digits.
    """
    state = {"use": function}
    name = getattr(function, "__name__", "the function")

    def chosen(*args, **kwargs):
        if state["use"] is function:
            value, why = attempt(function, *args, **kwargs)
            if why is None:
                return value
            print(f"(your {name} {why}: this cell uses nnlib's {reference.__name__} instead)")
            state["use"] = reference
        return reference(*args, **kwargs)

    chosen.__name__ = name
    return chosen
