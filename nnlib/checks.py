"""Checks used by the lessons' test cells: clear feedback, never a crash.

A test cell calls the student's function through ``close`` (or
``equal``), which:

- turns a ``NotImplementedError`` into "not written yet";
- reports any other exception as what the function raised, with the call;
- accepts any correct form of answer: Python or NumPy scalars, lists,
  tuples, float32 arrays;
- on a wrong answer says what was called, what was expected, what came
  back, where the largest difference is, and the likely mistake (``hint``);
- with ``forbid``, makes the named nnlib functions raise while the
  student's function runs, so that calling nnlib's own version of the
  exercise earns no credit.

Every failure is a ``CheckFailed`` (an ``AssertionError``): ``NotWritten``
for an exercise still raising ``NotImplementedError``, ``ForbiddenCall`` for
a call of nnlib's own version. In a notebook a failure shows as one short
block, the message first, then only the student's own frames if their code
raised (no traceback through this module). Nothing is written to stderr
(nbgrader scores a test cell with any stderr output as failed).

``counting_calls`` counts the calls of the notebook's own functions (a
student's ``train`` must call their ``backprop``). Lesson 07's validators of
parameters, training and mini-batch descent build on these checks in
``training_checks``; a demonstration's "yours, or nnlib's" is ``fallback``.

The autograder's judge runs the same test cells, with these same checks,
outside the student's kernel (autograder/judge.py).
"""
import contextlib
import inspect
import traceback

import numpy as np

RTOL = 1e-6
ATOL = 1e-8


class CheckFailed(AssertionError):
    """A graded check failed; the message says why."""

    def _render_traceback_(self):
        """What IPython shows instead of a traceback: the message, then the
        frames of the student's code if it raised (never this module's)."""
        lines = [f"{type(self).__name__}: {self}"]
        cause = self.__cause__
        if cause is not None and cause.__traceback__ is not None:
            frames = [frame for frame in traceback.extract_tb(cause.__traceback__)
                      if frame.filename != __file__]
            if frames:
                lines += ["", "Where your code raised it:"]
                for frame in frames:
                    lines.append(f"  {_cell_name(frame.filename)}, line {frame.lineno}, in {frame.name}")
                    if frame.line:
                        lines.append(f"    {frame.line}")
                lines.append(f"{type(cause).__name__}: {cause}")
        return lines


def _cell_name(filename):
    """'Cell In[3]' for a notebook cell's code (as IPython names it), else the file."""
    try:
        cells = get_ipython().compile._filename_map  # noqa: F821 (only inside IPython)
        return f"Cell In[{cells[filename]}]"
    except (NameError, AttributeError, KeyError):
        return f'File "{filename}"'


class NotWritten(CheckFailed):
    """The exercise still raises ``NotImplementedError``."""


class ForbiddenCall(CheckFailed):
    """The student's code called nnlib's own version of the exercise."""


def forbidden_message(name):
    """Why calling nnlib's ``name`` earns nothing (every test says the same)."""
    return (f"your code calls nnlib's {name}: this exercise asks you to write it yourself "
            "(nnlib's version earns no credit)")


def not_written_message(name, caller=None):
    """The message for an exercise that still raises ``NotImplementedError``."""
    called_by = f" ({caller} calls it)" if caller and caller != name else ""
    return (f"{name} is not written yet{called_by}: replace "
            "`raise NotImplementedError()` with your code.")


