"""The catalogue of student mistakes and correct variants, one module per lesson.

Each module ``lesson_NN.py`` defines ``LESSON`` (the lesson's folder name),
``MISTAKES`` and ``CORRECT``: lists of ``Variant``. A mistake must fail at
least one of its function's test cells with a message matching
``mentions``; a correct variant must pass all of them.
"""
from typing import NamedTuple, Optional


class Variant(NamedTuple):
    function: str            # the graded function (its grade_id)
    name: str                # what the variant does, e.g. "bias forgotten"
    code: str                # a full definition of the function
    mentions: Optional[str] = None  # regex the failure message must match (mistakes only)
