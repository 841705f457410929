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


# ---------------------------------------------------------------- parameters (lesson 07)
# Used by lesson 07's test cells (which the grader's judge runs too):
# each raises CheckFailed with what is wrong.

def check_param_shapes(params, sizes, call):
    """Fail unless ``params`` is a list of ``(W, b)`` pairs shaped for ``sizes``:
    ``W`` of shape ``(n_l, n_{l-1})``, ``b`` of shape ``(n_l,)``."""
    L = len(sizes) - 1
    if isinstance(params, (list, tuple)):
        got = f"a {type(params).__name__} of length {len(params)}"
    else:
        got = f"{type(params).__name__} of shape {np.shape(params)}"
    that(isinstance(params, (list, tuple)) and len(params) == L,
         f"{call} should return a list of {L} pairs (W, b), one per layer; got {got}")
    for l in range(1, L + 1):
        pair = params[l - 1]
        that(isinstance(pair, (list, tuple)) and len(pair) == 2,
             f"{call}: item {l - 1} should be a pair (W, b), got {type(pair).__name__}")
        W, b = pair
        n_prev, n_l = int(sizes[l - 1]), int(sizes[l])
        that(np.shape(W) != (n_prev, n_l) or n_prev == n_l,
             f"{call}: layer {l}'s W has shape {np.shape(W)} but should have shape "
             f"({n_l}, {n_prev}) = (n_l, n_(l-1)), one row per unit: your W is transposed.")
        that(np.shape(W) == (n_l, n_prev),
             f"{call}: layer {l}'s W has shape {np.shape(W)} but should have shape "
             f"({n_l}, {n_prev}) = (n_l, n_(l-1)): one row of {n_prev} weights for each "
             f"of the {n_l} units of layer {l}.")
        that(np.shape(b) == (n_l,),
             f"{call}: layer {l}'s b has shape {np.shape(b)} but should have shape "
             f"({n_l},): one bias per unit, as a 1-D array.")


def check_param_values(params, epsilon, call):
    """Fail unless every ``W`` is drawn uniformly from ``[-epsilon, epsilon]``
    (all rows different) and every bias is 0 or in that range.

    The spread and the mean are tested on layers of 200 weights or more,
    within 5 standard errors, so a correct draw fails about once in a
    million."""
    for l, (W, b) in enumerate(params, start=1):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        where = f"{call}, layer {l}"
        that(np.all(np.isfinite(W)) and np.all(np.isfinite(b)),
             f"{where}: the parameters contain nan or inf.")
        that(np.ptp(W) > 0,
             f"{where}: every weight is {W.flat[0]:g}. Equal weights make all units of a "
             "layer identical for ever (the symmetry problem): draw them at random.")
        that(np.abs(W).max() <= epsilon,
             f"{where}: a weight is {W.flat[np.argmax(np.abs(W))]:.4f}, outside "
             f"[-epsilon, epsilon] = [{-epsilon:g}, {epsilon:g}]. Draw from a uniform "
             "distribution, rng.uniform(-epsilon, epsilon, size=...), not a normal one, "
             "and use the epsilon argument.")
        that(W.min() < 0,
             f"{where}: no weight is negative; they should fill [-epsilon, epsilon], "
             "not [0, epsilon]. Try rng.uniform(-epsilon, epsilon, size=...).")
        that(W.min() < -epsilon / 2 and W.max() > epsilon / 2,
             f"{where}: the weights lie between {W.min():.4f} and {W.max():.4f}; "
             f"they should spread over the whole range [{-epsilon:g}, {epsilon:g}].")
        if W.shape[0] > 1:
            that(len(np.unique(W, axis=0)) == W.shape[0],
                 f"{where}: some units (rows of W) have exactly the same weights. Draw "
                 "a separate random number for every weight, e.g. "
                 "rng.uniform(-epsilon, epsilon, size=(n_l, n_prev)), not one row repeated.")
        if W.size >= 200:
            spread, target = W.std(), epsilon / np.sqrt(3)
            tolerance = max(0.05, 5 * np.sqrt(0.2 / W.size))
            that(abs(spread / target - 1) < tolerance,
                 f"{where}: the weights' standard deviation is {spread:.4f}, but weights "
                 f"uniform on [-epsilon, epsilon] have about epsilon/sqrt(3) = {target:.4f}.")
            that(abs(W.mean()) < max(0.1 * epsilon, 5 * target / np.sqrt(W.size)),
                 f"{where}: the weights average {W.mean():.4f}; uniform weights on "
                 "[-epsilon, epsilon] average about 0.")
        that(np.all(np.abs(b) <= epsilon),
             f"{where}: a bias is {b.flat[np.argmax(np.abs(b))]:.4f}; biases should be 0 "
             f"or drawn from [-epsilon, epsilon] = [{-epsilon:g}, {epsilon:g}].")


