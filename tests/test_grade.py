"""The instructor's `grade` command on a class with every kind of submission.

One class of lesson 01 submissions is graded once, in parallel and in the
bubblewrap sandbox, through the command line as an instructor runs it;
each test then checks the grades of one kind of submission. Lesson 01 has
five test cells of 2 points: test_weighted_sum, test_step, test_sigmoid,
test_sigmoid_stable, test_unit_output.
"""
import copy
import csv
import html as htmllib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from autograder import limits, sample_class
from autograder.course import ROOT
from notebook_tools import require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON = "01_single_unit"
TESTS = ["test_sigmoid", "test_sigmoid_stable", "test_step", "test_unit_output", "test_weighted_sum"]


def answer(grade_id, extra):
    """The solution of an exercise cell followed by `extra` code."""
    return sample_class.answer(LESSON, grade_id) + "\n" + extra


def with_cell_changed(grade_id, change):
    nb = sample_class.submission(LESSON)
    for cell in list(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            change(nb, cell)
    return nb


UNWRITTEN = "def {0}(*args, **kwargs):\n    raise NotImplementedError()\n"
WRONG = {
    "weighted_sum": "def weighted_sum(x, w, b):\n    return 0.0\n",
    "step": "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n",
    "sigmoid": "def sigmoid(z):\n    return np.asarray(z, dtype=float)\n",
    "unit_output": "def unit_output(x, w, b, g):\n    return 0.5\n",
}
CHEATS = {
    # every test helper made to accept anything, nothing written
    "cheat_helpers": "from nnlib import checks\n"
                     "checks.close = checks.equal = checks.that = lambda *a, **k: None\n"
                     "checks.call = lambda f, *a, **k: 0.0\n",
    # numpy's and math's comparisons made to say "equal", wrong answers
    "cheat_numpy": "import math\n"
                   "np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)\n"
                   "np.allclose = np.array_equal = lambda *a, **k: True\n"
                   "math.isclose = lambda *a, **k: True\n",
    # every exception swallowed by the kernel, nothing written
    "cheat_swallow": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n",
}

# Attacks on the machine's resources, each bounded (at most 200 processes or
# threads that sleep under 30 s, 600 MiB written, 2.4 GiB of memory), so that a
# missing limit fails its test, not the machine. The sleeps' durations mark
# the processes, and the files are named junk-*.
FORKS = "import subprocess\nfor _ in range(200):\n    subprocess.Popen(['sleep', '29.1'])\n"
FORKS_QUIETLY = ("import subprocess\nstarted = 0\nfor _ in range(200):\n    try:\n"
                 "        subprocess.Popen(['sleep', '29.2'])\n    except OSError:\n        break\n"
                 "    started += 1\nprint('STARTED', started)\n")
THREADS = ("import threading, time\nfor _ in range(200):\n"
           "    threading.Thread(target=time.sleep, args=(29,), daemon=True).start()\n")


def fills(folder, files=19, size="32 * 1024**2"):
    """Code that writes `files` files of `size` bytes into `folder`."""
    return (f"block = b'x' * ({size})\nfor i in range({files}):\n"
            f"    with open(f'{folder}/junk-{{i}}', 'wb') as file:\n        file.write(block)\n")


MEMORY_IN_CHILDREN = """import os, time
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        hog = b'\\x01' * (400 * 1024**2)
        time.sleep(3)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""
ATTACKS = {  # student: (exercise cell the attack follows, its code)
    "forks": ("weighted_sum", FORKS),
    "forks_quietly": ("weighted_sum", FORKS_QUIETLY),
    "threads": ("weighted_sum", THREADS),
    "fills_tmp": ("weighted_sum", fills("/tmp")),
    "fills_work": ("unit_output", fills(".")),
    "fills_tmp_with_files": ("weighted_sum", fills("/tmp", files=100_000, size="0")),
    "memory_in_children": ("weighted_sum", MEMORY_IN_CHILDREN),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Build the class, grade it once; return (rows, test rows, output, paths)."""
    require_sandbox()
    base = tmp_path_factory.mktemp("class")
    subs, out = base / "submissions", base / "out" / "grades.csv"
    write = lambda student, nb, lesson=LESSON: sample_class.write(subs, student, lesson, nb)  # noqa: E731
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    write("correct", sample_class.submission(LESSON))
    write("untouched", sample_class.submission(LESSON, solved=False))
    write("warns", sample_class.submission(LESSON, replace={"weighted_sum": answer(
        "weighted_sum", "import sys, warnings\n_plain = weighted_sum\n"
        "def weighted_sum(x, w, b):\n"
        "    print('debug: in weighted_sum', file=sys.stderr)\n"
        "    warnings.warn('a harmless warning')\n"
        "    return _plain(x, w, b)\n")}))
    write("partly_wrong", sample_class.submission(LESSON, replace={"step": WRONG["step"]}))
    write("loop", sample_class.submission(LESSON, replace={"step": answer("step", "while True:\n    pass\n")}))
    write("loop_ignores_interrupt", sample_class.submission(LESSON, replace={"unit_output": answer(
        "unit_output", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n")}))
    write("memory", sample_class.submission(LESSON, replace={"step": answer(
        "step", "hog = []\nwhile True:\n    hog.append(bytearray(100 * 1024**2))\n")}))
    write("exits", sample_class.submission(LESSON, replace={"sigmoid": answer(
        "sigmoid", "import os\nos._exit(3)\n")}))
    write("segfault", sample_class.submission(LESSON, replace={"step": answer(
        "step", "import ctypes\nctypes.string_at(0)\n")}))
    write("edits_test", sample_class.submission(LESSON, replace={
        "sigmoid": WRONG["sigmoid"], "test_sigmoid": "print('all good')"}))
    write("deletes_test", _deleted_test_with_wrong_answer())
    write("duplicates_test", with_cell_changed(
        "test_step", lambda nb, cell: nb.cells.insert(nb.cells.index(cell), _copy_of(cell))))
    write("changes_points", with_cell_changed(
        "test_step", lambda nb, cell: cell.metadata.nbgrader.__setitem__("points", 100)))
    write("adds_graded_cell", _with_bonus_cell())
    for student, cheat in CHEATS.items():
        unwritten = cheat != CHEATS["cheat_numpy"]
        replace = {name: (UNWRITTEN.format(name) if unwritten else WRONG[name]) for name in WRONG}
        replace["weighted_sum"] = cheat + replace["weighted_sum"]
        write(student, sample_class.submission(LESSON, replace=replace))
    for student, (grade_id, attack) in ATTACKS.items():
        write(student, sample_class.submission(LESSON, replace={grade_id: answer(grade_id, attack)}))
    write("huge_output", sample_class.submission(LESSON, replace={"weighted_sum": answer(
        "weighted_sum", "import os\nfrom IPython.display import Image, display\n"
        "print('x' * 30_000_000)\n"
        "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + os.urandom(6_000_000), format='png'))\n")}))
    secrets = {"solutions": ROOT / "solutions" / LESSON / f"{LESSON}.ipynb",
               "other student": subs / "correct" / LESSON / f"{LESSON}.ipynb",
               "grades": out}
    write("snoops", sample_class.submission(LESSON, replace={"weighted_sum": answer("weighted_sum", f"""
import glob, os, socket, subprocess
leaks = []
for what, path in {({k: str(v) for k, v in secrets.items()})!r}.items():
    try:
        open(path).read(1)
        leaks.append('read ' + what)
    except OSError:
        pass
    try:
        open(path, 'a').close()
        leaks.append('wrote ' + what)
    except OSError:
        pass
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=2)
    leaks.append('network')
except OSError:
    pass
if 'COURSE_SECRET' in os.environ:
    leaks.append('environment')
if [p for p in glob.glob('/tmp/autograder-*/**', recursive=True)
        if os.path.isfile(p) and not p.startswith(os.getcwd())]:
    leaks.append('grader files')
subprocess.Popen(['sleep', '617'], start_new_session=True)
print('LEAKS:', leaks)
""")}))
    outside = base / "outside.txt"
    outside.write_text("untouched")
    write("plants_link", sample_class.submission(LESSON, replace={"weighted_sum": answer("weighted_sum", f"""
import os
os.remove('{LESSON}.ipynb')
os.symlink({str(outside)!r}, '{LESSON}.ipynb')
os.symlink('/', 'root')
""")}))
    write("plants_fifo", sample_class.submission(LESSON, replace={"weighted_sum": answer("weighted_sum", f"""
import os
os.remove('{LESSON}.ipynb')
os.mkfifo('{LESSON}.ipynb')
""")}))
    write("leaks_hidden", sample_class.submission(LESSON, replace={
        "weighted_sum": answer("weighted_sum", "_seen = []\n"
                                               "get_ipython().events.register('pre_run_cell', "
                                               "lambda info: print('SOURCE:', info.raw_cell))\n"),
        "step": answer("step", "import inspect\n_step = step\n"
                               "def step(z):\n"
                               "    print('STACK:', [f.code_context for f in inspect.stack()])\n"
                               "    return _step(z)\n")}))
    (subs / "linked_student").symlink_to(subs / "correct")
    (subs / "linked_lesson").mkdir()
    (subs / "linked_lesson" / LESSON).symlink_to(ROOT / "solutions" / LESSON)
    (subs / "not_a_notebook" / LESSON).mkdir(parents=True)
    (subs / "not_a_notebook" / LESSON / f"{LESSON}.ipynb").write_bytes(os.urandom(2000))
    (subs / "broken_json" / LESSON).mkdir(parents=True)
    text = nbformat.writes(sample_class.submission(LESSON))
    (subs / "broken_json" / LESSON / f"{LESSON}.ipynb").write_text(text[: len(text) // 2])
    renamed = subs / "renamed" / LESSON
    renamed.mkdir(parents=True)
    nbformat.write(sample_class.submission(LESSON), renamed / "my work.ipynb")
    (subs / "empty_folder" / LESSON).mkdir(parents=True)
    write("wrong_folder", sample_class.submission(LESSON), lesson="01-single-unit")

    started, before = time.monotonic(), machine()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                           "--jobs", "2", "--cell-timeout", "10"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, COURSE_SECRET="not for students"))
    listener.close()
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stdout, f"graded in {time.monotonic() - started:.0f} s")
    after = machine()
    rows = {r["student"]: r for r in csv.DictReader(open(out))}
    tests = {}
    for r in csv.DictReader(open(out.with_name("grades_tests.csv"))):
        tests.setdefault(r["student"], {})[r["test"]] = float(r["score"])
    return dict(rows=rows, tests=tests, stdout=done.stdout, stderr=done.stderr, out=out, subs=subs,
                outside=outside, before=before, after=after)


def machine():
    """What a leak would show: tmpfs memory (Shmem), free space in the
    temporary folder, the students' marked processes, the grader's cgroups."""
    meminfo = dict(line.split(":") for line in Path("/proc/meminfo").read_text().splitlines())
    disk = os.statvfs(tempfile.gettempdir())
    found = limits.cgroup_bases()
    return dict(shmem=int(meminfo["Shmem"].split()[0]) * 1024, free_disk=disk.f_bavail * disk.f_frsize,
                processes=student_processes(),
                cgroups=sorted(str(p) for base in (found[1].values() if found else [])
                               for p in base.glob("autograder-*")))


def student_processes():
    """The command lines of the processes the attacks start, still running."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        if command.startswith(b"sleep\x00") and command.split(b"\x00")[1] in (b"617", b"29.1", b"29.2"):
            found.append(command)
    return found


def _copy_of(cell):
    """A copy of a cell as JupyterLab pastes it: a new cell id."""
    pasted = copy.deepcopy(cell)
    pasted.id = "pasted-" + cell.id
    return pasted


def _deleted_test_with_wrong_answer():
    nb = sample_class.submission(LESSON, replace={"weighted_sum": WRONG["weighted_sum"]})
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_weighted_sum"]
    return nb


def _with_bonus_cell():
    nb = sample_class.submission(LESSON, solved=False)
    bonus = nbformat.v4.new_code_cell("print('bonus')")
    bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 50, "locked": True,
                                  "solution": False, "schema_version": 3}
    nb.cells.append(bonus)
    return nb


def score(graded, student):
    row = graded["rows"][student]
    return float(row["score"]), float(row["max_score"]), row["status"], row["reason"]


def test_every_submission_has_one_row(graded):
    students = {p.name for p in graded["subs"].iterdir()}
    assert set(graded["rows"]) == students
    assert "[" in graded["stdout"] and "/" in graded["stdout"]  # progress lines
    assert len(list(csv.DictReader(open(graded["out"])))) == len(students)


def test_correct_gets_full_marks(graded):
    assert score(graded, "correct")[:3] == (10, 10, "ok")
    assert graded["tests"]["correct"] == {t: 2.0 for t in TESTS}


def test_warnings_on_stderr_cost_nothing(graded):
    assert score(graded, "warns")[:3] == (10, 10, "ok")


def test_untouched_gets_zero(graded):
    assert score(graded, "untouched")[:3] == (0, 10, "ok")


def test_partly_wrong_gets_credit_per_test(graded):
    assert score(graded, "partly_wrong")[:3] == (8, 10, "ok")
    assert graded["tests"]["partly_wrong"]["test_step"] == 0


def test_interrupted_loop_times_out_and_the_rest_is_graded(graded):
    points, _, status, reason = score(graded, "loop")
    assert (points, status) == (10, "timeout")
    assert "cell step ran past 10 s and was interrupted" in reason


def test_loop_that_ignores_the_interrupt_is_killed(graded):
    points, _, status, reason = score(graded, "loop_ignores_interrupt")
    assert (points, status) == (8, "timeout")  # all but test_unit_output, which ran after the restart
    assert "ignored the interrupt" in reason


def test_runaway_memory_is_stopped(graded):
    points, _, status, reason = score(graded, "memory")
    # test_weighted_sum and test_step ran before the kernel, short of memory, may die
    assert points >= 4 and status == "memory"
    assert "cell step ran out of memory (limit 2 GiB)" in reason


@pytest.mark.parametrize("student, points", [("exits", 4), ("segfault", 2)])
def test_dead_kernel_is_reported_as_crashed(graded, student, points):
    got, _, status, reason = score(graded, student)
    assert (got, status) == (points, "crashed")
    assert "the kernel died" in reason


def test_edited_test_cell_is_restored(graded):
    _, max_points, status, reason = score(graded, "edits_test")
    assert max_points == 10 and status == "tampered" and "edited test_sigmoid" in reason
    assert graded["tests"]["edits_test"]["test_sigmoid"] == 0


def test_deleted_test_cell_is_restored(graded):
    _, max_points, status, reason = score(graded, "deletes_test")
    assert max_points == 10 and status == "tampered" and "deleted test_weighted_sum" in reason
    assert graded["tests"]["deletes_test"]["test_weighted_sum"] == 0


@pytest.mark.parametrize("student, change", [("duplicates_test", "duplicated test_step"),
                                             ("changes_points", "test_step (points 2 -> 100)")])
def test_duplicated_tests_and_changed_points_earn_nothing_extra(graded, student, change):
    points, max_points, status, reason = score(graded, student)
    assert (points, max_points, status) == (10, 10, "tampered") and change in reason


def test_added_graded_cell_earns_nothing(graded):
    points, max_points, status, reason = score(graded, "adds_graded_cell")
    assert (points, max_points, status) == (0, 10, "tampered") and "bonus" in reason


@pytest.mark.parametrize("student", sorted(CHEATS))
def test_forged_checks_earn_nothing(graded, student):
    """The tests run in the judge, outside the kernel: what the notebook does
    to its own numpy, checks or exception handling changes no score."""
    points, _, status, reason = score(graded, student)
    assert (points, status, reason) == (0, "ok", "graded"), graded["rows"][student]


@pytest.mark.parametrize("student, problem", [("not_a_notebook", "corrupt"), ("broken_json", "corrupt"),
                                              ("renamed", "missing"), ("empty_folder", "missing")])
def test_unreadable_or_missing_notebooks_get_a_status(graded, student, problem):
    points, max_points, status, reason = score(graded, student)
    assert (points, max_points, status) == (0, 10, problem)
    if student == "renamed":
        assert "my work.ipynb" in reason


def test_unknown_lesson_folder_is_reported(graded):
    row = graded["rows"]["wrong_folder"]
    assert row["status"] == "unknown" and row["lesson"] == "01-single-unit"


def test_huge_output_is_bounded(graded):
    assert score(graded, "huge_output")[:3] == (10, 10, "ok")
    autograded = graded["out"].parent / "autograded" / "huge_output" / f"{LESSON}.ipynb"
    feedback = graded["out"].parent / "feedback" / "huge_output" / f"{LESSON}.html"
    assert autograded.stat().st_size < 3 * 1024**2
    assert feedback.stat().st_size < 4 * 1024**2
    assert "output cut" in autograded.read_text()


def test_sandbox_keeps_a_submission_in_its_folder(graded):
    assert score(graded, "snoops")[:3] == (10, 10, "ok")
    autograded = (graded["out"].parent / "autograded" / "snoops" / f"{LESSON}.ipynb").read_text()
    assert "LEAKS: []" in autograded
    other = graded["subs"] / "correct" / LESSON / f"{LESSON}.ipynb"
    assert nbformat.read(other, as_version=4) == sample_class.submission(LESSON)
    assert not graded["after"]["processes"], "a student's process outlived grading"


PROCESSES = "tried to run more than 64 processes and threads"
CGROUPS_ALONE = ("forks_quietly", "memory_in_children")  # hidden refusals, memory of many processes


@pytest.mark.parametrize("student, points, status, reason", [
    ("forks", 10, "processes", "cell weighted_sum " + PROCESSES),
    ("forks_quietly", 10, "processes", "cell weighted_sum " + PROCESSES),  # seen by the cgroup
    ("threads", 10, "processes", "cell weighted_sum " + PROCESSES),
    ("fills_tmp", 10, "disk", "cell weighted_sum ran out of disk space: /tmp full (limit 256 MiB)"),
    ("fills_tmp_with_files", 10, "disk", "cell weighted_sum ran out of disk space: /tmp full (limit 256 MiB)"),
    # the work folder full, the grader's check of unit_output cannot save its results
    ("fills_work", 8, "disk", "cell unit_output ran out of disk space: work folder full (limit 256 MiB)"),
    ("memory_in_children", 10, "memory", "cell weighted_sum ran out of memory (limit 2 GiB)"),
])
def test_a_limit_hit_is_named_and_the_work_before_it_kept(graded, student, points, status, reason):
    if student in CGROUPS_ALONE and limits.usable_cgroups() is None:
        pytest.skip("seen by a cgroup alone, and none can be made here")
    got, max_points, got_status, got_reason = score(graded, student)
    assert (got, max_points, got_status) == (points, 10, status), got_reason
    assert got_reason.startswith(reason)


def started(out, student):
    """How many processes the student's FORKS_QUIETLY started."""
    autograded = (out.parent / "autograded" / student / f"{LESSON}.ipynb").read_text()
    return int(re.search(r"STARTED (\d+)", autograded)[1])


def test_quiet_forks_stop_at_the_limit(graded):
    assert 40 < started(graded["out"], "forks_quietly") < 64  # the kernel's own threads count too


def test_limits_without_cgroups(tmp_path):
    """Where no cgroup can be made (forced here): processes are bounded by
    RLIMIT_NPROC (under a uid of the kernel's own, or in its user namespace),
    memory by the address space; the options set every limit."""
    require_sandbox()
    subs, out = tmp_path / "subs", tmp_path / "out" / "grades.csv"
    hog = "hog = []\nwhile True:\n    hog.append(bytearray(100 * 1024**2))\n"
    for student, (grade_id, attack) in {"correct": ("step", ""), "forks": ("weighted_sum", FORKS),
                                        "forks_quietly": ("weighted_sum", FORKS_QUIETLY),
                                        "memory": ("step", hog),
                                        "fills_tmp": ("weighted_sum", fills("/tmp", files=4)),
                                        "fills_work": ("unit_output", fills(".", files=4))}.items():
        sample_class.write(subs, student, LESSON, sample_class.submission(
            LESSON, replace={grade_id: answer(grade_id, attack)}))
    before = machine()
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out), "--jobs", "2",
                    "--no-cgroups", "--max-processes", "32", "--memory", "1G", "--tmp-size", "64M",
                    "--work-size", "48M"], cwd=ROOT, capture_output=True, check=True, timeout=600)
    after = machine()
    rows = {r["student"]: (float(r["score"]), r["status"], r["reason"]) for r in csv.DictReader(open(out))}
    assert rows["correct"] == (10, "ok", "graded")
    assert rows["forks"] == (10, "processes", "cell weighted_sum tried to run more than 32 processes and threads")
    assert rows["forks_quietly"][:2] == (10, "ok")  # refused forks are seen by a cgroup alone
    assert 20 < started(out, "forks_quietly") < 32
    assert rows["memory"][1:] == ("memory", "cell step ran out of memory (limit 1 GiB)") and rows["memory"][0] >= 4
    assert rows["fills_tmp"] == (10, "disk", "cell weighted_sum ran out of disk space: /tmp full (limit 64 MiB)")
    assert rows["fills_work"][:2] == (8, "disk")
    assert rows["fills_work"][2].startswith("cell unit_output ran out of disk space: work folder full (limit 48 MiB)")
    assert not after["processes"] and after["cgroups"] == before["cgroups"] == []


def test_the_machine_is_as_before_after_the_attacks(graded):
    before, after = graded["before"], graded["after"]
    assert not after["processes"] and not after["cgroups"], after
    assert after["shmem"] < before["shmem"] + 64 * 1024**2  # no tmpfs left with its pages
    assert after["free_disk"] > before["free_disk"] - 256 * 1024**2
    assert "autograder-" not in Path("/proc/mounts").read_text()
    junk = [p for folder in (graded["subs"].parent, *Path(tempfile.gettempdir()).glob("autograder-*"))
            for p in folder.rglob("junk-*")]
    assert not junk, junk[:3]
    for student in ATTACKS:  # graded on a tmpfs work folder, copied back for nbgrader's feedback
        assert (graded["out"].parent / "feedback" / student / f"{LESSON}.html").exists()


def test_feedback_for_every_graded_notebook(graded):
    for student, row in graded["rows"].items():
        feedback = graded["out"].parent / "feedback" / student / f"{LESSON}.html"
        assert feedback.exists() == (row["status"] not in ("corrupt", "missing", "unknown")), student


def test_regrading_gives_the_same_grades(graded, tmp_path):
    """Grading again, sequentially this time, writes the same rows; and
    again with --force (which does not reuse the first run's rows)."""
    subs = tmp_path / "subs"
    for student in ("correct", "partly_wrong", "broken_json", "cheat_numpy"):
        (subs / student).mkdir(parents=True)
        subprocess.run(["cp", "-r", str(graded["subs"] / student / LESSON), str(subs / student)], check=True)
    out = tmp_path / "grades.csv"
    for force in ([], ["--force"]):
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                        "--jobs", "1", *force], cwd=ROOT, capture_output=True, check=True, timeout=600)
        again = {r["student"]: r for r in csv.DictReader(open(out))}
        assert again == {s: graded["rows"][s] for s in again}


