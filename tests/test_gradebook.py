"""`grade --gradebook`: the grades of grades.csv in nbgrader's gradebook.

A small class of lesson 01 is graded once through the command line with a
gradebook in a fresh course folder; the tests read that gradebook with
nbgrader's API and its `export` and `generate_feedback` commands, as an
instructor would, and compare with grades.csv; the same class graded in
two parts (`grade --part`) and merged (`merge --gradebook`) gives the same
gradebook. The last tests call `gradebook.write` directly to regrade a class whose gradebook an
instructor has already touched in formgrader.
"""
import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import gradebook, parts, sample_class
from notebook_tools import require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01_single_unit"
WRONG_STEP = "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n"


def nbgrader(course, *args):
    """An nbgrader command run in the course folder, as an instructor runs it."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])  # the venv activated
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, capture_output=True, text=True, timeout=300, env=dict(os.environ, PATH=path))
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def gradebook_scores(path):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{path}") as book:
        return sorted((s.student.id, g.name, g.score, g.max_score) for s in book.assignment_submissions(LESSON)
                      for n in s.notebooks for g in n.grades)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    base = tmp_path_factory.mktemp("gradebook")
    subs, out, book = base / "submissions", base / "out" / "grades.csv", base / "course" / "gradebook.db"
    sample_class.write(subs, "correct", LESSON, sample_class.submission(LESSON))
    sample_class.write(subs, "untouched", LESSON, sample_class.submission(LESSON, solved=False))
    sample_class.write(subs, "partly_wrong", LESSON, sample_class.submission(LESSON, replace={"step": WRONG_STEP}))
    (subs / "corrupt" / LESSON).mkdir(parents=True)
    (subs / "corrupt" / LESSON / f"{LESSON}.ipynb").write_text('{"cells": [')
    # nbgrader's collect leaves these next to a hand-in
    (subs / "correct" / LESSON / "timestamp.txt").write_text("2026-03-02 09:15:00.000000 UTC")
    (subs / "correct" / LESSON / "submission_secret.txt").write_text("a secret of nbgrader's submit")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                           "--jobs", "2", "--gradebook", str(book)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {r["student"]: r for r in csv.DictReader(open(out))}
    tests = {}
    for r in csv.DictReader(open(out.with_name("grades_tests.csv"))):
        tests.setdefault(r["student"], {})[r["test"]] = (float(r["score"]), float(r["max_score"]))
    return dict(rows=rows, tests=tests, course=book.parent, book=book, subs=subs, out=out)


def test_the_class_is_graded_as_expected(graded):
    rows = graded["rows"]
    assert float(rows["correct"]["score"]) == float(rows["correct"]["max_score"]) > 0
    assert float(rows["untouched"]["score"]) == 0
    assert 0 < float(rows["partly_wrong"]["score"]) < float(rows["partly_wrong"]["max_score"])
    assert rows["corrupt"]["status"] == "corrupt"


def test_gradebook_scores_equal_grades_csv(graded):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{graded['book']}") as book:
        assert sorted(s.id for s in book.students) == sorted(graded["rows"])
        for student, row in graded["rows"].items():
            if row["status"] == "corrupt":
                with pytest.raises(MissingEntry):
                    book.find_submission(LESSON, student)
                continue
            notebook = book.find_submission_notebook(LESSON, LESSON, student)
            assert notebook.score == pytest.approx(float(row["score"]))
            assert notebook.max_score == pytest.approx(float(row["max_score"]))
            cells = {g.name: (round(g.score, 6), round(g.max_score, 6)) for g in notebook.grades}
            assert cells == graded["tests"][student]
            assert not notebook.needs_manual_grade
        assert str(book.find_submission(LESSON, "correct").timestamp).startswith("2026-03-02 09:15:00")


def test_nbgrader_export_gives_the_grades_of_grades_csv(graded):
    exported = graded["course"] / "export.csv"
    nbgrader(graded["course"], "export", f"--to={exported}")
    scores = {r["student_id"]: r for r in csv.DictReader(open(exported)) if r["assignment"] == LESSON}
    assert sorted(scores) == sorted(graded["rows"])
    for student, row in graded["rows"].items():
        assert float(scores[student]["score"]) == pytest.approx(float(row["score"]))
        assert float(scores[student]["max_score"]) == pytest.approx(float(row["max_score"]))


def test_nbgrader_feedback_is_made_and_released_from_the_gradebook(graded, tmp_path):
    course = graded["course"]
    nbgrader(course, "generate_feedback", LESSON)
    for student in ("correct", "untouched", "partly_wrong"):
        html = (course / "feedback" / student / LESSON / f"{LESSON}.html").read_text()
        row = graded["rows"][student]
        assert f"Score: {float(row['score']):.1f} / {float(row['max_score']):.1f}" in html
    assert not (course / "feedback" / "corrupt").exists()
    # release_feedback finds the secret of the hand-in through the autograded folder
    nbgrader(course, "release_feedback", LESSON, f"--Exchange.root={tmp_path}",
             "--CourseDirectory.course_id=neural-networks", "--student=correct")
    assert len(list((tmp_path / "neural-networks" / "feedback").glob("*.html"))) == 1


def test_grading_again_gives_the_same_gradebook(graded):
    before = gradebook_scores(graded["book"])
    rows, tests = parts.read_grades(graded["out"])
    gradebook.write(graded["book"], graded["subs"], rows, tests, graded["out"].parent / "autograded")
    assert gradebook_scores(graded["book"]) == before


def test_a_class_graded_in_parts_merges_into_the_same_gradebook(graded, tmp_path):
    """Two parts graded at once (grade --part I/2), then `merge --gradebook`, the one writer."""
    out = graded["out"]
    runs = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(graded["subs"]), "--jobs", "1",
                              "--part", f"{i}/2", "--out", str(tmp_path / f"part-{i}" / "grades.csv")],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for i in range(2)]
    for run in runs:
        output = run.communicate(timeout=600)[0]
        assert run.returncode == 0, output
    assert "part 1/2: 2 of 4 students" in output
    book, merged = tmp_path / "course" / "gradebook.db", tmp_path / "merged" / "grades.csv"
    done = subprocess.run([sys.executable, "-m", "autograder", "merge", str(tmp_path / "part-0"),
                           str(tmp_path / "part-1"), "--out", str(merged), "--gradebook", str(book)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert gradebook_scores(book) == gradebook_scores(graded["book"])
    assert merged.read_text() == out.read_text()
    assert merged.with_name("grades_tests.csv").read_text() == out.with_name("grades_tests.csv").read_text()
    for folder in ("autograded", "feedback"):
        assert sorted(p.relative_to(merged.parent / folder) for p in (merged.parent / folder).rglob("*.*")) == \
            sorted(p.relative_to(out.parent / folder) for p in (out.parent / folder).rglob("*.*"))
    assert (book.parent / "autograded" / "correct" / LESSON / "submission_secret.txt").is_file()


# ---------------------------------------------------------------- regrading, without the sandbox

def _class(tmp_path, students):
    """A graded class as `grade` leaves it: rows, test rows and autograded notebooks."""
    autograded = tmp_path / "out" / "autograded"
    for student in students:
        (autograded / student).mkdir(parents=True)
        nbformat.write(sample_class.submission(LESSON), autograded / student / f"{LESSON}.ipynb")
    return autograded


def _tests(student, points):
    return [dict(student=student, lesson=LESSON, test=test, score=score, max_score=2.0)
            for test, score in points.items()]


def test_regrading_keeps_manual_scores_and_drops_hand_ins_that_became_ungradable(tmp_path):
    from nbgrader.api import Gradebook, MissingEntry

    book, subs = tmp_path / "course" / "gradebook.db", tmp_path / "submissions"
    autograded = _class(tmp_path, ["ann", "bob"])
    with_ids = {"test_weighted_sum": 2.0, "test_step": 0.0}
    rows = [dict(student=s, lesson=LESSON, score=2.0, status="ok") for s in ("ann", "bob")]
    gradebook.write(book, subs, rows, _tests("ann", with_ids) + _tests("bob", with_ids), autograded)
    with Gradebook(f"sqlite:///{book}") as gb:  # formgrader: the instructor gives ann 1 point for step
        grade = gb.find_grade("test_step", LESSON, LESSON, "ann")
        grade.manual_score = 1.0
        gb.db.commit()

    rows = [dict(student="ann", lesson=LESSON, score=2.0, status="ok"),
            dict(student="bob", lesson=LESSON, score=0, status="corrupt")]
    gradebook.write(book, subs, rows, _tests("ann", with_ids), autograded)
    with Gradebook(f"sqlite:///{book}") as gb:
        grade = gb.find_grade("test_step", LESSON, LESSON, "ann")
        assert (grade.auto_score, grade.manual_score, grade.score) == (0.0, 1.0, 1.0)
        assert grade.needs_manual_grade  # the grader's score changed under the instructor's: look again
        with pytest.raises(MissingEntry):
            gb.find_submission(LESSON, "bob")
    assert not (book.parent / "autograded" / "bob" / LESSON).exists()
    assert (book.parent / "autograded" / "ann" / LESSON / f"{LESSON}.ipynb").is_file()


def test_a_test_cell_the_gradebook_does_not_know_is_a_clear_error(tmp_path):
    book = tmp_path / "course" / "gradebook.db"
    autograded = _class(tmp_path, ["ann"])
    rows = [dict(student="ann", lesson=LESSON, score=2.0, status="ok")]
    with pytest.raises(SystemExit, match="no test cell test_renamed in 01_single_unit"):
        gradebook.write(book, tmp_path, rows, _tests("ann", {"test_renamed": 2.0}), autograded)
