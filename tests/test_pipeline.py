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
from autograder import judge, wire
from autograder.outputs import LimitOutputSize, error_output
from notebook_tools import InProcess, live_script


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
    assert names.index("SandboxedExecute") < names.index("SaveAutoGrades")
    for step in pipeline.SANITIZE + pipeline.AUTOGRADE + pipeline.FEEDBACK:  # every step is in the list
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
    args = build_parser().parse_args(["grade", "S", "--out", "g.csv", "--memory", "1G", "--no-cgroups",
                                      "--no-diagnosis"])
    assert limits_of(args) == course.Limits(memory=course.GiB, cgroups=False, diagnosis=False)
    c = pipeline.grading_config("/tmp/course")
    limits = course.DEFAULT_LIMITS
    assert (c.SandboxedExecute.cell_timeout, c.SandboxedExecute.notebook_timeout, c.SandboxedExecute.max_processes,
            c.SandboxedExecute.memory_bytes, c.SandboxedExecute.tmp_bytes, c.SandboxedExecute.work_bytes,
            c.SandboxedExecute.file_bytes, c.SandboxedExecute.cgroups, c.SandboxedExecute.diagnosis) == (
        limits.cell_timeout, limits.notebook_timeout, limits.max_processes, limits.memory, limits.tmp_size,
        limits.work_size, limits.file_size, limits.cgroups, limits.diagnosis)
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
    for name in names:  # the judge finds every lesson's test cells and exercises
        tests, exercises, _imports = judge.lesson_tests(name)
        assert tests and exercises and all(hidden.strip() for _visible, hidden in tests.values())


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
    nb.cells[0].metadata[record.KEY] = {"verdict": "passed"}
    nb.cells[1].metadata[record.KEY] = {"diagnosis": {"known": True, "label": "the report should say this"}}
    nb = run_intake(tmp_path, nb)
    assert record.events(nb) == [("tampered", "the lesson's graded cells were changed (edited test_f); "
                                              "the grader graded the lesson's own cells")]
    assert nb.cells[0].metadata[record.KEY] == {"cell": 1}  # its place in the hand-in, nothing forged
    assert nb.cells[1].metadata[record.KEY] == {"cell": 2}  # no forged diagnosis for the report


@pytest.mark.parametrize("change, said", [
    (lambda nb: nb.cells[1].metadata["nbgrader"].update(grade=False), "grade True -> False"),
    (lambda nb: nb.cells[1].metadata["nbgrader"].update(solution=True), "solution False -> True"),
    (lambda nb: nb.cells[1].metadata["nbgrader"].update(points=20), "points 2 -> 20"),
    (lambda nb: nb.cells[0].metadata["nbgrader"].update(solution=False, grade=True, points=5),
     "of f (grade False -> True, solution True -> False, points 1 -> 5)"),
    (lambda nb: nb.cells.__setitem__(0, new_markdown_cell("def f(): ...", metadata=nb.cells[0].metadata)),
     "turned f into a markdown cell"),
    (lambda nb: nb.cells.__setitem__(1, new_markdown_cell(nb.cells[1].source, metadata=nb.cells[1].metadata)),
     "turned test_f into a markdown cell"),
    (lambda nb: nb.cells.reverse(), "moved test_f before f"),
])
def test_changed_metadata_type_or_order_is_tampering_and_restored(tmp_path, released, change, said):
    nb = copy.deepcopy(released)
    change(nb)
    nb = run_intake(tmp_path, nb)
    status, reason = record.status_and_reason(record.events(nb))
    assert status == "tampered" and said in reason, reason
    graded_cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    for cell in released.cells[:2]:  # metadata and type as released, whatever the hand-in said
        restored = graded_cells[cell.metadata["nbgrader"]["grade_id"]]
        assert restored.metadata["nbgrader"] == cell.metadata["nbgrader"]
        assert restored.cell_type == cell.cell_type == "code" and "outputs" in restored


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
    after = run_intake(tmp_path, nb).cells
    assert [(c.source, c.metadata.get("nbgrader")) for c in after] == \
        [(c.source, c.metadata.get("nbgrader")) for c in cells]
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


