"""A hostile class, graded in one run of `python -m autograder grade`.

Every hand-in below tries to get a grade it has not earned, to read what
grades, or to break the feedback or the grader, in one of seven ways
(at least three of each), next to a correct and an untouched notebook
and six honest students with ordinary mistakes. Every attack is bounded
(at most 100 MiB written, 25 MiB of source, 60 s a cell), so a missing
defence fails its test, not the machine. The class is lesson 01 (five
test cells of 2 points), with one hand-in each of lessons 02, 03, 04 and 07.
"""
import base64
import binascii
import codecs
import csv
import html as htmllib
import re
import subprocess
import sys
import threading
import zlib
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from autograder import course, judge, sample_class
from lesson_session import LessonSession
from notebook_tools import live_script, require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON = "01_single_unit"
NAMES = ("weighted_sum", "step", "sigmoid", "unit_output")
WRONG = {
    "weighted_sum": "def weighted_sum(x, w, b):\n    return 0.5\n",
    "step": "def step(z):\n    return np.zeros_like(np.asarray(z, dtype=float)) + 0.5\n",
    "sigmoid": "def sigmoid(z):\n    return np.asarray(z, dtype=float) * 0 + 0.5\n",
    "unit_output": "def unit_output(x, w, b, g):\n    return 0.5\n",
}


def answer(grade_id, extra="", before=""):
    return before + sample_class.answer(LESSON, grade_id) + "\n" + extra


def wrong_with(extra):
    """Wrong answers, with `extra` run first (in the first exercise cell)."""
    return sample_class.submission(LESSON, replace={
        name: (extra + "\n" if name == "weighted_sum" else "") + WRONG[name] for name in NAMES})


def solved_with(grade_id, extra):
    return sample_class.submission(LESSON, replace={grade_id: answer(grade_id, extra)})


def untouched_with(extra):
    nb = sample_class.submission(LESSON, solved=False)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "weighted_sum")
    cell.source = extra + "\n" + cell.source
    return nb


def with_markdown(text):
    nb = sample_class.submission(LESSON)
    nb.cells.insert(3, nbformat.v4.new_markdown_cell(text))
    return nb


def with_cells(change):
    nb = sample_class.submission(LESSON)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader")}
    change(nb, cells)
    return nb


def to_markdown(nb, cells, grade_id):
    cell = cells[grade_id]
    nb.cells[nb.cells.index(cell)] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)


def moved(nb, cells):
    test = cells["test_step"]
    nb.cells.remove(test)
    nb.cells.insert(nb.cells.index(cells["step"]), test)


FORGED = {  # verdicts forged in the kernel: nothing written
    "forge_displayhook": untouched_with(
        "import sys\nget_ipython().events.register('post_run_cell', lambda result: sys.displayhook(2))"),
    "forge_pre_run": untouched_with(
        "get_ipython().events.register('pre_run_cell', "
        "lambda info: get_ipython().display_pub.publish({'text/plain': '2'}))"),
    "forge_swallow": untouched_with("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"),
    "forge_transformer": untouched_with(
        "get_ipython().input_transformers_post.append(lambda lines: ['print(\"passes the visible tests\")\\n'])"),
}
FAKE_SERVE = ("def serve(request, folder, namespace):\n"
              "    import json, numpy as np, nnlib\n"
              "    tree = json.load(open(folder + '/request.json'))\n"
              "    try:\n"
              "        value = float(getattr(nnlib, tree.get('name', ''))(0.0))\n"
              "    except Exception:\n"
              "        value = 0.5\n"
              "    json.dump({'value': value}, open(folder + '/answer.json', 'w'))\n"
              "    np.savez(folder + '/answer.npz')\n")
