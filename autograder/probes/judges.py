"""The judges: read what a probe saved in the kernel and decide, in the grader's process.

`read_results` reads the manifest and arrays written by `runtime.run`
without trusting them (JSON and arrays only, sizes bounded); `judge`
gives None when the function passed its probe, else why not. The rules
are nnlib.checks' own: `compare` for values, the lesson 07 validators for
random parameters and training, so a probe fails a function for the same
reasons as the lesson's hidden tests.
"""
import json
import zipfile
from dataclasses import dataclass

import numpy as np

import nnlib
from nnlib import checks

MAX_MANIFEST_BYTES = 1024**2      # a probe's manifest is read only below this size
MAX_RESULT_BYTES = 64 * 1024**2   # and its arrays only below this one
MAX_DEPTH = 20                    # nesting of lists in a result


@dataclass
class Failure:
    what: str  # "raised ...", "returned None", ...


# ---------------------------------------------------------------- the rules

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
    """Shapes and values as lesson 07's tests check them, and the seed's effect."""
    for i, ((args, kwargs), params) in enumerate(zip(probe.calls, results)):
        if isinstance(params, Failure):
            return f"random_init(...) {params.what} on the grader's input {i + 1}"
        sizes, epsilon = args[0], kwargs.get("epsilon", args[1] if len(args) > 1 else 0.12)
        where = f"random_init({sizes}, epsilon={epsilon})"
        try:
            checks.check_param_shapes(params, sizes, where)
            checks.check_param_values(params, epsilon, where)
        except checks.CheckFailed as failure:
            return str(failure)
    if not _same(results[0], results[1]):
        return "random_init with two generators of the same seed gave different weights"
    if _same(results[2], results[3]):
        return "random_init with rng=None gave the same weights twice"
    return None


def judge_train(probe, name, results):
    """Trained about as well as nnlib's train (another optimizer or starting
    point may do better), reproducibly, and maxiter is used."""
    X, y, sizes = probe.calls[0][0][:3]
    for i, params in enumerate(results):
        if isinstance(params, Failure):
            return f"train(...) {params.what} on the grader's input {i + 1}"
        try:
            checks.check_trained_shapes(params, sizes, f"train(...) on the grader's input {i + 1}")
        except checks.CheckFailed as failure:
            return str(failure)
    Y = np.eye(sizes[-1])[y]
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


# ---------------------------------------------------------------- reading results

def _rebuild(node, arrays, depth=0):
    """The value a manifest entry describes (see `runtime.describe`)."""
    if not isinstance(node, dict) or depth > MAX_DEPTH:
        raise ValueError("not a manifest entry")
    if "list" in node and isinstance(node["list"], list):
        return [_rebuild(item, arrays, depth + 1) for item in node["list"]]
    if "array" in node:
        return arrays[node["array"]]
    if node.get("none") is True:
        return None
    if "type" in node:
        return Failure(f"returned a {str(node['type'])[:50]}")
    raise ValueError("not a manifest entry")


def _first_failure(value):
    if isinstance(value, Failure):
        return value
    if isinstance(value, list):
        for item in value:
            found = _first_failure(item)
            if found:
                return found
    return None


def read_results(folder, name, n_calls):
    """[(value, warning or None)] for the `n_calls` calls of `name`'s probe, as
    `runtime.run` saved them in `folder`; None if it saved nothing."""
    manifest, arrays_path = folder / f"{name}.json", folder / f"{name}.npz"
    if not manifest.is_file():
        return None
    try:
        if manifest.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError("manifest too large")
        calls = json.loads(manifest.read_text())["calls"]
        if not (isinstance(calls, list) and all(isinstance(outcome, dict) for outcome in calls)):
            raise ValueError("not a manifest")
        with zipfile.ZipFile(arrays_path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_RESULT_BYTES:
                raise ValueError("results too large")
        with np.load(arrays_path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        out = []
        for call in range(n_calls):
            outcome = calls[call] if call < len(calls) else {}
            if "error" in outcome:
                value = Failure(f"raised {str(outcome['error'])[:300]}")
            elif "missing_call" in outcome:
                value = Failure(f"never called {', '.join(map(str, outcome['missing_call']))[:300]}")
            elif "value" in outcome:
                value = _rebuild(outcome["value"], arrays)
                value = Failure("returned None") if value is None else (_first_failure(value) or value)
            else:
                value = Failure("returned nothing")
            warning = outcome.get("warning")
            out.append((value, str(warning)[:300] if warning else None))
        return out
    except Exception as error:  # forged or broken files
        return [(Failure(f"left unreadable results ({type(error).__name__})"), None)] * n_calls


def judge(probe, name, folder):
    """None if `name` passed its probe (results saved in `folder`), else why not."""
    saved = read_results(folder, name, len(probe.calls))
    if saved is None:
        return f"{name} was not checked: the notebook did not run the grader's check of it"
    if probe.no_warnings:
        for i, (_value, warning) in enumerate(saved):
            if warning:
                return f"{name}(...) warned '{warning}' on the grader's input {i + 1}"
    results = [value for value, _warning in saved]
    return (probe.judge or judge_close)(probe, name, results)
