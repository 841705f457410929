"""nbgrader's own autograde: full marks for the solutions, zero for untouched notebooks."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from notebook_tools import ROOT, SOLUTIONS, lesson_names, read, solved, source_path, student_path

LESSON_NAMES = lesson_names()


def nbgrader(course, *args):
    # nbgrader runs the `alembic` command of this environment to create its gradebook
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=WARN"],
                          cwd=course / "autograder", capture_output=True, text=True,
                          env={**os.environ, "PATH": path})
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}"


@pytest.mark.skipif(not LESSON_NAMES, reason="no lessons yet")
def test_autograde_full_marks_for_solutions_zero_for_untouched(tmp_path):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    shutil.copytree(SOLUTIONS, course / "solutions")
    (course / "autograder").mkdir()
    shutil.copy(ROOT / "autograder" / "nbgrader_config.py", course / "autograder")
    for lesson in LESSON_NAMES:
        nbgrader(course, "generate_assignment", lesson, "--force")
        student_nb = read(student_path(lesson))
        submissions = {"solved": solved(student_nb, read(source_path(lesson))),
                       "untouched": student_nb}
        for student, nb in submissions.items():
            folder = course / "submitted" / student / lesson
            folder.mkdir(parents=True)
            nbformat.write(nb, str(folder / f"{lesson}.ipynb"))
        nbgrader(course, "autograde", lesson, "--create")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for lesson in LESSON_NAMES:
            full = gradebook.find_submission(lesson, "solved")
            assert full.max_score > 0
            assert full.score == full.max_score, \
                f"{lesson}: the solutions get {full.score} of {full.max_score}"
            assert gradebook.find_submission(lesson, "untouched").score == 0, lesson