CHANNEL = {  # the kernel's side of the channel subverted: wrong answers
    "rewrites_wire": wrong_with("import pathlib\n_p = pathlib.Path('.judge/wire.py')\n_p.unlink()\n"
                                f"_p.write_text({FAKE_SERVE!r})"),
    "global_import": wrong_with(
        "import builtins, types\n_real = builtins.__import__\n"
        f"_fake = types.ModuleType('_judge_wire')\nexec({FAKE_SERVE!r}, _fake.__dict__)\n"
        "_mods = types.SimpleNamespace(modules={'_judge_wire': _fake})\n"
        "builtins.__import__ = lambda name, *a, **k: _mods if name == 'sys' else _real(name, *a, **k)"),
    "patches_savez": wrong_with(
        "import nnlib\n_savez = np.savez\n"
        "def _forged(path, **arrays):\n"
        "    return _savez(path, **{k: nnlib.sigmoid(v) if v.dtype.kind == 'f' else v for k, v in arrays.items()})\n"
        "np.savez = _forged"),
    "replaces_globals": wrong_with(
        "import builtins, nnlib\n_g = builtins.globals\n"
        "builtins.globals = lambda: {**_g(), **{n: getattr(nnlib, n) for n in "
        "('weighted_sum', 'step', 'sigmoid', 'unit_output')}}"),
}
REFERENCE = {  # nnlib's own versions of the exercises
    "function_copies": sample_class.submission(LESSON, replace={
        name: f"import types, nnlib\n{name} = types.FunctionType(nnlib.{name}.__code__, "
              f"nnlib.{name}.__globals__, {name!r})\n" for name in NAMES}),
    "calls_nnlib": sample_class.submission(LESSON, replace={
        name: f"import nnlib\ndef {name}(*args):\n    return nnlib.{name}(*args)\n" for name in NAMES}),
    "imports_submodules": sample_class.submission(LESSON, replace={
        name: f"from nnlib.{'activations' if name in ('step', 'sigmoid') else 'network'} import {name}\n"
        for name in NAMES}),
    "execs_nnlib_source": sample_class.submission(LESSON, replace={
        "weighted_sum": "import inspect, nnlib.activations, nnlib.network\n"
                        "exec(inspect.getsource(nnlib.network), globals())\n"
                        "exec(inspect.getsource(nnlib.activations), globals())\n",
        "step": "", "sigmoid": "", "unit_output": ""}),
}
LEAK = "import base64, zlib\n_leak = lambda text: print('LEAK', base64.b64encode(zlib.compress(text.encode())).decode())\n"
LEAKS = {  # the hidden tests fished for, and shown encoded
    "stashes_sources": sample_class.submission(LESSON, replace={
        "weighted_sum": answer("weighted_sum", LEAK + "_sources = []\nget_ipython().events.register("
                               "'pre_run_cell', lambda info: _sources.append(info.raw_cell))"),
        "unit_output": answer("unit_output", "_leak('\\n'.join(_sources))\n"
                              "print('REVERSED', '\\n'.join(_sources)[::-1])\n"
                              "print('ROT13', codecs.encode('\\n'.join(_sources), 'rot13'))", "import codecs\n")}),
    "prints_history": solved_with("unit_output", LEAK + "import linecache\n"
                                  "_leak(repr(In) + repr(Out) + repr(linecache.cache))"),
    "raises_frames": sample_class.submission(LESSON, replace={"weighted_sum": (
        "import base64, inspect, sys\n"
        "def weighted_sum(x, w, b):\n"
        "    frames = [str(f.frame.f_code.co_filename) + str(f.code_context) for f in inspect.stack()]\n"
        "    frames += [repr(sys.modules.get('_judge_wire'))]\n"
        "    raise ValueError(base64.b64encode(repr(frames).encode()).decode())\n")}),
    "reads_files": solved_with("unit_output", LEAK + "import glob, os\n_found = ''\n"
                               "for _path in glob.glob('**', recursive=True) + glob.glob('.*/**', recursive=True) "
                               "+ glob.glob('/tmp/**', recursive=True):\n"
                               "    try:\n        _found += _path + open(_path).read()[:2_000_000]\n"
                               "    except Exception:\n        pass\n"
                               "_leak(_found)"),
}
SCRIPT = {  # live script in the feedback page
    "markdown_script": with_markdown("<script>document.title = 'owned'</script>"),
    "markdown_onerror": with_markdown("<img src=x onerror=\"document.title = 'owned'\"> and "
                                      "[a link](javascript:alert(1))"),
    "html_output": solved_with("step", "from IPython.display import HTML, Javascript, SVG, display\n"
                               "display(HTML('<script>alert(1)</script><b onclick=\"alert(2)\">b</b>'))\n"
                               "display(Javascript('alert(3)'))\n"
                               "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(4)\"/>'))"),
}
BOMBS = {  # bounded, but far over every limit
    "widget_bomb": solved_with("step", "import ipywidgets\nfrom IPython.display import display\n"
                               "_out = ipywidgets.Output()\ndisplay(_out)\nwith _out:\n"
                               "    for _ in range(100):\n        print('x' * 1024**2)"),
    "comment_bomb": solved_with("step", "# " + "x" * (25 * 1024**2)),
    "markdown_bomb": with_markdown("x" * (20 * 1024**2)),
}
TAMPERED = {  # (hand-in, points, what the reason names)
    "test_grade_false": (sample_class.submission(LESSON, replace=WRONG), 0, "grade True -> False"),
    "test_solution_true": (with_cells(lambda nb, cells: cells["test_step"].metadata["nbgrader"].update(
        solution=True)), 10, "solution False -> True"),
    "test_to_markdown": (with_cells(lambda nb, cells: to_markdown(nb, cells, "test_sigmoid")), 10,
                         "turned test_sigmoid into a markdown cell"),
    "solution_to_markdown": (with_cells(lambda nb, cells: to_markdown(nb, cells, "weighted_sum")), 10,
                             "turned weighted_sum into a markdown cell"),
    "moved_test": (with_cells(moved), 8, "moved test_step before step"),
}
for cell in TAMPERED["test_grade_false"][0].cells:
    if cell.metadata.get("nbgrader", {}).get("grade"):
        cell.metadata["nbgrader"]["grade"] = False