def check_trained_shapes(params, sizes, call):
    """Fail unless a trained ``params`` is a list of ``(W, b)`` pairs shaped for
    ``sizes`` (and not the optimizer's flat vector)."""
    if isinstance(params, np.ndarray) and params.ndim == 1:
        raise CheckFailed(f"{call} returned a flat vector of shape {params.shape}: turn "
                          "the optimizer's result back into (W, b) pairs with "
                          "unpack(theta, sizes).")
    check_param_shapes(params, sizes, call)


# ---------------------------------------------------------------- your functions (lesson 07)

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


def _small_network():
    """A 4-5-3-3 network, 8 examples and lambda_ for the check of nn_cost and backprop."""
    rng = np.random.default_rng(2024)
    sizes = [4, 5, 3, 3]
    params = [(rng.normal(0, 0.7, (n, n_prev)), rng.normal(0, 0.5, n))
              for n_prev, n in zip(sizes[:-1], sizes[1:])]
    X = rng.normal(size=(8, 4))
    Y = np.eye(3)[rng.integers(0, 3, 8)]
    return sizes, params, X, Y, 1.5


def _cost_and_backprop_problem(nn_cost, backprop):
    """None if ``nn_cost`` and ``backprop`` pass the check, else what is wrong.

    ``nn_cost`` must agree with nnlib's on a small network (lambda_ = 0 and
    1.5); then each layer's dW and db from ``backprop`` must agree with central
    differences of that cost (``nnlib.gradcheck``: relative difference below
    THRESHOLD)."""
    from .gradcheck import THRESHOLD, layer_differences
    from .network import nn_cost as reference_cost

    sizes, params, X, Y, lambda_ = _small_network()
    network = "-".join(map(str, sizes))
    for name, function in (("nn_cost", nn_cost), ("backprop", backprop)):
        try:
            function([(W.copy(), b.copy()) for W, b in params], X.copy(), Y.copy(), lambda_)
        except NotImplementedError:
            return f"your {name} is not written yet (paste it into the cell above)"
        except Exception as error:
            return f"your {name} raised {type(error).__name__}: {error}"
    for lam in (0.0, lambda_):
        expected = reference_cost(params, X, Y, lam)
        try:
            got = float(nn_cost(params, X, Y, lam))
        except Exception as error:
            return f"your nn_cost returned something that is not a number ({type(error).__name__}: {error})"
        if not np.isclose(got, expected, rtol=RTOL, atol=ATOL):
            return (f"your nn_cost gives J = {got:.6f} on a small {network} network with "
                    f"lambda_ = {lam:g}, where it should give {expected:.6f}"
                    + (" (the L2 penalty (lambda_ / (2 m)) sum W^2?)" if lam else ""))
    try:
        differences = layer_differences(params, X, Y, lambda_, cost=nn_cost, grad=backprop)
    except ValueError as error:
        return f"your backprop returned the wrong structure: {error}"
    except Exception as error:
        return f"your backprop raised {type(error).__name__}: {error}"
    for l, pair in enumerate(differences, start=1):
        for name, difference in zip(("dW", "db"), pair):
            if not difference < THRESHOLD:
                return (f"your backprop fails the gradient check: layer {l}'s {name} differs "
                        f"from central differences of nn_cost: relative difference "
                        f"{difference:.1e} (threshold {THRESHOLD:.0e}), on a small {network} "
                        f"network with lambda_ = {lambda_:g}")
    return None


