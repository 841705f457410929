"""The grading steps of autograder/pipeline.py, one at a time, on small notebooks.

Each step is an nbgrader preprocessor with one job, so each is tested
here without a kernel; tests/test_grade.py grades whole hostile classes
through all of them.
"""
import copy
import json
import os

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
    c = pipeline.grading_config(tmp_path, course.Limits(cell_timeout=7))
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


def test_the_limits_are_written_once():
    """grade's options, the nbgrader configuration and the kernel's traits all
    take their defaults from course.DEFAULT_LIMITS."""
    from autograder.__main__ import build_parser, limits_of
    from autograder.execute import SandboxedExecute
    from autograder.sandbox import SandboxedKernelManager

    args = build_parser().parse_args(["grade", "SUBMISSIONS", "--out", "grades.csv"])
    assert limits_of(args) == course.DEFAULT_LIMITS
    args = build_parser().parse_args(["grade", "S", "--out", "g.csv", "--memory", "1G", "--no-cgroups"])
    assert limits_of(args) == course.Limits(memory=course.GiB, cgroups=False)
    c = pipeline.grading_config("/tmp/course")
    limits = course.DEFAULT_LIMITS
    assert (c.SandboxedExecute.cell_timeout, c.SandboxedExecute.notebook_timeout, c.SandboxedExecute.max_processes,
            c.SandboxedExecute.memory_bytes, c.SandboxedExecute.tmp_bytes, c.SandboxedExecute.work_bytes,
            c.SandboxedExecute.file_bytes, c.SandboxedExecute.cgroups) == (
        limits.cell_timeout, limits.notebook_timeout, limits.max_processes, limits.memory, limits.tmp_size,
        limits.work_size, limits.file_size, limits.cgroups)
    traits = SandboxedExecute.class_traits()
    assert traits["memory_bytes"].default_value == limits.memory
    assert traits["cell_timeout"].default_value == limits.cell_timeout
    assert SandboxedKernelManager.class_traits()["file_bytes"].default_value == limits.file_size
    with pytest.raises(Exception):  # frozen: nobody changes the defaults in passing
        limits.memory = 1


def test_every_output_path_is_beside_the_grades_csv(tmp_path):
    outputs = course.Outputs(tmp_path / "grades.csv")
    assert outputs.tests == tmp_path / "grades_tests.csv"
    assert outputs.state == tmp_path / "grades.state.jsonl"
    assert outputs.report_png == tmp_path / "grades_report.png"
    assert outputs.copies == tmp_path / "copies.csv"
    assert outputs.lms("canvas") == tmp_path / "grades_canvas.csv"
    assert outputs.feedback("ann", "01_single_unit") == tmp_path / "feedback" / "ann" / "01_single_unit.html"
    assert outputs.autograded("ann", "01_single_unit") == \
        tmp_path / "autograded" / "ann" / "01_single_unit.ipynb"
    assert course.gradebook_url(tmp_path / "g.db") == f"sqlite:///{tmp_path / 'g.db'}"


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
                                   {"value": {"none": True}},
                                   {"missing_call": ["backprop"]}]},
         a0=np.arange(3))
    results = judges.read_results(tmp_path, "f", 6)
    (first, _), (second, _), (third, warning), (fourth, _), (fifth, _), (sixth, _) = results
    assert isinstance(first, list) and np.array_equal(first[0], [0, 1, 2]) and first[1] is None
    assert second.what == "raised ValueError: no"
    assert third.what == "returned a dict" and warning == "careful"
    assert fourth.what == "returned None" and fifth.what == "never called backprop"
    assert sixth.what == "returned nothing"
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


# ---------------------------------------------------------------- links

def test_links_are_reported_never_followed(tmp_path, monkeypatch):
    """A student folder, lesson folder or notebook that is a symbolic link, or a
    notebook with another name (a hard link), is corrupt, and nothing is read
    through it."""
    from autograder import intake
    from autograder import sample_class

    lesson = "01_single_unit"
    subs, outside = tmp_path / "subs", tmp_path / "outside"
    honest = sample_class.write(subs, "honest", lesson, sample_class.submission(lesson))
    elsewhere = sample_class.write(outside, "someone", lesson, sample_class.submission(lesson))
    (subs / "linked_student").symlink_to(outside / "someone")
    (subs / "linked_lesson").mkdir()
    (subs / "linked_lesson" / lesson).symlink_to(course.SOLUTIONS / lesson)
    (subs / "linked_notebook" / lesson).mkdir(parents=True)
    (subs / "linked_notebook" / lesson / f"{lesson}.ipynb").symlink_to(course.source_notebook(lesson))
    (subs / "hard_link" / lesson).mkdir(parents=True)
    (subs / "hard_link" / lesson / f"{lesson}.ipynb").hardlink_to(elsewhere)
    read = []
    real_read = nbformat.read
    monkeypatch.setattr(intake.nbformat, "read", lambda path, **kw: read.append(path) or real_read(path, **kw))

    jobs, rows = intake.find_submissions(subs)
    assert [job.student for job in jobs] == ["honest"]
    assert read == [honest]
    reasons = {r["student"]: (r["status"], r["reason"]) for r in rows}
    assert set(reasons) == {"linked_student", "linked_lesson", "linked_notebook", "hard_link"}
    assert all(status == "corrupt" for status, _ in reasons.values())
    for student in ("linked_student", "linked_lesson", "linked_notebook"):
        assert "is a symbolic link" in reasons[student][1]
    assert "has 2 hard links" in reasons["hard_link"][1]


