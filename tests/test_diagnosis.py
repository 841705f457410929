"""The judge's diagnosis (autograder/diagnosis.py): a failed test's function
compared with the known mistakes of autograder/mistakes/ on the test's own
inputs. The calls are served in this process (notebook_tools.InProcess)."""
import numpy as np
import pytest

from autograder import diagnosis, judge, mistakes, sample_class
from autograder.diagnosis import plain, same
from notebook_tools import InProcess

LESSONS = ["01_single_unit", "02_hidden_layers", "03_activations", "04_cost",
           "05_gradient_descent", "06_backprop"]


def diagnoses(tmp_path, lesson, code):
    """{test: diagnosis} of the failed tests of `lesson` when the student's
    notebook defines the solutions and then `code`."""
    namespace = {}
    solved = "\n".join(sample_class.answer(lesson, e) for e in sample_class.exercises(lesson))
    exec("import numpy as np\nimport nnlib\nfrom nnlib.network import forward_layers, pack, unpack\n"
         + solved + "\n" + code, namespace)
    j = judge.Judge(lesson, InProcess(tmp_path, namespace))
    return {test: found for test in j.tests for _outputs, found in [j.run(test)] if found}


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_every_catalogued_mistake_is_named(tmp_path, lesson):
    """Each mistake, written as the catalogue writes it, is named on every
    test of its function that it fails: by its own label, or by one that
    computes the same values on that test's inputs."""
    problems = []
    for function, known in mistakes.mistakes(lesson).items():
        for mistake in known:
            found = diagnoses(tmp_path, lesson, mistake.code)
            own = {t: d for t, d in found.items() if d["function"] == function}
            if not own:
                problems.append(f"{mistake.name}: no failed test of {function} was diagnosed ({found})")
            for test, d in own.items():
                if d["label"].startswith(f"{diagnosis.NO_CALLS}: {function} does not take"):
                    continue   # a signature check failed before any call: its message names it
                if d["label"] != mistake.name and not _indistinguishable(lesson, test, d, mistake):
                    problems.append(f"{function} '{mistake.name}' on {test}: diagnosed as {d['label']!r}")
    assert not problems, "\n".join(problems)


def _indistinguishable(lesson, test, found, mistake):
    """Whether the label found is another mistake with the same values as
    `mistake` on the test's inputs (the first one tried wins)."""
    if not found["known"]:
        return False
    for label, variants in diagnosis.candidates(lesson, mistake.function):
        if label == found["label"]:
            return True   # matched first; tests/test_mistakes.py checks each one fails on its own
    return False


def test_a_wrong_helper_is_named_in_its_caller(tmp_path):
    """weighted_sum without its bias makes unit_output wrong too: unit_output's
    test names the helper's mistake, not a new one."""
    [bias] = [m for m in mistakes.mistakes("01_single_unit")["weighted_sum"] if m.name == "bias forgotten"]
    found = diagnoses(tmp_path, "01_single_unit", bias.code)
    assert found["test_weighted_sum"]["label"] == "bias forgotten"
    assert found["test_unit_output"] == {"function": "unit_output", "known": True, "label": "bias forgotten"}


def test_special_cases_unwritten_and_new_mistakes(tmp_path):
    unwritten = diagnoses(tmp_path, "01_single_unit", "def step(z):\n    raise NotImplementedError()\n")
    assert unwritten["test_step"]["label"] == diagnosis.NOT_WRITTEN
    new = diagnoses(tmp_path, "01_single_unit", "def sigmoid(z):\n    return 1 / (1 + np.exp(-2 * z))\n")
    d = new["test_sigmoid"]
    assert (d["known"], d["label"]) == (False, diagnosis.NEW)
    assert d["example"]["call"].startswith("sigmoid(") and not same(d["example"]["got"], d["example"]["expected"])
    assert d["calls"] and all("out" in c for c in d["calls"])


def test_plain_values_do_not_depend_on_style():
    assert same(plain([1, 2, 3]), plain(np.array([1.0, 2.0, 3.0], dtype=np.float32)))
    assert same(plain((np.ones(2), 3)), plain([[1.0, 1.0], 3.0]))  # ragged: items, alike
    assert same(plain([(np.ones((2, 2)), np.zeros(2))]), plain([(np.ones((2, 2), np.float32), [0, 0])]))
    assert not same(plain(np.ones(3)), plain(np.ones(3) * 1.001))
    assert not same(plain(np.ones(3)), plain(np.ones((3, 1))))
    assert same(plain(float("nan")), plain(np.nan)) and not same(plain(np.inf), plain(1e308))
    big = np.arange(10_000.0)
    cut = plain(big)
    assert len(cut["values"]) == diagnosis.MAX_VALUES and not same(cut, plain(big + (big > 9000)))


def test_two_mistakes_of_one_function_are_named_together(tmp_path):
    """backprop with its biases regularized (db wrong) and lambda/(2m) in
    dW (dW wrong): neither mistake alone gives its values, the pair does."""
    code = '''
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    g_prime = {"sigmoid": lambda Z: nnlib.sigmoid(Z) * (1 - nnlib.sigmoid(Z)),
               "tanh": lambda Z: 1 - np.tanh(Z) ** 2, "relu": lambda Z: (Z > 0) * 1.0}[hidden]
    m = len(X)
    Zs, As = [], [X]
    for l, (W, b) in enumerate(params):
        Z = As[-1] @ W.T + b
        Zs.append(Z)
        As.append(nnlib.sigmoid(Z) if l == len(params) - 1 else nnlib.ACTIVATIONS[hidden][0](Z))
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / (2 * m) * W, delta.sum(axis=0) + lambda_ / m * b))
        if l > 1:
            delta = (delta @ W) * g_prime(Zs[l - 2])
    return grads[::-1]
'''
    found = diagnoses(tmp_path, "06_backprop", code)
    labels = {d["label"] for d in found.values() if d["function"] == "backprop"}
    assert "biases regularized + lambda/(2m) in the gradient" in labels or \
        "lambda/(2m) in the gradient + biases regularized" in labels, found


def test_a_hostile_answer_gives_a_bounded_diagnosis(tmp_path):
    """A function that returns 54,000 numbers and strings nested four deep
    (not an array), and a string of control characters: what the diagnosis
    keeps for the report stays small, and the report's text has no control
    characters."""
    import json

    from autograder.misconceptions import printable

    code = ("def step(z):\n    return [[[(float(i), 's') for i in range(30)] for _ in range(30)] for _ in range(30)]\n"
            "def sigmoid(z):\n    return '\\x1b[2J\\x07' * 50\n")
    found = diagnoses(tmp_path, "01_single_unit", code)
    assert found["test_step"]["label"] == diagnosis.NEW
    assert len(json.dumps(found)) < 60_000, len(json.dumps(found))
    assert printable("\x1b[2Jgot 'a\x07'") == "?[2Jgot 'a?'"