def _short(value, limit=200):
    """A one-line description of a value for messages."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=12, edgeitems=2,
                               separator=", ").replace("\n", "")
        text = f"array of shape {value.shape}: {text}"
    elif isinstance(value, (list, tuple)) and not _is_numeric_sequence(value):
        inner = ", ".join(_shape_of(v) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner})"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _shape_of(value):
    """Shapes of (nested) arrays, e.g. (array(4, 3), array(4,)) for a (W, b) pair."""
    if isinstance(value, (list, tuple)) and not _is_numeric_sequence(value):
        inner = ", ".join(_shape_of(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    return _short(value, 40)


def _describe_call(f, args, kwargs):
    name = getattr(f, "__name__", "function")
    try:
        bound = inspect.signature(f).bind(*args, **kwargs)
        parts = [f"{k}={_short(v, 60)}" for k, v in bound.arguments.items()]
    except (TypeError, ValueError):
        parts = [_short(a, 60) for a in args] + [f"{k}={_short(v, 60)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


@contextlib.contextmanager
def forbid(*functions):
    """While inside, calling any of these functions raises ``ForbiddenCall``.

    The functions' code is swapped, so it also catches a student function
    that imported them under another name. Use it for nnlib's reference
    version of the exercise under test.
    """
    saved = []
    for func in dict.fromkeys(functions):  # each function once, even if named twice
        message = forbidden_message(func.__name__)
        namespace = {}
        # The code runs with the globals of the blocked function's module, so it
        # imports what it needs and carries its message as a constant.
        exec("def blocked(*args, **kwargs):\n"
             "    from nnlib.checks import ForbiddenCall\n"
             f"    raise ForbiddenCall({message!r})", namespace)
        blocked = namespace["blocked"]
        blocked.__code__ = blocked.__code__.replace(co_name=func.__name__)
        saved.append((func, func.__code__))
        func.__code__ = blocked.__code__
    try:
        yield
    finally:
        for func, code in saved:
            func.__code__ = code


def call(f, *args, forbid_=(), **kwargs):
    """Call the student's ``f``; turn its exceptions into readable failures.

    Array arguments are copied first, and an ``f`` that changes them is
    reported, so one test cannot spoil the inputs of the next.
    """
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    described = _describe_call(f, args, kwargs)
    try:
        with forbid(*forbid_):
            result = f(*copies, **kwargs)
    except CheckFailed:
        raise
    except NotImplementedError as error:
        raise NotWritten(not_written_message(_raised_in(error), f.__name__)) from None
    except Exception as error:  # the student's code failed: report what and where
        raise CheckFailed(f"{described} raised {type(error).__name__}: {error}") from error
    for original, copy in zip(args, copies):
        if isinstance(original, np.ndarray) and not np.array_equal(original, copy, equal_nan=True):
            raise CheckFailed(f"{described} changed its input array in place; "
                              "compute a new array instead (e.g. `z = z * 2`, not `z *= 2`).")
    if result is None:
        raise CheckFailed(f"{described} returned None: did you forget `return`?")
    return result


def _raised_in(error):
    """Name of the function in which an exception was raised."""
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_name


def compare(got, expected, path, rtol=RTOL, atol=ATOL):
    """None if ``got`` matches ``expected``, else a message about the first mismatch.

    ``expected`` is a number, an array, or nested lists/tuples of them;
    ``path`` names what is compared (e.g. the call) at the start of the message.
    """
    if isinstance(expected, (list, tuple)) and not _is_numeric_sequence(expected):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            kind = f"{type(got).__name__} of length {len(got)}" if isinstance(got, (list, tuple)) \
                else type(got).__name__
            return (f"{path}: expected a {type(expected).__name__} of {len(expected)} items, "
                    f"got a {kind}")
        for i, (g, e) in enumerate(zip(got, expected)):
            message = compare(g, e, f"{path}[{i}]", rtol, atol)
            if message:
                return message
        return None
    expected = np.asarray(expected, dtype=float)
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{path}: expected a number or array like {_short(expected)}, got {_short(got)}"
    if got_array.shape != expected.shape:
        if got_array.size == expected.size and got_array.size > 1:
            hint = (" (same number of elements: a transpose or a reshape is missing?)"
                    if got_array.shape[::-1] == expected.shape else
                    " (same number of elements, arranged differently)")
        else:
            hint = ""
        return f"{path}: expected shape {expected.shape}, got shape {got_array.shape}{hint}"
    bad = ~np.isclose(got_array, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return None
    if expected.ndim == 0:
        return f"{path}: expected {expected.item():.10g}, got {got_array.item():.10g}"
    error = np.where(bad, np.abs(np.nan_to_num(got_array - expected, nan=np.inf)), -1.0)
    index = np.unravel_index(np.argmax(error), expected.shape)
    where = "[" + ", ".join(str(int(i)) for i in index) + "]"
    return (f"{path}: {int(bad.sum())} of {bad.size} elements differ; at {where} expected "
            f"{expected[index]:.10g}, got {got_array[index]:.10g}\n"
            f"  expected: {_short(expected)}\n  got:      {_short(got_array)}")


def _is_numeric_sequence(value):
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False


def close(f, args, expected, hint=None, rtol=RTOL, atol=ATOL, forbid=(), kwargs=None):
    """Check that ``f(*args)`` is close to ``expected``.

    ``expected`` may be a number, an array, or nested lists/tuples of them
    (for example ``params``: a list of ``(W, b)`` pairs). ``forbid`` lists
    nnlib functions that must not be called. On a mismatch the message
    names the call, the element and both values, then the ``hint``.
    Returns None on purpose: a test cell that ends with a check must not
    display a value, which nbgrader would read as partial credit.
    """
    try:
        result = call(f, *args, forbid_=forbid, **(kwargs or {}))
    except (NotWritten, ForbiddenCall):
        raise
    except CheckFailed as failure:  # it raised: the hint may say why
        if hint:
            raise CheckFailed(f"{failure}\nHint: {hint}") from failure.__cause__
        raise
    message = compare(result, expected, _describe_call(f, args, kwargs or {}), rtol, atol)
    if message:
        raise CheckFailed(message + (f"\nHint: {hint}" if hint else ""))


def equal(f, args, expected, hint=None, forbid=(), kwargs=None):
    """Like ``close`` but exact: for integers, labels and counts."""
    close(f, args, expected, hint=hint, rtol=0.0, atol=0.0, forbid=forbid, kwargs=kwargs)


def that(condition, message):
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


def should_be_about(name, got, expected, decimals=4):
    """Print a "should be about" line (a checkpoint, not a test)."""
    print(f"{name} = {got:.{decimals}f}   (should be about {expected:.{decimals}f})")


@contextlib.contextmanager
def counting_calls(namespace, *names):
    """Inside, each ``namespace[name]`` (e.g. a notebook's ``globals()``) counts
    its calls; yields the dict {name: number of calls}. The functions are put
    back afterwards."""
    counts = dict.fromkeys(names, 0)
    saved = {name: namespace[name] for name in names}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)
        wrapper.__name__ = getattr(function, "__name__", name)
        return wrapper

    try:
        for name in names:
            namespace[name] = counted(name, saved[name])
        yield counts
    finally:
        namespace.update(saved)

