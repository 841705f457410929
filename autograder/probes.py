"""Outside checks: the grader's own test of every graded function.

For each lesson and graded function, a probe lists calls (arguments the
grader chose) and how to judge the results. The student's kernel runs the
calls (`probe_runtime.run`) and saves the results; the grader reads them
back as plain arrays and judges them here, in its own process, against
nnlib's reference implementations. A test cell keeps its points only if
every graded function it uses also passes its probe, so nothing done
inside the kernel can earn credit that the code did not.
"""
import ast
import inspect
import textwrap
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import nbformat
import numpy as np

import nnlib
from nnlib import checks

from . import probe_runtime
from .probe_runtime import decode
from .release import SOLUTIONS

MAX_RESULT_BYTES = 64 * 1024**2   # a probe's results file is read only below this size


@dataclass
class Probe:
    """Calls of one graded function and the rule that judges their results.

    calls:     list of (args, kwargs), encoded for `probe_runtime.decode`
    reference: nnlib's version of the function
    judge:     judge(results, calls) -> message or None; each result is the
               function's value, or a `Failure` if it raised or warned
    """
    calls: list
    reference: Callable
    judge: Callable = None
    rtol: float = checks.RTOL
    atol: float = checks.ATOL
    no_warnings: bool = False
    references: list = field(default=None, repr=False)


@dataclass
class Failure:
    what: str  # "raised ...", "warned ...", "returned None", ...


def _rng(seed):
    return np.random.default_rng(seed)


def _params(sizes, rng, scale=1.0):
    return [(rng.normal(0, scale, (n, n_prev)), rng.normal(0, scale, n))
            for n_prev, n in zip(sizes[:-1], sizes[1:])]


def _one_hot(y, k):
    return np.eye(k)[y]


# ---------------------------------------------------------------- judges

def judge_close(probe, name, results):
    """Every result is close to the reference's value on the same call."""
    for i, (result, expected) in enumerate(zip(results, probe.references)):
        if isinstance(result, Failure):
            return f"{name}(...) {result.what} on the grader's input {i + 1}"
        message = checks.compare(result, expected, f"{name}(...) on the grader's input {i + 1}",
                                  probe.rtol, probe.atol)
        if message:
            return message
    return None


def judge_xor(probe, name, results):
    (params,) = results
    if isinstance(params, Failure):
        return f"xor_params() {params.what}"
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    try:
        out = nnlib.forward(X, [(np.asarray(W, float), np.asarray(b, float)) for W, b in params],
                            nnlib.step)
    except Exception as error:
        return f"xor_params() returned parameters that do not make a 2-2-1 network ({error})"
    if np.asarray(out).shape != (4, 1) or [np.shape(W) for W, _b in params] != [(2, 2), (1, 2)]:
        return "xor_params() should return a 2-2-1 network: W shapes (2, 2) and (1, 2)"
    if not np.array_equal(np.asarray(out).ravel(), [0, 1, 1, 0]):
        return f"xor_params() computes {np.asarray(out).ravel().tolist()} on {{0,1}}^2, not XOR [0, 1, 1, 0]"
    return None


def _same(p, q):
    return all(np.array_equal(np.asarray(a, float), np.asarray(b, float))
               for (Wp, bp), (Wq, bq) in zip(p, q) for a, b in ((Wp, Wq), (bp, bq)))