# ---------------------------------------------------------------- the channel and the judge

def roundtrip(value, callbacks=None):
    arrays = {}
    tree = wire.encode(value, arrays, callbacks)
    return wire.decode(json.loads(json.dumps(tree)), {k: data for k, (_, data) in arrays.items()},
                       (lambda k: ("callback", k)) if callbacks is not None else None)


def test_the_channel_carries_data_and_nothing_else():
    rng = np.random.default_rng(5)
    value = [(np.eye(2), np.float32(1.5)), {"k": (1, "s", None, True)}, 2.5, 7, rng]
    back = roundtrip(value)
    assert np.array_equal(back[0][0], np.eye(2)) and isinstance(back[0], tuple)
    assert back[0][1] == np.float32(1.5) and back[0][1].dtype == np.float32
    assert back[1] == {"k": (1, "s", None, True)} and back[2:4] == [2.5, 7]
    assert back[4].integers(0, 10**9) == np.random.default_rng(5).integers(0, 10**9)
    callbacks = []
    assert roundtrip([np.tanh, len], callbacks) == [("callback", 0), ("callback", 1)] and callbacks == [np.tanh, len]
    unusable = roundtrip([object(), np.array(["a"]), lambda z: z])
    assert all(isinstance(v, wire.Unusable) for v in unusable)
    assert repr(unusable[0]) == "<a object object>"


@pytest.mark.parametrize("tree, arrays", [
    ({"a": "missing"}, {}),
    ({"odd": 1}, {}),
    ({"l": "not a list"}, {}),
    ({"rng": "not a state"}, {}),
])
def test_forged_answers_are_refused(tree, arrays):
    with pytest.raises(Exception):
        wire.decode(tree, arrays)


def test_oversized_or_deep_answers_are_not_read(tmp_path):
    node = 1
    for _ in range(wire.MAX_DEPTH + 5):
        node = {"l": [node]}
    with pytest.raises(ValueError):
        wire.decode(node, {})
    (tmp_path / "answer.json").write_text(" " * (wire.MAX_JSON_BYTES + 1))
    np.savez(tmp_path / "answer.npz")
    with pytest.raises(ValueError, match="1 MiB"):
        wire.read(tmp_path, "answer")
    with pytest.raises(ValueError, match="no answer"):
        wire.read(tmp_path, "nothing")
    wire.write(tmp_path, "pickled", {"a": "a0"}, {"a0": (None, np.array([object()], dtype=object))})
    with pytest.raises(ValueError):  # allow_pickle=False
        wire.read(tmp_path, "pickled")


def test_the_judge_runs_the_lessons_tests_on_the_students_functions(tmp_path):
    """Lesson 01's test cells in the judge, with the solutions and with
    mistakes, the calls served through the channel: the verdicts and
    messages of the notebook's own tests."""
    from autograder import sample_class

    def verdicts(code):
        namespace = {}
        exec("import numpy as np\n" + code, namespace)
        j = judge.Judge("01_single_unit", InProcess(tmp_path, namespace))
        return {grade_id: j.run(grade_id)[0] for grade_id in j.tests}

    solved = "\n".join(sample_class.answer("01_single_unit", name)
                       for name in ("weighted_sum", "step", "sigmoid", "unit_output"))
    results = verdicts(solved)
    assert all(not any(o.output_type == "error" for o in outs) for outs in results.values()), results
    assert "weighted_sum passes the visible tests" in results["test_weighted_sum"][0].text
    overflows = solved + "\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n"
    results = verdicts(overflows)
    [error] = [o for o in results["test_sigmoid_stable"] if o.output_type == "error"]
    assert "overflow" in error.evalue                 # the warning, given again in the judge
    assert not any(o.output_type == "error" for o in results["test_sigmoid"])  # only the stable test fails
    unwritten = solved + "\ndef step(z):\n    raise NotImplementedError()\n"
    [error] = [o for o in verdicts(unwritten)["test_step"] if o.output_type == "error"]
    assert error.evalue.startswith("step is not written yet")
    in_place = solved + "\ndef step(z):\n    z[...] = np.where(z >= 0, 1.0, 0.0)\n    return z\n"
    [error] = [o for o in verdicts(in_place)["test_step"] if o.output_type == "error"]
    assert "changed its input array in place" in error.evalue


