"""One `grade` run against the same class graded in 2 parts at once and merged.

The class is bench/grade_class.py's: 40 students handing in one lesson
(default 01_single_unit), 20 correct, 12 partly wrong, 8 untouched. On the
same machine it times

- ``python -m autograder grade`` of the whole class, with its default
  --jobs (the CPUs), writing the gradebook (--gradebook);
- ``grade --part 0/2`` and ``grade --part 1/2`` started at once, each with
  half the CPUs (--jobs), as two machines or two Slurm tasks would run them,
  then ``python -m autograder merge`` of the two parts with the gradebook;

and checks that both give every student the same score, in grades.csv and
in the gradebook, and the same CSVs. On one machine the parts share its
CPUs, so this measures what splitting costs (each part sets up its own
course copies and workers), not what more machines gain.

Run from the repository root:  python bench/grade_parts.py [--lesson NAME]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grade_class import build_class  # noqa: E402

from autograder import course  # noqa: E402


def command(*args):
    return [sys.executable, "-m", "autograder", *map(str, args)]


def check(done, what):
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def gradebook_scores(path, lesson):
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url(path)) as book:
        return {s.student.id: float(s.score) for s in book.assignment_submissions(lesson)}


def csv_scores(path):
    import csv

    return {r["student"]: float(r["score"]) for r in csv.DictReader(open(path))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_single_unit")
    lesson = parser.parse_args().lesson
    cpus = os.cpu_count() or 1
    half = max(1, cpus // 2)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        submissions = tmp / "submitted"
        build_class(submissions, lesson)
        print(f"a class of 40 students handing in {lesson} (20 correct, 12 partly wrong, 8 untouched); "
              f"{cpus} CPUs; load average {os.getloadavg()[0]:.2f} at the start", flush=True)

        one, one_book = tmp / "one" / "grades.csv", tmp / "one" / "course" / "gradebook.db"
        started = time.perf_counter()
        done = subprocess.run(command("grade", submissions, "--out", one, "--gradebook", one_book),
                              cwd=course.ROOT, capture_output=True, text=True)
        single = time.perf_counter() - started
        check(done, "grade")
        print(f"{f'grade (one run, --jobs {cpus})':40}{single:8.1f} s", flush=True)

        logs = [open(tmp / f"part-{i}.log", "w+") for i in range(2)]
        started = time.perf_counter()
        runs = [subprocess.Popen(command("grade", submissions, "--part", f"{i}/2", "--jobs", half,
                                         "--out", tmp / f"part-{i}" / "grades.csv"),
                                 cwd=course.ROOT, stdout=logs[i], stderr=subprocess.STDOUT, text=True)
                for i in range(2)]
        ends = {}
        while len(ends) < len(runs):
            for i, run in enumerate(runs):
                if i not in ends and run.poll() is not None:
                    ends[i] = time.perf_counter() - started
                    logs[i].seek(0)
                    check(subprocess.CompletedProcess(run.args, run.returncode, logs[i].read(), ""),
                          f"grade --part {i}/2")
            time.sleep(0.1)
        parts_done = max(ends.values())
        merged, merged_book = tmp / "merged" / "grades.csv", tmp / "merged" / "course" / "gradebook.db"
        merge_started = time.perf_counter()
        done = subprocess.run(command("merge", tmp / "part-0", tmp / "part-1", "--out", merged,
                                      "--gradebook", merged_book),
                              cwd=course.ROOT, capture_output=True, text=True)
        merge = time.perf_counter() - merge_started
        check(done, "merge")
        print(f"{f'2 parts at once (--jobs {half} each)':40}{parts_done:8.1f} s   "
              f"(part 0: {ends[0]:.1f} s, part 1: {ends[1]:.1f} s)")
        print(f"{'merge (with the gradebook)':40}{merge:8.1f} s")
        print(f"{'2 parts + merge':40}{parts_done + merge:8.1f} s   "
              f"({(parts_done + merge) / single:.2f} x the one run)")

        same_csv = csv_scores(one) == csv_scores(merged)
        same_book = gradebook_scores(one_book, lesson) == gradebook_scores(merged_book, lesson)
        same_files = all(course.Outputs(a).tests.read_bytes() == course.Outputs(b).tests.read_bytes()
                         and a.read_bytes() == b.read_bytes() for a, b in [(one, merged)])
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"same score for every student (grades.csv {'yes' if same_csv else 'NO'}, "
          f"gradebook {'yes' if same_book else 'NO'}); identical CSVs: {'yes' if same_files else 'NO'}")
    if not (same_csv and same_book and same_files):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