def test_notebook_time_limit_stops_the_rest(tmp_path):
    """Cells that each stay under the cell limit still cannot run past the
    notebook's limit: the cells after it are marked as not run."""
    require_sandbox()
    nap = "import time\ntime.sleep(4)\n"
    subs, out = tmp_path / "subs", tmp_path / "grades.csv"
    sample_class.write(subs, "slow", LESSON, sample_class.submission(LESSON, replace={
        name: answer(name, nap) for name in ("weighted_sum", "step", "sigmoid", "unit_output")}))
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                    "--cell-timeout", "6", "--notebook-timeout", "10"],
                   cwd=ROOT, capture_output=True, check=True, timeout=600)
    [row] = csv.DictReader(open(out))
    assert row["status"] == "timeout" and "limit of 10 s" in row["reason"]
    assert 0 < float(row["score"]) < 10
    autograded = (tmp_path / "autograded" / "slow" / f"{LESSON}.ipynb").read_text()
    assert "the notebook used up its 10 s" in autograded


def test_report_of_the_graded_class(graded):
    done = subprocess.run([sys.executable, "-m", "autograder", "report", str(graded["out"])],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    passed = sum(1 for tests in graded["tests"].values() if tests.get("test_step") == 2)
    assert re.search(rf"test_step\s+{passed}/{len(graded['tests'])}\s", done.stdout), done.stdout
    assert graded["out"].with_name("grades_report.png").read_bytes()[:4] == b"\x89PNG"


def test_links_out_of_the_submissions_are_corrupt_never_followed(graded):
    for student in ("linked_student", "linked_lesson"):
        points, _, status, reason = score(graded, student)
        assert (points, status) == (0, "corrupt") and "is a symbolic link" in reason


@pytest.mark.parametrize("student", ["plants_link", "plants_fifo"])
def test_links_and_pipes_left_by_the_kernel_are_not_followed(graded, student):
    assert score(graded, student)[:3] == (10, 10, "ok")
    assert graded["outside"].read_text() == "untouched"
    autograded = graded["out"].parent / "autograded" / student / f"{LESSON}.ipynb"
    assert not autograded.is_symlink() and nbformat.read(autograded, as_version=4).cells


def hidden_lines():
    """The lines of lesson 01's hidden tests that say something (not ')' or 'else:')
    and that the student's notebook does not show anyway."""
    lines = []
    for cell in nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif inside and len(line.strip()) >= 12:
                lines.append(line.strip())
    visible = "\n".join(cell.source for cell in sample_class.submission(LESSON).cells)
    lines = [line for line in lines if line not in visible]
    assert len(lines) > 10
    return lines


def feedback_text(graded, student):
    html = (graded["out"].parent / "feedback" / student / f"{LESSON}.html").read_text()
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize("student", ["correct", "leaks_hidden", "partly_wrong", "cheat_numpy"])
def test_feedback_never_shows_a_hidden_test(graded, student):
    text = feedback_text(graded, student)
    shown = [line for line in hidden_lines() if line in text]
    assert not shown, shown[:3]
    assert "passes the visible tests" in text or student == "cheat_numpy"


def test_what_the_student_printed_while_the_judge_called_it_is_shown_nowhere(graded):
    """The kernel never runs a test cell: its hooks see only the notebook's own
    cells, and what a function prints while the judge calls it is dropped.
    (A demonstration that calls nnlib's step runs the student's, in the
    kernel, from the notebook's own cell: what it prints there is shown.)"""
    assert score(graded, "leaks_hidden")[:3] == (10, 10, "ok")
    autograded = (graded["out"].parent / "autograded" / "leaks_hidden" / f"{LESSON}.ipynb")
    cells = [c for c in nbformat.read(autograded, as_version=4).cells if c.cell_type == "code"]
    outputs = "\n".join(o.get("text", "") for c in cells for o in c.outputs)
    tests = "\n".join(o.get("text", "") for c in cells if c.metadata.get("nbgrader", {}).get("grade")
                      and not c.metadata["nbgrader"].get("solution") for o in c.outputs)
    assert "SOURCE: " in outputs and "STACK: [" not in tests  # the hook ran; the judge's calls print nothing
    assert "STACK: [" in outputs                            # a demonstration's call of nnlib.step did
    assert not [line for line in hidden_lines() if line in outputs]


def test_a_failure_of_nbgrader_is_named_by_its_exception():
    from autograder.grade import nbgrader_error
    log = """[AutogradeApp | ERROR] There was an error processing assignment: /x/submitted/ann/01
[AutogradeApp | ERROR] Traceback (most recent call last):
  File "/venv/nbgrader/converters/base.py", line 344, in convert_notebooks
    raise ValueError("bad cell")
nbformat.validator.ValidationError: 'outputs' is a required property
[AutogradeApp | ERROR] Please see the above traceback for more details."""
    assert nbgrader_error(log) == "nbformat.validator.ValidationError: 'outputs' is a required property"
    assert nbgrader_error("[AutogradeApp | ERROR] No notebooks were matched") == \
        "[AutogradeApp | ERROR] No notebooks were matched"
    assert nbgrader_error("") == "no message"
