"""The data-only channel between the judge and the student's kernel.

The judge (judge.py, in the grader's process) calls the student's
functions; the call runs in the kernel (`serve`, at the end of this file,
which is all that runs there). What crosses between them is plain data,
written to files in the notebook's ``.judge/`` folder: a JSON tree
(``<name>.json``) and the arrays it refers to (``<name>.npz``, read with
``allow_pickle=False``). No pickle, nothing executable, sizes bounded.

A value is written as:

- JSON numbers, strings, booleans and null as themselves;
- ``{"a": key}`` an array (NumPy scalars are 0-d arrays);
- ``{"l": [...]}``, ``{"t": [...]}`` a list or tuple; ``{"d": [[key, value], ...]}`` a dict;
- ``{"rng": state}`` a NumPy Generator, by its bit generator's state;
- ``{"callback": k}`` a function of the judge's (an activation, a cost):
  the kernel gets a stand-in that asks the judge to compute it;
- ``{"other": type name}`` anything else, which the other side cannot use.

This file imports only NumPy and the standard library: the grader copies it
into the kernel's folder and runs it there.
"""
import builtins
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np

MAX_JSON_BYTES = 1024**2        # a value's tree is read only below this size
MAX_ARRAY_BYTES = 64 * 1024**2  # and its arrays only below this one
MAX_DEPTH = 20                  # nesting of lists, tuples and dicts
MAX_TEXT = 300                  # characters of an error or warning message


class Unusable:
    """A value of a type the channel does not carry (the judge's tests see
    it as a wrong answer)."""

    def __init__(self, type_name):
        self.type_name = str(type_name)[:60]

    def __repr__(self):
        return f"<a {self.type_name} object>"


# ---------------------------------------------------------------- writing

