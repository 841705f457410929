"""nnlib.checks, training_checks and fallback: the messages students see when a graded test
fails, or when nnlib's version stands in for theirs."""
import re

import numpy as np
import pytest

import nnlib
from nnlib import checks, fallback, training_checks
from nnlib.checks import CheckFailed, ForbiddenCall, NotWritten

x, w = np.array([1.0, 0.4, 2.0]), np.array([-1.0, 0.2, 1.0])


def test_correct_answers_in_any_form_pass():
    checks.close(lambda z: [0.5, 0.5], (None,), np.array([0.5, 0.5]))
    checks.close(lambda z: np.float32(0.5), (None,), 0.5)
    checks.close(lambda z: (np.ones((2, 2)), np.zeros(2)), (None,), [np.ones((2, 2)), [0.0, 0.0]])
    checks.equal(lambda s: 10285, ([400, 25, 10],), 10285)
    assert checks.close(lambda z: 1.0, (None,), 1.0) is None  # nothing for nbgrader to display


def test_unwritten_function_is_named_even_when_called_indirectly():
    def weighted_sum(x, w, b):
        raise NotImplementedError()

    def unit_output(x, w, b, g):
        return g(weighted_sum(x, w, b))

    with pytest.raises(NotWritten, match=r"^weighted_sum is not written yet \(unit_output calls it\)"):
        checks.close(unit_output, (x, w, 0.0, np.tanh), 0.0, hint="not shown for an unwritten function")
    with pytest.raises(NotWritten) as failure:
        checks.close(weighted_sum, (x, w, 0.0), 0.0)
    assert failure.value._render_traceback_() == [
        "NotWritten: weighted_sum is not written yet: replace `raise NotImplementedError()` "
        "with your code."]


def test_wrong_value_names_call_element_and_hint():
    with pytest.raises(CheckFailed) as failure:
        checks.close(lambda z: 1 / (1 + np.exp(z)), (np.array([-2.0, 0.0, 2.0]),),
                     nnlib.sigmoid(np.array([-2.0, 0.0, 2.0])), hint="exp(-z), not exp(z)")
    message = str(failure.value)
    assert "2 of 3 elements differ; at [0] expected 0.119202922" in message
    assert message.endswith("Hint: exp(-z), not exp(z)")


def test_transposed_result_is_pointed_out():
    with pytest.raises(CheckFailed, match="expected shape \\(2, 3\\), got shape \\(3, 2\\).*transpose"):
        checks.close(lambda A: A.T, (np.ones((2, 3)),), np.ones((2, 3)))


def test_nested_mismatch_names_the_item():
    expected = [(np.ones((2, 2)), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))]
    got = [(np.ones((2, 2)), np.zeros(2)), (np.ones((1, 2)), np.ones(1))]
    with pytest.raises(CheckFailed, match=r"\)\[1\]\[1\]: 1 of 1 elements differ; at \[0\] expected 0, got 1"):
        checks.close(lambda p: got, (None,), expected)


def test_exceptions_none_and_in_place_changes_are_reported():
    with pytest.raises(CheckFailed, match="raised ZeroDivisionError: .*\nHint: no division"):
        checks.close(lambda z: 1 / 0, (1.0,), 1.0, hint="no division")
    with pytest.raises(CheckFailed, match="returned None: did you forget `return`"):
        checks.close(lambda z: None, (1.0,), 1.0)

    def doubles_in_place(z):
        z *= 2
        return z
    original = np.ones(3)
    with pytest.raises(CheckFailed, match="changed its input array in place"):
        checks.close(doubles_in_place, (original,), 2 * np.ones(3))
    np.testing.assert_array_equal(original, np.ones(3))


def test_forbid_catches_a_call_to_nnlib_under_any_name():
    from nnlib.network import weighted_sum as renamed

    def weighted_sum(x, w, b):
        return renamed(x, w, b)

    with pytest.raises(ForbiddenCall, match="calls nnlib's weighted_sum"):
        checks.close(weighted_sum, (x, w, 0.0), 1.08, forbid=(nnlib.weighted_sum,), hint="no hint")
    assert nnlib.weighted_sum(x, w, 0.0) == pytest.approx(1.08)  # restored afterwards
    with pytest.raises(CheckFailed):  # the same function named twice is restored too
        checks.close(weighted_sum, (x, w, 0.0), 1.08,
                     forbid=(nnlib.weighted_sum, nnlib.network.weighted_sum))
    assert nnlib.weighted_sum(x, w, 0.0) == pytest.approx(1.08)