def judge_random_init(probe, name, results):
    """Shapes, uniform spread on [-epsilon, epsilon], and the seed's effect."""
    for i, ((args, kwargs), params) in enumerate(zip(probe.calls, results)):
        if isinstance(params, Failure):
            return f"random_init(...) {params.what} on the grader's input {i + 1}"
        sizes, epsilon = args[0], kwargs.get("epsilon", args[1] if len(args) > 1 else 0.12)
        where = f"random_init({sizes}, epsilon={epsilon})"
        shapes = [(tuple(np.shape(W)), tuple(np.shape(b))) for W, b in params]
        if shapes != [((n, p), (n,)) for p, n in zip(sizes[:-1], sizes[1:])]:
            return f"{where} gave parameters of shapes {shapes}"
        for W, b in params:
            W, b = np.asarray(W, float), np.asarray(b, float)
            target = epsilon / np.sqrt(3)
            if (not np.all(np.isfinite(W)) or np.abs(W).max() > epsilon or np.abs(b).max() > epsilon
                    or W.min() > -epsilon / 2 or W.max() < epsilon / 2
                    or abs(W.std() / target - 1) > max(0.05, 5 * np.sqrt(0.2 / W.size))
                    or abs(W.mean()) > 5 * target / np.sqrt(W.size)
                    or len(np.unique(W, axis=0)) != W.shape[0]):
                return f"{where} does not draw weights uniformly from [-epsilon, epsilon]"
    if not _same(results[0], results[1]):
        return "random_init with two generators of the same seed gave different weights"
    if _same(results[2], results[3]):
        return "random_init with rng=None gave the same weights twice"
    return None


def judge_train(probe, name, results):
    """Trained about as well as nnlib's train (another optimizer or starting
    point may do better), reproducibly, and maxiter is used."""
    for i, params in enumerate(results):
        if isinstance(params, Failure):
            return f"train(...) {params.what} on the grader's input {i + 1}"
    X, y, sizes = probe.calls[0][0][:3]
    Y = _one_hot(y, sizes[-1])
    try:
        trained = [[(np.asarray(W, float), np.asarray(b, float)) for W, b in p] for p in results]
        costs = [nnlib.nn_cost(p, X, Y, 1.0) for p in trained]
        accuracy = nnlib.accuracy(nnlib.predict(trained[0], X), y)
    except Exception as error:
        return f"train(...) did not return params a network can use ({type(error).__name__}: {error})"
    J_ref = nnlib.nn_cost(probe.references[0], X, Y, 1.0)
    if costs[0] > max(0.7, 1.5 * J_ref) or accuracy < 0.9:   # the notebook's own bounds
        return (f"train(...) reached cost {costs[0]:.3f} and training accuracy {accuracy:.1%} "
                f"where nnlib's train reaches {J_ref:.3f}")
    if not all(np.allclose(a, b, rtol=1e-9, atol=1e-12)
               for (Wp, bp), (Wq, bq) in zip(trained[0], trained[1]) for a, b in ((Wp, Wq), (bp, bq))):
        return "train(...) gave different parameters for the same rng"
    if not costs[2] > costs[0] + 0.3:
        return f"train(...) with maxiter=2 reached cost {costs[2]:.3f}, so it ignores maxiter"
    return None


# ---------------------------------------------------------------- probes

def _lesson_01():
    r = _rng(101)
    x, w = r.normal(size=7), r.normal(size=7)
    z = np.concatenate([r.normal(0, 5, 12), [-1000.0, 1000.0, -745.2, 745.2, -0.0, 0.0]])
    return {
        "weighted_sum": Probe([((x, w, 0.3), {}), ((r.normal(size=1), r.normal(size=1), -2.0), {}),
                               ((x.tolist(), w.tolist(), 0.0), {})], nnlib.weighted_sum),
        "step": Probe([((np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0]),), {}), ((0.0,), {}), ((-0.5,), {}),
                       ((r.normal(size=(3, 4)),), {})], nnlib.step, rtol=0, atol=0),
        "sigmoid": Probe([((z,), {}), ((z.reshape(3, 6),), {}), ((-1000.0,), {}), ((0.25,), {})],
                         nnlib.sigmoid, atol=1e-12, no_warnings=True),
        "unit_output": Probe([((x, w, 0.5, ("fn", "tanh")), {}), ((x, w, -1.0, ("fn", "identity")), {}),
                              ((x, w, 0.1, ("fn", "logistic")), {})], nnlib.unit_output),
    }


