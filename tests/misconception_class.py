"""A class of lessons 01-06 with planted mistakes, for the misconceptions report.

`hand_ins()` lists 64 hand-ins (student, lesson, planted mistakes, cells);
`build(submissions)` writes them with autograder.sample_class. Nothing is
random: the students, their code and the inputs of `inputs()` are fixed.

* KNOWN: 12 mistakes of the catalogue (autograder/mistakes/lesson_NN.py), two in
  each lesson, each planted in 2 to 4 students. Every student writes the
  mistake in their own style (a loop, a vectorized expression, np.heaviside,
  einsum, lists, float64 arrays, other names...), each
  computing the catalogue variant's wrong values (test_misconceptions.py
  checks this in plain Python before the class is graded).
* NEW: 3 mistakes that are not in the catalogue (the bias added twice, a
  leaky relu, the square of the summed errors), each in 3 students, each student in
  another style.
* DOUBLE: 3 students with two known mistakes in two graded functions of one
  lesson.
* The other 26 hand-ins are correct: the lesson's solutions, some with an
  exercise written as a correct variant of the catalogue. Half of them are
  by students who made a planted mistake in another lesson.
"""
import importlib
from typing import NamedTuple, Optional

import numpy as np

from autograder import sample_class

NOT_IN_LIBRARY = "not in the library"


class Style(NamedTuple):
    describe: str       # how this student wrote it
    code: str           # the full definition of the graded function


class Mistake(NamedTuple):
    key: str            # the mistake's key in this module
    lesson: str
    function: str       # the graded function (its grade_id)
    label: Optional[str]  # the catalogue's name, None for a mistake that is not in it
    styles: tuple       # Style, one student each (the first ones also go to DOUBLE)
    describe: str = ""  # what a NEW mistake does


class Plant(NamedTuple):
    mistake: Mistake
    style: Style


class HandIn(NamedTuple):
    student: str
    lesson: str
    plants: tuple       # Plant; () for a correct hand-in
    replace: dict       # grade_id -> source put in the cell (the rest: the solutions)


L01, L02, L03, L04, L05, L06 = ("01_single_unit", "02_hidden_layers", "03_activations", "04_cost",
                                "05_gradient_descent", "06_backprop")


def catalogue(lesson):
    """The module autograder/mistakes/lesson_NN.py of a lesson."""
    return importlib.import_module(f"autograder.mistakes.lesson_{lesson[:2]}")


def variant(lesson, function, name):
    """The catalogue's mistake `name` of `function` (KeyError if it is not there)."""
    found = [v for v in catalogue(lesson).MISTAKES if v.function == function and v.name == name]
    if len(found) != 1:
        raise KeyError(f"{lesson}: {len(found)} mistakes of {function} named {name!r} in the catalogue")
    return found[0]