def encode(value, arrays, callbacks=None, depth=0):
    """The JSON tree of `value`; its arrays go into `arrays` (one entry per
    array object, so an array given twice stays one), its functions into
    `callbacks` (None: they are written as unusable)."""
    if depth > MAX_DEPTH:
        raise ValueError("a value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            return {"other": f"array of {array.dtype}"}
        return {"a": _array(value, arrays)}
    if isinstance(value, list):
        return {"l": [encode(v, arrays, callbacks, depth + 1) for v in value]}
    if isinstance(value, tuple):
        return {"t": [encode(v, arrays, callbacks, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"d": [[str(k), encode(v, arrays, callbacks, depth + 1)] for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        return {"rng": value.bit_generator.state}
    if callable(value) and callbacks is not None:
        callbacks.append(value)
        return {"callback": len(callbacks) - 1}
    return {"other": type(value).__name__}


def _array(value, arrays):
    for key, (kept, _) in arrays.items():
        if kept is value:
            return key
    key = f"a{len(arrays)}"
    arrays[key] = (value, np.array(value))  # the object (for identity) and its data
    return key


def write(folder, name, tree, arrays):
    """Write `tree` as <name>.json and its arrays, if any, as <name>.npz."""
    folder = Path(folder)
    if arrays:
        np.savez(folder / f"{name}.npz", **{key: data for key, (_, data) in arrays.items()})
    else:
        (folder / f"{name}.npz").unlink(missing_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(tree))


# ---------------------------------------------------------------- reading

def read(folder, name):
    """(tree, arrays) written by `write`, checked and bounded; ValueError if
    they are missing, too large or not of this form."""
    folder = Path(folder)
    tree_path, arrays_path = folder / f"{name}.json", folder / f"{name}.npz"
    if not tree_path.is_file():
        raise ValueError("no answer was written")
    if tree_path.stat().st_size > MAX_JSON_BYTES:
        raise ValueError("an answer over 1 MiB of JSON")
    arrays = {}
    if arrays_path.is_file():
        with zipfile.ZipFile(arrays_path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_ARRAY_BYTES:
                raise ValueError("arrays over 64 MiB")
        with np.load(arrays_path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    return json.loads(tree_path.read_text()), arrays


def decode(tree, arrays, callback=None, depth=0):
    """The value a tree describes. ``callback(k)`` makes the stand-in of
    callback k (None: callbacks are unusable)."""
    if depth > MAX_DEPTH:
        raise ValueError("a value nested too deeply")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, dict) and len(tree) == 1:
        (tag, body), = tree.items()
        if tag == "a" and body in arrays:
            array = arrays[body]
            return array[()] if array.ndim == 0 else array
        if tag in ("l", "t") and isinstance(body, list):
            items = [decode(v, arrays, callback, depth + 1) for v in body]
            return items if tag == "l" else tuple(items)
        if tag == "d" and isinstance(body, list):
            return {str(k): decode(v, arrays, callback, depth + 1) for k, v in body}
        if tag == "rng" and isinstance(body, dict):
            generator = np.random.Generator(np.random.PCG64())
            generator.bit_generator.state = body
            return generator
        if tag == "callback" and isinstance(body, int) and callback is not None:
            return callback(body)
        if tag in ("other", "callback"):
            return Unusable(body if tag == "other" else "function")
    raise ValueError("not a value of the channel")


def objects_in(value, wanted, found=None):
    """The objects inside a value (lists, tuples, dicts) for which
    ``wanted(object)`` holds, once each, in the same order on both sides."""
    found = [] if found is None else found
    if wanted(value):
        if not any(value is f for f in found):
            found.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            objects_in(v, wanted, found)
    elif isinstance(value, dict):
        for v in value.values():
            objects_in(v, wanted, found)
    return found


def arrays_in(value):
    """The arrays of one dimension or more (0-d ones cross as scalars)."""
    return objects_in(value, lambda v: isinstance(v, np.ndarray) and v.ndim > 0)


def generators_in(value):
    return objects_in(value, lambda v: isinstance(v, np.random.Generator))


def text(error):
    message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return message[:MAX_TEXT]


# ---------------------------------------------------------------- the kernel's side

def describe(names, namespace):
    """What the judge needs to know of the notebook's functions: whether
    each is defined and callable, and its parameters."""
    import inspect

    described = {}
    for name in names:
        function = namespace.get(name)
        entry = {"defined": name in namespace, "callable": callable(function), "parameters": None}
        try:
            entry["parameters"] = [[p.name, p.kind.name, p.default is not p.empty]
                                   for p in inspect.signature(function).parameters.values()]
        except (TypeError, ValueError):
            pass
        described[name] = entry
    return described


def serve(request, folder, namespace):
    """Run one request of the judge in the kernel and write its answer.

    ``request`` is "describe" (the notebook's functions) or "call": call
    ``namespace[name]`` on the arguments the judge wrote. The answer says
    what it returned or raised, the warnings it gave, the new values of the
    argument arrays it changed and of the generators it drew from.
    """
    folder = Path(folder)
    tree, arrays = read(folder, "request")
    if request == "describe":
        write(folder, "answer", describe(tree["names"], namespace), {})
        return
    callbacks = 0

    def stand_in(k):
        def judge_function(*args):
            nonlocal callbacks
            callbacks += 1
            found = {}
            write(folder, "callback", {"k": k, "args": encode(list(args), found)}, found)
            builtins.input(f"callback {k}")   # the judge computes it, then answers
            answer, answer_arrays = read(folder, "callback_answer")
            if "error" in answer:
                raise RuntimeError(str(answer["error"])[:MAX_TEXT])
            return decode(answer["value"], answer_arrays)
        return judge_function

    args = decode(tree["args"], arrays, stand_in)
    kwargs = decode(tree["kwargs"], arrays, stand_in)
    inputs = arrays_in([args, kwargs])
    before = [array.copy() for array in inputs]
    answer, out = {}, {}
    counted = [name for name in tree.get("count", []) if callable(namespace.get(name))]
    counts, saved = dict.fromkeys(counted, 0), {name: namespace[name] for name in counted}

    def counting(name, function):
        def counted_call(*a, **k):
            counts[name] += 1
            return function(*a, **k)
        return counted_call

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            namespace.update({name: counting(name, f) for name, f in saved.items()})
            function = namespace[tree["name"]]
            answer["value"] = encode(function(*args, **kwargs), out)
        except Exception as error:
            tb = error.__traceback__
            while tb.tb_next is not None:
                tb = tb.tb_next
            answer["error"] = {"type": type(error).__name__[:60], "text": str(error)[:MAX_TEXT],
                               "raised_in": tb.tb_frame.f_code.co_name[:60]}
        finally:
            namespace.update(saved)
    answer["counts"] = counts
    answer["warnings"] = [[type(w.message).__name__[:60], str(w.message)[:MAX_TEXT]] for w in caught[:5]]
    answer["changed"] = [[i, encode(array, out)] for i, (array, old) in enumerate(zip(inputs, before))
                         if not (array.shape == old.shape and np.array_equal(array, old, equal_nan=True))]
    answer["generators"] = [g.bit_generator.state for g in generators_in([args, kwargs])]
    write(folder, "answer", answer, out)
