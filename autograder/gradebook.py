"""The grades of ``grade`` in an nbgrader gradebook.

nbgrader's formgrader, ``nbgrader export`` and ``nbgrader generate_feedback``
work on a course folder: its gradebook (``gradebook.db``) and the
autograded notebooks, ``autograded/<student>/<lesson>/<lesson>.ipynb``.
`write` fills both with what ``grade`` found, through nbgrader's own
``Gradebook`` API: every test cell's points go into the submission's
grades as the autograder's score, so the gradebook and grades.csv agree
cell by cell. A cell the grader gave no score (a written answer) is
marked for manual grading in formgrader; a score an instructor gave there
is kept when the class is graded again. A hand-in that could not be
graded (missing, corrupt) has no submission in the gradebook, which
nbgrader counts as 0, as grades.csv does.

Only the coordinating process calls `write`, after the workers are done:
a gradebook has one writer. A class graded in parts (``grade --part I/N``
on a Slurm job array or a Kubernetes Indexed Job, deploy/) is written into
the gradebook by the one process that merges the parts, parts.py:

    python -m autograder merge PART_FOLDER ... --out grades.csv --gradebook PATH
"""
import os
import shutil
import sys
import tempfile
import warnings
from collections import defaultdict
from pathlib import Path

from .course import SOLUTIONS, gradebook_url, lesson_names, nbgrader_config
from .release import nbgrader_api

# What nbgrader's `collect` puts next to a hand-in, and `release_feedback` needs.
SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


def write(gradebook, submissions, rows, tests, autograded):
    """Put the grades of one ``grade`` run into an nbgrader gradebook.

    Parameters
    ----------
    gradebook : path of the gradebook file (made if absent); its folder is
        the nbgrader course folder that receives ``autograded/``.
    submissions : the SUBMISSIONS folder that was graded (nbgrader's
        ``timestamp.txt`` and ``submission_secret.txt`` are taken from it).
    rows : the rows of grades.csv (dicts with student and lesson): one per hand-in.
    tests : the rows of grades_tests.csv, dicts with student, lesson, test, score.
    autograded : the folder of ``<student>/<lesson>.ipynb`` that grade wrote.
    """
    from nbgrader.api import Gradebook, MissingEntry

    gradebook = Path(gradebook).resolve()
    course, url = gradebook.parent, gradebook_url(gradebook)
    course.mkdir(parents=True, exist_ok=True)
    _alembic_on_path()
    lessons = sorted({row["lesson"] for row in rows} & set(lesson_names()))
    with Gradebook(url) as book:
        new = [lesson for lesson in lessons if not _has_lesson(book, lesson)]
    if new:
        add_lessons(course, url, new)

    scores = defaultdict(dict)
    for test in tests:
        scores[test["student"], test["lesson"]][test["test"]] = test["score"]
    with Gradebook(url) as book, warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about its own session.
        warnings.filterwarnings("ignore", message=".*not in session.*")
        for row in rows:
            student, lesson = row["student"], row["lesson"]
            if lesson not in lessons:
                continue
            book.update_or_create_student(student)
            target = course / "autograded" / student / lesson  # nbgrader's layout: a folder per lesson
            if (student, lesson) not in scores:  # not graded: no submission, 0 points
                try:
                    book.remove_submission(lesson, student)
                except MissingEntry:
                    pass
                shutil.rmtree(target, ignore_errors=True)
                continue
            handed_in = Path(submissions) / student / lesson
            stamp = handed_in / "timestamp.txt"
            book.update_or_create_submission(
                lesson, student, **({"timestamp": stamp.read_text().strip()} if stamp.is_file() else {}))
            for test, score in scores[student, lesson].items():
                try:
                    grade = book.find_grade(test, lesson, lesson, student)
                except MissingEntry:
                    raise SystemExit(f"grade: the gradebook {gradebook} has no test cell {test} in "
                                     f"{lesson}; it holds another version of the lesson") from None
                grade.auto_score = score
                grade.needs_manual_grade = score is None or grade.manual_score is not None
            book.db.commit()
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(autograded) / student / f"{lesson}.ipynb", target / f"{lesson}.ipynb")
            for name in SUBMISSION_FILES:
                if (handed_in / name).is_file():
                    shutil.copyfile(handed_in / name, target / name)


def _alembic_on_path():
    """nbgrader stamps a new gradebook by running the `alembic` command,
    which pip installs next to this Python, not always on PATH."""
    if shutil.which("alembic") is None:
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def _has_lesson(book, lesson):
    from nbgrader.api import MissingEntry

    try:
        return bool(book.find_assignment(lesson).notebooks)
    except MissingEntry:
        return False


def add_lessons(course, url, lessons):
    """Record the lessons' notebooks and cells in the gradebook, as nbgrader's
    ``generate_assignment`` does, with the course's configuration; the
    generated student notebooks go to a temporary folder."""
    config = nbgrader_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.source_directory = str(SOLUTIONS)
    config.CourseDirectory.db_url = url
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as release:
        config.CourseDirectory.release_directory = release
        api = nbgrader_api(config)
        for lesson in lessons:
            done = api.generate_assignment(lesson, force=True)
            if not done["success"]:
                raise SystemExit(f"nbgrader could not add {lesson} to {url}:\n"
                                 f"{done.get('error') or done.get('log')}")
