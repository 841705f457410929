"""Grade a class: ``python -m autograder grade SUBMISSIONS --out grades.csv``.

SUBMISSIONS holds one folder per student, each with the lesson folders
handed in: ``SUBMISSIONS/<student>/<lesson>/<lesson>.ipynb`` (nbgrader's
submitted layout). The grader

1. checks every hand-in's files before any code runs (intake.py);
2. grades the rest in parallel worker processes, each with its own copy
   of the course and its own gradebook, so no two processes ever write to
   the same database. Each notebook goes through the steps of pipeline.py
   (nbgrader's autograde with the sandboxed execution and the judge); the
   worker that graded it also renders its feedback. First, the canary:
   the instructor's solutions, graded the same way, must get full marks;
3. writes the CSVs (course.GRADE_FIELDS, course.TEST_FIELDS), and next to
   them ``feedback/<student>/<lesson>.html`` and
   ``autograded/<student>/<lesson>.ipynb`` (course.Outputs).

Every submission gets exactly one row, whatever happens to it. Each
graded row is also kept as it is finished (state.py): a rerun regrades
only new or changed hand-ins, and continues a run that was stopped.
"""
import csv
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import nbformat

from . import course, parts, record
from .intake import Job, find_submissions, row
from .limits import private_mounts, remove_stale_cgroups
from .release import nbgrader_api
from .state import State


# ---------------------------------------------------------------- the course copies

def make_template(work, lessons, limits):
    """A course folder with the gradebook and released notebooks of `lessons`,
    and a built matplotlib font cache for the kernels."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine

    from .pipeline import grading_config

    env = dict(os.environ, MPLCONFIGDIR=str(work / "matplotlib"), MPLBACKEND="Agg")
    fonts = subprocess.Popen([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    template = work / "template"
    template.mkdir(parents=True)
    # nbgrader stamps a new gradebook with its schema revision by running the
    # `alembic` command (1.6 s before any grading can start). These gradebooks
    # are temporary and never migrated, so the tables are made directly.
    engine = create_engine(course.gradebook_url(template / "gradebook.db"))
    Base.metadata.create_all(engine)
    engine.dispose()
    api = nbgrader_api(grading_config(template, limits))
    for lesson in lessons:
        done = api.generate_assignment(lesson, force=True)
        if not done["success"]:
            raise SystemExit(f"nbgrader could not generate {lesson}:\n{done.get('error') or done.get('log')}")
    fonts.wait()
    return template


def max_scores(template, lessons):
    """Each lesson's total points, for rows of notebooks that did not run."""
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url(template / "gradebook.db")) as gradebook:
        return {lesson: _number(gradebook.find_assignment(lesson).max_score) for lesson in lessons}


# ---------------------------------------------------------------- the workers

_worker = {}


def _start_worker(grader):
    """Load nbgrader in each worker while the main process builds the template.
    A worker leaves stopping to the grader's process (Ctrl-C reaches the whole
    terminal's process group), and dies with it even if that is killed."""
    import ctypes
    import importlib
    import warnings

    signal.signal(signal.SIGINT, lambda *_: None)
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux, as bubblewrap)
    if os.getppid() != grader:  # it died before that
        os._exit(1)

    private_mounts()  # before any thread starts (numpy's BLAS threads, below)
    for module in ("nbgrader.apps", "nbgrader.converters", "autograder.pipeline"):
        importlib.import_module(module)
    # nbgrader's gradebook makes SQLAlchemy warn about its own sessions.
    warnings.filterwarnings("ignore", module="sqlalchemy")
    warnings.filterwarnings("ignore", message=".*not in session.*")


def _course(template, limits):
    """This worker's own copy of the course and its nbgrader API, made on first use."""
    from .pipeline import grading_config

    if not _worker:
        root = template.parent / f"worker-{os.getpid()}"
        shutil.copytree(template, root)
        config = grading_config(root, limits, matplotlib_cache=template.parent / "matplotlib")
        _worker.update(root=root, api=nbgrader_api(config))
    return _worker["root"], _worker["api"]


