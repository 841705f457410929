"""The part of the outside check that runs inside the student's kernel.

The grader cannot trust anything the student's kernel says about whether
a test passed: code in the notebook can replace numpy's comparisons, the
test helpers or the builtins. So, besides the test cells, the grader
calls each graded function on inputs of its own choosing and compares the
results with its references itself, in its own process. This module is
what runs in the kernel: it reads the inputs, calls the student's function
and saves what came back as plain arrays (`np.savez`, read back with
`allow_pickle=False`). Forging that file gains nothing, because passing
still takes the right values, and the references never enter the kernel.

`decode` is also used by the grader, so both sides build the same inputs.
The grader pastes this module's source into a function body, so it must
stay self-contained: imports inside functions, no module-level state.
"""


def decode(value):
    """Turn the picklable description of an argument into the argument.

    Functions are described as ``("fn", name, *parameters)``; generators as
    ``("rng", seed)``; lists and tuples are decoded element by element.
    """
    import numpy as np

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


def flatten(result, key, arrays):
    """Store `result` under `key` as arrays: nested lists and tuples become
    keys ``key/0``, ``key/1``, ...; an empty sequence is ``key!empty``."""
    import numpy as np

    if isinstance(result, (list, tuple)):
        if not result:
            arrays[key + "!empty"] = np.zeros(0)
        for i, item in enumerate(result):
            flatten(item, f"{key}/{i}", arrays)
        return
    if result is None:
        arrays[key + "!none"] = np.zeros(0)
        return
    try:
        array = np.asarray(result)
    except Exception:
        array = None
    if array is None or array.dtype == object or array.dtype.kind not in "biuf":
        arrays[key + "!type"] = np.array(type(result).__name__)
    else:
        arrays[key] = array


def run(name, inputs_path, out_path, namespace, forbidden):
    """Call ``namespace[name]`` on each argument tuple of the probe and save
    the results, errors and warnings to `out_path`.

    `forbidden` are nnlib's reference functions for this exercise: like the
    test cells, the probe makes them raise while the student's code runs.
    """
    import pickle
    import warnings

    import numpy as np

    with open(inputs_path, "rb") as file:
        calls = pickle.load(file)[name]
    function = namespace.get(name)
    arrays = {}
    saved = [(f, f.__code__) for f in forbidden]

    def blocked(*args, **kwargs):
        raise RuntimeError("calls nnlib's own version of this exercise")

    for i, (args, kwargs) in enumerate(calls):
        key = str(i)
        try:
            args, kwargs = decode(args), decode(kwargs)
            for f, _code in saved:
                f.__code__ = blocked.__code__
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = function(*args, **kwargs)
            flatten(result, key, arrays)
            if caught:
                arrays[key + "!warning"] = np.array(str(caught[0].message)[:300])
        except Exception as error:  # the student's function failed on this call
            text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            arrays[key + "!error"] = np.array(text[:300])
        finally:
            for f, code in saved:
                f.__code__ = code
    np.savez(out_path, **arrays)
