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

The kernel starts with `draw_first(count)` (sandbox.py): its inline
backend then draws the figures of the cells in which a stand-in ran the
student's function, the notebook's first `count` of them, and no other
figure (one is displayed as its text, "<Figure size ...>", which the
feedback drops with a note: outputs.py). Once they are drawn, the
stand-ins raise, saying so: a demonstration after them would draw
nothing that is shown. A figure costs the kernel 0.1 to 0.5 CPU-s, as
much as the rest of a graded lesson 01 notebook for two of them; the
figures that use no function of the student's are the lesson's own, the
same for everyone. A kernel that undoes this draws more, within its
limits, and the feedback keeps `count` figures all the same.

This module runs in the student's kernel: it imports nothing of the grader.
"""
import functools
import inspect
import sys

PAST_FIGURES = "the feedback's figures are drawn by now"
_running = set()   # the exercises whose stand-in is running now
_told = set()      # the exercises whose stand-in has said what it does
_figures = {"left": None, "yours": False}   # figures still to draw (None: all); a stand-in ran in this cell


def draw_first(count):
    """Draw only the first `count` figures of cells that ran the student's functions."""
    from IPython import get_ipython
    from IPython.core import pylabtools

    draw = pylabtools.print_figure
    _figures["left"] = count

    def print_figure(figure, *args, **kwargs):   # what the inline backend draws with, once it starts
        if _figures["yours"] and _figures["left"] > 0:
            _figures["left"] -= 1
            return draw(figure, *args, **kwargs)
        return None

    def new_cell(*_):
        _figures["yours"] = False

    pylabtools.print_figure = print_figure
    get_ipython().events.register("pre_run_cell", new_cell)


def _fits(yours, args, kwargs):
    try:
        inspect.signature(yours).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:   # no signature to read (a NumPy ufunc): let the call say
        pass
    return True


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
        if _figures["left"] == 0:
            try:
                blocked(*args, **kwargs)   # closes the half-made figures, and raises
            except RuntimeError as stop:
                raise RuntimeError(f"{stop} ({PAST_FIGURES})") from None
        _running.add(name)
        _figures["yours"] = True
        try:
            result = yours(*args, **kwargs)
        finally:
            _running.discard(name)
        if name not in _told:   # said once, when it first worked
            _told.add(name)
            print(f"[while your notebook is graded, nnlib.{name} runs your own {name}]")
        return result

    return stand_in