HONEST = {  # (lesson, function, code): ordinary mistakes (autograder/mistakes/)
    "overflowing_sigmoid": (LESSON, "sigmoid", "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n"),
    "step_at_zero": (LESSON, "step", "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n"),
    "relu_prime_at_zero": ("03_activations", "relu_prime",
                           "def relu_prime(z):\n    return np.where(np.asarray(z) >= 0, 1.0, 0.0)\n"),
    "layer_without_bias": ("02_hidden_layers", "layer_forward",
                           "def layer_forward(A_prev, W, b, g):\n    return g(np.asarray(A_prev) @ np.asarray(W).T)\n"),
    "bias_after_activation": ("02_hidden_layers", "layer_forward",
                              "def layer_forward(A_prev, W, b, g):\n    return g(np.asarray(A_prev) @ np.asarray(W).T) + b\n"),
    "biases_regularized": ("04_cost", "l2_penalty",
                           "def l2_penalty(params, lambda_, m):\n"
                           "    return lambda_ / (2 * m) * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)\n"),
}
DIGITS = "07_digits"
TRAIN_ON_NNLIB = ("import nnlib\ndef train(X, y, sizes, lambda_=1.0, maxiter=100, rng=0):\n"
                  "    return nnlib.train(X, y, sizes, lambda_=lambda_, maxiter=maxiter, rng=rng)\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "submissions", base / "out" / "grades.csv"
    write = lambda student, nb, lesson=LESSON: sample_class.write(subs, student, lesson, nb)  # noqa: E731
    write("correct", sample_class.submission(LESSON))
    write("untouched", sample_class.submission(LESSON, solved=False))
    for group in (FORGED, CHANNEL, REFERENCE, LEAKS, SCRIPT, BOMBS):
        for student, nb in group.items():
            write(student, nb)
    for student, (nb, _, _) in TAMPERED.items():
        write(student, nb)
    for student, (lesson, function, code) in HONEST.items():
        write(student, sample_class.submission(lesson, replace={function: code}), lesson)
    write("train_on_nnlib", sample_class.submission(DIGITS, replace={"train": TRAIN_ON_NNLIB}), DIGITS)

    memory, stop = [0], threading.Event()
    process = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                                "--jobs", "2"], cwd=course.ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = threading.Thread(target=watch_workers, args=(process.pid, memory, stop))
    watcher.start()
    try:
        stdout, stderr = process.communicate(timeout=1200)
    finally:
        stop.set()
        watcher.join()
        process.kill()
    assert process.returncode == 0, stdout + stderr
    rows = {(r["student"]): r for r in csv.DictReader(open(out))}
    tests = {}
    for r in csv.DictReader(open(course.Outputs(out).tests)):
        tests.setdefault(r["student"], {})[r["test"]] = float(r["score"])
    return dict(rows=rows, tests=tests, outputs=course.Outputs(out), worker_rss=memory[0], stdout=stdout)


