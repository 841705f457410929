"""Grade a class: ``python -m autograder grade SUBMISSIONS --out grades.csv``.

SUBMISSIONS holds one folder per student, each with the lesson folders
handed in: ``SUBMISSIONS/<student>/<lesson>/<lesson>.ipynb`` (nbgrader's
submitted layout). The grader

1. checks every submission before any code runs: a missing, renamed,
   corrupt or oversized notebook gets its status here, and changes to
   the locked test cells are noted (nbgrader restores them from the
   source, so they earn nothing);
2. autogrades the rest with nbgrader, in parallel: each worker process has
   its own copy of the course and its own gradebook, so no two processes
   ever write to the same database; the notebooks run in the sandbox of
   sandbox.py through execute.SandboxedExecute;
3. writes, next to the CSV: ``<stem>_tests.csv`` (the points of every test
   cell), ``feedback/<student>/<lesson>.html`` and
   ``autograded/<student>/<lesson>.ipynb``.

Every submission gets exactly one row, whatever happens to it.
"""
import csv
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .release import SOLUTIONS, lesson_names

MAX_NOTEBOOK_BYTES = 50 * 1024**2
FIELDS = ["student", "lesson", "score", "max_score", "status", "reason"]
TEST_FIELDS = ["student", "lesson", "test", "score", "max_score"]
# When several things happened, the row shows the most serious.
SEVERITY = ["error", "memory", "crashed", "timeout", "tampered", "ok"]


@dataclass
class Job:
    student: str
    lesson: str
    notebook: Path
    notes: list  # (status, reason) found before grading


# ---------------------------------------------------------------- before grading

def find_submissions(submissions, lessons):
    """Jobs to grade, and rows for hand-ins that cannot be graded."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise SystemExit(f"grade: {submissions} is not a folder of student submissions")
    known = lesson_names()
    jobs, rows = [], []
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for lesson_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            student, lesson = student_dir.name, lesson_dir.name
            if lessons and lesson not in lessons:
                continue
            if lesson not in known:
                rows.append(_row(student, lesson, 0, 0, "unknown",
                                 f"{lesson} is not a lesson of this course ({', '.join(known)})"))
                continue
            notebook = lesson_dir / f"{lesson}.ipynb"
            problem = check_notebook(notebook)
            if problem:
                rows.append(_row(student, lesson, 0, None, *problem))
            else:
                jobs.append(Job(student, lesson, notebook, []))
    return jobs, rows


def check_notebook(path):
    """(status, reason) if the file cannot be graded, else None."""
    if not path.is_file():
        found = sorted(p.name for p in path.parent.iterdir() if not p.name.startswith("."))
        return "missing", (f"no {path.name} in {path.parent.name}/ "
                           f"(found: {', '.join(found) if found else 'nothing'})")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return "corrupt", f"{path.name} is {size / 1024**2:.0f} MB; the limit is {MAX_NOTEBOOK_BYTES // 1024**2} MB"
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except Exception as error:
        text = str(error).splitlines()[0][:150] if str(error) else type(error).__name__
        return "corrupt", f"{path.name} is not a readable notebook ({text})"
    if nb.get("nbformat") != 4:
        return "corrupt", f"{path.name} is a version {nb.get('nbformat')} notebook; version 4 is expected"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        return "corrupt", f"{path.name} is not a valid notebook ({error.message[:150]})"
    return None


def locked_cell_changes(submitted, released):
    """What the student changed in the locked cells (test cells, fixed
    code): restored by nbgrader, but worth telling the instructor."""
    def by_id(nb):
        cells = {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade_id"):
                cells.setdefault(meta["grade_id"], []).append(cell)
        return cells

    mine, theirs = by_id(released), by_id(submitted)
    changes = []
    for grade_id, [cell] in mine.items():
        meta = cell.metadata["nbgrader"]
        if not (meta.get("locked") or meta.get("grade")) or meta.get("solution"):
            continue
        copies = theirs.get(grade_id, [])
        if not copies:
            changes.append(f"deleted {grade_id}")
        elif len(copies) > 1:
            changes.append(f"duplicated {grade_id}")
        elif copies[0].source != cell.source:
            changes.append(f"edited {grade_id}")
        elif copies[0].metadata["nbgrader"].get("points") != meta.get("points"):
            changes.append(f"changed the points of {grade_id}")
    changes += [f"added a graded cell {grade_id} that is not in the lesson" for grade_id in theirs
                if grade_id not in mine]
    return changes


def strip_foreign_cells(nb, released):
    """Cells claiming grade ids that the lesson does not have, and second
    copies of a cell, lose their nbgrader metadata: they can neither earn
    points nor stop nbgrader (which fails on a duplicated test cell)."""
    known = {c.metadata["nbgrader"]["grade_id"] for c in released.cells
             if c.metadata.get("nbgrader", {}).get("grade_id")}
    seen = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in known or grade_id in seen:
            cell.metadata.pop("nbgrader", None)
        seen.add(grade_id)
    return nb


# ---------------------------------------------------------------- the course copy

def grading_config(root, options):
    """The nbgrader configuration of one worker's copy of the course."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    from .execute import SandboxedExecute

    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = str(SOLUTIONS)
    c.CourseDirectory.db_url = f"sqlite:///{root}/gradebook.db"
    c.CourseDirectory.course_id = "neural-networks"
    # nbgrader's own pipeline, with the sandboxed Execute in place of Execute.
    c.Autograde.autograde_preprocessors = [
        SandboxedExecute if step is Execute else step
        for step in Autograde.class_traits()["autograde_preprocessors"].default()]
    c.OverwriteCells.add_missing_cells = True
    c.SandboxedExecute.cell_timeout = options["cell_timeout"]
    c.SandboxedExecute.notebook_timeout = options["notebook_timeout"]
    c.SandboxedExecute.matplotlib_cache = str(Path(root).parent / "matplotlib")
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    c.Validator.validate_all = False
    return c