KNOWN = [
    Mistake("ws_no_bias", L01, "weighted_sum", "bias forgotten", (
        Style("a Python loop over the products, float accumulator", '''
def weighted_sum(x, w, b):
    total = 0.0
    for x_j, w_j in zip(x, w):
        total += float(x_j) * float(w_j)
    return total
'''),
        Style("np.sum of np.multiply on float64 arrays", '''
def weighted_sum(x, w, b):
    inputs = np.asarray(x, dtype=float)
    weights = np.asarray(w, dtype=float)
    return np.sum(np.multiply(inputs, weights))
'''),
        Style("the builtin sum over a generator", '''
def weighted_sum(x, w, b):
    return float(sum(weight * value for weight, value in zip(np.asarray(w, dtype=float), np.asarray(x, dtype=float))))
'''),
        Style("np.dot with x first, z named", '''
def weighted_sum(x, w, b):
    z = np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float))
    return float(z)
'''),
    )),
    Mistake("step_strict", L01, "step", "step(0) is 0: > instead of >=", (
        Style("boolean comparison cast to float", '''
def step(z):
    return (np.asarray(z) > 0).astype(float)
'''),
        Style("np.heaviside with 0 at 0", '''
def step(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.0)
'''),
        Style("a loop over every entry", '''
def step(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros(z.shape)
    for index, value in np.ndenumerate(z):
        out[index] = 1.0 if value > 0 else 0.0
    return out
'''),
    )),
    Mistake("layer_no_bias", L02, "layer_forward", "bias forgotten", (
        Style("np.dot with np.transpose", '''
def layer_forward(A_prev, W, b, g):
    Z = np.dot(np.asarray(A_prev, dtype=float), np.transpose(np.asarray(W, dtype=float)))
    return g(Z)
'''),
        Style("a loop over the units, stacked", '''
def layer_forward(A_prev, W, b, g):
    A_prev = np.asarray(A_prev, dtype=float)
    columns = [A_prev @ np.asarray(w_unit, dtype=float) for w_unit in W]
    return g(np.stack(columns, axis=-1))
'''),
        Style("np.einsum", '''
def layer_forward(A_prev, W, b, g):
    return g(np.einsum("...i,ji->...j", np.asarray(A_prev, dtype=float), np.asarray(W, dtype=float)))
'''),
    )),
    Mistake("count_weights_only", L02, "count_parameters", "weights only", (
        Style("a loop over the layers", '''
def count_parameters(sizes):
    total = 0
    for l in range(1, len(sizes)):
        total += sizes[l - 1] * sizes[l]
    return total
'''),
        Style("np.dot of the widths, cast to int", '''
def count_parameters(sizes):
    sizes = np.asarray(sizes, dtype=np.int64)
    return int(np.dot(sizes[:-1], sizes[1:]))
'''),
    )),
    Mistake("relu_prime_at_zero", L03, "relu_prime", "1 at z = 0", (
        Style("comparison times 1.0", '''
def relu_prime(z):
    return (np.asarray(z, dtype=float) >= 0) * 1.0
'''),
        Style("np.heaviside with 1 at 0", '''
def relu_prime(z):
    return np.heaviside(np.asarray(z, dtype=float), 1.0)
'''),
        Style("a loop over the flattened entries", '''
def relu_prime(z):
    z = np.asarray(z, dtype=float)
    slopes = [1.0 if value >= 0 else 0.0 for value in z.ravel()]
    return np.array(slopes).reshape(z.shape)
'''),
    )),
    Mistake("tanh_prime_unsquared", L03, "tanh_prime", "1 - tanh(z), not squared", (
        Style("t named, in the input's dtype", '''
def tanh_prime(z):
    t = np.tanh(z)
    return 1.0 - t
'''),
        Style("a loop over the entries of tanh(z)", '''
def tanh_prime(z):
    t = np.tanh(np.asarray(z))
    slopes = np.empty(t.shape, dtype=t.dtype)
    for index, value in np.ndenumerate(t):
        slopes[index] = 1 - value
    return slopes
'''),
        Style("np.subtract", '''
def tanh_prime(z):
    return np.subtract(1, np.tanh(z))
'''),
    )),
    Mistake("mse_sum", L04, "mse", "sum instead of mean", (
        Style("a loop over the examples", '''
def mse(y_hat, y):
    total = 0.0
    for predicted, target in zip(np.asarray(y_hat, dtype=float), np.asarray(y, dtype=float)):
        total += np.sum((predicted - target) ** 2)
    return float(total)
'''),
        Style("np.vdot of the difference with itself", '''
def mse(y_hat, y):
    diff = np.subtract(y_hat, y, dtype=float)
    return float(np.vdot(diff, diff))
'''),
        Style("np.square(...).sum()", '''
def mse(y_hat, y):
    return float(np.square(np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)).sum())
'''),
    )),
    Mistake("one_hot_transposed", L04, "one_hot", "transposed", (
        Style("a loop filling a (k, m) array", '''
def one_hot(y, k):
    labels = np.asarray(y, dtype=int)
    Y = np.zeros((k, len(labels)))
    for i, label in enumerate(labels):
        Y[label, i] = 1.0
    return Y
'''),
        Style("a comparison with a column of classes", '''
def one_hot(y, k):
    return (np.arange(k).reshape(-1, 1) == np.asarray(y, dtype=int)).astype(float)
'''),
        Style("columns of the identity", '''
def one_hot(y, k):
    return np.identity(k)[:, np.asarray(y, dtype=int)]
'''),
    )),
    Mistake("derivative_over_eps", L05, "numerical_derivative", "divides by eps, not 2 eps", (
        Style("two named values", '''
def numerical_derivative(J, w, eps=1e-4):
    up = J(w + eps)
    down = J(w - eps)
    return (up - down) / eps
'''),
        Style("a helper lambda", '''
def numerical_derivative(J, w, eps=1e-4):
    slope = lambda f, x, h: (f(x + h) - f(x - h)) / h
    return slope(J, w, eps)
'''),
    )),
    Mistake("gd_ascent", L05, "gradient_descent", "gradient ascent", (
        Style("a preallocated history", '''
def gradient_descent(grad, w0, alpha, n_steps):
    w = np.array(w0, dtype=float)
    history = np.zeros((n_steps + 1,) + w.shape)
    history[0] = w
    for k in range(1, n_steps + 1):
        w = w + alpha * np.asarray(grad(w), dtype=float)
        history[k] = w
    return history
'''),
        Style("a while loop on a list of points", '''
def gradient_descent(grad, w0, alpha, n_steps):
    points = [np.array(w0, dtype=float)]
    while len(points) <= n_steps:
        current = points[-1]
        points.append(current + alpha * np.asarray(grad(current), dtype=float))
    return np.array(points)
'''),
    )),
    Mistake("owg_sign", L06, "output_weight_gradient", "sign flipped", (
        Style("three named factors", '''
def output_weight_gradient(actual, output, input_):
    error = actual - output
    slope = output * (1 - output)
    return error * slope * input_
'''),
        Style("the minus sign on the wrong difference", '''
def output_weight_gradient(actual, output, input_):
    return -(output - actual) * output * (1 - output) * input_
'''),
    )),
    Mistake("rd_sum_of_norms", L06, "relative_difference", "||a|| + ||b|| in the denominator", (
        Style("square roots of sums of squares", '''
def relative_difference(a, b):
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    top = np.sqrt(np.sum((a - b) ** 2))
    bottom = np.sqrt(np.sum(a ** 2)) + np.sqrt(np.sum(b ** 2))
    return top / bottom
'''),
        Style("np.linalg.norm of np.subtract", '''
def relative_difference(a, b):
    diff = np.linalg.norm(np.subtract(a, b, dtype=float))
    return diff / (np.linalg.norm(np.ravel(a).astype(float)) + np.linalg.norm(np.ravel(b).astype(float)))
'''),
    )),
]