def choose_cost_and_backprop(nn_cost, backprop, use_mine=True):
    """The (nn_cost, backprop) that training uses: yours if they pass the check, else nnlib's.

    Your ``nn_cost`` is compared with nnlib's on a small 4-5-3-3 network, and
    every layer's dW and db from your ``backprop`` with central differences of
    it. Prints which functions training uses and, when they are nnlib's,
    why (not written yet, the first layer that fails, or ``use_mine`` off).

    Returns
    -------
    (nn_cost, backprop) : your two functions, or nnlib's reference versions.

    Introduced in lesson 07_digits.
    """
    from . import network

    if nn_cost is network.nn_cost or backprop is network.backprop:
        print("nn_cost and backprop are already nnlib's reference versions (this cell ran "
              "before and fell back). Run the cell with your functions again, then this cell.")
        return network.nn_cost, network.backprop
    if not use_mine:
        problem = "USE_MY_FUNCTIONS is False"
    else:
        problem = _cost_and_backprop_problem(nn_cost, backprop)
    if problem is None:
        print("Training in this lesson uses YOUR nn_cost and backprop: your nn_cost agrees "
              "with the reference on a small network, and every layer's dW and db from your "
              "backprop agrees with central differences of it.")
        return nn_cost, backprop
    rule = "=" * 78
    print(f"{rule}\nTRAINING IN THIS LESSON USES NNLIB'S REFERENCE nn_cost AND backprop, "
          f"NOT YOURS:\n{problem}.")
    if use_mine:
        print("Fix them (lessons 4 and 6), paste them into the cell above, run it, then run "
              "this cell again. To use nnlib's versions on purpose, set USE_MY_FUNCTIONS = False.")
    print(rule)
    return network.nn_cost, network.backprop


def mine_or_reference(function, reference):
    """``function``, or ``reference`` once ``function`` turns out not to work.

    The returned function calls ``function``; if it raises (for instance
    ``NotImplementedError``, not written yet), it prints a notice once and
    from then on calls ``reference`` instead, so that a demonstration runs
    to the end before the exercise is solved.

    Introduced in lesson 07_digits.
    """
    state = {"use": function}
    name = getattr(function, "__name__", "the function")

    def chosen(*args, **kwargs):
        if state["use"] is function:
            try:
                return function(*args, **kwargs)
            except NotImplementedError:
                why = "is not written yet"
            except Exception as error:
                why = f"raised {type(error).__name__}: {error}"
            print(f"(your {name} {why}: this cell uses nnlib's {reference.__name__} instead)")
            state["use"] = reference
        return reference(*args, **kwargs)

    chosen.__name__ = name
    return chosen


# ---------------------------------------------------------------- mini-batch gradient descent (lesson 07)

def _copy_params(params):
    return [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]


def _copy_rng(rng):
    """The same generator state again (a Generator is consumed by each call)."""
    import copy
    return copy.deepcopy(rng)


def _params_message(got, expected, call):
    """None if the params match, else which layer's W or b differs and how."""
    for l, ((W, b), (W_e, b_e)) in enumerate(zip(got, expected), start=1):
        for name, value, value_e in (("W", W, W_e), ("b", b, b_e)):
            message = compare(value, value_e, f"{call}: layer {l}'s {name}")
            if message:
                return message
    return None


SGD_RECIPE = ("each epoch: order = rng.permutation(m) (rng = np.random.default_rng(rng)); for "
              "each batch of batch_size examples in that order (the last may be smaller): "
              "grads = backprop(params, X[batch], Y[batch], lambda_ * m_b / m); for every W and "
              "b: v <- momentum v - alpha grad, W <- W + v (v starts at 0); after the epoch, "
              "append nn_cost(params, X, Y, lambda_).")