def course_api(root, options):
    """nbgrader's API on the course folder `root`."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = grading_config(root, options)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def make_template(work, lessons, options):
    """A course folder with the gradebook and released notebooks of `lessons`,
    and a built matplotlib font cache for the kernels."""
    import subprocess

    from nbgrader.api import Base
    from sqlalchemy import create_engine

    env = dict(os.environ, MPLCONFIGDIR=str(work / "matplotlib"), MPLBACKEND="Agg")
    fonts = subprocess.Popen([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    template = work / "template"
    template.mkdir(parents=True)
    # nbgrader stamps a new gradebook with its schema revision by running the
    # `alembic` command (1.6 s before any grading can start). These gradebooks
    # are temporary and never migrated, so the tables are made directly.
    engine = create_engine(f"sqlite:///{template}/gradebook.db")
    Base.metadata.create_all(engine)
    engine.dispose()
    api = course_api(template, options)
    for lesson in lessons:
        done = api.generate_assignment(lesson, force=True)
        if not done["success"]:
            raise SystemExit(f"nbgrader could not generate {lesson}:\n{done.get('error') or done.get('log')}")
    fonts.wait()
    return template


# ---------------------------------------------------------------- the workers

_worker = {}


def _start_worker():
    """Load nbgrader in each worker while the main process builds the template."""
    import importlib
    import warnings

    for module in ("nbgrader.apps", "nbgrader.converters", "autograder.execute"):
        importlib.import_module(module)

    # nbgrader's gradebook makes SQLAlchemy warn about its own sessions.
    warnings.filterwarnings("ignore", module="sqlalchemy")
    warnings.filterwarnings("ignore", message=".*not in session.*")


def _course(template, options):
    """This worker's own copy of the course and its nbgrader API, made on first use."""
    if not _worker:
        root = template.parent / f"worker-{os.getpid()}"
        shutil.copytree(template, root)
        _worker.update(root=root, api=course_api(root, options))
    return _worker["root"], _worker["api"]


def _grade(job, out_dir, template, options):
    """Grade one submission in this worker; always returns a result."""
    started = time.monotonic()
    try:
        result = _autograde(job, out_dir, *_course(template, options))
    except Exception as error:  # a grader bug must not lose the row
        result = dict(row=_row(job.student, job.lesson, 0, None, "error",
                               f"the grader failed: {type(error).__name__}: {error}"), tests=[])
    result["seconds"] = time.monotonic() - started
    return result


def _autograde(job, out_dir, root, api):
    from nbgrader.api import Gradebook

    from . import execute

    released = nbformat.read(root / "release" / job.lesson / f"{job.lesson}.ipynb", as_version=4)
    submitted = nbformat.read(job.notebook, as_version=4)
    changes = locked_cell_changes(submitted, released)
    folder = root / "submitted" / job.student / job.lesson
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    nbformat.write(strip_foreign_cells(submitted, released), folder / f"{job.lesson}.ipynb")

    execute.RUN_REPORT.clear()
    outcome = api.autograde(job.lesson, job.student, force=True, create=True)
    if not outcome["success"]:
        lines = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
        return dict(row=_row(job.student, job.lesson, 0, None, "error",
                             "nbgrader could not grade it: " + (lines[-1] if lines else "no message")),
                    tests=[])
    events = list(execute.RUN_REPORT.get("events", []))
    if changes:
        events.append(("tampered", "locked cells were changed (" + ", ".join(changes)
                       + "); nbgrader graded with the lesson's own tests"))

    with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
        notebook = gradebook.find_submission_notebook(job.lesson, job.lesson, job.student)
        tests = [dict(student=job.student, lesson=job.lesson, test=g.name,
                      score=_number(g.score), max_score=_number(g.max_score))
                 for g in sorted(notebook.grades, key=lambda g: g.name)]
        score, max_score = _number(notebook.score), _number(notebook.max_score)

    api.generate_feedback(job.lesson, job.student, force=True)
    _publish(root / "feedback" / job.student / job.lesson / f"{job.lesson}.html",
             out_dir / "feedback" / job.student / f"{job.lesson}.html")
    _publish(root / "autograded" / job.student / job.lesson / f"{job.lesson}.ipynb",
             out_dir / "autograded" / job.student / f"{job.lesson}.ipynb")
    for folder in ("submitted", "autograded", "feedback"):
        shutil.rmtree(root / folder / job.student, ignore_errors=True)

    status = min((s for s, _ in events), key=SEVERITY.index, default="ok")
    reason = "; ".join(dict.fromkeys(r for _, r in events)) or "graded"
    return dict(row=_row(job.student, job.lesson, score, max_score, status, reason), tests=tests)