def watch_workers(grader, memory, stop):
    """The largest resident set of any grading worker (the grader's children
    that run Python's multiprocessing), polled until `stop`."""
    while not stop.wait(0.2):
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                if int(fields["PPid"]) == grader and "multiprocessing" in \
                        (status.parent / "cmdline").read_bytes().decode(errors="replace"):
                    memory[0] = max(memory[0], int(fields["VmRSS"].split()[0]) * 1024)
            except (OSError, KeyError, ValueError):
                continue


def row(graded, student):
    r = graded["rows"][student]
    return float(r["score"]), r["status"], r["reason"]


def lesson_of(student):
    return HONEST[student][0] if student in HONEST else DIGITS if student == "train_on_nnlib" else LESSON


def page(graded, student):
    return graded["outputs"].feedback(student, lesson_of(student)).read_text()


def test_every_hand_in_has_its_row(graded):
    expected = ({"correct", "untouched", "train_on_nnlib"} | set(HONEST) | set(TAMPERED)
                | {s for group in (FORGED, CHANNEL, REFERENCE, LEAKS, SCRIPT, BOMBS) for s in group})
    assert set(graded["rows"]) == expected and len(expected) >= 30 + 2
    assert row(graded, "correct") == (10, "ok", "graded")
    assert row(graded, "untouched") == (0, "ok", "graded")


@pytest.mark.parametrize("student", sorted({**FORGED, **REFERENCE}))
def test_forged_verdicts_and_reference_code_earn_nothing(graded, student):
    assert row(graded, student) == (0, "ok", "graded"), graded["rows"][student]


@pytest.mark.parametrize("student", sorted(CHANNEL))
def test_a_subverted_channel_earns_nothing(graded, student):
    """Wrong answers stay wrong whatever the kernel's side of the channel
    says; an attack that breaks the kernel's own imports may also make its
    cells time out."""
    score, status, _ = row(graded, student)
    assert score == 0 and status in ("ok", "timeout"), graded["rows"][student]


def test_nnlibs_train_earns_nothing_in_lesson_07(graded):
    score, status, _ = row(graded, "train_on_nnlib")
    assert (score, status) == (19, "ok")  # 24 less test_train_small (2) and test_train_digits (3)
    assert graded["tests"]["train_on_nnlib"]["test_train_small"] == 0
    assert graded["tests"]["train_on_nnlib"]["test_train_digits"] == 0


@pytest.mark.parametrize("student", sorted({**LEAKS, **SCRIPT, **BOMBS}))
def test_leaks_scripts_and_bombs_are_graded_as_their_answers(graded, student):
    expected = 6 if student == "raises_frames" else 10  # its weighted_sum raises, and unit_output calls it
    assert row(graded, student)[:2] == (expected, "ok"), graded["rows"][student]


def hidden_lines():
    """The lines of the hidden tests (of every lesson graded here) that are
    in no visible part: what must never reach a student."""
    visible, hidden = "", set()
    for lesson in {lesson_of(s) for s in HONEST} | {LESSON, DIGITS}:
        tests, _, _ = judge.lesson_tests(lesson)
        student_nb = nbformat.read(course.student_notebook(lesson), as_version=4)
        visible += "\n".join(cell.source for cell in student_nb.cells)
        hidden |= {line.strip() for _, code in tests.values() for line in code.splitlines()
                   if len(line.strip()) >= 20}
    return sorted(line for line in hidden if line not in visible)


