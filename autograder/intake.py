"""Intake: what is checked about a hand-in before any of its code runs.

`find_submissions` and `check_notebook` run in the grader's main process
on the files: a missing, renamed, corrupt or oversized notebook gets its
status there and is not graded. `Intake` is the first grading step, on
the notebook: it compares the locked cells (test cells, fixed code) with
the released lesson and strips the nbgrader metadata of cells the lesson
does not have, before nbgrader restores the locked cells from the source.
"""
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from . import course, record

MAX_NOTEBOOK_BYTES = 50 * 1024**2


@dataclass
class Job:
    student: str
    lesson: str
    notebook: Path


def row(student, lesson, score, max_score, status, reason):
    """One row of the grades CSV (course.GRADE_FIELDS)."""
    return dict(student=student, lesson=lesson, score=score, max_score=max_score,
                status=status, reason=reason)


def find_submissions(submissions, lessons=None):
    """Jobs to grade, and rows for hand-ins that cannot be graded."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise SystemExit(f"grade: {submissions} is not a folder of student submissions")
    known = course.lesson_names()
    jobs, rows = [], []
    for student_dir in _folders(submissions):
        if student_dir.is_symlink():
            rows.append(row(student_dir.name, "", 0, 0, "corrupt", _LINK.format(f"{student_dir.name}/")))
            continue
        for lesson_dir in _folders(student_dir):
            student, lesson = student_dir.name, lesson_dir.name
            if lessons and lesson not in lessons:
                continue
            if lesson_dir.is_symlink() and lesson in known:
                rows.append(row(student, lesson, 0, None, "corrupt", _LINK.format(f"{lesson}/")))
                continue
            if lesson not in known:
                rows.append(row(student, lesson, 0, 0, "unknown",
                                f"{lesson} is not a lesson of this course ({', '.join(known)})"))
                continue
            notebook = lesson_dir / course.notebook_name(lesson)
            problem = check_notebook(notebook)
            if problem:
                rows.append(row(student, lesson, 0, None, *problem))
            else:
                jobs.append(Job(student, lesson, notebook))
    return jobs, rows


_LINK = "{} is a symbolic link; the grader does not follow links out of the submissions"


def _folders(folder):
    """The folders in `folder` (and links, which are reported, never followed)."""
    return sorted(p for p in folder.iterdir()
                  if not p.name.startswith(".") and (p.is_symlink() or p.is_dir()))


def check_notebook(path):
    """(status, reason) if the file cannot be graded, else None. Nothing is
    read through a link: not a symbolic link, not a file with other names."""
    if path.is_symlink():
        return "corrupt", _LINK.format(path.name)
    if path.is_file() and path.stat().st_nlink > 1:
        return "corrupt", (f"{path.name} has {path.stat().st_nlink} hard links; the grader reads "
                           "only files that are nowhere else")
    if not path.is_file():
        found = sorted(p.name for p in path.parent.iterdir() if not p.name.startswith("."))
        return "missing", (f"no {path.name} in {path.parent.name}/ "
                           f"(found: {', '.join(found) if found else 'nothing'})")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return "corrupt", f"{path.name} is {size / 1024**2:.0f} MB; the limit is {MAX_NOTEBOOK_BYTES // 1024**2} MB"
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except Exception as error:
        text = str(error).splitlines()[0][:150] if str(error) else type(error).__name__
        return "corrupt", f"{path.name} is not a readable notebook ({text})"
    if nb.get("nbformat") != 4:
        return "corrupt", f"{path.name} is a version {nb.get('nbformat')} notebook; version 4 is expected"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        return "corrupt", f"{path.name} is not a valid notebook ({error.message[:150]})"
    return None


def _graded_cells(nb):
    cells = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id:
            cells.setdefault(grade_id, []).append(cell)
    return cells


def locked_cell_changes(submitted, released):
    """What the student changed in the locked cells (test cells, fixed
    code): restored by nbgrader, but worth telling the instructor."""
    mine, theirs = _graded_cells(released), _graded_cells(submitted)
    changes = []
    for grade_id, [cell] in mine.items():
        meta = cell.metadata["nbgrader"]
        if not (meta.get("locked") or meta.get("grade")) or meta.get("solution"):
            continue
        copies = theirs.get(grade_id, [])
        if not copies:
            changes.append(f"deleted {grade_id}")
        elif len(copies) > 1:
            changes.append(f"duplicated {grade_id}")
        elif copies[0].source != cell.source:
            changes.append(f"edited {grade_id}")
        elif copies[0].metadata["nbgrader"].get("points") != meta.get("points"):
            changes.append(f"changed the points of {grade_id}")
    changes += [f"added a graded cell {grade_id} that is not in the lesson" for grade_id in theirs
                if grade_id not in mine]
    return changes


def strip_foreign_cells(nb, released):
    """Cells claiming grade ids that the lesson does not have, and second
    copies of a cell, lose their nbgrader metadata: they can neither earn
    points nor stop nbgrader (which fails on a duplicated test cell)."""
    known = set(_graded_cells(released))
    seen = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in known or grade_id in seen:
            cell.metadata.pop("nbgrader", None)
        seen.add(grade_id)
    return nb


class Intake(NbGraderPreprocessor):
    """Note changed locked cells as tampering; strip foreign graded cells."""

    release_folder = Unicode(help="nbgrader's release folder: <lesson>/<lesson>.ipynb").tag(config=True)

    def preprocess(self, nb, resources):
        lesson = resources["nbgrader"]["assignment"]
        released = nbformat.read(Path(self.release_folder) / lesson / course.notebook_name(lesson),
                                 as_version=4)
        record.reset(nb)
        changes = locked_cell_changes(nb, released)
        if changes:
            record.note(nb, "tampered", "locked cells were changed (" + ", ".join(changes)
                        + "); nbgrader graded with the lesson's own tests")
        return strip_foreign_cells(nb, released), resources
