"""What a failed test's function got wrong, named by running known mistakes.

While a test cell runs in the judge (judge.py), every call of the student's
functions is recorded (`Calls`): a copy of its inputs taken before the
call, what it returned or raised, the warnings it gave and the input
arrays it changed. When the test fails, `diagnose` compares the calls of
the test's own function (the one its exercise cell defines) with the
known mistakes of autograder/mistakes/, run here in the grader on copies
of the same inputs. A candidate matches when, on every recorded call, it
returns the same values (within TOLERANCE, whatever the types: a list or
an array, float32 or float64), raises the same kind of exception, gives
the same kinds of warnings and changes the same input arrays alike.

The candidates, in order (at most MAX_CANDIDATES, within SECONDS):

1. each mistake of the function;
2. the instructor's solution calling a wrong helper: one mistake of a
   function it calls (``weighted_sum`` in ``unit_output``), so a mistake
   made once is named where it was made, not again as a mystery;
3. pairs: each mistake of the function calling each mistake of a helper;
4. pairs of the function's own mistakes made in different places: where
   the function returns several arrays (backprop's gradients), the
   student's values are each mistake's where that mistake is wrong and
   right elsewhere (`composed`).

The first match names the misconception (``known``; a pair as "a + b"). Otherwise the
diagnosis keeps the student's calls in a bounded plain form, so that the
report (misconceptions.py) can group the students whose wrong values
agree: the same new mistake, written differently, lands in one group.
Special cases are named without candidates: no call of the function
(the check's message names the failure, a signature say), a function not
written yet, one that timed out or crashed, calls too big or too slow to
run again (lesson 07's training on the digits), and one whose values are all right (the test
failed on something else). Nothing here changes a grade.
"""
import ast
import copy
import hashlib
import json
import re
import time
import warnings
import zlib
from functools import lru_cache

import nbformat
import numpy as np

from . import course, mistakes, wire

TOLERANCE = dict(rtol=1e-6, atol=1e-8)      # the tests' own (nnlib.checks)
LOW_TOLERANCE = dict(rtol=1e-5, atol=1e-6)  # where either side was computed in float32
MAX_CALLS = 8          # calls of the function kept for a test cell
MAX_INPUT_BYTES = 4 * 2**20   # calls with more input to copy are not diagnosed
BIG = 2**20            # bytes of an input array kept, not copied (checked unchanged instead)
MAX_VALUES = 100       # numbers kept of an array (evenly spaced, with its sums, when cut)
MAX_ITEMS = 40         # items kept of a list, tuple or dict
MAX_NUMBERS = 1000     # numbers and items kept of a call's outcome
MAX_CANDIDATES = 120
SECONDS = 5.0          # of diagnosis per test cell
SLOW = 2.0             # seconds the student's calls took, above which they are not run again

NOT_WRITTEN = "not written yet"
KERNEL_FAILED = "timed out or crashed"
RIGHT_VALUES = "right values, another check failed"
NO_CALLS = "failed before any call"   # + the check's message
NEW = "not in the library"
TOO_BIG = "not diagnosed: too big or too slow to run again"


# ---------------------------------------------------------------- plain values

