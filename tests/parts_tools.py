"""A small class graded once by one plain `grade` run, and the checks that
a class graded in parts and merged made the same files (tests/test_slurm.py,
tests/test_deploy.py, tests/test_parts.py)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import course, sample_class

LESSON = "01_single_unit"
STUDENTS = 12


def grade_plainly(base):
    """The class of sample_class.small_class in base/submitted, graded by
    one `grade` run into base/plain/grades.csv with the gradebook
    base/plain/course/gradebook.db."""
    submissions = base / "submitted"
    students = sample_class.small_class(submissions, LESSON, STUDENTS)
    out, book = base / "plain" / "grades.csv", base / "plain" / "course" / "gradebook.db"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
                           "--jobs", "2", "--gradebook", str(book)],
                          cwd=course.ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(submissions=submissions, students=students, out=out, book=book)


def course_folder(plain, folder):
    """An nbgrader course folder holding a copy of the class's hand-ins in submitted/."""
    shutil.copytree(plain["submissions"], folder / "submitted")
    return folder


def files(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


def gradebook_contents(path):
    """Every student, submission (with its timestamp) and test cell's points of a gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url(path)) as book:
        students = sorted(s.id for s in book.students)
        cells = sorted((s.student.id, str(s.timestamp), g.name, g.score, g.max_score, g.needs_manual_grade)
                       for s in book.assignment_submissions(LESSON) for n in s.notebooks for g in n.grades)
    return students, cells


def assert_same_as_plain(plain, out, book):
    """The merged grades CSV `out` and gradebook `book` are those of the plain run."""
    merged, single = course.Outputs(out), course.Outputs(plain["out"])
    assert merged.grades.read_text() == single.grades.read_text()
    assert merged.tests.read_text() == single.tests.read_text()
    assert files(merged.feedback_folder) == files(single.feedback_folder) != []
    assert files(merged.autograded_folder) == files(single.autograded_folder) != []
    assert gradebook_contents(book) == gradebook_contents(plain["book"])
    assert len(gradebook_contents(book)[0]) == STUDENTS
    # nbgrader's course folder: the autograded notebooks formgrader reads
    assert files(Path(book).parent / "autograded") == files(Path(plain["book"]).parent / "autograded")
    # the kept rows, for a later plain run into the merged folder (state.py)
    assert len(merged.state.read_text().splitlines()) == len(single.state.read_text().splitlines())


def environment():
    """The environment of a command run as the course's instructor runs it:
    the repository's Python first on PATH."""
    return dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
