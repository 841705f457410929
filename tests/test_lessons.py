"""Every lesson: the solution runs clean, the student version fails cleanly, nothing drifts."""
import json

import pytest

from notebook_tools import (LESSONS, ROOT, errors, execute, is_graded, is_solution, lesson_names,
                            nbgrader_meta, read, source_path, stderr, student_path)

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON_NAMES = lesson_names()


def describe(cell):
    return nbgrader_meta(cell).get("grade_id") or cell.source.splitlines()[0][:60]


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_solution_notebook_runs_without_errors_or_stderr(lesson):
    nb = execute(read(source_path(lesson)), source_path(lesson).parent)
    problems = [f"{describe(c)}: {e['ename']}: {e['evalue']}" for c in nb.cells for e in errors(c)]
    problems += [f"{describe(c)} wrote to stderr: {stderr(c)[:300]}" for c in nb.cells if stderr(c)]
    # nbgrader reads a number displayed by a test cell as partial credit
    problems += [f"test cell {describe(c)} displays a value; end it with a statement"
                 for c in nb.cells if is_graded(c)
                 and any(o.output_type == "execute_result" for o in c.outputs)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_student_notebook_runs_to_the_end_and_every_test_fails_readably(lesson):
    nb = execute(read(student_path(lesson)), student_path(lesson).parent)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code_cells), "the kernel did not run every cell"
    for cell in code_cells:
        assert not stderr(cell), f"{describe(cell)} wrote to stderr: {stderr(cell)[:300]}"
        if is_graded(cell):
            assert errors(cell), f"test cell {describe(cell)} passes with the exercises unsolved"
            error = errors(cell)[0]
            assert error["ename"] == "NotWritten", \
                f"test cell {describe(cell)} crashed with {error['ename']}: {error['evalue']}"
            assert "is not written yet" in error["evalue"], error["evalue"]
        else:
            assert not errors(cell), \
                f"cell {describe(cell)} fails in the student version: {errors(cell)[0]['evalue']}"


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_notebooks_are_committed_without_outputs(lesson):
    for path in (source_path(lesson), student_path(lesson)):
        for cell in read(path).cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, \
                    f"{path.relative_to(ROOT)}: {describe(cell)} has outputs"


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_source_notebook_has_exercises_and_locked_tests_with_points(lesson):
    cells = read(source_path(lesson)).cells
    solutions = [c for c in cells if is_solution(c)]
    tests = [c for c in cells if is_graded(c)]
    assert solutions and tests
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta.get("locked") and meta.get("points", 0) > 0, describe(cell)
    ids = [nbgrader_meta(c)["grade_id"] for c in cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_student_notebook_holds_no_solution_or_hidden_test(lesson):
    source = {nbgrader_meta(c).get("grade_id"): c for c in read(source_path(lesson)).cells}
    text = student_path(lesson).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"lessons/{lesson} contains '{marker}'"
    for cell in read(student_path(lesson)).cells:
        if is_solution(cell) and cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source, describe(cell)
            answer = source[nbgrader_meta(cell)["grade_id"]].source
            body = answer.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            leaked = [line for line in body.splitlines()
                      if line.strip() and len(line.strip()) > 12 and line in cell.source]
            assert not leaked, f"{describe(cell)} shows solution lines: {leaked}"


def test_lessons_are_what_release_generates(tmp_path):
    from autograder.release import release

    release(release_dir=tmp_path, quiet=True)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(LESSONS) for p in LESSONS.rglob("*")
                       if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    assert committed == generated, "lessons/ has other files than release generates"
    for relative in generated:
        if relative.suffix == ".ipynb":
            assert json.loads((LESSONS / relative).read_text()) == \
                json.loads((tmp_path / relative).read_text()), \
                f"lessons/{relative} differs from solutions/: run `python -m autograder release`"
        else:
            assert (LESSONS / relative).read_bytes() == (tmp_path / relative).read_bytes()


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_test_cells_let_run_all_go_on(lesson):
    """Every test cell has the tag raises-exception, in the source and in the student version,
    so that Run All goes past an unsolved exercise to the end of the lesson."""
    for path in (source_path(lesson), student_path(lesson)):
        untagged = [describe(c) for c in read(path).cells if is_graded(c)
                    and "raises-exception" not in c.metadata.get("tags", [])]
        assert not untagged, f"{path.relative_to(ROOT)}: test cells without the tag: {untagged}"


def test_every_lesson_has_the_same_notation_box_and_a_sources_cell():
    boxes = set()
    for lesson in LESSON_NAMES:
        cells = read(source_path(lesson)).cells
        assert cells[1].cell_type == "markdown" and cells[1].source.startswith("**Notation"), \
            f"{lesson}: the second cell is not the notation box"
        boxes.add(cells[1].source)
        assert cells[-1].cell_type == "markdown" and cells[-1].source.startswith("## Sources"), \
            f"{lesson}: the last cell is not the Sources cell"
    assert len(boxes) == 1, "the notation boxes of the lessons differ"


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_student_notebook_names_its_sources_not_the_course_files(lesson):
    """Students never see the course's internal names of the source articles ("seed 003")."""
    import re

    for cell in read(student_path(lesson)).cells:
        found = re.findall(r"seed 0\d\d|seeds/", cell.source, flags=re.IGNORECASE)
        assert not found, f"{describe(cell)} mentions {found}"


def test_a_failed_check_shows_one_short_block_with_the_students_own_frames():
    """In a real kernel: a wrong value shows the call, expected vs got and the hint, no traceback;
    an error inside the student's function shows the student's frame ("Cell In[n]") and the error,
    never nnlib's internals."""
    lesson = "01_single_unit"
    nb = read(student_path(lesson))
    wrong = {"weighted_sum": "def weighted_sum(x, w, b):\n    return float(np.dot(w, x) - b)\n",
             "step": "def step(z):\n    return np.asarray(z) >= threshold\n"}
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") in wrong:
            cell.source = wrong[nbgrader_meta(cell)["grade_id"]]
    ran = {nbgrader_meta(c).get("grade_id"): c for c in execute(nb, student_path(lesson).parent).cells}
    shown = {}
    for test in ("test_weighted_sum", "test_step"):
        (error,) = errors(ran[test])
        shown[test] = "\n".join(error["traceback"])
        assert len(shown[test].splitlines()) <= 12, shown[test]
        assert "checks.py" not in shown[test] and "Traceback" not in shown[test], shown[test]
    assert "expected" in shown["test_weighted_sum"] and "add the bias b once" in shown["test_weighted_sum"]
    assert "Cell In[" in shown["test_step"] and "in step" in shown["test_step"]
    assert "NameError: name 'threshold' is not defined" in shown["test_step"]
