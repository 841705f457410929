"""The grading steps of autograder/pipeline.py, one at a time, on small notebooks.

Each step is an nbgrader preprocessor with one job, so each is tested
here without a kernel; tests/test_grade.py grades whole hostile classes
through all of them.
"""
import copy
import json

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder import course, pipeline, record
from autograder.intake import Intake, check_notebook
from autograder.outputs import LimitOutputSize, UnscoreStderr, error_output
from autograder.probes import judges, tables
from autograder.probes.steps import JudgeProbes


def graded(source, grade_id, points=1, solution=False):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": not solution, "solution": solution, "locked": not solution,
                                 "grade_id": grade_id, "points": points, "schema_version": 3}
    return cell


def stream(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def resources(tmp_path, lesson="01_single_unit"):
    return {"nbgrader": {"assignment": lesson}, "metadata": {"path": str(tmp_path)}}


# ---------------------------------------------------------------- the list

def test_the_pipeline_is_nbgraders_autograde_with_the_graders_steps(tmp_path):
    c = pipeline.grading_config(tmp_path, cell_timeout=7)
    assert c.Autograde.sanitize_preprocessors == pipeline.SANITIZE
    assert c.Autograde.autograde_preprocessors == pipeline.AUTOGRADE
    names = [step.__name__ for step in pipeline.SANITIZE + pipeline.AUTOGRADE]
    assert names.index("Intake") < names.index("OverwriteCells")     # sees the student's own cells
    assert names.index("InsertProbes") < names.index("SandboxedExecute") < names.index("JudgeProbes")
    assert names.index("UnscoreStderr") < names.index("SaveAutoGrades")
    for step in pipeline.SANITIZE + pipeline.AUTOGRADE:  # every step is documented in the list
        assert step.__name__ in pipeline.__doc__
    # the course's own configuration (nbgrader_config.py) underneath
    assert c.CourseDirectory.course_id == course.COURSE_ID
    assert c.ClearSolutions.code_stub == course.nbgrader_config().ClearSolutions.code_stub
    assert c.SandboxedExecute.cell_timeout == 7


def test_lessons_are_found_once_for_everyone():
    names = course.lesson_names()
    assert names and names == sorted(names)
    assert all(course.source_notebook(n).is_file() and course.student_notebook(n).is_file() for n in names)
    assert names == sorted(tables.LESSONS)  # every lesson has its probes


# ---------------------------------------------------------------- intake

@pytest.fixture
def released(tmp_path):
    nb = new_notebook(cells=[graded("def f(): ...", "f", solution=True), graded("assert f() == 1", "test_f", 2),
                             new_markdown_cell("text")])
    folder = tmp_path / "release" / "01_single_unit"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "01_single_unit.ipynb")
    return nb


def run_intake(tmp_path, nb):
    step = Intake(release_folder=str(tmp_path / "release"))
    return step.preprocess(nb, resources(tmp_path))[0]


def test_intake_notes_changed_locked_cells_and_forgets_forged_records(tmp_path, released):
    nb = copy.deepcopy(released)
    nb.cells[1].source = "pass"
    nb.metadata[record.KEY] = {"events": [["ok", "all fine, trust me"]]}
    nb.cells[0].metadata[record.KEY] = {"probe": "f"}
    nb = run_intake(tmp_path, nb)
    assert record.events(nb) == [("tampered", "locked cells were changed (edited test_f); "
                                              "nbgrader graded with the lesson's own tests")]
    assert record.KEY not in nb.cells[0].metadata


def test_intake_strips_foreign_and_duplicated_graded_cells(tmp_path, released):
    nb = copy.deepcopy(released)
    nb.cells.insert(2, graded("assert True", "test_f", 2))         # a pasted copy
    nb.cells.append(graded("print('bonus')", "bonus", 50))
    nb = run_intake(tmp_path, nb)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert ids == ["f", "test_f", None, None, None]
    status, reason = record.status_and_reason(record.events(nb))
    assert status == "tampered" and "duplicated test_f" in reason and "bonus" in reason


def test_intake_leaves_an_honest_notebook_alone(tmp_path, released):
    nb = copy.deepcopy(released)
    nb.cells[0].source = "def f():\n    return 1"
    cells = copy.deepcopy(nb.cells)
    assert run_intake(tmp_path, nb).cells == cells
    assert record.status_and_reason(record.events(nb)) == ("ok", "graded")


def test_check_notebook_names_what_is_wrong_with_the_file(tmp_path):
    path = tmp_path / "01_single_unit.ipynb"
    assert check_notebook(path)[0] == "missing"
    path.write_text("{not json")
    assert check_notebook(path)[0] == "corrupt"
    nbformat.write(new_notebook(), path)
    assert check_notebook(path) is None


# ---------------------------------------------------------------- outputs