def plain(value, room=None, depth=0):
    """`value` as bounded JSON data (at most `room[0]` numbers and items, of
    MAX_NUMBERS), the same for the same numbers whatever their types:
    numbers and numeric sequences become {"shape", "values"}."""
    room = [MAX_NUMBERS] if room is None else room
    room[0] -= 1
    if depth > 8 or room[0] < 0:
        return {"other": "cut"}
    if isinstance(value, str):
        return {"text": value[:200]}
    if value is None or callable(value):
        return {"other": str(getattr(value, "__name__", type(value).__name__))[:60]}
    if isinstance(value, np.random.Generator):
        return {"other": "Generator"}
    if isinstance(value, dict):
        return {"dict": {str(k)[:60]: plain(v, room, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}}
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        array = None
    if array is not None and array.dtype != object:
        flat = array.ravel()
        kept = {"shape": list(array.shape)[:32]}
        if flat.size > MAX_VALUES:
            kept["sums"] = [_number(np.nansum(flat)), _number(np.nansum(flat ** 2))]
            flat = flat[np.linspace(0, flat.size - 1, MAX_VALUES).astype(int)]
        room[0] -= flat.size
        kept["values"] = [_number(x) for x in flat]
        dtype = getattr(value, "dtype", None)
        if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
            kept["low"] = True
        return kept
    if isinstance(value, (list, tuple)):
        return {"items": [plain(v, room, depth + 1) for v in value[:MAX_ITEMS]], "length": len(value)}
    return {"other": type(value).__name__[:60]}


def digest(inputs):
    """A short name of a call's inputs, the same for the same numbers (to 6
    significant digits), whatever their types."""
    def rounded(tree):
        if isinstance(tree, dict):
            return {k: rounded(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [rounded(v) for v in tree]
        return f"{tree:.6g}" if isinstance(tree, float) else tree
    text = json.dumps(rounded(plain(list(inputs), [100 * MAX_NUMBERS])), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _number(x):
    x = float(x)
    return x if np.isfinite(x) else str(x)


def same(a, b):
    """Whether two plain values agree (numbers within TOLERANCE)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if "shape" in a and "shape" in b:
            tolerance = LOW_TOLERANCE if a.get("low") or b.get("low") else TOLERANCE
            return a["shape"] == b["shape"] and ("sums" in a) == ("sums" in b) and \
                _close(a["values"] + a.get("sums", []), b["values"] + b.get("sums", []), tolerance)
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def _close(a, b, tolerance):
    if len(a) != len(b):
        return False
    if any(isinstance(x, str) or isinstance(y, str) for x, y in zip(a, b)):  # nan, inf
        return all(x == y if isinstance(x, str) or isinstance(y, str) else _close([x], [y], tolerance)
                   for x, y in zip(a, b))
    return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), **tolerance))


# ---------------------------------------------------------------- recording

class Calls:
    """The calls of the student's functions during one test cell (judge.Student)."""

    def __init__(self):
        self.calls = []

    def start(self, name, args, kwargs):
        """Before a call: a copy of its inputs (None if it cannot be made), the
        time, and the big arrays among them with their checksums: those are
        kept, not copied, while they stay unchanged (the digits)."""
        arrays = wire.arrays_in([args, kwargs])
        big = [a for a in arrays if a.nbytes > BIG]
        inputs = None
        if sum(a.nbytes for a in arrays if a.nbytes <= BIG) <= MAX_INPUT_BYTES:
            try:
                inputs = copy.deepcopy((args, kwargs), {id(a): a for a in big})
            except Exception:   # an argument that cannot be copied: not diagnosed
                pass
        return inputs, time.monotonic(), [(a, _checksum(a)) for a in big]

    def finish(self, name, started, args, kwargs, value=None, error=None, warned=()):
        """After a call: what it did. Of each function's calls, the first and
        the latest MAX_CALLS / 2 are kept (a test stops at the call that fails)."""
        inputs, then, big = started
        if not unchanged(big):  # changed in place: there is no copy to run again
            inputs = None
        self.calls.append(dict(name=name, inputs=inputs, big=big, seconds=time.monotonic() - then,
                               out=outcome(inputs or (args, kwargs), (args, kwargs), value, error, warned)))
        mine = [i for i, c in enumerate(self.calls) if c["name"] == name]
        if len(mine) > MAX_CALLS:
            del self.calls[mine[MAX_CALLS // 2]]


def _checksum(array):
    try:
        return zlib.crc32(np.ascontiguousarray(array).view(np.uint8).ravel()), array.shape, array.dtype.str
    except Exception:  # not plain numbers: never the same again, never run again
        return object()


def unchanged(big):
    return all(_checksum(a) == checksum for a, checksum in big)


def outcome(before, after, value, error, warned):
    """The plain form of what a call did: returned or raised, warned, changed."""
    room = [MAX_NUMBERS]   # for all it returned and changed
    if error is not None:
        out = {"raised": (error if isinstance(error, str) else type(error).__name__)[:60]}
    else:
        out = {"returned": plain(value, room)}
    changed = {str(i): plain(now, room) for i, (then, now) in
               enumerate(zip(wire.arrays_in(list(before)), wire.arrays_in(list(after))))
               if then.shape != now.shape or not np.array_equal(then, now, equal_nan=True)}
    if changed:
        out["changed"] = changed
    if warned:
        out["warned"] = sorted({str(kind)[:60] for kind in warned})[:20]
    return out


# ---------------------------------------------------------------- the lesson's code

@lru_cache(maxsize=None)
def lesson_code(lesson):
    """({function: its compiled solution cell}, {test cell: the functions of
    the exercise cell before it}) of the instructor's notebook."""
    nb = nbformat.read(course.source_notebook(lesson), as_version=4)
    solutions, owners, current = {}, {}, ()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            tree = ast.parse(cell.source)
            current = tuple(n.name for n in tree.body if isinstance(n, ast.FunctionDef))
            for name in current:
                solutions[name] = compile(tree, f"<solution {meta['grade_id']}>", "exec")
        elif meta.get("grade"):
            owners[meta["grade_id"]] = current
    return solutions, owners


def _callees(code, names):
    """The names among `names` that `code` (source or code object) uses."""
    if isinstance(code, str):
        used = {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
    else:
        used, todo = set(), [code]
        while todo:
            c = todo.pop()
            used |= set(c.co_names)
            todo += [k for k in c.co_consts if hasattr(k, "co_names")]
    return [n for n in names if n in used]


@lru_cache(maxsize=None)
def _base(lesson):
    from . import judge

    return judge.namespace(judge.lesson_tests(lesson)[2], "__diagnosis__")


def implementation(lesson, function, *variants):
    """The lesson's solution of `function`, with `variants` (mistakes, of it
    or of the functions it calls) defined over the solutions."""
    solutions, _owners = lesson_code(lesson)
    namespace = dict(_base(lesson))
    for code in dict.fromkeys(solutions.values()):
        exec(code, namespace)
    for variant in variants:
        exec(variant.code, namespace)
    return namespace[function]


def candidates(lesson, function):
    """[(label, [variants])] for `function`, in the order of the module docstring."""
    known = mistakes.mistakes(lesson)
    solutions, _owners = lesson_code(lesson)
    helpers = _callees(solutions.get(function), [f for f in known if f != function]) \
        if function in solutions else []
    found = [(m.name, [m]) for m in known.get(function, [])]
    found += [(n.name, [n]) for g in helpers for n in known[g]]
    for m in known.get(function, []):
        for g in _callees(m.code, [f for f in known if f != function]):
            found += [(f"{m.name} + {n.name}", [n, m]) for n in known[g]]
    return found[:MAX_CANDIDATES]


# ---------------------------------------------------------------- diagnosis

def run(f, inputs):
    """The plain outcome of calling `f` on a copy of `inputs`."""
    args, kwargs = copy.deepcopy(inputs)
    value = error = None
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):  # NumPy's defaults
        warnings.simplefilter("always")
        try:
            value = f(*args, **kwargs)
        except Exception as raised:
            error = raised
    return outcome(inputs, (args, kwargs), value, error, [w.category.__name__ for w in caught])


def outcomes(f, calls):
    """The plain outcomes of `f` on the inputs of `calls`, or None if it fails to run."""
    try:
        return [run(f, call["inputs"]) for call in calls]
    except Exception:  # (run catches the function's errors; this is a copy that failed)
        return None


def agree(found, calls):
    return found is not None and all(same(f, c["out"]) for f, c in zip(found, calls))


def composed(got, right, a, b):
    """Whether `got` is what two independent mistakes give together: `a`'s
    values where `a` is wrong, `b`'s where `b` is, the right ones elsewhere
    (plain values; both wrong in one place: no)."""
    trees = (got, right, a, b)
    if all(isinstance(t, dict) and isinstance(t.get("items"), list) for t in trees):
        return len({len(t["items"]) for t in trees}) == 1 and \
            all(composed(*leaves) for leaves in zip(*(t["items"] for t in trees)))
    if all(isinstance(t, dict) and isinstance(t.get("dict"), dict) for t in trees):
        return len({tuple(t["dict"]) for t in trees}) == 1 and \
            all(composed(*(t["dict"][k] for t in trees)) for k in right["dict"])
    wrong_a, wrong_b = not same(a, right), not same(b, right)
    return not (wrong_a and wrong_b) and same(got, a if wrong_a else b if wrong_b else right)


def composed_outcome(got, right, a, b):
    """`composed` for the outcomes of one call: what it returned and the
    arrays it changed; the warnings are both mistakes'."""
    if any("raised" in t for t in (got, right, a, b)):
        return False
    if sorted(set(a.get("warned", [])) | set(b.get("warned", []))) != got.get("warned", []):
        return False
    changed = sorted(set().union(*(t.get("changed", {}) for t in (got, right, a, b))))
    unchanged = {"other": "unchanged"}
    return composed(got["returned"], right["returned"], a["returned"], b["returned"]) and all(
        composed(*(t.get("changed", {}).get(n, unchanged) for t in (got, right, a, b))) for n in changed)


def diagnose(lesson, test, calls, message=""):
    """The diagnosis of failed test cell `test` from its recorded `calls`
    (Calls.calls) and the failure's `message`: {"function", "known",
    "label"} and, when no known mistake matches, the student's calls
    ("calls") and one of them against the solution ("example")."""
    solutions, owners = lesson_code(lesson)
    functions = owners.get(test, ())
    mine = [c for c in calls if c["name"] in functions]
    if not mine:  # a signature, say: the check's own words name it
        first = (message.strip().splitlines() or ["no message"])[0]
        return {"function": functions[0] if functions else "", "known": False,
                "label": f"{NO_CALLS}: {first}"[:160]}
    function = mine[0]["name"]
    mine = [c for c in mine if c["name"] == function]
    result = {"function": function, "known": False}
    for raised, label in (("NotImplementedError", NOT_WRITTEN), ("KernelFailed", KERNEL_FAILED)):
        if all(c["out"].get("raised") == raised for c in mine):
            return dict(result, label=label)
    if sum(c["seconds"] for c in mine) > SLOW or \
            any(c["inputs"] is None or not unchanged(c["big"]) for c in mine):
        return dict(result, label=TOO_BIG)
    solution = implementation(lesson, function)
    right = outcomes(solution, mine)
    if agree(right, mine):
        return dict(result, label=RIGHT_VALUES)
    started, own = time.monotonic(), []
    for label, variants in candidates(lesson, function):
        if time.monotonic() - started > SECONDS:
            break
        try:
            found = outcomes(implementation(lesson, function, *variants), mine)
        except Exception:   # a catalogue entry that does not define the function
            continue
        if agree(found, mine):
            return dict(result, known=True, label=label)
        if found is not None and len(variants) == 1 and variants[0].function == function:
            own.append((label, found))
    if right is not None:   # two mistakes of the function at once, in different places
        for i, (label_a, a) in enumerate(own):
            for label_b, b in own[i + 1:]:
                if all(composed_outcome(c["out"], r, x, y) for c, r, x, y in zip(mine, right, a, b)):
                    return dict(result, known=True, label=f"{label_a} + {label_b}")
    example = next(({"inputs": c["inputs"], "got": c["out"], "expected": r}
                    for c, r in zip(mine, right or []) if not same(r, c["out"])), None)
    return dict(result, label=NEW, calls=[{"inputs": digest(c["inputs"]), "out": c["out"]} for c in mine],
                example=example and {"call": describe_call(solution, example["inputs"]),
                                     "got": example["got"], "expected": example["expected"]})


def describe_call(f, inputs):
    from nnlib.checks import _describe_call

    args, kwargs = inputs
    try:  # (a function argument without its address, which differs from run to run)
        return re.sub(r" at 0x[0-9a-fA-F]+>", ">", _describe_call(f, args, kwargs))[:300]
    except Exception:
        return f.__name__ + "(...)"
