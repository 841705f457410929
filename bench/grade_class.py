"""Grade a synthetic class of 40 students with the course's grader and with
plain sequential nbgrader, on the same submissions.

The class hands in one lesson (default 01_single_unit): 20 correct
notebooks, 12 partly wrong ones (two exercises written with a known
mistake of autograder/mistakes/ each) and 8 untouched. Prints

- where the time of one correct notebook goes, step by step (the steps of
  autograder/pipeline.py, then the gradebook and the feedback), graded
  in this process, with its CPU time (the grader's and the kernel's);
- the wall time of ``python -m autograder grade`` with ``--jobs 1``, with
  the default number of jobs (the CPUs), the same without the diagnosis of
  failed tests (``--no-diagnosis``: what the misconceptions of the report
  cost), and of ``nbgrader autograde`` run on the class in one course
  folder, with nbgrader's CPU time per notebook;

checks that the grader and nbgrader give every student the same score, and
ends with ``speedup vs sequential nbgrader: X.XX`` (nbgrader's time divided
by the default grade's). The grader's times include everything it does
(setting up its course copies, the canary, the sandbox, the judge, feedback);
nbgrader's include only autograding.

Run from the repository root:  python bench/grade_class.py [--lesson NAME]
"""
import argparse
import csv
import functools
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from autograder import course, grade, mistakes, pipeline, sample_class
from autograder.execute import SandboxedExecute
from autograder.judge import Judge
from autograder.intake import find_submissions
from autograder.limits import private_mounts


def build_class(submissions, lesson):
    # The mistakes a student can hand in: those that do not call nnlib's own
    # version of an exercise (unavailable while grading).
    known = [m for found in mistakes.mistakes(lesson).values() for m in found if "nnlib." not in m.code]
    for i in range(40):
        if i < 20:
            nb = sample_class.submission(lesson)
        elif i < 32:
            wrong = {}
            for m in (known[i % len(known)], known[(i * 7 + 3) % len(known)]):
                wrong.setdefault(m.function, m.code)
            nb = sample_class.submission(lesson, replace=wrong)
        else:
            nb = sample_class.submission(lesson, solved=False)
        sample_class.write(submissions, f"student{i:02d}", lesson, nb)


