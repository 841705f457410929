"""The grader fails loudly: a broken set-up stops `grade` before anyone is
graded, with a message that says what is broken, never a class of zeros."""
import csv
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder import course, sample_class
from notebook_tools import require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON = "01_single_unit"


def grade(subs, out, *options, cwd=course.ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                           "--jobs", "2", *options], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


def rows(out):
    return {r["student"]: r for r in csv.DictReader(open(out))}


@pytest.fixture
def a_class(tmp_path):
    require_sandbox()
    subs = tmp_path / "subs"
    sample_class.write(subs, "ann", LESSON, sample_class.submission(LESSON))
    sample_class.write(subs, "bob", LESSON, sample_class.submission(LESSON, solved=False))
    return subs


def test_a_sound_set_up_passes_the_canary_and_grades_the_class(a_class, tmp_path):
    done = grade(a_class, tmp_path / "out" / "grades.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"canary: the solutions of {LESSON} get full marks" in done.stdout
    graded = rows(tmp_path / "out" / "grades.csv")
    assert (graded["ann"]["score"], graded["bob"]["score"]) == ("10.0", "0.0")


def test_a_broken_kernel_stops_grading_before_anyone_is_graded(a_class, tmp_path):
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text('{"argv": ["/nowhere/python3", "-m", "ipykernel_launcher", '
                                         '"-f", "{connection_file}"], "display_name": "Python 3", '
                                         '"language": "python"}')
    out = tmp_path / "out" / "grades.csv"
    done = grade(a_class, out, env=dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter")))
    assert done.returncode != 0
    assert f"the canary failed: the instructor's solution of {LESSON}" in done.stderr, done.stderr
    assert "/nowhere/python3" in done.stderr and "Nobody was graded" in done.stderr
    assert not out.exists() and not course.Outputs(out).feedback_folder.exists()
    without = grade(a_class, out, "--no-canary", env=dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter")))
    assert "warning: --no-canary" in without.stdout


@pytest.fixture
def checkout_copy(tmp_path):
    """A second checkout of the course (a colleague's, a new term), graded with
    this checkout's environment, whose editable nnlib points here."""
    copy = tmp_path / "other-checkout"
    for folder in ("autograder", "nnlib", "solutions", "lessons", "data"):
        shutil.copytree(course.ROOT / folder, copy / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (copy / "nnlib" / "__init__.py").write_text((copy / "nnlib" / "__init__.py").read_text()
                                                + "\nCHECKOUT = 'the other checkout'\n")
    return copy


def test_another_checkout_grades_with_its_own_nnlib(a_class, tmp_path, checkout_copy):
    subs = tmp_path / "subs"
    sample_class.write(subs, "cat", LESSON, sample_class.submission(LESSON, replace={
        "weighted_sum": sample_class.answer(LESSON, "weighted_sum")
        + "\nimport nnlib\nprint('NNLIB FROM', nnlib.__file__, getattr(nnlib, 'CHECKOUT', 'here'))\n"}))
    out = tmp_path / "out" / "grades.csv"
    done = grade(subs, out, cwd=checkout_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows(out)["cat"]["score"] == "10.0"
    printed = nbformat.read(course.Outputs(out).autograded("cat", LESSON), as_version=4)
    text = "\n".join(o.get("text", "") for c in printed.cells if c.cell_type == "code" for o in c.outputs)
    assert f"NNLIB FROM {checkout_copy / 'nnlib' / '__init__.py'} the other checkout" in text


def test_a_checkout_without_its_nnlib_is_refused_naming_both(a_class, tmp_path, checkout_copy):
    shutil.rmtree(checkout_copy / "nnlib")
    out = tmp_path / "out" / "grades.csv"
    done = grade(a_class, out, cwd=checkout_copy)
    assert done.returncode != 0 and not out.exists()
    assert str(checkout_copy / "nnlib") in done.stderr and str(course.ROOT / "nnlib") in done.stderr


def breaks_nnlib_import():
    """A notebook whose first cell makes `import nnlib` fail: the lesson's own
    set-up cell then fails, as it does when nnlib is not installed."""
    nb = sample_class.submission(LESSON)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import sys\nsys.modules['nnlib'] = None"))
    return nb


def test_a_set_up_fault_is_an_error_not_a_zero_and_three_stop_the_run(tmp_path):
    require_sandbox()
    subs, out = tmp_path / "subs", tmp_path / "out" / "grades.csv"
    sample_class.write(subs, "ann", LESSON, sample_class.submission(LESSON))
    sample_class.write(subs, "broken", LESSON, breaks_nnlib_import())
    done = grade(subs, out)
    assert done.returncode == 0, done.stderr
    broken = rows(out)["broken"]
    assert broken["status"] == "error" and "the grading set-up is broken" in broken["reason"]
    nb = breaks_nnlib_import()
    number, setup = next((i, c) for i, c in enumerate(nb.cells, start=1)
                         if c.cell_type == "code" and "import nnlib" in c.source and i > 1)
    assert "import of nnlib halted" in broken["reason"], broken
    assert f"cell {number} ({setup.source.splitlines()[0][:40]}" in broken["reason"], broken
    assert rows(out)["ann"]["status"] == "ok"

    for student in ("b1", "b2", "b3", "b4"):
        sample_class.write(subs, student, LESSON, breaks_nnlib_import())
    done = grade(subs, out, "--jobs", "1", "--no-canary")
    assert done.returncode != 0 and "3 notebooks in a row ended with" in done.stderr, done.stderr
    assert "the finished rows are kept" in done.stderr


def test_a_reason_names_the_students_own_cell(tmp_path):
    """The timeout of the 7th cell of the student's file says cell 7, with
    its first line, however the grader renumbers the notebook."""
    require_sandbox()
    subs, out = tmp_path / "subs", tmp_path / "out" / "grades.csv"
    nb = sample_class.submission(LESSON)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_step"]
    nb.cells.insert(6, nbformat.v4.new_code_cell("while True:  # my slow loop\n    pass"))
    sample_class.write(subs, "slow", LESSON, nb)
    done = grade(subs, out, "--cell-timeout", "5")
    assert done.returncode == 0, done.stderr
    row = rows(out)["slow"]
    assert row["status"] == "timeout"
    assert "cell 7 (while True:  # my slow loop) ran past 5 s" in row["reason"], row["reason"]