def grade_one(job, outputs, template, limits, feedback=True):
    """Grade one submission in this worker; always returns a result."""
    started = time.monotonic()
    try:
        result = _autograde(job, outputs, *_course(template, limits), feedback=feedback)
    except Exception as error:  # a grader bug must not lose the row
        result = dict(row=row(job.student, job.lesson, 0, None, "error",
                              f"the grader failed: {type(error).__name__}: {error}"), tests=[])
    result["seconds"] = time.monotonic() - started
    return result


def _autograde(job, outputs, root, api, feedback=True):
    from nbgrader.api import Gradebook

    name = course.notebook_name(job.lesson)
    folder = root / "submitted" / job.student / job.lesson
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(job.notebook, folder / name)

    outcome = api.autograde(job.lesson, job.student, force=True, create=True)
    if not outcome["success"]:
        return dict(row=row(job.student, job.lesson, 0, None, "error", "nbgrader could not grade it: "
                            + nbgrader_error((outcome.get("log") or "") + "\n" + (outcome.get("error") or ""))),
                    tests=[])
    autograded = root / "autograded" / job.student / job.lesson / name
    status, reason = record.status_and_reason(record.events(nbformat.read(autograded, as_version=4)))

    with Gradebook(course.gradebook_url(root / "gradebook.db")) as gradebook:
        notebook = gradebook.find_submission_notebook(job.lesson, job.lesson, job.student)
        tests = [dict(student=job.student, lesson=job.lesson, test=g.name,
                      score=_number(g.score), max_score=_number(g.max_score))
                 for g in sorted(notebook.grades, key=lambda g: g.name)]
        score, max_score = _number(notebook.score), _number(notebook.max_score)

    if feedback:
        api.generate_feedback(job.lesson, job.student, force=True)
        _publish(root / "feedback" / job.student / job.lesson / f"{job.lesson}.html",
                 outputs.feedback(job.student, job.lesson))
    _publish(autograded, outputs.autograded(job.student, job.lesson))
    for work in ("submitted", "autograded", "feedback"):
        shutil.rmtree(root / work / job.student, ignore_errors=True)
    return dict(row=row(job.student, job.lesson, score, max_score, status, reason), tests=tests)


def nbgrader_error(log):
    """The exception at the bottom of the last traceback in nbgrader's log
    (its last line only says "Please see the above traceback"), else the
    log's last line."""
    lines = log.strip().splitlines()  # a traceback's code lines are indented, its exception is not
    exceptions = [line for line in map(str.strip, lines)
                  if re.match(r"[\w.]+(Error|Exception|Exit|Interrupt)\b", line)
                  and "NbGraderException" not in line]  # nbgrader's own wrapper says "see above"
    return (exceptions or lines or ["no message"])[-1].strip()