NEW = [
    Mistake("ws_bias_twice", L01, "weighted_sum", None, (
        Style("np.dot plus b plus b", '''
def weighted_sum(x, w, b):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    return float(np.dot(w, x) + b + b)
'''),
        Style("a loop that starts at b and adds b at the end", '''
def weighted_sum(x, w, b):
    z = float(b)
    for x_j, w_j in zip(x, w):
        z += float(w_j) * float(x_j)
    return z + b
'''),
        Style("np.sum of products plus 2 * b", '''
def weighted_sum(x, w, b):
    return float(np.sum(np.multiply(np.asarray(w, dtype=float), np.asarray(x, dtype=float))) + 2 * b)
'''),
    ), "the bias added twice: w . x + 2 b"),
    Mistake("leaky_relu", L03, "relu", None, (
        Style("np.maximum(0.01 z, z)", '''
def relu(z):
    z = np.asarray(z, dtype=float)
    return np.maximum(0.01 * z, z)
'''),
        Style("np.where", '''
def relu(z):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.01 * z)
'''),
        Style("a loop over every entry", '''
def relu(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index, value in np.ndenumerate(z):
        out[index] = value if value > 0 else 0.01 * value
    return out
'''),
    ), "a leaky relu: 0.01 z for z < 0"),
    Mistake("mse_squared_sum", L04, "mse", None, (
        Style("np.sum of the errors, squared, over m", '''
def mse(y_hat, y):
    d = np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)
    return float(np.sum(d) ** 2 / len(d))
'''),
        Style("a loop adding up the errors, then squaring", '''
def mse(y_hat, y):
    total = 0.0
    for predicted, target in zip(np.asarray(y_hat, dtype=float), np.asarray(y, dtype=float)):
        total += np.sum(predicted - target)
    return float(total * total / len(y))
'''),
        Style("np.square of the .sum() over the number of rows", '''
def mse(y_hat, y):
    return float(np.square(np.subtract(y_hat, y, dtype=float).sum()) / np.shape(y)[0])
'''),
    ), "the square of the summed errors: (sum of y_hat - y)**2 / m"),
]

MISTAKES = {m.key: m for m in KNOWN + NEW}

# Students with two known mistakes: (lesson, (mistake key, style index), ...).
# Their styles are the last of each mistake's styles; the single students take the others.
DOUBLE = [
    (L01, ("ws_no_bias", 3), ("step_strict", 2)),
    (L03, ("relu_prime_at_zero", 2), ("tanh_prime_unsquared", 2)),
    (L04, ("mse_sum", 2), ("one_hot_transposed", 2)),
]
IN_DOUBLE = {(key, index) for _, *plants in DOUBLE for key, index in plants}