def test_output_is_cut_per_cell_and_per_notebook():
    step = LimitOutputSize(max_cell_output=100, max_notebook_output=250)
    nb = new_notebook(cells=[new_code_cell("a"), new_code_cell("b"), new_code_cell("c"), new_code_cell("d")])
    nb.cells[0].outputs = [stream("x" * 60), stream("y" * 60), stream("z" * 10),
                           error_output("ValueError", "e" * 5000)]
    nb.cells[1].outputs = [stream("w" * 90)]
    nb.cells[2].outputs = [stream("v" * 90)]
    nb.cells[3].outputs = [new_output("display_data", data={"text/plain": "u" * 10})]
    step.preprocess(nb, {})
    first = nb.cells[0].outputs
    assert [o.get("text", "")[:1] for o in first] == ["x", "y", "\n", ""]
    assert len(first[1].text) == 40 and "output cut" in first[2].text
    assert first[3].ename == "ValueError" and len(first[3].evalue) == 2000  # errors always kept
    assert nb.cells[1].outputs == [stream("w" * 90)]
    assert len(nb.cells[2].outputs[0].text) == 250 - 100 - 90 and "output cut" in nb.cells[2].outputs[1].text
    assert len(nb.cells[3].outputs) == 1 and "output cut" in nb.cells[3].outputs[0].text


def test_stderr_of_a_test_cell_is_shown_not_scored():
    test, other = graded("t", "test_t"), new_code_cell("o")
    test.outputs = [stream("careful\n", "stderr"), stream("fine\n")]
    other.outputs = [stream("careful\n", "stderr")]
    nb = new_notebook(cells=[test, other])
    UnscoreStderr().preprocess(nb, {})
    assert test.outputs[0].output_type == "display_data"
    assert test.outputs[0].data["text/plain"] == "[stderr] careful\n"
    assert test.outputs[1] == stream("fine\n") and other.outputs == [stream("careful\n", "stderr")]


# ---------------------------------------------------------------- probes

def test_a_test_that_passed_inside_is_overruled_by_a_failed_probe():
    passed, failed, unguarded = graded("t1", "test_a"), graded("t2", "test_b"), graded("t3", "test_c")
    failed.outputs = [error_output("CheckFailed", "wrong")]
    nb = new_notebook(cells=[passed, failed, unguarded])
    tested = {"test_a": {"a"}, "test_b": {"a"}, "test_c": {"c"}}
    JudgeProbes.overrule(nb, tested, {"a": "a(...) on the grader's input 1: expected 1, got 2", "c": None})
    assert passed.outputs[-1].ename == "OutsideCheckFailed" and "expected 1, got 2" in passed.outputs[-1].evalue
    assert [o.ename for o in failed.outputs] == ["CheckFailed"] and unguarded.outputs == []
    assert record.status_and_reason(record.events(nb))[0] == "tampered"


def test_a_function_whose_probe_did_not_run_is_not_trusted():
    cell = graded("t", "test_a")
    nb = new_notebook(cells=[cell])
    JudgeProbes.overrule(nb, {"test_a": {"a"}}, {})
    assert "a was not checked" in cell.outputs[-1].evalue


def save(folder, name, manifest, **arrays):
    (folder / f"{name}.json").write_text(json.dumps(manifest) if not isinstance(manifest, str) else manifest)
    np.savez(folder / f"{name}.npz", **arrays)


def test_probe_results_are_rebuilt_from_manifest_and_arrays(tmp_path):
    save(tmp_path, "f", {"calls": [{"value": {"list": [{"array": "a0"}, {"none": True}]}},
                                   {"error": "ValueError: no"},
                                   {"value": {"type": "dict"}, "warning": "careful"},
                                   {"value": {"none": True}}]},
         a0=np.arange(3))
    results = judges.read_results(tmp_path, "f", 5)
    (first, _), (second, _), (third, warning), (fourth, _), (fifth, _) = results
    assert isinstance(first, list) and np.array_equal(first[0], [0, 1, 2]) and first[1] is None
    assert second.what == "raised ValueError: no"
    assert third.what == "returned a dict" and warning == "careful"
    assert fourth.what == "returned None" and fifth.what == "returned nothing"
    assert judges.read_results(tmp_path, "g", 2) is None  # the probe never ran


@pytest.mark.parametrize("manifest, arrays", [
    ("{not json", {}),
    ({"calls": [{"value": {"array": "missing"}}]}, {}),
    ({"calls": [{"value": {"odd": 1}}]}, {}),
    ({"calls": ["a string"]}, {}),
    ({"calls": {"0": {}}}, {}),
    ({"calls": [{"value": {"array": "a0"}}]}, {"a0": np.array([object()], dtype=object)}),
])
def test_forged_probe_results_fail_the_probe(tmp_path, manifest, arrays):
    save(tmp_path, "f", manifest, **arrays)
    [(value, _)] = judges.read_results(tmp_path, "f", 1)
    assert isinstance(value, judges.Failure) and "unreadable" in value.what


def test_deeply_nested_or_huge_results_are_not_read(tmp_path):
    node = {"array": "a0"}
    for _ in range(judges.MAX_DEPTH + 5):
        node = {"list": [node]}
    save(tmp_path, "deep", {"calls": [{"value": node}]}, a0=np.zeros(1))
    assert "unreadable" in judges.read_results(tmp_path, "deep", 1)[0][0].what
    (tmp_path / "big.json").write_text(" " * (judges.MAX_MANIFEST_BYTES + 1))
    np.savez(tmp_path / "big.npz")
    assert "unreadable" in judges.read_results(tmp_path, "big", 1)[0][0].what
