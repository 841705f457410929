"""nnlib's version of an exercise, in a grading kernel: the student's own.

blocked.py copies this module into the nnlib that a grading kernel
imports, as `nnlib/_yours.py`, and wraps each of the lesson's exercises
with `in_place_of`. A demonstration that calls `nnlib.sigmoid` then runs
the student's `sigmoid` (the one their notebook defined), so it draws
their figures; grades never depend on it (the judge grades only the test
cells, in its own process). It raises "not available while grading", as
the blocked function does, when the notebook defines no function of that
name, when the call does not fit the student's signature, and when the
student's function calls nnlib's again (their `sigmoid` returning
`nnlib.sigmoid(z)`): there is no reference code behind it to reach.
It also raises, saying why, once the notebook has drawn the figures that
its feedback shows (sandbox.FIRST_FIGURES): a demonstration after them
would draw nothing that is shown, and running it cost time.

This module runs in the student's kernel: it imports nothing of the grader.
"""
import functools
import inspect
import sys

PAST_FIGURES = "the feedback's figures are drawn by now"
_running = set()   # the exercises whose stand-in is running now
_told = set()      # the exercises whose stand-in has said what it does


def _fits(yours, args, kwargs):
    try:
        inspect.signature(yours).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:   # no signature to read (a NumPy ufunc): let the call say
        pass
    return True


def _figures_left():
    """Whether the kernel still draws figures (sandbox.FIRST_FIGURES says so)."""
    left = getattr(sys.modules.get("IPython.core.pylabtools"), "figures_left", None)
    return left is None or left()


def in_place_of(blocked):
    """`blocked` (which raises) as a function that calls the student's
    function of the same name, with the same signature and docstring."""
    name = blocked.__name__

    @functools.wraps(blocked)
    def stand_in(*args, **kwargs):
        main = sys.modules.get("__main__")
        yours = getattr(main, name, None)
        if not callable(yours) or name in _running or not _fits(yours, args, kwargs):
            return blocked(*args, **kwargs)
        if not _figures_left():
            try:
                blocked(*args, **kwargs)   # closes the half-made figures, and raises
            except RuntimeError as stop:
                raise RuntimeError(f"{stop} ({PAST_FIGURES})") from None
        _running.add(name)
        try:
            result = yours(*args, **kwargs)
        finally:
            _running.discard(name)
        if name not in _told:   # said once, when it first worked
            _told.add(name)
            print(f"[while your notebook is graded, nnlib.{name} runs your own {name}]")
        return result

    return stand_in