def test_a_judge_function_argument_is_computed_in_the_judge(tmp_path):
    seen = []
    namespace = {"apply": lambda g, z: g(z) + 1}
    link = InProcess(tmp_path, namespace)
    assert judge.Student("apply", link)(lambda z: seen.append(z) or z * 2, 3.0) == 7.0
    assert seen == [3.0]


def test_a_students_signature_is_the_kernels_answer(tmp_path):
    import inspect

    link = InProcess(tmp_path, {"f": lambda x, y=2, *, hidden="sigmoid": x})
    f = judge.Student("f", link, lambda: link.describe(["f"]))
    assert str(inspect.signature(f)) == "(x, y=None, *, hidden=None)"
    forged = judge.Student("f", link, lambda: {"f": {"parameters": [["x", "NO_SUCH_KIND", False]]}})
    assert str(inspect.signature(forged)) == "(*args, **kwargs)"  # not a signature: the call's own


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

def test_feedback_shows_no_hidden_test(tmp_path):
    from autograder.feedback import HideHiddenTests

    hidden = graded("check(f)\n### BEGIN HIDDEN TESTS\nassert f(12345) == 'secret answer'\n"
                    "### END HIDDEN TESTS", "test_weighted_sum")
    hidden.outputs = [stream("f passes the visible tests\n")]
    nb = new_notebook(cells=[hidden])
    HideHiddenTests().preprocess(nb, resources(tmp_path))
    assert "secret" not in nbformat.writes(nb) and hidden.source == "check(f)"
    assert hidden.outputs == [stream("f passes the visible tests\n")]


def test_feedback_has_no_live_script_and_a_bounded_size(tmp_path):
    from autograder.feedback import LimitSourceSize, SanitizeStudentHTML

    lesson_text = nbformat.read(course.student_notebook("01_single_unit"), as_version=4).cells[0].source
    code = new_code_cell("# " + "x" * 300_000)
    code.outputs = [new_output("display_data", data={
        "text/html": '<b>hi</b><script>alert(1)</script><img src=x onerror="alert(2)">'
                     '<a href="javascript:alert(3)">link</a>',
        "image/svg+xml": "<svg onload='alert(4)'/>", "application/javascript": "alert(5)",
        "text/plain": "hi"})]
    nb = new_notebook(cells=[new_markdown_cell(lesson_text), new_markdown_cell("<script>alert(6)</script>"),
                             code, nbformat.v4.new_raw_cell("<script>alert(7)</script>",
                                                            metadata={"raw_mimetype": "text/html"})])
    LimitSourceSize().preprocess(nb, resources(tmp_path))
    SanitizeStudentHTML().preprocess(nb, resources(tmp_path))
    text = "\n".join([c.source for c in nb.cells] + [v for o in code.outputs for v in o.data.values()])
    assert live_script(text) == [] and "alert(4)" not in text and "alert(5)" not in text
    assert nb.cells[0].source == lesson_text                       # the lesson's own markdown as it is
    assert nb.cells[1].source == "<pre>&lt;script&gt;alert(6)&lt;/script&gt;</pre>"
    assert "<b>hi</b>" in code.outputs[0].data["text/html"] and code.outputs[0].data["text/plain"] == "hi"
    assert len(code.source) < 100_100 and "more characters of this cell are not shown" in code.source


def feedback_page(nb, tmp_path):
    """The feedback page of `nb` after SanitizeStudentHTML, rendered as
    nbgrader's generate_feedback renders it (its template, our exporter)."""
    from traitlets.config import Config

    import nbgrader

    from autograder.feedback import FeedbackExporter, SanitizeStudentHTML

    SanitizeStudentHTML().preprocess(nb, resources(tmp_path))
    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    c = Config()
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [os.path.join(formgrader, "templates")]
    c.HTMLExporter.extra_template_paths = [os.path.join(formgrader, "static", "node_modules", "bootstrap",
                                                        "dist", "css")]
    given = resources(tmp_path)
    given["nbgrader"].update(score=0, max_score=10, late_penalty=0, notebook="01_single_unit")
    page, _ = FeedbackExporter(config=c).from_notebook_node(nb, given)
    return page


PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_a_forged_image_output_runs_no_script_in_the_feedback(tmp_path):
    """An image is data: whatever a kernel puts in its output's metadata
    (width and height are written unquoted into the img tag; `filenames`
    becomes its src; `isolated` HTML an iframe), the page runs nothing."""
    forged = new_code_cell("display(...)")
    forged.outputs = [
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}, metadata={
            "image/png": {"width": "1 onerror=alert(1)", "height": "1 onload=alert(2)",
                          "alt": '" onerror="alert(3)'},
            "filenames": {"image/png": "javascript:alert(4)"}}),
        new_output("display_data", data={"image/jpeg": PNG}, metadata={
            "width": "1 onerror=alert(5)", "filenames": {"image/jpeg": "javascript:alert(6)"}}),
        new_output("display_data", data={"text/html": "<b>x</b>"}, metadata={"text/html": {"isolated": True}}),
        new_output("display_data", data={"image/svg+xml": "<svg onload='alert(7)'/>",
                                         "text/html": "<img src=x onerror=alert(8)>"})]
    plain = feedback_page(new_notebook(cells=[new_code_cell("1")]), tmp_path)
    page = feedback_page(new_notebook(cells=[forged]), tmp_path)
    assert sorted(live_script(page)) == sorted(live_script(plain))  # nbconvert's own page scripts only
    assert not any(f"alert({k})" in page for k in range(1, 8)) and "<iframe" not in page
    assert "&lt;img src=x onerror=alert(8)&gt;" in page                        # bleach's: shown as text
    assert page.count(f'src="data:image/png;base64,{PNG}"') == 1                # the picture, as data
    assert page.count(f'src="data:image/jpeg;base64,{PNG}"') == 1


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


def test_a_demonstration_stopped_by_a_blocked_exercise_says_so(tmp_path):
    from autograder.blocked import message
    from autograder.feedback import BLOCKED_NOTE, MISSING_NOTE, PAST_FIGURES_NOTE, ExplainBlockedCalls
    from autograder.yours import PAST_FIGURES

    demo = new_code_cell("costs = []\ntrained = nnlib.train(X, y, costs=costs)\nfor k in range(3): pass")
    mine = new_code_cell("1 / 0")
    demo.outputs = [error_output("RuntimeError", message("train"))]
    mine.outputs = [error_output("ZeroDivisionError", "division by zero")]
    # later cells that miss what the stopped one would have bound, in a chain
    # (a name of its loop, then one of a cell that missed it), and a name
    # that no stopped cell binds: the student's own NameError
    uses = new_code_cell("pred = predict(trained, X)")
    uses.outputs = [error_output("NameError", "name 'trained' is not defined")]
    chained = new_code_cell("print(pred)")
    chained.outputs = [error_output("NameError", "name 'pred' is not defined")]
    typo = new_code_cell("print(traind)")
    typo.outputs = [error_output("NameError", "name 'traind' is not defined")]
    # an error of a cell that reads what the stopped one was filling, and of
    # one that reads a name a cell that ran to the end bound again
    local = new_code_cell("def smooth(costs):\n    costs = list(costs)\n    return costs")   # a local, not the notebook's
    plot = new_code_cell("plt.plot(range(9), costs)")
    plot.outputs = [error_output("ValueError", "x and y must have same first dimension")]
    again = new_code_cell("k = 2")
    uses_k = new_code_cell("print(1 / (k - 2))")
    uses_k.outputs = [error_output("ZeroDivisionError", "division by zero")]
    late = new_code_cell("nnlib.sigmoid(1)")   # past the figures that the feedback shows
    late.outputs = [error_output("RuntimeError", f"{message('sigmoid')} ({PAST_FIGURES})")]
    nb = new_notebook(cells=[demo, mine, uses, chained, typo, local, plot, again, uses_k, late])
    ExplainBlockedCalls(figures=2).preprocess(nb, resources(tmp_path))
    assert demo.outputs == [stream(BLOCKED_NOTE)] and mine.outputs[0].ename == "ZeroDivisionError"
    assert uses.outputs == [stream(MISSING_NOTE.format(name="trained"))]
    assert chained.outputs == [stream(MISSING_NOTE.format(name="pred"))]
    assert typo.outputs[0].ename == "NameError"
    assert plot.outputs == [stream(MISSING_NOTE.format(name="costs"))]
    assert uses_k.outputs[0].ename == "ZeroDivisionError"
    assert late.outputs == [stream(PAST_FIGURES_NOTE.format(figures="first 2 figures"))]