# Correct answers written differently (the catalogue's CORRECT variants), used by some correct hand-ins.
CORRECT_STYLES = {
    L01: ("weighted_sum", "a loop over the inputs"),
    L02: ("layer_forward", "loop over units"),
    L03: ("softmax", "loop over rows"),
    L04: ("cross_entropy", "scipy.special.xlogy"),
    L05: ("numerical_gradient", "identity matrix rows"),
    L06: ("relative_difference", "sums of squares"),
}
CORRECT_PER_LESSON = {L01: 5, L02: 4, L03: 4, L04: 4, L05: 4, L06: 5}


def correct_variant(lesson, function, name):
    found = [v for v in catalogue(lesson).CORRECT if v.function == function and v.name == name]
    assert len(found) == 1, f"{lesson}: no correct variant {name!r} of {function} in the catalogue"
    return found[0]


def hand_ins():
    """The class, in a fixed order: a list of HandIn."""
    result, number = [], 0

    def student():
        nonlocal number
        number += 1
        return f"student{number:02d}"

    for mistake in KNOWN + NEW:
        for index, style in enumerate(mistake.styles):
            if (mistake.key, index) not in IN_DOUBLE:
                result.append(HandIn(student(), mistake.lesson, (Plant(mistake, style),),
                                     {mistake.function: style.code}))
    for lesson, *plants in DOUBLE:
        planted = tuple(Plant(MISTAKES[key], MISTAKES[key].styles[index]) for key, index in plants)
        assert len({p.mistake.function for p in planted}) == len(planted)
        result.append(HandIn(student(), lesson, planted, {p.mistake.function: p.style.code for p in planted}))
    planted_by_lesson = {}
    for hand_in in result:
        planted_by_lesson.setdefault(hand_in.lesson, []).append(hand_in.student)
    others = [h.student for h in result]
    for lesson, count in CORRECT_PER_LESSON.items():
        elsewhere = [s for s in others if s not in planted_by_lesson.get(lesson, [])]
        for i in range(count):
            # every other correct hand-in is by a student who made a mistake in another lesson
            name = elsewhere[(7 * i + len(lesson) + int(lesson[:2])) % len(elsewhere)] if i % 2 else student()
            replace = {}
            if i == 1:
                function, variant_name = CORRECT_STYLES[lesson]
                replace[function] = correct_variant(lesson, function, variant_name).code
            result.append(HandIn(name, lesson, (), replace))
    keys = [(h.student, h.lesson) for h in result]
    assert len(keys) == len(set(keys)), "a student hands in a lesson twice"
    return result


def build(submissions):
    """Write the class into SUBMISSIONS/<student>/<lesson>/; return hand_ins()."""
    class_ = hand_ins()
    for hand_in in class_:
        nb = sample_class.submission(hand_in.lesson, replace=hand_in.replace)
        sample_class.write(submissions, hand_in.student, hand_in.lesson, nb)
    return class_


