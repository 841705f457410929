"""The known mistakes of every graded function, one module per lesson.

Each module ``lesson_NN.py`` defines ``LESSON`` (the lesson's folder name),
``MISTAKES`` and ``CORRECT``: lists of ``Variant``, each a full definition
of one graded function written the way a student might. A mistake's
``name`` is its label, in words a teacher uses ("bias forgotten").

Two readers: the judge's diagnosis (autograder/diagnosis.py) runs the
mistakes on a failing test's inputs to name what a student got wrong, and
tests/test_mistakes.py checks that every mistake fails its function's
tests with a message matching ``mentions`` and every correct variant
passes them. The code is plain NumPy (and nnlib) run in the grader,
never in a student's kernel.
"""
import importlib
from pathlib import Path
from typing import NamedTuple, Optional


class Variant(NamedTuple):
    function: str            # the graded function (its exercise cell's grade_id)
    name: str                # what the variant does, e.g. "bias forgotten"
    code: str                # a full definition of the function
    mentions: Optional[str] = None  # regex the failure message must match (mistakes only)


MODULES = sorted(p.stem for p in Path(__file__).parent.glob("lesson_*.py"))


def catalogue(lesson):
    """The module of `lesson` (its folder name, e.g. 01_single_unit), or None."""
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        if module.LESSON == lesson:
            return module
    return None


def mistakes(lesson):
    """{function: [its known mistakes]} of `lesson`."""
    found = {}
    for variant in getattr(catalogue(lesson), "MISTAKES", []):
        found.setdefault(variant.function, []).append(variant)
    return found