def _publish(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def _number(x):
    return round(float(x), 6) if x is not None else None


# ---------------------------------------------------------------- the command

def grade(submissions, out, jobs=None, lessons=None, gradebook=None, force=False,
          limits=course.DEFAULT_LIMITS, canary=True, part=None):
    """Grade every submission with the kernels' `limits` (course.Limits);
    write the CSVs, feedback and autograded notebooks (course.Outputs of
    the grades CSV `out`). Rows kept from an earlier run (state.py) are
    reused unless `force`. First, unless `canary` is False, the
    instructor's solutions of the lessons to grade are graded as a
    student's: if one does not get full marks, nobody is graded. With a
    `part` (parts.Part), only that part's students, and the part's
    manifest last (parts.py)."""
    from .sandbox import check_sandbox

    if part and gradebook:
        raise SystemExit("grade: a part does not write the gradebook; merge the parts with --gradebook")
    check_sandbox()
    check_checkout()
    remove_stale_cgroups()  # a killed run's
    outputs = course.Outputs(Path(out).resolve())
    outputs.folder.mkdir(parents=True, exist_ok=True)
    known = course.lesson_names()
    unknown = sorted(set(lessons or []) - set(known))
    if unknown:
        raise SystemExit(f"grade: no such lesson: {', '.join(unknown)}")
    outputs.part.unlink(missing_ok=True)  # until this run has written its CSVs
    found, rows = find_submissions(submissions, lessons)
    if part:
        selection = parts.Selection(part, found, rows)
        found, rows = selection.jobs, selection.rows
        print(selection, flush=True)
    jobs = max(1, jobs or os.cpu_count() or 1)
    kept = State(outputs.state, limits.options())
    reused, todo = _reuse(kept, found, outputs, force)
    needed = sorted({job.lesson for job, _ in todo} | {r["lesson"] for r in rows if r["lesson"] in known})
    rows += [record["row"] for record in reused]
    tests = [t for record in reused for t in record["tests"]]
    print(f"reused {len(reused)} unchanged rows, grading {len(todo)} notebooks of "
          f"{len({job.student for job, _ in todo})} students with {jobs} worker{'s' if jobs > 1 else ''} "
          f"({len(rows) - len(reused)} could not be graded)", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="autograder-") as work, \
            ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=(os.getpid(),),
                                mp_context=_spawn()) as pool, _stopping(pool, kept):
        if todo:  # start the workers now: they import nbgrader while the template is built
            for _ in range(jobs):
                pool.submit(int)
        template = make_template(Path(work), needed, limits) if needed else None
        totals = max_scores(template, needed) if template else {}
        for r in rows:
            if r["max_score"] is None:
                r["max_score"] = totals.get(r["lesson"], 0)
        lessons_graded = sorted({job.lesson for job, _ in todo})
        if canary and lessons_graded:
            started_canary = time.monotonic()
            problems = run_canary(pool, lessons_graded, template, limits, Path(work) / "canary", jobs)
            if problems:
                raise SystemExit("grade: " + "\n\n".join(problems) + "\n\nNobody was graded. Fix the set-up "
                                 "and run again (or, to grade anyway, --no-canary).")
            print(f"canary: the solutions of {', '.join(lessons_graded)} get full marks "
                  f"({time.monotonic() - started_canary:.1f} s)", flush=True)
        elif lessons_graded:
            print("warning: --no-canary: the grading set-up was not checked on the solutions first", flush=True)
        futures = {pool.submit(grade_one, job, outputs, template, limits): (job, key) for job, key in todo}
        setup_faults = 0
        for done, future in enumerate(as_completed(futures), start=1):
            job, key = futures[future]
            try:
                result = future.result()
            except Exception as error:  # the worker process itself died
                result = dict(row=row(job.student, job.lesson, 0, None, "error",
                                      f"the grading worker died: {error}"), tests=[], seconds=0)
            r = result["row"]
            if r["max_score"] is None:
                r["max_score"] = totals.get(job.lesson, 0)
            if r["status"] != "error":  # the grader's own failures are retried next time
                kept.add(key, result)
            rows.append(r)
            tests += result["tests"]
            print(f"[{done:>{len(str(len(todo)))}}/{len(todo)}] {job.student} {job.lesson}: "
                  f"{r['score']:g}/{r['max_score']:g} {r['status']} "
                  f"({result['seconds']:.1f} s)", flush=True)
            setup_faults = setup_faults + 1 if record.SETUP_FAULT in r["reason"] else 0
            if setup_faults >= MAX_SETUP_FAULTS:
                raise SystemExit(f"grade: {MAX_SETUP_FAULTS} notebooks in a row ended with: {r['reason']}\n"
                                 f"Stopped; the finished rows are kept in {kept.path}. Fix the set-up and "
                                 "run again to continue.")
    rows.sort(key=lambda r: (r["student"], r["lesson"]))
    tests.sort(key=lambda r: (r["student"], r["lesson"], r["test"]))
    _write_csv(outputs.grades, course.GRADE_FIELDS, rows)
    _write_csv(outputs.tests, course.TEST_FIELDS, tests)
    print(f"wrote {outputs.grades} ({len(rows)} rows) in {time.monotonic() - started:.1f} s; "
          f"feedback in {outputs.feedback_folder}")
    if part:
        selection.write(outputs, submissions, lessons, limits, kept.grader)
    if gradebook:
        from .gradebook import write
        write(gradebook, submissions, rows, tests, outputs.autograded_folder)
        print(f"wrote the grades into the gradebook {gradebook}")
    return rows