def _lesson_02():
    r = _rng(102)
    params = _params([4, 5, 3, 2], r, 0.7)
    linear = _params([3, 4, 4, 2], r)
    return {
        "layer_forward": Probe([((r.normal(size=(6, 4)), params[0][0], params[0][1], ("fn", "tanh")), {}),
                                ((r.normal(size=4), params[0][0], params[0][1], ("fn", "logistic")), {}),
                                ((r.normal(size=(1, 5)), params[1][0], params[1][1], ("fn", "identity")), {})],
                               nnlib.layer_forward),
        "forward": Probe([((r.normal(size=(7, 4)), params, ("fn", "tanh")), {}),
                          ((r.normal(size=(2, 4)), params, ("fn", "logistic")), {}),
                          ((r.normal(size=(3, 3)), linear[:1], ("fn", "identity")), {})], nnlib.forward),
        "count_parameters": Probe([(([400, 25, 10],), {}), (([3, 7, 5, 2],), {}), (([8, 1],), {})],
                                  nnlib.count_parameters, rtol=0, atol=0),
        "collapse_linear": Probe([((linear,), {}), ((linear[:2],), {}), ((linear[:1],), {})],
                                 nnlib.collapse_linear),
        "xor_params": Probe([((), {})], nnlib.xor_params, judge=judge_xor),
    }