def test_what_the_kernel_leaves_in_its_folder_is_not_followed(tmp_path):
    from autograder.execute import _remove_links

    (tmp_path / "sub").mkdir()
    (tmp_path / "keep.txt").write_text("kept")
    target = tmp_path.parent / f"{tmp_path.name}-target"
    target.write_text("untouched")
    (tmp_path / "nb.ipynb").symlink_to(target)
    (tmp_path / "sub" / "dir").symlink_to(tmp_path.parent)
    os.mkfifo(tmp_path / "sub" / "pipe")
    _remove_links(tmp_path)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["keep.txt", "sub"]
    assert target.read_text() == "untouched"


# ---------------------------------------------------------------- feedback

def test_feedback_shows_no_hidden_test_and_nothing_printed_while_it_ran(tmp_path):
    from autograder.feedback import HideHiddenTests

    hidden = graded("check(f)\n### BEGIN HIDDEN TESTS\nassert f(12345) == 'secret answer'\n"
                    "### END HIDDEN TESTS", "test_weighted_sum")
    hidden.outputs = [stream("assert f(12345) == 'secret answer'\n"), stream("noise", "stderr")]
    failed = graded("### BEGIN HIDDEN TESTS\nassert f(777777) == 'other secret'\n### END HIDDEN TESTS",
                    "test_step")
    failed.outputs = [error_output("OutsideCheckFailed", "assert f(777777) == 'other secret'")]
    later = new_code_cell("print(stolen)")
    later.outputs = [stream("stolen: assert f(12345) == 'secret answer'\nmine\n")]
    visible = graded("check(f)", "test_sigmoid")
    visible.outputs = [stream("my own output\n")]
    nb = new_notebook(cells=[hidden, failed, later, visible])
    nb.metadata[record.KEY] = {"probes": {"step": "step(...) on the grader's input 1: expected 1, got 0"}}
    HideHiddenTests().preprocess(nb, resources(tmp_path))
    text = nbformat.writes(nb)
    assert "secret" not in text and "12345" not in text and "777777" not in text and "noise" not in text
    assert hidden.source == "check(f)" and [o.text for o in hidden.outputs][0].startswith("passed")
    assert failed.outputs[0].ename == "TestFailed" and "expected 1, got 0" in failed.outputs[0].evalue
    assert later.outputs[0].text.endswith("\nmine\n")
    assert visible.outputs == [stream("my own output\n")]  # a cell without hidden tests is as it ran


# ---------------------------------------------------------------- execute

def test_the_run_holds_a_bounded_output_whatever_the_kernel_sends():
    """SandboxedExecute keeps at most max_held_output characters per cell while
    it runs (LimitOutputSize then decides what is kept); errors are always kept."""
    from nbclient import NotebookClient

    from autograder.execute import SandboxedExecute

    step = SandboxedExecute(max_held_output=1000)
    NotebookClient.__init__(step, new_notebook(cells=[new_code_cell("print(...)")]), None)
    step.reset_execution_trackers()
    step._held, step.clear_before_next_output = {}, False
    outs = []

    def send(msg_type, **content):
        step.output(outs, {"msg_type": msg_type, "header": {"msg_type": msg_type},
                           "parent_header": {"msg_id": "m"}, "content": content}, None, 0)

    for i in range(500):
        send("stream", name="stdout", text="x" * 300)
        send("display_data", data={"text/plain": "y" * 300}, metadata={})
    send("error", ename="E", evalue="v", traceback=[])
    held = sum(len(o.get("text", "")) + len(o.get("data", {}).get("text/plain", "")) for o in outs)
    assert 900 <= held <= 1001 and len(outs) == 4 and outs[-1].output_type == "error"
