"""Regrading only what changed, and runs that are stopped half-way.

A class of five lesson 01 hand-ins (one of them corrupt) is graded
through the command line, as an instructor runs it: once stopped with
Ctrl-C, once killed with SIGKILL, then continued to the end and graded
again in full with --force. The other tests rerun copies of that graded
class after changing what a rerun must notice.
"""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import course, limits, sample_class, state
from notebook_tools import require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON = "01_single_unit"
WRONG_STEP = "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n"
GRADED = ["ann", "bob", "cy", "dan"]  # eve's hand-in is corrupt


def command(subs, out, *args, jobs=2):
    return [sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out), "--jobs", str(jobs), *args]


def grade(subs, out, *args):
    done = subprocess.run(command(subs, out, *args), cwd=course.ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def counts(stdout):
    """(reused, graded) as the run printed them, and the students it graded."""
    reused, graded = re.search(r"reused (\d+) unchanged rows, grading (\d+) notebooks", stdout).groups()
    return int(reused), int(graded), sorted(re.findall(rf"\] (\S+) {LESSON}:", stdout))


def records(out):
    """The state file's complete records, by student."""
    kept = {}
    for line in course.Outputs(out).state.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the line a killed run was writing
        kept[record["student"]] = record
    return kept


def descendants(pid):
    """The processes `pid` started, and theirs, with their command lines."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append((int(stat.parent.name), (stat.parent / "cmdline").read_bytes()))
        except (OSError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        for child, cmdline in children.get(todo.pop(), []):
            found.append((child, cmdline))
            todo.append(child)
    return found


def cgroups():
    """The grader's cgroups on this machine (none where it cannot make them)."""
    found = limits.cgroup_bases()
    return sorted(str(p) for base in (found[1].values() if found else []) for p in base.glob("autograder-*"))


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def run_until(subs, out, rows, signal_to):
    """Start grading one notebook at a time; once `rows` rows are kept and
    the next notebook's kernel is running, `signal_to(process)`. Returns the
    process, its output, the processes it had started then and those of
    them still running 10 s after it ended."""
    log = out.parent / "run.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as file:
        process = subprocess.Popen(command(subs, out, jobs=1), cwd=course.ROOT, stdout=file, stderr=subprocess.STDOUT,
                                   text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        started = descendants(process.pid)
        if (course.Outputs(out).state.exists() and len(records(out)) >= rows
                and any(b"ipykernel" in cmdline for _, cmdline in started)):
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"grading did not reach {rows} rows with a kernel running:\n{log.read_text()}")
    signal_to(process)
    process.wait(timeout=120)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid, _ in started):
        time.sleep(0.2)
    left = [cmdline for pid, cmdline in started if alive(pid)]
    return process, log.read_text(), started, left