def _publish(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def _number(x):
    return round(float(x), 6) if x is not None else None


def _row(student, lesson, score, max_score, status, reason):
    return dict(student=student, lesson=lesson, score=score, max_score=max_score,
                status=status, reason=reason)


def max_scores(template, lessons):
    """Each lesson's total points, for rows of notebooks that did not run."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{template}/gradebook.db") as gradebook:
        return {lesson: _number(gradebook.find_assignment(lesson).max_score) for lesson in lessons}


# ---------------------------------------------------------------- the command

def grade(submissions, out, jobs=None, lessons=None, cell_timeout=60, notebook_timeout=600,
          gradebook=None):
    """Grade every submission; write the CSVs, feedback and autograded notebooks."""
    from .sandbox import check_sandbox

    check_sandbox()
    out = Path(out).resolve()
    out_dir = out.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(lessons or []) - set(lesson_names()))
    if unknown:
        raise SystemExit(f"grade: no such lesson: {', '.join(unknown)}")
    todo, rows = find_submissions(submissions, lessons)
    jobs = max(1, jobs or os.cpu_count() or 1)
    needed = sorted({job.lesson for job in todo} | {row["lesson"] for row in rows
                                                    if row["lesson"] in lesson_names()})
    options = dict(cell_timeout=cell_timeout, notebook_timeout=notebook_timeout)
    tests = []
    print(f"grading {len(todo)} notebooks of {len({j.student for j in todo})} students "
          f"with {jobs} worker{'s' if jobs > 1 else ''} ({len(rows)} could not be graded)", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="autograder-") as work, \
            ProcessPoolExecutor(jobs, initializer=_start_worker, mp_context=_spawn()) as pool:
        if todo:  # start the workers now: they import nbgrader while the template is built
            for _ in range(jobs):
                pool.submit(int)
        template = make_template(Path(work), needed, options) if needed else None
        totals = max_scores(template, needed) if template else {}
        for row in rows:
            if row["max_score"] is None:
                row["max_score"] = totals.get(row["lesson"], 0)
        futures = {pool.submit(_grade, job, out_dir, template, options): job for job in todo}
        for done, future in enumerate(as_completed(futures), start=1):
            job = futures[future]
            try:
                result = future.result()
            except Exception as error:  # the worker process itself died
                result = dict(row=_row(job.student, job.lesson, 0, None, "error",
                                       f"the grading worker died: {error}"), tests=[], seconds=0)
            row = result["row"]
            if row["max_score"] is None:
                row["max_score"] = totals.get(job.lesson, 0)
            rows.append(row)
            tests += result["tests"]
            print(f"[{done:>{len(str(len(todo)))}}/{len(todo)}] {job.student} {job.lesson}: "
                  f"{row['score']:g}/{row['max_score']:g} {row['status']} "
                  f"({result['seconds']:.1f} s)", flush=True)
    rows.sort(key=lambda r: (r["student"], r["lesson"]))
    tests.sort(key=lambda r: (r["student"], r["lesson"], r["test"]))
    _write_csv(out, FIELDS, rows)
    _write_csv(out.with_name(out.stem + "_tests.csv"), TEST_FIELDS, tests)
    print(f"wrote {out} ({len(rows)} rows) in {time.monotonic() - started:.1f} s; "
          f"feedback in {out_dir / 'feedback'}")
    if gradebook:
        from .gradebook import write
        write(gradebook, submissions, rows, tests, out_dir / "autograded")
        print(f"wrote the grades into the gradebook {gradebook}")
    return rows


def _spawn():
    import multiprocessing
    return multiprocessing.get_context("spawn")


def _write_csv(path, fields, rows):
    partial = path.with_name(path.name + ".part")
    with open(partial, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in fields})
    os.replace(partial, path)