def test_should_be_about_prints_both_values(capsys):
    checks.should_be_about("sigmoid(1.08)", 0.74654, 0.7465)
    assert capsys.readouterr().out == "sigmoid(1.08) = 0.7465   (should be about 0.7465)\n"


def test_a_failure_renders_as_one_short_block_with_only_the_students_frames():
    def student_sigmoid(z):
        return helper(z)

    def helper(z):
        return 1 / (1 + np.exp(-z)) + undefined_name  # noqa: F821

    with pytest.raises(CheckFailed) as failure:
        checks.close(student_sigmoid, (np.zeros(2),), np.full(2, 0.5), hint="use np.exp")
    lines = failure.value._render_traceback_()
    text = "\n".join(lines)
    assert lines[0].startswith("CheckFailed: student_sigmoid(z=array of shape (2,)")
    assert "raised NameError: name 'undefined_name' is not defined\nHint: use np.exp" in text
    assert "in student_sigmoid" in text and "in helper" in text  # the student's frames
    assert checks.__file__ not in text  # nothing of nnlib's checking machinery
    assert lines[-1] == "NameError: name 'undefined_name' is not defined"
    assert len(lines) < 15


def test_a_wrong_value_renders_without_any_traceback():
    with pytest.raises(CheckFailed) as failure:
        checks.close(lambda z: z, (np.ones(2),), np.zeros(2), hint="return zeros")
    lines = failure.value._render_traceback_()
    assert lines == [f"CheckFailed: {failure.value}"]
    assert "\n".join(lines).endswith("Hint: return zeros")


def test_compare_names_the_first_mismatch():
    assert checks.compare([np.ones(2), 1.0], [np.ones(2), 1.0 + 1e-9], "p") is None
    assert checks.compare(np.ones(3), np.ones(2), "p") == "p: expected shape (2,), got shape (3,)"
    assert checks.compare(0.5, 0.25, "f(...)") == "f(...): expected 0.25, got 0.5"


def test_choose_cost_and_backprop_names_the_faulty_layer_and_falls_back(capsys):
    def cost(params, X, Y, lambda_):
        return nnlib.nn_cost(params, X, Y, lambda_)

    def right(params, X, Y, lambda_):
        return nnlib.backprop(params, X, Y, lambda_)

    def wrong_layer_2(params, X, Y, lambda_):       # dW of layer 2 without its L2 term
        grads = nnlib.backprop(params, X, Y, lambda_)
        grads[1] = (nnlib.backprop(params, X, Y, 0.0)[1][0], grads[1][1])
        return grads

    def unwritten(params, X, Y, lambda_):
        raise NotImplementedError()

    assert fallback.choose_cost_and_backprop(cost, right) == (cost, right)
    assert "uses YOUR nn_cost and backprop" in capsys.readouterr().out
    reference = (nnlib.nn_cost, nnlib.backprop)
    for mine, use_mine, expected in [((cost, wrong_layer_2), True, r"layer 2's dW differs"),
                                     ((unwritten, right), True, "nn_cost is not written yet"),
                                     ((cost, right), False, "USE_MY_FUNCTIONS is False"),
                                     ((lambda p, X, Y, l: nnlib.nn_cost(p, X, Y, 0.0), right), True,
                                      "nn_cost gives J = ")]:
        assert fallback.choose_cost_and_backprop(*mine, use_mine=use_mine) == reference
        out = capsys.readouterr().out
        assert "USES NNLIB'S REFERENCE" in out and re.search(expected, out), out
    assert fallback.choose_cost_and_backprop(*reference) == reference
    assert "already nnlib's reference" in capsys.readouterr().out