def _lesson_03():
    r = _rng(103)
    z = np.concatenate([r.normal(0, 3, 15), [0.0, -0.0, 1e-12, -1e-12, 30.0, -30.0]])
    Z = r.normal(0, 3, (5, 4))
    return {
        "relu": Probe([((z,), {}), ((z.reshape(3, 7),), {}), ((-1.5,), {}), ((0.0,), {})], nnlib.relu),
        "sigmoid_prime": Probe([((z,), {}), ((Z,), {}), ((0.0,), {})], nnlib.sigmoid_prime),
        "tanh_prime": Probe([((z,), {}), ((Z,), {}), ((0.7,), {})], nnlib.tanh_prime),
        "relu_prime": Probe([((z,), {}), ((Z,), {}), ((0.0,), {}), ((2.0,), {})], nnlib.relu_prime,
                            rtol=0, atol=0),
        "softmax": Probe([((Z,), {}), ((Z * 400 + 1000,), {}), ((np.array([[1000.0, 1000.0, -1000.0]]),), {})],
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
        "mse": Probe([((r.normal(size=8), r.normal(size=8)), {}), ((r.normal(size=(5, 2)), r.normal(size=(5, 2))), {}),
                      (([1.0, 2.0], [1.5, 2.0]), {})], nnlib.mse),
        "one_hot": Probe([((y, 4), {}), ((y, 6), {}), ((np.array([2]), 3), {})], nnlib.one_hot, rtol=0, atol=0),
        "cross_entropy": Probe([((H, _one_hot(y, 4)), {}), ((H[:, :1], (y[:, None] == 1) * 1.0), {})],
                               nnlib.cross_entropy),
        "l2_penalty": Probe([((params, 0.7, 6), {}), ((params, 0.0, 3), {}), ((params[:1], 2.5, 11), {})],
                            nnlib.l2_penalty),
        "nn_cost": Probe([((params, X, Y, 0.0), {}), ((params, X, Y, 1.5), {})], nnlib.nn_cost),
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
        "numerical_derivative": Probe([((("fn", "wave", 3.0, 0.5), 0.4), {}),
                                       ((("fn", "poly", [1.0, -2.0, 0.0, 1.5]), -1.3), {}),
                                       ((("fn", "wave", 1.0, 2.0), 2.0), {"eps": 1e-3}),
                                       ((("fn", "poly", [0.0, 0.0, 0.0, 1.0]), 1.0), {"eps": 0.1})],  # 3.01
                                      nnlib.numerical_derivative),
        "numerical_gradient": Probe([((("fn", "wave", 3.0, 0.5), w), {}), ((poly, w), {"eps": 1e-3}),
                                     ((poly, r.normal(size=3)), {"eps": 1e-3})],
                                    nnlib.numerical_gradient),
        "gradient_descent": Probe([((("fn", "quadratic_grad", A, [1.0, -2.0]), np.array([2.0, 1.0]), 0.1, 12), {}),
                                   ((("fn", "quadratic_grad", A, [0.0, 0.0]), np.array([-1.0, 3.0]), 0.6, 5), {})],
                                  nnlib.gradient_descent),
        "fit_linear": Probe([((x, 2.5 * x + 4 + r.normal(0, 0.3, 25), 0.1, 30), {}),
                             (([1.0, 2.0, 3.0], [2.0, 4.0, 6.5], 0.05, 5), {})], nnlib.fit_linear),
    }


def _lesson_06():
    r = _rng(106)
    params = _params([5, 4, 3], r, 0.5)
    X = r.normal(size=(6, 5))
    Y = _one_hot(r.integers(0, 3, 6), 3)
    deep = _params([3, 4, 4, 2], r, 0.5)
    X2, Y2 = r.normal(size=(5, 3)), _one_hot(r.integers(0, 2, 5), 2)
    return {
        "output_weight_gradient": Probe([((0.0, 0.77, 0.73), {}), ((1.0, 0.35, -1.2), {}),
                                         ((np.array([0.0, 1.0]), np.array([0.2, 0.9]), np.array([1.5, 0.3])), {})],
                                        nnlib.output_weight_gradient),
        "backprop": Probe([((params, X, Y, 0.0), {}), ((params, X, Y, 2.0), {}), ((deep, X2, Y2, 0.5), {})],
                          nnlib.backprop, rtol=1e-6, atol=1e-9),
        "relative_difference": Probe([((r.normal(size=6), r.normal(size=6)), {}),
                                      ((np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7])), {})],
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
    return {
        "random_init": Probe([(([30, 20, 5],), {"rng": ("rng", 3), "epsilon": 0.5}),
                              (([30, 20, 5],), {"rng": ("rng", 3), "epsilon": 0.5}),
                              (([100, 40, 10],), {"rng": None}), (([100, 40, 10],), {"rng": None}),
                              (([400, 25, 10], 0.12, ("rng", 9)), {})],
                             nnlib.random_init, judge=judge_random_init),
        "predict": Probe([((params, X), {}), ((params, X[:7]), {})],
                         nnlib.predict, rtol=0, atol=0),
        "accuracy": Probe([((y_pred, y_true), {}), ((y_true, y_true), {}), (([1, 2, 3], [1, 0, 3]), {})],
                          nnlib.accuracy),
        "train": Probe([((X, y, [400, 25, 10], 1.0, 20, 0), {}), ((X, y, [400, 25, 10], 1.0, 20, 0), {}),
                        ((X, y, [400, 25, 10], 1.0, 2, 0), {})], nnlib.train, judge=judge_train),
        "confusion_matrix": Probe([((y_true, y_pred, 7), {}), (([0, 1, 1], [1, 1, 0], 3), {})],
                                  nnlib.confusion_matrix, rtol=0, atol=0),
        "precision_recall_f1": Probe([((cm,), {}), ((np.zeros((3, 3), dtype=int),), {}),
                                      (([[0, 4], [0, 6]],), {})],
                                     nnlib.precision_recall_f1, no_warnings=True),
    }


LESSONS = {"01_single_unit": _lesson_01, "02_hidden_layers": _lesson_02, "03_activations": _lesson_03,
           "04_cost": _lesson_04, "05_gradient_descent": _lesson_05, "06_backprop": _lesson_06,
           "07_digits": _lesson_07}


def names_in(source):
    """The Python names a cell uses (empty if it is not valid Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


@lru_cache(maxsize=None)
def functions_tested(lesson):
    """{test cell's grade id: the graded functions whose probes guard it}.

    Read from the lesson's source notebook, not from the submission (whose
    cells a student can move): a test cell is guarded by the exercise it
    follows and by every graded function it names.
    """
    nb = nbformat.read(SOLUTIONS / lesson / f"{lesson}.ipynb", as_version=4)
    probed, tested, current = set(probes(lesson)), {}, None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution") and meta.get("grade_id") in probed:
            current = meta["grade_id"]
        elif meta.get("grade"):
            tested[meta["grade_id"]] = (names_in(cell.source) & probed) | ({current} if current else set())
    return tested


@lru_cache(maxsize=None)
def probes(lesson):
    """The probes of a lesson, with their reference results computed."""
    table = LESSONS[lesson]()
    for probe in table.values():
        probe.references = [probe.reference(*decode(args), **decode(kwargs))
                            for args, kwargs in probe.calls]
    return table


def inputs(lesson):
    """What the kernel needs: each function's encoded calls (to pickle)."""
    return {name: probe.calls for name, probe in probes(lesson).items()}


def cell_source(lesson, name, inputs_path, out_path):
    """A code cell that runs the probe of `name` in the student's kernel.

    It defines everything inside one function, so the student's names are
    neither used nor changed, and it blocks nnlib's reference version of
    the exercise while the student's function runs, as the tests do.
    """
    reference = probes(lesson)[name].reference
    body = textwrap.indent(inspect.getsource(probe_runtime), "    ")
    return (f"def __grader_probe__():\n{body}\n"
            "    import importlib\n"
            f"    module = importlib.import_module({reference.__module__!r})\n"
            f"    run({name!r}, {str(inputs_path)!r}, {str(out_path)!r}, globals(),\n"
            f"        [getattr(module, {reference.__name__!r})])\n"
            "__grader_probe__()\n"
            "del __grader_probe__\n")


# ---------------------------------------------------------------- reading results

def _unflatten(arrays):
    """Rebuild each call's result from the keys written by `flatten`."""
    results = {}
    for key, value in arrays.items():
        path, _, marker = key.partition("!")
        parts = path.split("/")
        call = int(parts[0])
        if marker == "error":
            results[call] = Failure(f"raised {value}")
            continue
        if marker == "warning":
            continue
        leaf = {"empty": [], "none": None, "type": Failure(f"returned a {value}")}.get(marker, value)
        if len(parts) == 1:
            results.setdefault(call, leaf)
            continue
        node = results.setdefault(call, [])
        if not isinstance(node, list):
            continue
        for index in parts[1:-1]:
            index = int(index)
            node.extend([] for _ in range(index + 1 - len(node)))
            if not isinstance(node[index], list):
                node[index] = []
            node = node[index]
        index = int(parts[-1])
        node.extend(None for _ in range(index + 1 - len(node)))
        node[index] = leaf
    return results


def _nested_failure(value):
    if isinstance(value, Failure):
        return value
    if isinstance(value, list):
        for item in value:
            found = _nested_failure(item)
            if found:
                return found
    return None


def read_results(path, n_calls):
    """The results of `n_calls` calls saved by `probe_runtime.run`, read
    without trusting the file: arrays only, size bounded."""
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_RESULT_BYTES:
                raise ValueError("results too large")
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except FileNotFoundError:
        return None
    except Exception as error:
        return [Failure(f"left unreadable results ({type(error).__name__})")] * n_calls
    results = _unflatten(arrays)
    warned = {int(k.split("!")[0]) for k in arrays if k.endswith("!warning")}
    out = []
    for call in range(n_calls):
        value = results.get(call, Failure("returned nothing"))
        if value is None:
            value = Failure("returned None")
        value = _nested_failure(value) or value
        out.append((value, call in warned and str(arrays[f"{call}!warning"])))
    return out


def judge(lesson, name, path):
    """None if `name` passed its probe (results saved at `path`), else why not."""
    probe = probes(lesson)[name]
    saved = read_results(path, len(probe.calls))
    if saved is None:
        return f"{name} was not checked: the notebook did not run the grader's check of it"
    if probe.no_warnings:
        for i, (_value, warning) in enumerate(saved):
            if warning:
                return f"{name}(...) warned '{warning}' on the grader's input {i + 1}"
    results = [value for value, _warning in saved]
    return (probe.judge or judge_close)(probe, name, results)
