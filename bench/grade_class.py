"""Grade a synthetic class of 40 students with the course's grader and with
plain sequential nbgrader, on the same submissions.

The class hands in one lesson (default 01_single_unit): 20 correct
notebooks, 12 partly wrong ones (two exercises left unwritten) and 8
untouched. Prints the wall time of

- ``python -m autograder grade`` with ``--jobs 1``,
- ``python -m autograder grade`` with the default number of jobs (the CPUs),
- ``nbgrader autograde`` run on the class in one course folder,

checks that the grader and nbgrader give every student the same score, and
ends with ``speedup vs sequential nbgrader: X.XX`` (nbgrader's time divided
by the default grade's). The grader's times include everything it does
(setting up its course copies, the sandbox, the outside checks, feedback);
nbgrader's include only autograding.

Run from the repository root:  python bench/grade_class.py [--lesson NAME]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import sample_class  # noqa: E402
from autograder.release import SOLUTIONS  # noqa: E402


def build_class(submissions, lesson):
    exercises = sample_class.exercises(lesson)
    unwritten = "raise NotImplementedError()"
    for i in range(40):
        if i < 20:
            nb = sample_class.submission(lesson)
        elif i < 32:
            left = exercises[i % len(exercises)], exercises[(i + 1) % len(exercises)]
            nb = sample_class.submission(lesson, replace={e: unwritten for e in left})
        else:
            nb = sample_class.submission(lesson, solved=False)
        sample_class.write(submissions, f"student{i:02d}", lesson, nb)


def timed(command, **kwargs):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds


def grade(submissions, out, jobs):
    command = [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out)]
    if jobs:
        command += ["--jobs", str(jobs)]
    seconds = timed(command, cwd=ROOT)
    return seconds, {r["student"]: float(r["score"]) for r in csv.DictReader(open(out))}


def plain_nbgrader(submissions, lesson, course):
    """Sequential `nbgrader autograde` of the whole class in one course folder."""
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))
    nbgrader = [sys.executable, "-m", "nbgrader"]
    options = [f"--CourseDirectory.root={course}", f"--CourseDirectory.source_directory={SOLUTIONS}",
               f"--CourseDirectory.submitted_directory={submissions}", "--log-level=WARN"]
    timed(nbgrader + ["generate_assignment", lesson, "--force"] + options, cwd=course, env=env)
    seconds = timed(nbgrader + ["autograde", lesson, "--force"] + options, cwd=course, env=env)
    scores = {}
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
        for submission in gradebook.assignment_submissions(lesson):
            scores[submission.student.id] = float(submission.score)
    return seconds, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_single_unit")
    lesson = parser.parse_args().lesson
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        submissions = tmp / "submitted"
        build_class(submissions, lesson)
        (tmp / "course").mkdir()
        print(f"a class of 40 students handing in {lesson} (20 correct, 12 partly wrong, 8 untouched); "
              f"{os.cpu_count()} CPUs")
        one, scores_one = grade(submissions, tmp / "one.csv", 1)
        print(f"{'grade --jobs 1':34}{one:8.1f} s", flush=True)
        default, scores = grade(submissions, tmp / "default.csv", None)
        print(f"{f'grade (default, --jobs {os.cpu_count()})':34}{default:8.1f} s", flush=True)
        plain, scores_plain = plain_nbgrader(submissions, lesson, tmp / "course")
        print(f"{'nbgrader autograde (sequential)':34}{plain:8.1f} s", flush=True)
    same = scores == scores_one == scores_plain
    print(f"same score for every student from all three: {'yes' if same else 'NO'}")
    if not same:
        for student in sorted(scores_plain):
            if not scores.get(student) == scores_one.get(student) == scores_plain[student]:
                print(f"  {student}: grade {scores.get(student)}, --jobs 1 {scores_one.get(student)}, "
                      f"nbgrader {scores_plain[student]}")
    print(f"speedup vs sequential nbgrader: {plain / default:.2f}")


if __name__ == "__main__":
    main()