def check_minibatch_sgd(f, params, X, Y, lambda_, alpha, epochs, batch_size, momentum=0.0,
                        rng=None, *, namespace, forbid=()):
    """Fail unless ``f`` (the student's minibatch_sgd) matches nnlib's on this call.

    ``namespace`` (the notebook's globals) holds the ``backprop`` that ``f``
    must call, once per batch. On a mismatch, further calls of ``f`` narrow
    the mistake down: momentum, reshuffling, the penalty of a batch. ``rng``
    is a seed or a Generator (each call gets a copy of it), None only when
    ``batch_size >= m``, so that ``f`` and nnlib's shuffle alike.
    """
    from .optimize import minibatch_sgd as reference

    m = len(X)
    what = (f"minibatch_sgd(params, X, Y, lambda_={lambda_:g}, alpha={alpha:g}, epochs={epochs}, "
            f"batch_size={batch_size}, momentum={momentum:g}, rng=...) with m = {m}")

    def run(**changes):
        settings = dict(lambda_=lambda_, alpha=alpha, epochs=epochs, batch_size=batch_size,
                        momentum=momentum)
        settings.update(changes)
        expected = reference(_copy_params(params), X, Y, rng=_copy_rng(rng), **settings)
        given = _copy_params(params)
        with counting_calls(namespace, "backprop") as counts:
            result = call(f, given, X, Y, settings["lambda_"], settings["alpha"],
                           settings["epochs"], settings["batch_size"],
                           momentum=settings["momentum"], rng=_copy_rng(rng), forbid_=forbid)
        that(all(np.array_equal(W, W0) and np.array_equal(b, b0)
                 for (W, b), (W0, b0) in zip(given, _copy_params(params))),
             f"{what} changed the params it was given: build new arrays (W = W + v), "
             "do not update them in place (W += v).")
        that(isinstance(result, (tuple, list)) and len(result) == 2,
             f"{what} should return a pair (params, costs), got {_short(result)}")
        return result, expected, counts["backprop"]

    (got_params, got_costs), (expected_params, expected_costs), n_backprop = run()
    sizes = [np.shape(params[0][0])[1]] + [np.shape(W)[0] for W, _ in params]
    check_param_shapes(got_params, sizes, f"{what}: the params it returns")
    batches = -(-m // batch_size)
    if n_backprop != epochs * batches:
        if n_backprop == 0:
            why = ("it never called backprop: compute each batch's gradient with "
                   "backprop(params, X_batch, Y_batch, ...), the function section 0 chose")
        elif n_backprop == epochs * m and batches < m:
            why = ("it was called once per example: call it once per batch, on X[batch] and "
                   "Y[batch]; it averages the batch's gradient for you")
        elif m % batch_size and n_backprop == epochs * (m // batch_size):
            why = (f"the last, smaller batch ({m % batch_size} examples) is left out: every "
                   "example must be used once per epoch, e.g. for start in range(0, m, batch_size)")
        else:
            why = "backprop should be called once per batch"
        raise CheckFailed(f"{what} called backprop {n_backprop} times, but {epochs} epochs of "
                          f"{batches} batches (ceil(m / batch_size)) need {epochs * batches}: {why}.")
    got_costs = np.asarray(got_costs, dtype=float)
    that(got_costs.shape == (epochs,),
         f"{what} returned costs of shape {got_costs.shape}; it should hold one cost per "
         f"epoch, shape ({epochs},).")
    J_end = _reference_cost(got_params, X, Y, lambda_)
    J_start = _reference_cost(params, X, Y, lambda_)
    if not np.isclose(got_costs[-1], J_end, rtol=RTOL, atol=ATOL):
        before = np.isclose(got_costs[0], J_start, rtol=RTOL, atol=ATOL)
        raise CheckFailed(
            f"{what}: costs[-1] is {got_costs[-1]:.6f} but nn_cost of the params it returns, on "
            f"the whole training set, is {J_end:.6f}. "
            + ("costs[0] is the cost before training: record the cost AFTER each epoch."
               if before else "Record nn_cost(params, X, Y, lambda_) on all of X after each "
               "epoch, not the cost of a batch."))
    message = _params_message(got_params, expected_params, what)
    if message is None:
        message = compare(got_costs, expected_costs, f"{what}: costs")
    if message is None:
        return
    if got_costs[-1] > J_start > expected_costs[-1]:
        raise CheckFailed(f"{message}\nYour cost went up from {J_start:.4f} to {got_costs[-1]:.4f}: "
                          "step against the gradient, v <- momentum * v - alpha * grad and "
                          "W <- W + v (with momentum 0: W <- W - alpha * grad).")
    if batch_size < m:
        (again, _), _, _ = run()
        if _params_message(again, got_params, what) is not None:
            raise CheckFailed(
                f"{message}\nTwo calls with the same rng gave different params: make one "
                "generator, rng = np.random.default_rng(rng), and draw every shuffle from it "
                "(not from np.random).")
    if momentum:
        (p0, _), (e0, _), _ = run(momentum=0.0)
        if _params_message(p0, e0, what) is None:
            raise CheckFailed(
                f"{message}\nWith momentum = 0 your result is right, so the momentum update is "
                "wrong: v <- momentum * v - alpha * grad, then W <- W + v (the same for b), with "
                "v starting at zero and kept from one batch to the next.")
    if epochs > 1:
        (p1, _), (e1, _), _ = run(epochs=1)
        if _params_message(p1, e1, what) is None:
            raise CheckFailed(
                f"{message}\nAfter one epoch your params are right, after {epochs} they are not: "
                "shuffle again at the start of EVERY epoch (order = rng.permutation(m) inside "
                "the loop over epochs, from one generator made before it), and keep v across "
                "epochs.")
    if lambda_:
        (p0, _), (e0, _), _ = run(lambda_=0.0)
        if _params_message(p0, e0, what) is None:
            raise CheckFailed(
                f"{message}\nWith lambda_ = 0 your result is right, so the penalty is wrong: the "
                "gradient of J on the whole set has the penalty term (lambda_ / m) W, so each "
                "batch of m_b examples needs backprop(params, X_b, Y_b, lambda_ * m_b / m).")
    raise CheckFailed(f"{message}\nThe recipe: {SGD_RECIPE} Shuffle X and Y with the same "
                      "order (X[order], Y[order]).")


def check_minibatch_sgd_rng(f, params, X, Y, *, namespace, forbid=()):
    """Fail unless ``f`` shuffles with ``rng``: the same seed gives the same result,
    another seed another one, and a Generator passed twice moves on."""
    settings = dict(lambda_=0.5, alpha=0.3, epochs=2, batch_size=max(1, len(X) // 4))

    def W1(rng):
        with counting_calls(namespace, "backprop"):
            result = call(f, _copy_params(params), X, Y, *settings.values(), rng=rng,
                           forbid_=forbid)
        that(isinstance(result, (tuple, list)) and len(result) == 2,
             f"minibatch_sgd should return a pair (params, costs), got {_short(result)}")
        return np.asarray(result[0][0][0], dtype=float)

    what = (f"minibatch_sgd(params, X, Y, lambda_=0.5, alpha=0.3, epochs=2, "
            f"batch_size={settings['batch_size']}, rng=...) with m = {len(X)}")
    that(np.array_equal(W1(7), W1(7)),
         f"two calls of {what} with rng=7 gave different params: make one generator, rng = "
         "np.random.default_rng(rng), and draw every shuffle from it (not from np.random).")
    that(not np.array_equal(W1(7), W1(8)),
         f"{what} gave the same params with rng=7 and rng=8: shuffle the examples with "
         "order = rng.permutation(m) at the start of every epoch (batches in a fixed order "
         "ignore rng).")
    generator = np.random.default_rng(7)
    that(not np.array_equal(W1(generator), W1(generator)),
         f"{what} gave the same params twice with the same np.random.Generator: use the "
         "generator you are given (np.random.default_rng(rng) returns it as it is).")


def _reference_cost(params, X, Y, lambda_):
    from .network import nn_cost
    return nn_cost(_copy_params(params), X, Y, lambda_)


