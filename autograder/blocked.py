"""nnlib as a grading kernel sees it: without the lesson's exercises.

nnlib holds a worked version of every exercise, for the lessons'
demonstrations. A kernel being graded must not be able to call them (or
read them): a student function that calls nnlib's `sigmoid` would pass
every test. So the sandbox mounts, in nnlib's place, a copy in which the
functions named like the lesson's exercises (and the few that do an
exercise's work under another name) have lost their code: each keeps its
signature and docstring and runs the student's own function of that name
(yours.py), so that the demonstrations draw the student's figures. Where
it cannot (yours.py says when: no such function yet, a call that does not
fit it, ...), it raises "not available while grading" (closing pyplot's
open figures first: the demonstration it stops draws none). Every other function is
unchanged, so a student may still use nnlib's functions of other lessons;
the plots (plot.py) are never blocked. Grades never depend on the
demonstrations (the judge, judge.py, grades only the test cells).
"""
import ast
import atexit
import compileall
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from .judge import lesson_tests

# Functions that do an exercise's work under another name.
ALSO = {"backprop": ("backward", "nn_cost_and_gradients"), "nn_cost": ("nn_cost_and_gradients",),
        "sigmoid_prime": ("sigmoid_prime_from_output",)}


def blocked_names(lesson):
    names = set(lesson_tests(lesson)[1])
    return sorted(names.union(*(ALSO.get(name, ()) for name in names)))


BLOCKED = "is not available while your notebook is graded"


def message(name):
    return f"nnlib's {name} {BLOCKED}: the exercise asks you to write it yourself"


# What a blocked function does before it raises: the demonstration it stops
# was making a figure, now half-made, so pyplot's open figures are closed and
# the inline backend draws none (the feedback says the cell did not run to
# the end; drawing them was most of a graded lesson 01's kernel time).
STOP = ("_pyplot = __import__('sys').modules.get('matplotlib.pyplot')\n"
        "if _pyplot is not None:\n    _pyplot.close('all')\n")


def without(source, names):
    """Python source with the bodies of the top-level functions `names`
    replaced by a `raise`, and each function wrapped by yours.in_place_of."""
    tree = ast.parse(source)
    replaced = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            docstring = ast.get_docstring(node, clean=False)
            raise_ = ast.parse(STOP + f"raise RuntimeError({message(node.name)!r})").body
            node.body = ([ast.Expr(ast.Constant(docstring))] if docstring else []) + raise_
            replaced.append(node.name)
    if replaced:
        tree.body += ast.parse("from ._yours import in_place_of as _in_place_of\n" + "".join(
            f"{name} = _in_place_of({name})\n" for name in replaced)).body
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


@lru_cache(maxsize=None)
def nnlib_copy(lesson, nnlib_dir):
    """A folder holding nnlib without `lesson`'s exercises (made once per
    process, removed when it ends)."""
    folder = Path(tempfile.mkdtemp(prefix=f"autograder-nnlib-{lesson}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    names = set(blocked_names(lesson))
    for path in sorted(Path(nnlib_dir).glob("*.py")):
        source = path.read_text()
        (folder / path.name).write_text(source if path.name == "plot.py" else without(source, names))
    shutil.copy(Path(__file__).with_name("yours.py"), folder / "_yours.py")
    compileall.compile_dir(folder, quiet=1)  # the kernel, which writes no bytecode, need not compile it
    folder.chmod(0o755)
    return folder