# Inputs for comparing a style with the catalogue's code in plain Python:
# {function: [(args, kwargs), ...]}, like the lessons' tests (lists, ints,
# float32, zeros, one example, large values), from fixed seeds. For the
# functions of the NEW mistakes they start with the first checks of the
# function's test, in order: a test stops at its first failed check, so the
# grader sees a function only on the inputs up to that one.
def inputs(function):
    import nnlib

    rng = np.random.default_rng(2026)
    f32 = np.float32
    if function == "weighted_sum":
        cases = [((np.array([1.0, 0.4, 2.0]), np.array([-1.0, 0.2, 1.0]), b), {}) for b in (0.0, 0.5, -2.0)]
        cases += [((rng.normal(size=n), rng.normal(size=n), float(rng.normal())), {}) for n in (1, 3, 7, 400)]
        cases += [((rng.normal(size=20).astype(f32), rng.normal(size=20).astype(f32), f32(-0.75)), {}),
                  (([2, -1, 3], (1, 4, 0.5), 1), {}), (([0.0, 0.0, 0.0], [5.0, -3.0, 2.0], -1.25), {})]
        return cases
    if function in ("step", "relu_prime", "relu", "tanh_prime"):
        arrays = [np.array([-2.0, -0.5, 0.0, 0.5, 2.0])] + [rng.normal(size=s) for s in [(1,), (10,), (4, 5), (2, 3, 4)]]
        for a in arrays:
            a.flat[0] = 0.0
        arrays += [rng.normal(scale=4, size=(3, 4)).astype(f32), np.array([-3, 0, 5]),
                   np.array([-1e300, 1e300, -1e-300, 1e-300]), np.array([[-1.0, 0.0, 3.0], [2.0, -0.1, -7.0]])]
        numbers = [0.0, -4.0, 7.5, np.float64(-0.25), np.float64(0.0), 3]
        return [((a,), {}) for a in arrays + numbers]
    if function == "layer_forward":
        cases = []
        for g in (nnlib.identity, nnlib.sigmoid, np.tanh):
            for shape_a, n in (((5, 3), 4), ((3,), 2), ((1, 2), 1)):
                cases.append(((rng.normal(size=shape_a), rng.normal(size=(n, shape_a[-1])), rng.normal(size=n), g), {}))
        cases.append(((rng.normal(size=(6, 3)).astype(f32), rng.normal(size=(4, 3)).astype(f32),
                       rng.normal(size=4).astype(f32), nnlib.sigmoid), {}))
        return cases
    if function == "count_parameters":
        return [((sizes,), {}) for sizes in ([400, 25, 10], [2, 1], [3, 3, 3, 3], [784, 100, 10], [1, 1],
                                            [7, 5, 3, 2], (400, 25, 10), [int(n) for n in rng.integers(1, 50, 6)])]
    if function == "mse":
        cases = [((np.array([5.0]), np.array([2.0])), {}), ((np.array([3.0, 0.0, 6.0]), np.array([2.0, 2.0, 3.0])), {}),
                 ((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [3.0, 1.0]])), {})]
        cases += [((rng.normal(size=n), rng.normal(size=n)), {}) for n in (1, 5, 40)]
        cases += [((rng.normal(size=(6, 3)), rng.normal(size=(6, 3))), {}),
                  (([1.0, 2.0, 3.0], [1.5, 2.0, 2.0]), {}), (([1, 2], [1, 2]), {}),
                  ((rng.normal(size=8).astype(f32), rng.normal(size=8).astype(f32)), {})]
        return cases
    if function == "one_hot":
        return [(([0, 2, 1, 2], 3), {}), ((np.array([3, 0, 9, 5]), 10), {}), (([1], 4), {}),
                ((rng.integers(0, 10, 25), 10), {}), (((0, 1, 1, 0), 2), {})]
    if function == "numerical_derivative":
        functions = [lambda w: w ** 3, np.sin, lambda w: np.exp(w) - 2 * w, lambda w: (w - 3) ** 2]
        return ([((J, w), {}) for J in functions for w in (0.0, 0.7, -2.0, 3.0)]
                + [((J, 1.3), {"eps": eps}) for J in functions for eps in (1e-3, 1e-6)]
                + [((np.cos, 0.5, 1e-2), {})])
    if function == "gradient_descent":
        grads = [lambda w: 2 * (w - 3), lambda w: np.array([2 * w[0], 8 * w[1]]), lambda w: np.cos(w)]
        starts = [0.0, np.array([1.0, -1.0]), np.array([0.5, 2.0, -1.0])]
        return [((grad, w0, alpha, n), {}) for grad, w0 in zip(grads, starts)
                for alpha in (0.1, 0.01) for n in (0, 1, 25)] + [((grads[1], [2, 3], 0.05, 10), {})]
    if function == "output_weight_gradient":
        return [((a, o, x), {}) for a, o, x in [(0.0, 0.77, 0.73), (1.0, 0.77, 0.73), (0.0, 0.5, 2.0),
                                                (0.3, 0.3, 5.0), (1.0, 0.2, 0.0), (1, 0.25, -3),
                                                (f32(0.0), f32(0.77), f32(0.73))]]
    if function == "relative_difference":
        cases = []
        for shape in [(1,), (7,), (4, 3), (2, 3, 4)]:
            a = rng.normal(size=shape)
            cases += [((a, rng.normal(size=shape)), {}), ((a, a + 1e-9 * rng.normal(size=shape)), {})]
        cases += [((np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])), {}),
                  (([1.0, 2.0, 3.0], [1.5, 2.0, 2.5]), {}), (([[1, 2], [3, 4]], [[1, 2], [3, 5]]), {}),
                  ((rng.normal(size=10).astype(f32), rng.normal(size=10).astype(f32)), {}),
                  ((np.zeros(3), np.zeros(3)), {})]
        return cases
    raise KeyError(f"no inputs for {function}")
