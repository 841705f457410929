"""The lessons' readings of their own numbers: each claim of the prose, checked against
the numbers the code next to it prints (or computes again with nnlib).

The solution notebooks of lessons 06 and 07 are run once (about 10 s and 30 s); each test
reads a printed line and checks what the Markdown says about it, and that the statement
it replaced is gone.
"""
import re
import types

import numpy as np
import pytest

import nnlib
from nnlib.network import pack, unpack
from notebook_tools import execute, read, source_path

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier


@pytest.fixture(scope="module")
def lesson_06():
    return executed("06_backprop")


@pytest.fixture(scope="module")
def lesson_07():
    return executed("07_digits")


def executed(lesson):
    path = source_path(lesson)
    return execute(read(path), path.parent, timeout=600)


def cell(nb, text, kind="code"):
    """The one cell of kind whose source contains text."""
    found = [c for c in nb.cells if c.cell_type == kind and text in c.source]
    assert len(found) == 1, f"{len(found)} {kind} cells contain {text!r}"
    return found[0]


def printed(nb, text):
    """What the code cell whose source contains text printed."""
    return "".join(o.get("text", "") for o in cell(nb, text).get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def prose(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def array(text):
    """The numbers of a printed NumPy array's contents, e.g. "0.105 0.235 1. 0."."""
    return np.array(text.split(), dtype=float)


# ---------------------------------------------------------------- lesson 06

def test_06_every_hidden_slope_can_be_read_off_A_but_the_prime_functions_take_Z(lesson_06):
    z = np.random.default_rng(0).normal(0, 2, 50)
    A = nnlib.tanh(z)
    np.testing.assert_allclose(1 - A ** 2, nnlib.tanh_prime(z))            # tanh's slope from A
    np.testing.assert_allclose(nnlib.sigmoid(z) * (1 - nnlib.sigmoid(z)), nnlib.sigmoid_prime(z))
    np.testing.assert_array_equal((nnlib.relu(z) > 0).astype(float), nnlib.relu_prime(z))
    assert not np.allclose(nnlib.tanh_prime(A), nnlib.tanh_prime(z))      # but not tanh_prime(A)
    assert not np.allclose(nnlib.sigmoid_prime(nnlib.sigmoid(z)), nnlib.sigmoid_prime(z))
    np.testing.assert_array_equal(nnlib.relu_prime(nnlib.relu(z)), nnlib.relu_prime(z))

    for line in printed(lesson_06, "slope_from_A = {").splitlines()[1:]:
        name = line.split(":")[0].strip()
        g_prime_Z, from_A, g_prime_A = [array(part) for part in
                                        re.findall(r"\[([^\]]*)\]", line)]
        np.testing.assert_array_equal(g_prime_Z, from_A)
        assert np.array_equal(g_prime_A, g_prime_Z) == (name == "relu"), line
    text = prose(lesson_06)
    assert "Only for the sigmoid is the slope also a simple function of $A$" not in text
    assert "All three slopes could also be read off the stored activations" in text
    assert "Only `relu_prime(A)` happens to agree" in text


def test_06_one_backprop_costs_a_few_cost_evaluations_on_5000_digits(lesson_06):
    out = printed(lesson_06, "t_backprop = fastest(")
    assert "m = 5,000 digits" in out
    ratio = float(re.search(r"costs about ([\d.]+) cost evaluations", out).group(1))
    assert 1.0 < ratio < 5.0, out                        # "a few cost evaluations"
    assert "a few cost evaluations" in prose(lesson_06)
    assert "about as much as one cost evaluation" not in prose(lesson_06)


def test_06_sigmoid_gradients_vanish_through_four_hidden_layers_relu_ones_much_less(lesson_06):
    out = printed(lesson_06, "sizes_deep = [400, 30, 30, 30, 30, 10]")
    factors = dict(re.findall(r"(sigmoid|relu): hidden layer 1 gets [\d.]+ times the gradient of "
                              r"hidden layer 4, a loss of a factor of about ([\d.]+) per layer", out))
    sigmoid, relu = float(factors["sigmoid"]), float(factors["relu"])
    slope = float(re.search(r"largest slope is g'\(0\) = ([\d.]+)", out).group(1))
    assert abs(sigmoid - 1 / slope) < 0.25 / slope, out      # "close to 1 / g'(0)"
    assert 1.0 < relu < 0.6 * sigmoid, out                    # "clearly smaller", "not zero"
    norms = [array(v) for v in re.findall(r"= \[([^\]]*)\]", out)]
    assert all(len(n) == 5 for n in norms) and norms[0][0] < norms[0][3] / 20, out


def test_06_backprop_works_for_a_deep_network_and_the_checkpoint_agrees(lesson_06):
    out = printed(lesson_06, "mine = backprop(params_deep, X_deep, Y_deep, 0.0, hidden=hidden_deep)")
    lines = [array(v) for v in re.findall(r"\[([^\]]*)\]", out)]
    assert len(lines) == 4
    np.testing.assert_allclose(lines[0], lines[1])
    np.testing.assert_allclose(lines[2], lines[3])
    tests = cell(lesson_06, "FORBID_BACKPROP = (nnlib.backprop").source
    assert "[4, 5, 5, 5, 5, 5, 3]" in tests                   # five hidden layers in the hidden tests


def test_06_the_wrong_backprop_agrees_on_the_entries_shown_and_differs_only_in_db(lesson_06):
    rng = np.random.default_rng(4)
    sizes = [3, 4, 2]
    params = [(rng.normal(0, 1, (n, p)), rng.normal(0, 1, n)) for p, n in zip(sizes[:-1], sizes[1:])]
    X, Y = rng.normal(0, 1, (5, 3)), nnlib.one_hot(rng.integers(0, 2, 5), 2)
    wrong = [(dW, db + 1.0 / 5 * b) for (dW, db), (W, b) in zip(nnlib.backprop(params, X, Y, 1.0), params)]
    numeric = nnlib.numerical_gradient(lambda t: nnlib.nn_cost(unpack(t, sizes), X, Y, 1.0), pack(params))
    np.testing.assert_allclose(pack(wrong)[:8], numeric[:8], rtol=1e-7)   # the entries printed agree
    assert nnlib.relative_difference(pack(wrong), numeric) > nnlib.THRESHOLD
    rows = [line for line in printed(lesson_06, "layer_report(backprop_regularizing_biases").splitlines()
            if line.startswith("layer")]
    assert [row.split()[2] + " " + row.split()[-1] for row in rows] == \
        ["dW OK", "db WRONG", "dW OK", "db WRONG"], rows
    assert "The entries printed agree, and yet the verdict is WRONG" in prose(lesson_06)
    own = printed(lesson_06, "nnlib.check_gradients(params_small, X_small, Y_small, 1.0, grad=backprop)")
    assert own.count(" OK") == 5, own                          # the solution's own backprop passes


def test_06_the_stuck_xor_run_is_half_right_at_a_cost_just_above_ln2_over_2(lesson_06):
    out = printed(lesson_06, "X_xor, y_xor = nnlib.load_xor()")
    stuck = next(line for line in out.splitlines() if line.startswith("XOR, 2 sigmoid units: stuck"))
    outputs = array(re.search(r"outputs \[([^\]]*)\]", stuck).group(1))
    targets = np.array([0, 1, 1, 0])
    right = np.abs(outputs - targets) < 0.05
    at_half = np.abs(outputs - 0.5) < 0.02
    assert right.sum() == 2 and at_half.sum() == 2, outputs      # "two right, two at 0.5"
    J, half_ln2 = numbers(re.search(r"after 1000 steps: .*", out).group(0))
    assert half_ln2 == pytest.approx(np.log(2) / 2, abs=1e-4)
    assert 0 < J - half_ln2 < 0.01                                # "settled just above"
    assert "outputs hang near 0.5" not in prose(lesson_06)


def test_06_a_boundary_that_encloses_the_ring_needs_three_hidden_units(lesson_06):
    out = printed(lesson_06, 'X_circles, y_circles = nnwidgets.toy_data()["circles"]')
    hidden = [int(v) for v in re.search(r"hidden units: \[([^\]]*)\]", out).group(1).split(",")]
    accuracy = dict(zip(hidden, array(re.search(r"accuracy: +\[([^\]]*)\]", out).group(1))))
    assert accuracy[1] < 0.75 and accuracy[2] < 0.9                 # a line, a band
    assert all(accuracy[h] >= 0.98 for h in hidden if h >= 3)       # "nearly all the points"


# ---------------------------------------------------------------- lesson 07

def test_07_the_cost_at_the_shipped_weights_is_stored_and_checked(lesson_07):
    path = nnlib.data.DATA_DIR / "digits_weights.npz"
    assert path.stat().st_size < 64_000
    with np.load(path) as shipped:
        params = [(shipped["W1"].astype(float), shipped["b1"].astype(float)),
                  (shipped["W2"].astype(float), shipped["b2"].astype(float))]
        J = shipped["J"]
    X, y = nnlib.load_digits()
    for lambda_, J_stored in zip((0.0, 1.0), J):
        assert nnlib.nn_cost(params, X, nnlib.one_hot(y, 10), lambda_) == pytest.approx(J_stored, rel=1e-9)
    assert nnlib.accuracy(nnlib.predict(params, X), y) > 0.97        # trained weights
    lines = re.findall(r"= ([\d.]+) +\(should be about ([\d.]+)\)",
                       printed(lesson_07, 'np.load(nnlib.data.DATA_DIR / "digits_weights.npz")'))
    assert len(lines) == 2 and all(got == expected for got, expected in lines), lines


def test_07_the_shipped_weights_are_what_the_seeded_script_makes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_digits_weights",
                                                  nnlib.data.DATA_DIR / "make_digits_weights.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    with np.load(nnlib.data.DATA_DIR / "digits_weights.npz") as shipped:
        stored = {name: shipped[name] for name in shipped.files}
    made = script.make_weights()
    assert set(stored) == set(made) | {"J"}
    # the cost of the rebuilt weights: the same network, up to a BLAS's rounding
    np.testing.assert_allclose(script.costs(made), stored["J"], rtol=1e-3)


def test_07_a_tiny_subset_is_learnt_by_heart_and_only_that(lesson_07):
    out = printed(lesson_07, "tiny = np.arange(20)")
    J = float(re.search(r"cost J = ([\d.]+)", out).group(1))
    assert J < 0.01 and "100% of the 20 right" in out, out
    assert int(re.search(r"test digits: (\d+)% right", out).group(1)) < 60, out


def test_07_early_stopping_keeps_the_best_epoch_before_it_stops(lesson_07):
    """The notebook's loop, on validation accuracies that improve again after the stop:
    the kept epoch is the best one before the stop, and stays so."""
    source = cell(lesson_07, "epochs, patience, shuffles = 25, 5").source
    loop = source[source.index("epochs, patience, shuffles"):source.index("sgd_seconds =")]
    accuracies = iter([0.5, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.9, 0.95] + [0.6] * 16)
    fake_nnlib = types.SimpleNamespace(accuracy=lambda y_pred, y: next(accuracies),
                                       predict=lambda params, X: None)
    namespace = {"np": np, "time": __import__("time"), "nnlib": fake_nnlib, "start_params": "p0",
                 "X_fit": None, "Y_fit": None, "X_val": None, "y_val": None, "J_start": 1.0,
                 "sgd": lambda params, *args, **kwargs: (params, np.array([0.5]))}
    exec(loop, namespace)
    assert namespace["stop_epoch"] == 7 and namespace["best_epoch"] == 2
    assert namespace["best_val"] == 0.8
    out = printed(lesson_07, "epochs, patience, shuffles = 25, 5")
    stop, kept = map(int, re.search(r"stops after epoch (\d+) and keeps the params of epoch (\d+)",
                                    out).groups())
    assert kept <= stop - 5, out


def test_07_batch_size_times_say_what_they_measure_and_prose_follows_them(lesson_07):
    out = printed(lesson_07, "batch_runs, momentum_runs = {}, {}")
    costs = {int(size): float(cost) for size, cost in
             re.findall(r"batch_size +(\d+): cost ([\d.]+) after 10 epochs", out)}
    full = max(costs)
    assert all(costs[full] > 2 * cost for size, cost in costs.items() if size != full)   # "far behind"
    ratio = float(re.search(r"batches of 10 took ([\d.]+) times as long", out).group(1))
    assert ratio > 1.0, out                                # "an epoch of very small batches takes longer"
    momentum = [float(v) for v in re.findall(r"momentum [\d.]+: cost ([\d.]+)", out)]
    assert momentum == sorted(momentum, reverse=True), out   # momentum speeds it up
    text = prose(lesson_07)
    assert "the fastest of the ten epochs of each run" in text
    assert "barely starts in 10 epochs" not in text


def test_07_learning_curves_training_error_near_zero_validation_error_falling(lesson_07):
    out = printed(lesson_07, "counts = [100, 300, 1000, len(y_fit)]")
    rows = [tuple(map(float, pair)) for pair in
            re.findall(r"training error ([\d.]+), validation error ([\d.]+)", out)]
    train, val = zip(*rows)
    assert max(train) <= 0.01 and list(val) == sorted(val, reverse=True) and len(set(val)) == len(val)
    assert "the training error rises a little" not in prose(lesson_07)


def test_07_the_sweeps_smallest_network_overfits_under_the_stated_budget(lesson_07):
    source = cell(lesson_07, "def budget_run(sizes_run, maxiter=").source
    budget = int(re.search(r"maxiter=(\d+)\)", source).group(1))
    assert f"the same budget of {budget} iterations" in prose(lesson_07)
    out = printed(lesson_07, "def budget_run(sizes_run, maxiter=")
    rows = {name: (float(t), float(v), int(i), float(f)) for name, t, v, i, f in re.findall(
        r"^(400-\S+(?:, no hidden layer)?) +([\d.]+) +([\d.]+) +(\d+) +cost fell ([\d.]+)%", out, re.M)}
    small, h10, h25, h40 = (rows[f"400-{h}-10"] for h in (5, 10, 25, 40))
    linear = rows["400-10, no hidden layer"]
    # not "high error on both": the 5-unit network fits its digits and overfits, the widest gap
    assert small[0] < 0.1 and small[1] > 3 * small[0]
    gaps = [v - t for t, v, _, _ in (small, h10, h25, h40)]
    assert gaps[0] == max(gaps)
    assert small[1] > h10[1] > h25[1]                                     # more units, fewer errors
    se = float(re.search(r"on 800 digits: ([\d.]+)", out).group(1))
    assert abs(h40[1] - h25[1]) <= se                                     # within the standard error
    assert linear[3] < 0.1                                                # converged: its cost no longer falls
    assert all(linear[k] > net[k] for net in (h25, h40) for k in (0, 1))  # more errors on both sets
    assert "Too few hidden units underfit: both errors are high" not in prose(lesson_07)


def test_07_sigmoid_and_relu_are_trained_by_the_students_own_functions(lesson_07):
    out = printed(lesson_07, "def functions_for(hidden):")
    for hidden in ("sigmoid", "relu"):
        line = next(line for line in out.splitlines() if line.startswith(hidden))
        assert line.endswith("(your train with your nn_cost and backprop)"), line
    source = cell(lesson_07, "def functions_for(hidden):").source
    assert source.count("nnlib.train(") == 1 and "except Exception" in source   # only as a fall-back


def test_07_the_final_model_is_printed_next_to_the_untuned_one(lesson_07):
    out = printed(lesson_07, "final_train = fallback.mine_or_reference(train, nnlib.train)")
    final = float(re.search(r"^test accuracy: ([\d.]+)% \(give or take ([\d.]+)%\)", out, re.M).group(1))
    error = float(re.search(r"give or take ([\d.]+)%", out).group(1))
    untuned = float(re.search(r"lambda_ = 1.0\): test accuracy ([\d.]+)%", out).group(1))
    carried = "the gain carried over" in out
    assert carried == (final - untuned > error), out
    assert not carried and "did not carry over" in out, out     # this run: no gain on the test set