def test_layer_differences_are_tiny_for_nnlib_and_reject_a_wrong_structure():
    from nnlib.gradcheck import THRESHOLD, layer_differences
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(3, 2)), rng.normal(size=3)), (rng.normal(size=(2, 3)), rng.normal(size=2))]
    X, Y = rng.normal(size=(4, 2)), np.eye(2)[[0, 1, 1, 0]]
    differences = layer_differences(params, X, Y, 0.5)
    assert len(differences) == 2 and max(max(pair) for pair in differences) < THRESHOLD
    with pytest.raises(ValueError, match="list of 2 pairs"):
        layer_differences(params, X, Y, 0.5, grad=lambda p, X, Y, l: nnlib.backprop(p, X, Y, l)[:1])
    with pytest.raises(ValueError, match=r"layer 1's dW has shape \(2, 3\)"):
        layer_differences(params, X, Y, 0.5, grad=lambda p, X, Y, l: [(dW.T, db) for dW, db in
                                                                        nnlib.backprop(p, X, Y, l)])


def test_counting_calls_counts_and_restores():
    namespace = {"f": abs}
    with checks.counting_calls(namespace, "f") as counts:
        namespace["f"](-1), namespace["f"](2)
    assert counts == {"f": 2} and namespace["f"] is abs


def test_mine_or_reference_falls_back_once_with_a_notice(capsys):
    def minibatch_sgd(*args):
        raise NotImplementedError()

    chosen = fallback.mine_or_reference(minibatch_sgd, lambda *args: "reference")
    assert chosen(1) == "reference" and chosen(2) == "reference"
    assert capsys.readouterr().out.count("minibatch_sgd is not written yet") == 1
    assert fallback.mine_or_reference(lambda: "mine", None)() == "mine"


SGD = '''
def minibatch_sgd(params, X, Y, lambda_, alpha, epochs, batch_size, momentum=0.0, rng=None):
    rng, m, costs = np.random.default_rng(rng), len(X), []
    v = [(0 * W, 0 * b) for W, b in params]
    for _ in range(epochs):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start:start + batch_size]
            grads = backprop(params, X[batch], Y[batch], lambda_ * len(batch) / m)
            v = [(momentum * vW - alpha * dW, momentum * vb - alpha * db) for (vW, vb), (dW, db) in zip(v, grads)]
            params = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(params, v)]
        costs.append(nnlib.nn_cost(params, X, Y, lambda_))
    return params, costs
'''


@pytest.mark.parametrize("old, new, message", [
    (None, None, None),
    ("- alpha * dW, momentum * vb - alpha", "+ alpha * dW, momentum * vb + alpha", "cost went up"),
    ("lambda_ * len(batch) / m)", "lambda_)", r"lambda_ \* m_b / m"),
    ("range(0, m, batch_size)", "range(0, m - batch_size + 1, batch_size)", "last, smaller batch"),
])
def test_check_minibatch_sgd_passes_the_recipe_and_names_mistakes(old, new, message):
    namespace = {"np": np, "nnlib": nnlib, "backprop": nnlib.backprop}
    exec(SGD.replace(old, new) if old else SGD, namespace)
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(3, 4)), rng.normal(size=3)), (rng.normal(size=(2, 3)), rng.normal(size=2))]
    X, Y = rng.normal(size=(11, 4)), np.eye(2)[rng.integers(0, 2, 11)]
    sgd = namespace["minibatch_sgd"]
    check = lambda: training_checks.check_minibatch_sgd(sgd, params, X, Y, 1.0, 0.3, 3, 4, momentum=0.5,
                                                        rng=1, namespace=namespace)
    if message is None:
        check()
        training_checks.check_minibatch_sgd_rng(sgd, params, X, Y, namespace=namespace)
    else:
        with pytest.raises(CheckFailed, match=message):
            check()


def test_check_trained_network_names_the_accuracy_below_its_bound(capsys):
    X, y = nnlib.load_digits()
    untrained = nnlib.random_init([400, 25, 10], rng=0)
    with pytest.raises(CheckFailed, match=r"^random_init\(\.\.\.\): the training accuracy is 0\.\d{4}, below 0\.95"):
        training_checks.check_trained_network(untrained, X[:200], y[:200], X[200:400], y[200:400],
                                              "random_init(...)")
    assert "(must be at least 0.95)" in capsys.readouterr().out