def test_nnlib_in_the_kernel_lacks_the_lessons_exercises(tmp_path):
    """The copy mounted in nnlib's place: the lesson's exercises (and what does
    their work under another name) have no code, keep their signature and
    docstring, and run the student's own function of that name; they raise
    where there is none, where the call does not fit it, and where the
    student's calls nnlib's again. The other lessons' functions and the
    plots are nnlib's own."""
    import subprocess
    import sys

    from autograder.blocked import BLOCKED, blocked_names, nnlib_copy
    from autograder.sandbox import NNLIB_DIR
    from autograder.yours import PAST_FIGURES

    assert blocked_names("06_backprop") == ["backprop", "backward", "nn_cost_and_gradients",
                                            "output_weight_gradient", "relative_difference"]
    folder = nnlib_copy("01_single_unit", NNLIB_DIR)
    assert "np.exp" not in (folder / "activations.py").read_text().split("def sigmoid")[1].split("def ")[0]
    assert (nnlib_copy("07_digits", NNLIB_DIR) / "plot.py").read_text() == (NNLIB_DIR / "plot.py").read_text()
    (tmp_path / "nnlib").symlink_to(folder)
    student = f"""
import inspect
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import nnlib

def raises(call):
    try:
        call()
    except RuntimeError as error:
        assert {BLOCKED!r} in str(error), error
        return True
    return False

plt.subplots()                                 # a demonstration's figure, half-made when it stops
print("none yet", raises(lambda: nnlib.sigmoid(0.0)), plt.get_fignums())

def sigmoid(z):
    return 0.25 + 0 * np.asarray(z)            # the student's own, wrong on purpose

def unit_output(x, w, b, g):
    return g(nnlib.weighted_sum(x, w, b))      # weighted_sum not written: this raises
print("yours", nnlib.sigmoid(0.0), raises(lambda: nnlib.unit_output([1.0], [1.0], 0.0, nnlib.sigmoid)))
def weighted_sum(x, w, b, extra):
    return 0.0                                 # a signature nnlib's call does not fit
print("misfit", raises(lambda: nnlib.weighted_sum([1.0], [1.0], 0.0)))

def step(z):
    return nnlib.step(z)                       # calls nnlib's again: nothing behind it
print("again", raises(lambda: step(0.0)))
unit_output = nnlib.unit_output                # nnlib's, under the exercise's name
print("same", raises(lambda: nnlib.unit_output([1.0], [1.0], 0.0, sigmoid)))
print("signature", inspect.signature(nnlib.sigmoid), "sigmoid" in nnlib.sigmoid.__doc__.lower())
print("other", nnlib.relu(np.array([-1.0, 2.0])).tolist())
import nnlib._yours                             # as it is once the feedback's figures are drawn
nnlib._yours._figures["left"] = 0
plt.subplots()
try:
    nnlib.sigmoid(0.0)
except RuntimeError as error:
    print("drawn", {PAST_FIGURES!r} in str(error), plt.get_fignums())
"""
    done = subprocess.run([sys.executable, "-c", student], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    said = "[while your notebook is graded, nnlib.{0} runs your own {0}]"
    assert done.stdout.splitlines() == [
        "none yet True []",                    # closed: the inline backend draws none
        said.format("sigmoid"), "yours 0.25 True",
        "misfit True", "again True", "same True",
        "signature (z) True", "other [0.0, 2.0]", "drawn True []"]
