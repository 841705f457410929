"""Outside checks: the grader's own test of every graded function.

Code in a notebook can make its own tests pass (by replacing numpy's
comparisons or the test helpers), so the grader also calls every graded
function on inputs of its own and judges the results outside the
student's process:

- tables.py: for each lesson, the calls of each graded function;
- runtime.py: the module that runs in the kernel and saves the results;
- judges.py: reads them back and judges them against nnlib's references.

The grading steps that use them are `InsertProbes` and `JudgeProbes`
(steps.py). A test cell keeps its points only if every graded function it
uses also passes its probe.
"""
import ast
import pickle
import shutil
from functools import lru_cache

import nbformat

from .. import course
from . import judges, runtime
from .runtime import decode
from .tables import LESSONS


@lru_cache(maxsize=None)
def probes(lesson):
    """The probes of a lesson, with their reference results computed."""
    table = LESSONS[lesson]()
    for probe in table.values():
        probe.references = [probe.reference(*decode(args), **decode(kwargs))
                            for args, kwargs in probe.calls]
    return table


def inputs(lesson):
    """What the kernel needs: each function's calls (to pickle)."""
    return {name: probe.calls for name, probe in probes(lesson).items()}


def prepare(folder, lesson):
    """Put what the probe cells run into `folder`: runtime.py and inputs.pkl."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(runtime.__file__, folder / "runtime.py")
    (folder / "inputs.pkl").write_bytes(pickle.dumps(inputs(lesson)))


def names_in(source):
    """The Python names a cell uses (empty if it is not valid Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


@lru_cache(maxsize=None)
def functions_tested(lesson):
    """{test cell's grade id: the graded functions whose probes guard it}.

    Read from the lesson's source notebook, not from the submission (whose
    cells a student can move): a test cell is guarded by the exercise it
    follows and by every graded function it names.
    """
    nb = nbformat.read(course.source_notebook(lesson), as_version=4)
    probed, tested, current = set(probes(lesson)), {}, None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution") and meta.get("grade_id") in probed:
            current = meta["grade_id"]
        elif meta.get("grade"):
            tested[meta["grade_id"]] = (names_in(cell.source) & probed) | ({current} if current else set())
    return tested


def cell_source(lesson, name, folder):
    """A code cell that runs the probe of `name` in the student's kernel.

    `folder` holds runtime.py and inputs.pkl. The cell is one expression:
    it leaves no name behind in the student's namespace.
    """
    probe = probes(lesson)[name]
    reference = probe.reference
    must_call = f", must_call={tuple(probe.must_call)!r}" if probe.must_call else ""
    return (f"__import__('runpy').run_path({str(folder / 'runtime.py')!r})['run']("
            f"{name!r}, {str(folder)!r}, globals(), {reference.__module__!r}, {reference.__name__!r}"
            f"{must_call})\n")


def judge(lesson, name, folder):
    """None if `name` passed its probe (results saved in `folder`), else why not."""
    return judges.judge(probes(lesson)[name], name, folder)
