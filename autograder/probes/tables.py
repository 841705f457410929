"""The probes: for each lesson, the grader's own calls of every graded function.

Each table maps a graded function to a `Probe`: the calls (arguments the
grader chose, written with `call`) and nnlib's reference version, whose
results on the same calls are what the student's must match. A probe may
name its own judge (judges.py) where "close to the reference" is not the
rule, e.g. random draws or training.

Arguments that are functions or generators are written as descriptions
(``("fn", "tanh")``, ``("rng", 3)``) that `runtime.decode` turns into the
real thing on both sides, so that the calls pickle into the kernel with
only numpy and builtins.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import nnlib
from nnlib import checks

from .judges import judge_random_init, judge_train, judge_xor


@dataclass
class Probe:
    """Calls of one graded function and the rule that judges their results.

    calls:     list of (args, kwargs) made with `call`
    reference: nnlib's version of the function
    judge:     judge(probe, name, results) -> message or None (default:
               judges.judge_close)
    must_call: names of the notebook's functions that every call must use
    """
    calls: list
    reference: Callable
    judge: Callable = None
    rtol: float = checks.RTOL
    atol: float = checks.ATOL
    no_warnings: bool = False
    must_call: tuple = ()
    references: list = field(default=None, repr=False)


def call(*args, **kwargs):
    """One call of a probe: the arguments as the function receives them."""
    return args, kwargs


def _rng(seed):
    return np.random.default_rng(seed)


def _params(sizes, rng, scale=1.0):
    return [(rng.normal(0, scale, (n, n_prev)), rng.normal(0, scale, n))
            for n_prev, n in zip(sizes[:-1], sizes[1:])]


def _one_hot(y, k):
    return np.eye(k)[y]


def _lesson_01():
    r = _rng(101)
    x, w = r.normal(size=7), r.normal(size=7)
    z = np.concatenate([r.normal(0, 5, 12), [-1000.0, 1000.0, -745.2, 745.2, -0.0, 0.0]])
    return {
        "weighted_sum": Probe([call(x, w, 0.3), call(r.normal(size=1), r.normal(size=1), -2.0),
                               call(x.tolist(), w.tolist(), 0.0)], nnlib.weighted_sum),
        "step": Probe([call(np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])), call(0.0), call(-0.5),
                       call(r.normal(size=(3, 4)))], nnlib.step, rtol=0, atol=0),
        "sigmoid": Probe([call(z), call(z.reshape(3, 6)), call(-1000.0), call(0.25)],
                         nnlib.sigmoid, atol=1e-12, no_warnings=True),
        "unit_output": Probe([call(x, w, 0.5, ("fn", "tanh")), call(x, w, -1.0, ("fn", "identity")),
                              call(x, w, 0.1, ("fn", "logistic"))], nnlib.unit_output),
    }


def _lesson_02():
    r = _rng(102)
    params = _params([4, 5, 3, 2], r, 0.7)
    linear = _params([3, 4, 4, 2], r)
    return {
        "layer_forward": Probe([call(r.normal(size=(6, 4)), params[0][0], params[0][1], ("fn", "tanh")),
                                call(r.normal(size=4), params[0][0], params[0][1], ("fn", "logistic")),
                                call(r.normal(size=(1, 5)), params[1][0], params[1][1], ("fn", "identity"))],
                               nnlib.layer_forward),
        "forward": Probe([call(r.normal(size=(7, 4)), params, ("fn", "tanh")),
                          call(r.normal(size=(2, 4)), params, ("fn", "logistic")),
                          call(r.normal(size=(3, 3)), linear[:1], ("fn", "identity"))], nnlib.forward),
        "count_parameters": Probe([call([400, 25, 10]), call([3, 7, 5, 2]), call([8, 1])],
                                  nnlib.count_parameters, rtol=0, atol=0),
        "collapse_linear": Probe([call(linear), call(linear[:2]), call(linear[:1])],
                                 nnlib.collapse_linear),
        "xor_params": Probe([call()], nnlib.xor_params, judge=judge_xor),
    }


def _lesson_03():
    r = _rng(103)
    z = np.concatenate([r.normal(0, 3, 15), [0.0, -0.0, 1e-12, -1e-12, 30.0, -30.0]])
    Z = r.normal(0, 3, (5, 4))
    return {
        "relu": Probe([call(z), call(z.reshape(3, 7)), call(-1.5), call(0.0)], nnlib.relu),
        "sigmoid_prime": Probe([call(z), call(Z), call(0.0)], nnlib.sigmoid_prime),
        "tanh_prime": Probe([call(z), call(Z), call(0.7)], nnlib.tanh_prime),
        "relu_prime": Probe([call(z), call(Z), call(0.0), call(2.0)], nnlib.relu_prime,
                            rtol=0, atol=0),
        "softmax": Probe([call(Z), call(Z * 400 + 1000), call(np.array([[1000.0, 1000.0, -1000.0]]))],
                         nnlib.softmax, atol=1e-12, no_warnings=True),
    }


def _lesson_04():
    r = _rng(104)
    y = r.integers(0, 4, 9)
    H = r.uniform(0.02, 0.98, (9, 4))
    params = _params([5, 4, 3], r, 0.5)
    X = r.normal(size=(6, 5))
    Y = _one_hot(r.integers(0, 3, 6), 3)
    return {
        "mse": Probe([call(r.normal(size=8), r.normal(size=8)), call(r.normal(size=(5, 2)), r.normal(size=(5, 2))),
                      call([1.0, 2.0], [1.5, 2.0])], nnlib.mse),
        "one_hot": Probe([call(y, 4), call(y, 6), call(np.array([2]), 3)], nnlib.one_hot, rtol=0, atol=0),
        "cross_entropy": Probe([call(H, _one_hot(y, 4)), call(H[:, :1], (y[:, None] == 1) * 1.0)],
                               nnlib.cross_entropy),
        "l2_penalty": Probe([call(params, 0.7, 6), call(params, 0.0, 3), call(params[:1], 2.5, 11)],
                            nnlib.l2_penalty),
        "nn_cost": Probe([call(params, X, Y, 0.0), call(params, X, Y, 1.5),
                          call(params, X, Y, 0.5, hidden="tanh"), call(params, X, Y, 0.5, hidden="relu"),
                          call(params, X, Y, 0.0, hidden="sigmoid")], nnlib.nn_cost),
    }


def _lesson_05():
    r = _rng(105)
    x = r.normal(size=25)
    # The same array w in two calls (one pickle keeps it one object): a function
    # that leaves the caller's w changed gets the second call wrong.
    w = r.normal(size=5)
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    poly = ("fn", "poly", [0.0, 1.0, -1.0, 0.5])
    return {
        "numerical_derivative": Probe([call(("fn", "wave", 3.0, 0.5), 0.4),
                                       call(("fn", "poly", [1.0, -2.0, 0.0, 1.5]), -1.3),
                                       call(("fn", "wave", 1.0, 2.0), 2.0, eps=1e-3),
                                       call(("fn", "poly", [0.0, 0.0, 0.0, 1.0]), 1.0, eps=0.1)],  # 3.01
                                      nnlib.numerical_derivative),
        "numerical_gradient": Probe([call(("fn", "wave", 3.0, 0.5), w), call(poly, w, eps=1e-3),
                                     call(poly, r.normal(size=3), eps=1e-3)],
                                    nnlib.numerical_gradient),
        "gradient_descent": Probe([call(("fn", "quadratic_grad", A, [1.0, -2.0]), np.array([2.0, 1.0]), 0.1, 12),
                                   call(("fn", "quadratic_grad", A, [0.0, 0.0]), np.array([-1.0, 3.0]), 0.6, 5)],
                                  nnlib.gradient_descent),
        "fit_linear": Probe([call(x, 2.5 * x + 4 + r.normal(0, 0.3, 25), 0.1, 30),
                             call([1.0, 2.0, 3.0], [2.0, 4.0, 6.5], 0.05, 5)], nnlib.fit_linear),
    }


def _lesson_06():
    r = _rng(106)
    params = _params([5, 4, 3], r, 0.5)
    X = r.normal(size=(6, 5))
    Y = _one_hot(r.integers(0, 3, 6), 3)
    deep = _params([3, 4, 4, 2], r, 0.5)
    X2, Y2 = r.normal(size=(5, 3)), _one_hot(r.integers(0, 2, 5), 2)
    return {
        "output_weight_gradient": Probe([call(0.0, 0.77, 0.73), call(1.0, 0.35, -1.2),
                                         call(np.array([0.0, 1.0]), np.array([0.2, 0.9]), np.array([1.5, 0.3]))],
                                        nnlib.output_weight_gradient),
        "backprop": Probe([call(params, X, Y, 0.0), call(params, X, Y, 2.0), call(deep, X2, Y2, 0.5),
                           call(params, X, Y, 1.0, hidden="tanh"), call(deep, X2, Y2, 0.5, hidden="tanh"),
                           call(params, X, Y, 1.0, hidden="relu"), call(deep, X2, Y2, 0.5, hidden="relu")],
                          nnlib.backprop, rtol=1e-6, atol=1e-9),
        "relative_difference": Probe([call(r.normal(size=6), r.normal(size=6)),
                                      call(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]))],
                                     nnlib.relative_difference),
    }


def _lesson_07():
    r = _rng(107)
    X_all, y_all = nnlib.load_digits()
    X, y = X_all[3::25], y_all[3::25]
    params = nnlib.random_init([400, 25, 10], rng=3)
    params = [(W * 8, r.normal(0, 0.5, b.shape)) for W, b in params]
    y_true = r.integers(0, 5, 200)
    y_pred = np.where(r.random(200) < 0.6, y_true, r.integers(0, 6, 200))
    cm = nnlib.confusion_matrix(y_true, y_pred, 7)
    # The same small network in the first two calls (one pickle keeps it one object): a
    # minibatch_sgd that changes the params it is given gets the second call wrong.
    small = _params([6, 5, 3], r, 0.5)
    X_small, Y_small = r.normal(size=(20, 6)), _one_hot(r.integers(0, 3, 20), 3)
    return {
        "random_init": Probe([call([30, 20, 5], rng=("rng", 3), epsilon=0.5),
                              call([30, 20, 5], rng=("rng", 3), epsilon=0.5),
                              call([100, 40, 10], rng=None), call([100, 40, 10], rng=None),
                              call([400, 25, 10], 0.12, ("rng", 9))],
                             nnlib.random_init, judge=judge_random_init),
        "predict": Probe([call(params, X), call(params, X[:7])],
                         nnlib.predict, rtol=0, atol=0),
        "accuracy": Probe([call(y_pred, y_true), call(y_true, y_true), call([1, 2, 3], [1, 0, 3])],
                          nnlib.accuracy),
        "train": Probe([call(X, y, [400, 25, 10], 1.0, 20, 0), call(X, y, [400, 25, 10], 1.0, 20, 0),
                        call(X, y, [400, 25, 10], 1.0, 2, 0)], nnlib.train, judge=judge_train,
                       must_call=("nn_cost", "backprop")),
        "confusion_matrix": Probe([call(y_true, y_pred, 7), call([0, 1, 1], [1, 1, 0], 3)],
                                  nnlib.confusion_matrix, rtol=0, atol=0),
        "minibatch_sgd": Probe([call(small, X_small, Y_small, 0.8, 0.4, 3, 7, rng=4),        # last batch of 6
                                call(small, X_small, Y_small, 0.8, 0.4, 3, 7, momentum=0.9, rng=4),
                                call(small, X_small, Y_small, 0.0, 0.5, 2, 20),                # gradient descent
                                call(small, X_small, Y_small, 2.0, 0.2, 2, 3, 0.5, ("rng", 5)),
                                call(nnlib.random_init([400, 8, 10], rng=5), X[:40], _one_hot(y[:40], 10),
                                     1.0, 1.0, 2, 8, rng=6)],
                               nnlib.minibatch_sgd, rtol=1e-6, atol=1e-9, must_call=("backprop",)),
        "precision_recall_f1": Probe([call(cm), call(np.zeros((3, 3), dtype=int)),
                                      call([[0, 4], [0, 6]])],
                                     nnlib.precision_recall_f1, no_warnings=True),
    }


LESSONS = {"01_single_unit": _lesson_01, "02_hidden_layers": _lesson_02, "03_activations": _lesson_03,
           "04_cost": _lesson_04, "05_gradient_descent": _lesson_05, "06_backprop": _lesson_06,
           "07_digits": _lesson_07}
