"""The part of the outside check that runs inside the student's kernel.

The grader cannot trust anything the student's kernel says about whether
a test passed: code in the notebook can replace numpy's comparisons, the
test helpers or the builtins. So, besides the test cells, the grader
calls each graded function on inputs of its own choosing and compares the
results with its references itself, in its own process.

This file is what runs in the kernel. The grader copies it into the
notebook's ``.grader/`` folder, and a probe cell runs it with
``runpy.run_path`` (a fresh module each time: nothing of it stays in the
student's namespace) and calls `run`. `run` reads the inputs
(``inputs.pkl``), calls the student's function and saves what came back:
``<name>.json``, a manifest of each call's outcome, and ``<name>.npz``,
the arrays it refers to (read back with ``allow_pickle=False``). Forging
these files gains nothing, because passing still takes the right values,
and the references never enter the kernel.

`decode` is also used by the grader, so both sides build the same inputs.
"""
import json
import pickle
import warnings
from pathlib import Path

import numpy as np


def decode(value):
    """Turn the picklable description of an argument into the argument.

    Functions are described as ``("fn", name, *parameters)``; generators as
    ``("rng", seed)``; lists and tuples are decoded element by element.
    """
    tag = value[0] if isinstance(value, tuple) and value and isinstance(value[0], str) else None
    if tag == "fn" and len(value) >= 2:
        name, parameters = value[1], value[2:]
        if name == "tanh":
            return np.tanh
        if name == "identity":
            return lambda z: np.asarray(z, dtype=float) * 1.0
        if name == "logistic":
            return lambda z: 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
        if name == "heaviside":
            return lambda z: np.where(np.asarray(z) >= 0, 1.0, 0.0)
        if name == "poly":            # J(w) = sum_k c_k w^k on every element, summed
            coefficients = np.asarray(parameters[0], dtype=float)
            return lambda w: float(np.sum(np.polynomial.polynomial.polyval(np.asarray(w, dtype=float),
                                                                            coefficients)))
        if name == "wave":            # J(w) = sum sin(a w) + c w^2, a smooth bumpy cost
            a, c = parameters
            return lambda w: float(np.sum(np.sin(a * np.asarray(w, dtype=float))
                                          + c * np.asarray(w, dtype=float) ** 2))
        if name == "quadratic_grad":  # grad of 1/2 w.A.w - c.w
            A, c = (np.asarray(p, dtype=float) for p in parameters)
            return lambda w: A @ np.asarray(w, dtype=float) - c
        raise ValueError(f"unknown function {name!r}")
    if tag == "rng" and len(value) == 2:
        return np.random.default_rng(value[1])
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(decode(v) for v in value)
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


def describe(result, arrays):
    """The manifest entry of a value; its arrays go into `arrays` as a0, a1, ...

    ``{"list": [...]}`` for a list or tuple, ``{"array": key}`` for numbers
    and numeric arrays, ``{"none": true}``, or ``{"type": name}`` for
    anything else (which fails its probe).
    """
    if isinstance(result, (list, tuple)):
        return {"list": [describe(item, arrays) for item in result]}
    if result is None:
        return {"none": True}
    try:
        array = np.asarray(result)
    except Exception:
        array = None
    if array is None or array.dtype == object or array.dtype.kind not in "biuf":
        return {"type": type(result).__name__}
    key = f"a{len(arrays)}"
    arrays[key] = array
    return {"array": key}


def _blocked_code(message):
    """Code that raises ForbiddenCall(message), to swap into a function: a code
    object without free variables, which runs in that function's globals."""
    namespace = {}
    exec("def blocked(*args, **kwargs):\n"
         "    from nnlib.checks import ForbiddenCall\n"
         f"    raise ForbiddenCall({message!r})", namespace)
    return namespace["blocked"].__code__


def run(name, folder, namespace, module, reference, must_call=()):
    """Call ``namespace[name]`` on each call of its probe and save the outcomes.

    ``module.reference`` is nnlib's version of the exercise: as in the test
    cells, it raises ``ForbiddenCall`` while the student's function runs.
    ``must_call`` names functions of the namespace that each call must use
    (lesson 07's train calls nn_cost and backprop); a call that never calls
    one of them is saved as ``{"missing_call": [the names it did not call]}``.
    """
    import importlib

    from nnlib.checks import counting_calls, forbidden_message

    folder = Path(folder)
    with open(folder / "inputs.pkl", "rb") as file:
        calls = pickle.load(file)[name]
    function = namespace.get(name)
    forbidden = getattr(importlib.import_module(module), reference)
    blocked, original = _blocked_code(forbidden_message(reference)), forbidden.__code__
    arrays, outcomes = {}, []
    for args, kwargs in calls:
        try:
            args, kwargs = decode(args), decode(kwargs)
            forbidden.__code__ = blocked
            with counting_calls(namespace, *must_call) as counts, \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = function(*args, **kwargs)
            outcome = {"value": describe(result, arrays)}
            if caught:
                outcome["warning"] = str(caught[0].message)[:300]
            if not all(counts.values()):
                outcome = {"missing_call": [used for used, count in counts.items() if not count]}
        except Exception as error:  # the student's function failed on this call
            text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            outcome = {"error": text[:300]}
        finally:
            forbidden.__code__ = original
        outcomes.append(outcome)
    np.savez(folder / f"{name}.npz", **arrays)
    (folder / f"{name}.json").write_text(json.dumps({"calls": outcomes}))
