"""Every lesson through the instructor's grader: full marks for the solutions
(the test cells run by the judge, outside the kernels), 0 for untouched
notebooks."""
import csv
import subprocess
import sys

import pytest

from autograder import sample_class
from notebook_tools import ROOT, lesson_names, require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON_NAMES = lesson_names()


@pytest.mark.skipif(not LESSON_NAMES, reason="no lessons yet")
def test_grade_full_marks_for_solutions_zero_for_untouched(tmp_path):
    require_sandbox()
    subs, out = tmp_path / "submitted", tmp_path / "grades.csv"
    for lesson in LESSON_NAMES:
        sample_class.write(subs, "solved", lesson, sample_class.submission(lesson))
        sample_class.write(subs, "untouched", lesson, sample_class.submission(lesson, solved=False))
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr

    rows = {(r["student"], r["lesson"]): r for r in csv.DictReader(open(out))}
    assert len(rows) == 2 * len(LESSON_NAMES)
    for lesson in LESSON_NAMES:
        solved, untouched = rows["solved", lesson], rows["untouched", lesson]
        assert float(solved["max_score"]) > 0
        assert (float(solved["score"]), solved["status"]) == (float(solved["max_score"]), "ok"), solved
        assert (float(untouched["score"]), untouched["status"]) == (0, "ok"), untouched
    for test in csv.DictReader(open(tmp_path / "grades_tests.csv")):
        expected = test["max_score"] if test["student"] == "solved" else "0.0"
        assert test["score"] == expected, test