def timed(command, **kwargs):
    """Wall time of a command, and the CPU time of it and its (reaped) children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def grade_class(submissions, out, jobs, *options):
    command = [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out), *options]
    if jobs:
        command += ["--jobs", str(jobs)]
    seconds, _cpu = timed(command, cwd=course.ROOT)
    return seconds, {r["student"]: float(r["score"]) for r in csv.DictReader(open(out))}


def plain_nbgrader(submissions, lesson, folder):
    """Sequential `nbgrader autograde` of the whole class in one course folder."""
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))
    nbgrader = [sys.executable, "-m", "nbgrader"]
    options = [f"--CourseDirectory.root={folder}", f"--CourseDirectory.source_directory={course.SOLUTIONS}",
               f"--CourseDirectory.submitted_directory={submissions}", "--log-level=WARN"]
    timed(nbgrader + ["generate_assignment", lesson, "--force"] + options, cwd=folder, env=env)
    seconds, cpu = timed(nbgrader + ["autograde", lesson, "--force"] + options, cwd=folder, env=env)
    scores = {}
    from nbgrader.api import Gradebook
    with Gradebook(course.gradebook_url(folder / "gradebook.db")) as gradebook:
        for submission in gradebook.assignment_submissions(lesson):
            scores[submission.student.id] = float(submission.score)
    return seconds, cpu, scores


# ---------------------------------------------------------------- one notebook, step by step

def _descendants_cpu(pid):
    """CPU seconds used so far by `pid` and all its descendants (from /proc)."""
    children, cpu = defaultdict(list), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        children[int(fields[1])].append(child)
        cpu[child] = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += children.get(p, [])
    return total


KERNEL_START = "  of which starting the kernel"
JUDGE = "  of which the judge (the test cells)"
DIAGNOSIS = "the diagnosis of failed tests"
FEEDBACK = "feedback (generate_feedback, FEEDBACK)"


def profile_one(submissions, lesson, work):
    """Grade one correct notebook in this process: the seconds of each step (a
    step listed twice, CheckCellMetadata, is summed), the total, and the CPU
    seconds of the grader and of the kernel."""
    seconds, kernel_cpu = defaultdict(float), [0.0]

    def clock(cls, method, label):
        original = getattr(cls, method)

        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - started
        setattr(cls, method, wrapper)

    for step in dict.fromkeys(pipeline.SANITIZE + pipeline.AUTOGRADE):  # each class once
        clock(step, "preprocess", step.__name__)
    clock(SandboxedExecute, "_start_kernel", KERNEL_START)
    clock(SandboxedExecute, "_judge_cell", JUDGE)
    clock(Judge, "diagnose", DIAGNOSIS)
    original_cleanup = SandboxedExecute._cleanup_kernel

    def cleanup(self):
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            kernel_cpu[0] += _descendants_cpu(process.pid)
        return original_cleanup(self)
    SandboxedExecute._cleanup_kernel = cleanup
    from nbgrader.apps import NbGraderAPI
    clock(NbGraderAPI, "generate_feedback", FEEDBACK)

    limits = course.DEFAULT_LIMITS
    template = grade.make_template(work, [lesson], limits)
    private_mounts()  # as a grading worker does first: its tmpfs folders are mounted in it
    jobs, _rows = find_submissions(submissions, [lesson])
    job = next(j for j in jobs if j.student == "student00")
    grade.grade_one(job, course.Outputs(work / "out" / "grades.csv"), template, limits)        # makes this worker's course copy
    seconds.clear()
    kernel_cpu[0] = 0.0
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = grade.grade_one(job, course.Outputs(work / "out" / "grades.csv"), template, limits)
    total = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    grader_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert result["row"]["status"] == "ok", result["row"]
    steps, kernel = dict(seconds), kernel_cpu[0]
    seconds.clear()   # then the partly wrong notebooks, each graded the same way
    started = time.perf_counter()
    wrong = [j for j in jobs if 20 <= int(j.student[-2:]) < 32]
    for job in wrong:
        grade.grade_one(job, course.Outputs(work / "out" / "grades.csv"), template, limits)
    diagnosis = (seconds[DIAGNOSIS], time.perf_counter() - started, len(wrong))
    return steps, total, grader_cpu, kernel, diagnosis


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_single_unit")
    lesson = parser.parse_args().lesson
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        submissions = tmp / "submitted"
        build_class(submissions, lesson)
        (tmp / "course").mkdir()
        (tmp / "profile").mkdir()
        print(f"a class of 40 students handing in {lesson} (20 correct, 12 partly wrong, 8 untouched); "
              f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at the start")
        steps, total, grader_cpu, kernel_cpu, diagnosis = profile_one(submissions, lesson, tmp / "profile")
        print("one correct notebook, step by step (wall seconds, in one worker):")
        order = [step.__name__ for step in dict.fromkeys(pipeline.SANITIZE + pipeline.AUTOGRADE)]
        at = order.index("SandboxedExecute") + 1
        order[at:at] = [KERNEL_START, JUDGE]
        for name in order + [FEEDBACK]:
            print(f"  {name:40}{steps[name]:6.2f}")
        rest = total - sum(s for name, s in steps.items() if name not in (KERNEL_START, JUDGE, DIAGNOSIS))
        print(f"  {'the rest (copying, gradebook reads)':40}{rest:6.2f}")
        print(f"  {'total':40}{total:6.2f}   CPU: grader {grader_cpu:.2f} s + kernel {kernel_cpu:.2f} s")
        diagnosing, grading, count = diagnosis
        print(f"the {count} partly wrong notebooks, graded one after another in this process: {grading:.2f} s, "
              f"of which the diagnosis {diagnosing:.2f} s ({100 * diagnosing / grading:.1f} %)")
        one, scores_one = grade_class(submissions, tmp / "one.csv", 1)
        print(f"{'grade --jobs 1':34}{one:8.1f} s", flush=True)
        default, scores = grade_class(submissions, tmp / "default.csv", None)
        print(f"{f'grade (default, --jobs {os.cpu_count()})':34}{default:8.1f} s", flush=True)
        undiagnosed, scores_undiagnosed = grade_class(submissions, tmp / "undiagnosed.csv", None, "--no-diagnosis")
        print(f"{'grade --no-diagnosis':34}{undiagnosed:8.1f} s   (the diagnosis adds "
              f"{100 * (default - undiagnosed) / undiagnosed:+.1f} %)", flush=True)
        plain, plain_cpu, scores_plain = plain_nbgrader(submissions, lesson, tmp / "course")
        print(f"{'nbgrader autograde (sequential)':34}{plain:8.1f} s   "
              f"CPU {plain_cpu / len(scores_plain):.2f} s per notebook (nbgrader and kernel)", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    same = scores == scores_one == scores_plain == scores_undiagnosed
    print(f"same score for every student from all three: {'yes' if same else 'NO'}")
    if not same:
        for student in sorted(scores_plain):
            if not scores.get(student) == scores_one.get(student) == scores_plain[student]:
                print(f"  {student}: grade {scores.get(student)}, --jobs 1 {scores_one.get(student)}, "
                      f"nbgrader {scores_plain[student]}")
    print(f"speedup vs sequential nbgrader: {plain / default:.2f}")


if __name__ == "__main__":
    main()
