"""Intake: what is checked about a hand-in before any of its code runs.

`find_submissions` and `check_notebook` run in the grader's main process
on the files: a missing, renamed, corrupt or oversized notebook gets its
status there and is not graded. `Intake` is the first grading step, on
the notebook: it compares the locked cells (test cells, fixed code) with
the released lesson and strips the nbgrader metadata of cells the lesson
does not have, before nbgrader restores the locked cells from the source.
"""
import copy
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


METADATA = ("grade", "solution", "locked", "points", "task")  # what makes a cell graded, and how


def cell_changes(submitted, released):
    """What the student changed of the lesson's graded and locked cells:
    their source (locked cells only: an exercise is theirs to write), their
    nbgrader metadata, their type, their order. Each is worth telling the
    instructor: the grader grades the lesson's own cells whatever the
    notebook holds (`restore_cells`, then nbgrader's OverwriteCells)."""
    mine, theirs = _graded_cells(released), _graded_cells(submitted)
    changes = []
    for grade_id, [cell] in mine.items():
        meta = cell.metadata["nbgrader"]
        locked = (meta.get("locked") or meta.get("grade")) and not meta.get("solution")
        copies = theirs.get(grade_id, [])
        if not copies:
            if locked:
                changes.append(f"deleted {grade_id}")
            continue
        if len(copies) > 1 and locked:
            changes.append(f"duplicated {grade_id}")
        copy = copies[0]
        if copy.cell_type != cell.cell_type:
            changes.append(f"turned {grade_id} into a {copy.cell_type} cell")
        elif locked and copy.source != cell.source:
            changes.append(f"edited {grade_id}")
        theirs_meta = copy.metadata.get("nbgrader", {})
        changed = [f"{key} {meta.get(key)!r} -> {theirs_meta.get(key)!r}" for key in METADATA
                   if theirs_meta.get(key) != meta.get(key)]
        if changed:
            changes.append(f"changed the nbgrader metadata of {grade_id} ({', '.join(changed)})")
    changes += [f"added a graded cell {grade_id} that is not in the lesson" for grade_id in theirs
                if grade_id not in mine]
    return changes + moved_cells(submitted, released)


def moved_cells(submitted, released):
    """Test cells that the submission has before the exercise they test."""
    order = {cell.metadata["nbgrader"]["grade_id"]: i for i, cell in reversed(list(enumerate(submitted.cells)))
             if cell.metadata.get("nbgrader", {}).get("grade_id")}
    moved, exercise = [], None
    for cell in released.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id"):
            exercise = meta["grade_id"]
        elif meta.get("grade") and exercise and meta["grade_id"] in order and exercise in order \
                and order[meta["grade_id"]] < order[exercise]:
            moved.append(f"moved {meta['grade_id']} before {exercise}")
    return moved


def restore_cells(nb, released):
    """Give the lesson's graded cells their released nbgrader metadata and
    type back (a test cell set to grade: false, a solution cell turned into
    markdown), so that nbgrader grades them as the lesson's own."""
    mine = {grade_id: cells[0] for grade_id, cells in _graded_cells(released).items()}
    for i, cell in enumerate(nb.cells):
        original = mine.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if original is None:
            continue
        if cell.cell_type != original.cell_type:
            make = nbformat.v4.new_code_cell if original.cell_type == "code" else nbformat.v4.new_markdown_cell
            restored = make(cell.source, metadata=cell.metadata)
            if "id" in cell:
                restored.id = cell.id
            nb.cells[i] = cell = restored
        cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
    return nb


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
    """Note changed graded cells as tampering and restore them; strip foreign graded cells."""

    release_folder = Unicode(help="nbgrader's release folder: <lesson>/<lesson>.ipynb").tag(config=True)

    def preprocess(self, nb, resources):
        lesson = resources["nbgrader"]["assignment"]
        released = nbformat.read(Path(self.release_folder) / lesson / course.notebook_name(lesson),
                                 as_version=4)
        record.reset(nb)
        for number, cell in enumerate(nb.cells, start=1):  # the cell's place in the student's own file
            cell.metadata[record.KEY] = {"cell": number}
        changes = cell_changes(nb, released)
        if changes:
            record.note(nb, "tampered", "the lesson's graded cells were changed (" + "; ".join(changes)
                        + "); the grader graded the lesson's own cells")
        restore_cells(nb, released)
        return strip_foreign_cells(nb, released), resources