def outputs(out):
    """The bytes of the grades CSV and the tests CSV."""
    return {path.name: path.read_bytes() for path in (out, course.Outputs(out).tests)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the class stopped by Ctrl-C, killed, continued, then with --force."""
    require_sandbox()
    base = tmp_path_factory.mktemp("regrade")
    subs, out = base / "submissions", base / "out" / "grades.csv"
    sample_class.write(subs, "ann", LESSON, sample_class.submission(LESSON))
    sample_class.write(subs, "bob", LESSON, sample_class.submission(LESSON, solved=False))
    sample_class.write(subs, "cy", LESSON, sample_class.submission(LESSON, replace={"step": WRONG_STEP}))
    sample_class.write(subs, "dan", LESSON, sample_class.submission(LESSON))
    (subs / "eve" / LESSON).mkdir(parents=True)
    (subs / "eve" / LESSON / f"{LESSON}.ipynb").write_text('{"cells": [')

    # Ctrl-C in a terminal reaches the whole process group.
    before = cgroups()
    ctrl_c = run_until(subs, out, 1, lambda process: os.killpg(process.pid, signal.SIGINT))
    after_ctrl_c, csv_after_ctrl_c, cgroups_after_ctrl_c = records(out), out.exists(), cgroups()
    killed = run_until(subs, out, len(after_ctrl_c) + 1, lambda process: process.kill())
    after_kill, cgroups_after_kill = records(out), cgroups()
    # one kept row's feedback lost: that notebook is graded again
    lost = sorted(after_kill)[0]
    course.Outputs(out).feedback(lost, LESSON).unlink()
    continued = grade(subs, out)
    continued_csv, cgroups_after_continued = outputs(out), cgroups()
    forced = grade(subs, out, "--force")
    return dict(subs=subs, out=out, ctrl_c=ctrl_c, after_ctrl_c=after_ctrl_c, csv_after_ctrl_c=csv_after_ctrl_c,
                killed=killed, after_kill=after_kill, lost=lost, continued=continued,
                continued_csv=continued_csv, forced=forced,
                cgroups=dict(before=before, ctrl_c=cgroups_after_ctrl_c, kill=cgroups_after_kill,
                             continued=cgroups_after_continued))


def copy_of(graded, tmp_path):
    """A copy of the graded class (hand-ins and outputs) to change."""
    subs, out = tmp_path / "submissions", tmp_path / "out" / "grades.csv"
    shutil.copytree(graded["subs"], subs)
    shutil.copytree(graded["out"].parent, out.parent)
    return subs, out


def test_ctrl_c_keeps_the_finished_rows(graded):
    process, log, started, left = graded["ctrl_c"]
    kept = graded["after_ctrl_c"]
    assert process.returncode != 0
    rows = f"{len(kept)} row" + ("" if len(kept) == 1 else "s")
    assert f"interrupted: {rows} kept in {course.Outputs(graded['out']).state}; run again to continue" in log
    assert 1 <= len(kept) < len(GRADED)
    assert not graded["csv_after_ctrl_c"], "an interrupted run writes no partial grades CSV"
    assert any(b"ipykernel" in cmdline for _, cmdline in started)
    assert left == [], "processes outlived the interrupted grader"
    assert graded["cgroups"]["ctrl_c"] == [], "the interrupted notebooks' cgroups were left behind"


def test_a_killed_run_is_continued(graded):
    process, log, started, left = graded["killed"]
    before, kept = graded["after_ctrl_c"], graded["after_kill"]
    assert process.returncode == -signal.SIGKILL
    assert set(before) < set(kept) and len(kept) < len(GRADED)
    assert all(kept[s] == before[s] for s in before), "a kept row changed"
    assert any(b"ipykernel" in cmdline for _, cmdline in started)
    assert left == [], "workers or kernels outlived the killed grader"
    # the next run grades only the rest, and the notebook whose feedback is gone
    reused, graded_now, students = counts(graded["continued"])
    rest = sorted(set(GRADED) - set(kept) | {graded["lost"]})
    assert (reused, graded_now, students) == (len(GRADED) - len(rest), len(rest), rest)
    # and writes what a full run (--force, next) writes
    assert graded["continued_csv"] == outputs(graded["out"])
    # a killed worker cannot remove its notebook's cgroup; the next run does
    if limits.usable_cgroups():
        assert graded["cgroups"]["kill"], "the killed run was grading a notebook in a cgroup"
    assert graded["cgroups"]["continued"] == []


def test_force_regrades_every_notebook(graded):
    assert counts(graded["forced"]) == (0, len(GRADED), GRADED)
    rows = {r["student"]: r for r in csv.DictReader(open(graded["out"]))}
    assert sorted(rows) == GRADED + ["eve"] and rows["eve"]["status"] == "corrupt"
    assert [float(rows[s]["score"]) for s in GRADED] == [10, 0, 8, 10]
    assert sorted(records(graded["out"])) == GRADED  # the corrupt hand-in is checked again each run


def test_a_rerun_reuses_every_row(graded, tmp_path):
    subs, out = copy_of(graded, tmp_path)
    before, kept = outputs(out), records(out)
    assert counts(grade(subs, out)) == (len(GRADED), 0, [])
    assert outputs(out) == before  # byte for byte
    assert records(out) == kept
    # a hand-in that is gone loses its row and its record
    shutil.rmtree(subs / "dan")
    assert counts(grade(subs, out)) == (len(GRADED) - 1, 0, [])
    assert "dan" not in records(out) and "dan," not in out.read_text()


def test_only_what_changed_is_regraded(graded, tmp_path):
    subs, out = copy_of(graded, tmp_path)
    before = {name: list(csv.DictReader(open(out.parent / name))) for name in outputs(out)}
    # bob hands in late, the lesson changed since ann was graded, the grader
    # since cy was, and eve fixed her corrupt notebook
    sample_class.write(subs, "bob", LESSON, sample_class.submission(LESSON))
    kept = records(out)
    kept["ann"]["lesson_version"] = kept["cy"]["grader"] = "0" * 64  # versions of before
    course.Outputs(out).state.write_text("".join(json.dumps(r) + "\n" for r in kept.values()))
    nbformat.write(sample_class.submission(LESSON, solved=False), subs / "eve" / LESSON / f"{LESSON}.ipynb")

    assert counts(grade(subs, out)) == (1, 4, ["ann", "bob", "cy", "eve"])
    after = {name: list(csv.DictReader(open(out.parent / name))) for name in outputs(out)}
    for name in after:
        assert [r for r in after[name] if r["student"] == "dan"] == [r for r in before[name] if r["student"] == "dan"]
    scores = {r["student"]: (float(r["score"]), r["status"]) for r in after[out.name]}
    assert scores == {"ann": (10, "ok"), "bob": (10, "ok"), "cy": (8, "ok"), "dan": (10, "ok"), "eve": (0, "ok")}
    assert sorted(records(out)) == GRADED + ["eve"]


def test_the_grader_version_follows_its_sources_and_options(tmp_path):
    shutil.copytree(state.SOURCES[0], tmp_path / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(state.SOURCES[1], tmp_path / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    copies = (tmp_path / "autograder", tmp_path / "nnlib")
    options = course.DEFAULT_LIMITS.options()
    assert state.grader_version(options, copies) == state.grader_version(options)
    assert state.grader_version(dict(options, cell_timeout=10)) != state.grader_version(options)
    with open(tmp_path / "nnlib" / "checks.py", "a") as file:
        file.write("\n# a changed check\n")
    assert state.grader_version(options, copies) != state.grader_version(options)