def decodings(text):
    """The text, reversed, in rot13, and every base64 token of it decoded
    (and inflated, where it is zlib data), the same three ways."""
    found = [text]
    for token in re.findall(r"[A-Za-z0-9+/=]{40,}", text):
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            continue
        for data in (raw, _inflated(raw)):
            if data:
                found.append(data.decode(errors="replace"))
    return [variant for t in found for variant in (t, t[::-1], codecs.encode(t, "rot13"))]


def _inflated(raw):
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return None


def test_no_feedback_page_holds_a_hidden_test_in_any_encoding(graded):
    lines = hidden_lines()
    assert len(lines) > 50
    for student in graded["rows"]:
        text = htmllib.unescape(page(graded, student))
        shown = [line for variant in decodings(text) for line in lines if line in variant]
        assert not shown, (student, shown[:3])
    # the leaks ran (so the scan can fail): their encoded printouts are on the pages
    for student in ("stashes_sources", "prints_history", "reads_files"):
        assert "LEAK " in page(graded, student), student
    assert "REVERSED" in page(graded, "stashes_sources")


def test_no_feedback_page_runs_the_students_script(graded):
    template = Counter(live_script(page(graded, "correct")))  # nbconvert's own page scripts
    for student in graded["rows"]:
        assert Counter(live_script(page(graded, student))) == template, student
    assert "&lt;script&gt;document.title" in page(graded, "markdown_script")  # shown, as text


def test_feedback_pages_and_autograded_notebooks_are_bounded(graded):
    for student in graded["rows"]:
        lesson = lesson_of(student)
        assert graded["outputs"].feedback(student, lesson).stat().st_size < 4 * 1024**2, student
        assert graded["outputs"].autograded(student, lesson).stat().st_size < 4 * 1024**2, student
    assert "more characters of this cell are not shown" in page(graded, "comment_bomb")
    assert "more characters of this cell are not shown" in page(graded, "markdown_bomb")


def test_the_graders_memory_is_bounded(graded):
    """A worker holds at most 1 MiB of a cell's output while it runs, and no
    widget state: with the 100 MiB widget bomb and the 25 and 20 MiB cells it
    peaked at 572 MiB, against 306 MiB for plain lesson 01 and 07 notebooks
    (README); before these bounds the widget bomb alone added 413 MB."""
    print(f"largest grading worker: {graded['worker_rss'] / 1024**2:.0f} MiB")
    assert 100 * 1024**2 < graded["worker_rss"] < 700 * 1024**2


@pytest.mark.parametrize("student", sorted(TAMPERED))
def test_changed_graded_cells_are_tampering_and_graded_as_the_lessons_own(graded, student):
    _nb, points, said = TAMPERED[student]
    score, status, reason = row(graded, student)
    assert (score, status) == (points, "tampered") and said in reason, graded["rows"][student]


@pytest.fixture(scope="module")
def oracle():
    """The honest hand-ins' test cells as a student's own notebook runs them
    (a plain kernel, tests/lesson_session.py): {student: {test: passed}}."""
    from autograder.mistakes import Variant

    results = {}
    for lesson in sorted({lesson for lesson, _, _ in HONEST.values()}):
        with LessonSession(lesson) as session:
            for student, (l, function, code) in HONEST.items():
                if l == lesson:
                    outcome = session.try_variant(Variant(function, student, code))
                    results[student] = {test: message is None for test, message in outcome.items()}
    return results


@pytest.mark.parametrize("student", sorted(HONEST))
def test_an_honest_mistake_is_graded_by_the_tests_not_called_tampering(graded, oracle, student):
    lesson, _, _ = HONEST[student]
    score, status, reason = row(graded, student)
    assert (status, reason) == ("ok", "graded")
    failed = {test for test, passed in oracle[student].items() if not passed}
    assert failed, f"{student} passes its own tests: not a mistake"
    got = graded["tests"][student]
    assert {test for test in oracle[student] if got[test] == 0} == failed
    assert score < float(graded["rows"][student]["max_score"])
