"""What the diagnosis of failed tests costs on a class full of mistakes, and
the report it makes.

Grades the class of tests/misconception_class.py (64 hand-ins of lessons
01-06: 12 known mistakes, 3 new ones, 26 correct hand-ins) with
``python -m autograder grade`` twice, with and without ``--no-diagnosis``,
prints both wall times and what the diagnosis adds, checks that the grades
are the same, then runs ``report`` on the diagnosed run and prints its
"Misconceptions" section. With ``--png PATH`` it also draws the last panel
of the report's picture there, the class's most common misconceptions (the
README's picture was made so).

Run from the repository root:  python bench/misconceptions.py [--png PATH]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))   # the class is the test suite's

import misconception_class  # noqa: E402


def run(*command):
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder", *map(str, command)], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stdout


def draw_panel(grades_csv, png):
    """The last panel of report's PNG alone: the class's most common misconceptions."""
    from matplotlib.figure import Figure

    from autograder import course, misconceptions, report

    rows = report.read_rows(course.Outputs(grades_csv).tests, course.TEST_FIELDS)
    failed = [(r["student"], r["lesson"], r["test"]) for r in rows if r["score"] < r["max_score"]]
    found = misconceptions.groups(misconceptions.diagnoses(course.Outputs(grades_csv), failed))
    top = report.most_common(found)
    figure = Figure(figsize=(12, 0.9 + 0.3 * len(top)), layout="constrained")
    report.draw_misconceptions(figure.subplots(), top)
    figure.savefig(png, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", type=Path, help="copy the report's PNG here")
    png = parser.parse_args().png
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        misconception_class.build(tmp / "submitted")
        print(f"{len(misconception_class.hand_ins())} hand-ins of lessons 01-06; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.2f} at the start", flush=True)
        plain, _ = run("grade", tmp / "submitted", "--out", tmp / "plain" / "grades.csv", "--no-diagnosis")
        print(f"{'grade --no-diagnosis':24}{plain:7.1f} s", flush=True)
        diagnosed, _ = run("grade", tmp / "submitted", "--out", tmp / "diagnosed" / "grades.csv")
        print(f"{'grade':24}{diagnosed:7.1f} s   (the diagnosis adds {100 * (diagnosed - plain) / plain:+.1f} %)")
        same = (tmp / "plain" / "grades.csv").read_text() == (tmp / "diagnosed" / "grades.csv").read_text()
        print(f"the same grades.csv with and without the diagnosis: {'yes' if same else 'NO'}")
        _, text = run("report", tmp / "diagnosed" / "grades.csv")
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Misconceptions"))
        end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("Misconceptions"))
        print("\n".join(lines[start:end + 1]).replace(str(tmp), "OUT"))
        if png:
            draw_panel(tmp / "diagnosed" / "grades.csv", png)
            print(f"the misconceptions panel of the report's picture: {png}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
