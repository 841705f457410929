"""Make student submissions from the lessons, for trying the grader out.

`submission(lesson, ...)` is the student notebook of `lessons/` with its
exercise cells answered from `solutions/` (or left as handed out, or
replaced by given code). `write(...)` puts it where `grade` looks for it.
The canary (grade.py) hands in the solutions with these, and the tests and
bench/grade_class.py build their classes with them.
"""
from pathlib import Path

import nbformat

from . import course


def _cells_by_id(path):
    nb = nbformat.read(path, as_version=4)
    return nb, {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id")}


def answer(lesson, grade_id):
    """The solution of one exercise cell, without nbgrader's markers."""
    _nb, cells = _cells_by_id(course.source_notebook(lesson))
    lines = cells[grade_id].source.splitlines()
    return "\n".join(line for line in lines if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def exercises(lesson):
    """The grade ids of the lesson's exercise cells, in order."""
    nb, _cells = _cells_by_id(course.student_notebook(lesson))
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")]


def submission(lesson, solved=True, replace=None):
    """The student notebook of `lesson`, answered if `solved`; `replace`
    maps grade ids (of any cell) to the source a student put there."""
    nb, cells = _cells_by_id(course.student_notebook(lesson))
    if solved:
        for grade_id in exercises(lesson):
            cells[grade_id].source = answer(lesson, grade_id)
    for grade_id, source in (replace or {}).items():
        cells[grade_id].source = source
    return nb


def write(submissions, student, lesson, nb):
    """Save `nb` as SUBMISSIONS/<student>/<lesson>/<lesson>.ipynb."""
    path = Path(submissions) / student / lesson / course.notebook_name(lesson)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def small_class(submissions, lesson="01_single_unit", size=12):
    """A class of `size` students (student00...) handing in `lesson`: half
    solve it, a quarter get one exercise wrong, one leaves it untouched,
    one hands in a broken file, one a misnamed one; every hand-in has
    nbgrader's timestamp.txt. Returns the students."""
    students = [f"student{i:02d}" for i in range(size)]
    for i, student in enumerate(students):
        if i == size - 2:
            folder = Path(submissions) / student / lesson
            folder.mkdir(parents=True, exist_ok=True)
            (folder / course.notebook_name(lesson)).write_text('{"cells": [')
        elif i == size - 1:
            folder = Path(submissions) / student / lesson
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(submission(lesson), folder / "my_copy.ipynb")
        else:
            exercise = exercises(lesson)[i % len(exercises(lesson))]
            nb = (submission(lesson) if i < size // 2 else
                  submission(lesson, solved=False) if i == size - 3 else
                  submission(lesson, replace={exercise: f"def {exercise}(*args):\n    return 0.0\n"}))
            write(submissions, student, lesson, nb)
        (Path(submissions) / student / lesson / "timestamp.txt").write_text(
            f"2026-03-02 09:{i:02d}:00.000000 UTC")
    return students