MAX_SETUP_FAULTS = 3   # notebooks in a row whose set-up failed before the run stops
CANARY = "canary-solutions"


def run_canary(pool, lessons, template, limits, folder, workers=1):
    """Grade the instructor's solution of each lesson, as a student's hand-in,
    through the same workers, sandbox, limits and judge (one copy per
    worker at least, so each worker is checked, and ready, before any
    student): [] if each gets full marks, else what went wrong, lesson by
    lesson."""
    from . import sample_class

    outputs = course.Outputs(folder / "grades.csv")
    futures = []
    for k in range(max(workers, len(lessons))):
        lesson, student = lessons[k % len(lessons)], f"{CANARY}-{k}"
        notebook = sample_class.write(folder / "submitted", student, lesson, sample_class.submission(lesson))
        futures.append((lesson, student, pool.submit(grade_one, Job(student, lesson, notebook), outputs,
                                                     template, limits, feedback=False)))
    problems = {}
    for lesson, student, future in futures:
        result = future.result()
        r = result["row"]
        failed = [t["test"] for t in result["tests"] if t["score"] != t["max_score"]]
        if (r["status"] == "ok" and not failed and result["tests"]) or lesson in problems:
            continue
        problem = (f"the canary failed: the instructor's solution of {lesson} got {r['score']:g} "
                   f"points, not full marks ({r['status']}: {r['reason']})")
        if failed:
            problem += f"\n  failed: {', '.join(failed)}"
        autograded = outputs.autograded(student, lesson)
        first = first_error(autograded) if autograded.exists() else None
        if first:
            problem += f"\n  the first error: {first}"
        problems[lesson] = problem
    return list(problems.values())


def first_error(notebook_path):
    """'cell ...: Error: message' of the first error output in a graded notebook."""
    nb = nbformat.read(notebook_path, as_version=4)
    for number, cell in enumerate(nb.cells, start=1):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                return f"{record.cell_name(cell, number)}: {out.ename}: {out.evalue[:300]}"
    return None


def check_checkout():
    """Refuse to grade with an nnlib that is not the one of this checkout."""
    from importlib.util import find_spec

    used = Path(find_spec("nnlib").origin).resolve().parent
    own = course.ROOT / "nnlib"
    if used != own:
        raise SystemExit(f"grade: this grader ({course.ROOT}) would grade with the nnlib of another "
                         f"checkout:\n  used:     {used}\n  expected: {own}\nRun it from its own "
                         f"environment, or make this checkout's the one installed: "
                         f"{sys.executable} -m pip install -e {course.ROOT}")


def _reuse(kept, found, outputs, force):
    """The kept records still valid for the hand-ins `found` (none if
    `force`), and the (job, key) pairs to grade; the state file keeps only
    the former."""
    earlier = {} if force else kept.load()
    reused, todo = [], []
    for job in found:
        key = kept.key(job)
        record = earlier.get((job.student, job.lesson))
        if record and all(record.get(k) == v for k, v in key.items()) \
                and outputs.feedback(job.student, job.lesson).exists() \
                and outputs.autograded(job.student, job.lesson).exists():
            reused.append(record)
        else:
            todo.append((job, key))
    kept.start(reused)
    return reused, todo


@contextmanager
def _stopping(pool, kept):
    """Ctrl-C or SIGTERM ends the workers at once (not after their
    notebooks; their kernels end with them, bwrap's --die-with-parent) and
    the run with a message; the finished rows are in the state file."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
    try:
        yield
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        workers = multiprocessing.active_children()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
        remove_stale_cgroups()  # those of the notebooks the workers were grading
        raise SystemExit(f"interrupted: {kept.count} row{'' if kept.count == 1 else 's'} kept in "
                         f"{kept.path}; run again to continue") from None
    finally:
        kept.close()
        if main:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    """SIGTERM stops the grader as Ctrl-C does."""
    raise KeyboardInterrupt


def _spawn():
    return multiprocessing.get_context("spawn")


def _write_csv(path, fields, rows):
    partial = path.with_name(path.name + ".part")
    with open(partial, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if r[k] is None else r[k]) for k in fields})
    os.replace(partial, path)
