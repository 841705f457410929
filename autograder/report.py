"""The instructor's class report, made from the grader's CSV files.

``report("grades.csv")`` reads two files the grader writes side by side:

* ``grades.csv`` (``student,lesson,score,max_score,status,reason``): one row
  per student and lesson handed in;
* ``grades_tests.csv`` (``student,lesson,test,score,max_score``): one row per
  student, lesson and graded test cell. Notebooks that could not be graded
  (corrupt, missing) have no rows here.

For each lesson the text shows the number of submissions, the mean score in
percent of the maximum, how many students got full marks and how many
submissions ended with each status other than ``ok``; then the pass rate of
each test (the share of the lesson's graded students with full points on
it), hardest test first, so the instructor sees what the class struggled
with. A PNG next to grades.csv (``grades_report.png``) shows one row per
lesson: a histogram of the scores in percent and the test pass rates.

A submission with ``max_score`` 0 counts as 0 %.

Then "Misconceptions" (misconceptions.py): each lesson's failed tests
grouped by what the students' functions got wrong, with counts, shares
and the first students, also written to ``misconceptions.csv``; the most
common of them are the last panel of the PNG.

Then "Possible copies": the pairs of students, or a student and nnlib, whose
solution cells are near-identical (autograder/copies.py says how that is
measured), found in the grader's ``autograded/`` folder next to grades.csv
and also written to ``copies.csv`` there. They are for the instructor to look
at: the grades are not changed. Without that folder the report says so and
skips copy detection.
"""
import csv
from collections import Counter, defaultdict
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import copies, misconceptions
from .course import GRADE_FIELDS, TEST_FIELDS, Outputs

SCORE_BINS = list(range(0, 101, 10))
MAX_COPIES_LISTED = 40  # the rest are in copies.csv


def read_rows(path, header):
    """The rows of a CSV file as dicts, with score and max_score as floats.

    Raises FileNotFoundError or ValueError with a message naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        missing = [column for column in header if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: wrong header {reader.fieldnames}, "
                             f"expected {','.join(header)} (missing {', '.join(missing)})")
        rows = []
        for row in reader:
            try:
                row["score"], row["max_score"] = float(row["score"]), float(row["max_score"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}, line {reader.line_num}: score and max_score "
                                 f"must be numbers, got {row['score']!r}, {row['max_score']!r}")
            rows.append(row)
    return rows


def is_full_marks(score, max_score):
    return max_score > 0 and score >= max_score - 1e-9


def percent(score, max_score):
    return 100 * score / max_score if max_score > 0 else 0.0


def lesson_summary(grade_rows):
    """Submissions, mean percent, full marks and non-ok statuses of one lesson's rows."""
    percents = [percent(row["score"], row["max_score"]) for row in grade_rows]
    return {
        "submissions": len(grade_rows),
        "percents": percents,
        "mean_percent": sum(percents) / len(percents),
        "full_marks": sum(is_full_marks(row["score"], row["max_score"]) for row in grade_rows),
        "statuses": Counter(row["status"] for row in grade_rows if row["status"] != "ok"),
    }


def pass_rates_hardest_first(test_rows):
    """[(test, passed, graded), ...] of one lesson, hardest first.

    graded is the number of students with any row for this lesson; a student
    without a row for a test has not passed it.
    """
    graded_students = {row["student"] for row in test_rows}
    passed_by_test = defaultdict(set)
    for row in test_rows:
        passed_by_test[row["test"]]  # every test gets an entry, even if nobody passed
        if is_full_marks(row["score"], row["max_score"]):
            passed_by_test[row["test"]].add(row["student"])
    graded = len(graded_students)
    rates = [(test, len(passed), graded) for test, passed in passed_by_test.items()]
    return sorted(rates, key=lambda rate: (rate[1] / rate[2], rate[0]))


def format_lesson(lesson, summary, pass_rates):
    statuses = ", ".join(f"{status} {count}"
                         for status, count in sorted(summary["statuses"].items()))
    lines = [
        lesson,
        f"  submissions  {summary['submissions']}",
        f"  mean score   {summary['mean_percent']:.1f}% of max",
        f"  full marks   {summary['full_marks']}/{summary['submissions']}",
        f"  not ok       {statuses or 'none'}",
    ]
    if pass_rates is None:
        return lines
    if not pass_rates:
        return lines + ["  tests: no graded notebooks"]
    lines.append("  tests, hardest first (students with full points on the test):")
    name_width = max(len(test) for test, _, _ in pass_rates)
    count_width = len(f"{pass_rates[0][2]}/{pass_rates[0][2]}")
    for test, passed, graded in pass_rates:
        lines.append(f"    {test:<{name_width}}  {f'{passed}/{graded}':>{count_width}}  "
                     f"{100 * passed / graded:3.0f}%")
    return lines


def draw_lesson(score_axes, tests_axes, lesson, summary, pass_rates):
    score_axes.hist(summary["percents"], bins=SCORE_BINS, range=(0, 100),
                    color="tab:blue", edgecolor="white")
    score_axes.set_xlim(0, 100)
    score_axes.set_xticks(SCORE_BINS)
    score_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    score_axes.set_ylabel("students")
    score_axes.set_title(f"{lesson}: scores (n={summary['submissions']}, "
                         f"mean {summary['mean_percent']:.0f}%)", fontsize=10, loc="left")

    tests_axes.set_xlim(0, 115)
    tests_axes.set_xticks(SCORE_BINS)
    if not pass_rates:
        tests_axes.set_yticks([])
        tests_axes.text(50, 0.5, "no per-test results", ha="center", va="center",
                        transform=tests_axes.get_xaxis_transform(), color="gray")
        tests_axes.set_title(f"{lesson}: test pass rate", fontsize=10, loc="left")
        return
    names = [test for test, _, _ in pass_rates]
    rates = [100 * passed / graded for _, passed, graded in pass_rates]
    bars = tests_axes.barh(names, rates, color="tab:orange")
    tests_axes.bar_label(bars, labels=[f"{passed}/{graded}" for _, passed, graded in pass_rates],
                         padding=2, fontsize=7)
    tests_axes.invert_yaxis()  # hardest test on top
    tests_axes.tick_params(axis="y", labelsize=8)
    tests_axes.set_title(f"{lesson}: test pass rate, hardest on top "
                         f"(graded n={pass_rates[0][2]})", fontsize=10, loc="left")


def draw_report(lessons, summaries, pass_rates_by_lesson, png_path, found_groups=()):
    most_tests = max([len(pass_rates_by_lesson.get(lesson) or []) for lesson in lessons] + [1])
    row_height = max(2.4, 0.9 + 0.22 * most_tests)
    top = most_common(found_groups)
    extra = 0.9 + 0.3 * len(top) if top else 0
    figure = Figure(figsize=(12, row_height * len(lessons) + extra), layout="constrained")
    rows = figure.subfigures(2, 1, height_ratios=[row_height * len(lessons), extra]) if top else [figure]
    axes = rows[0].subplots(len(lessons), 2, squeeze=False, width_ratios=[1, 1.4])
    for (score_axes, tests_axes), lesson in zip(axes, lessons):
        draw_lesson(score_axes, tests_axes, lesson, summaries[lesson],
                    pass_rates_by_lesson.get(lesson))
    axes[-1][0].set_xlabel("score (% of max)")
    axes[-1][1].set_xlabel("students with full points (%)")
    if top:
        draw_misconceptions(rows[1].subplots(), top)
    figure.savefig(png_path, dpi=100)


def most_common(found_groups):
    """The groups of misconceptions.groups that the picture shows: the largest,
    leaving out the exercises not written yet."""
    return sorted((g for g in found_groups if g.label != misconceptions.diagnosis.NOT_WRITTEN),
                  key=lambda g: (-len(g.students), g.lesson, g.test))[:misconceptions.TOP]


def draw_misconceptions(axes, top):
    """The class's most common misconceptions (misconceptions.py), largest on top."""
    names = [f"{g.lesson[:2]} {g.test}: {g.label if g.group == g.label else g.group}"[:80] for g in top]
    bars = axes.barh(range(len(top)), [len(g.students) for g in top],
                     color=["tab:red" if g.known else "tab:gray" for g in top])
    axes.set_yticks(range(len(top)), names, fontsize=8)
    axes.bar_label(bars, padding=2, fontsize=7)
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("students")
    axes.set_title("the class's most common misconceptions (red: a known mistake, grey: a new one)",
                   fontsize=10, loc="left")


def copies_section(grades_csv, grade_rows):
    """The "Possible copies" lines; writes copies.csv next to grades_csv."""
    outputs = Outputs(grades_csv)
    autograded = outputs.autograded_folder
    if not autograded.is_dir():
        return [f"Possible copies: {autograded} not found, copy detection skipped."]
    matches, unreadable = copies.cell_matches(
        autograded, [(row["student"], row["lesson"]) for row in grade_rows])
    found = copies.flag(matches)
    csv_path = outputs.copies
    copies.write_csv(found, csv_path)
    lines = [f"Possible copies, for you to look at (grades are not changed): {len(found)}"]
    if found:
        width = max(len("student"), *(len(name) for copy in found
                                      for name in (copy.student_a, copy.student_b)))
        lesson_width = max(len(copy.lesson) for copy in found)
        lines.append(f"  {'student':<{width}}  {'with':<{width}}  {'lesson':<{lesson_width}}  "
                     "similarity  cells")
    for copy in found[:MAX_COPIES_LISTED]:
        lines.append(f"  {copy.student_a:<{width}}  {copy.student_b:<{width}}  "
                     f"{copy.lesson:<{lesson_width}}  {copy.similarity:10.2f}  {', '.join(copy.cells)}")
    if len(found) > MAX_COPIES_LISTED:
        lines.append(f"  ... and {len(found) - MAX_COPIES_LISTED} more in {csv_path.name}")
    if unreadable:
        shown = ", ".join(str(notebook) for notebook in unreadable[:3])
        lines.append(f"  {len(unreadable)} notebook(s) could not be read, not compared: {shown}"
                     + (", ..." if len(unreadable) > 3 else ""))
    return lines + [f"Copies: {csv_path}"]


def report(grades_csv, out_png=None):
    """Write the class report PNG and copies.csv; return the report as text (see the module docstring).

    grades_csv: the grader's grades.csv; ``<stem>_tests.csv`` is read from the
    same folder if it exists. out_png: where to write the PNG (default
    ``<stem>_report.png`` next to grades_csv).
    """
    grades_csv = Path(grades_csv)
    png_path = Path(out_png) if out_png is not None else Outputs(grades_csv).report_png
    grade_rows = read_rows(grades_csv, GRADE_FIELDS)
    if not grade_rows:
        raise ValueError(f"{grades_csv}: no grades in the file")

    tests_csv = Outputs(grades_csv).tests
    test_rows = read_rows(tests_csv, TEST_FIELDS) if tests_csv.is_file() else None

    grades_by_lesson, tests_by_lesson = defaultdict(list), defaultdict(list)
    for row in grade_rows:
        grades_by_lesson[row["lesson"]].append(row)
    for row in test_rows or []:
        tests_by_lesson[row["lesson"]].append(row)
    lessons = sorted(grades_by_lesson)
    summaries = {lesson: lesson_summary(grades_by_lesson[lesson]) for lesson in lessons}
    pass_rates_by_lesson = {}
    if test_rows is not None:
        pass_rates_by_lesson = {lesson: pass_rates_hardest_first(tests_by_lesson[lesson])
                                for lesson in lessons}

    students = {row["student"] for row in grade_rows}
    lines = [f"Class report for {grades_csv}: {len(grade_rows)} submissions "
             f"from {len(students)} students in {len(lessons)} lessons"]
    if test_rows is None:
        lines.append(f"No per-test results: {tests_csv} not found, test pass rates skipped.")
    for lesson in lessons:
        lines += [""] + format_lesson(lesson, summaries[lesson], pass_rates_by_lesson.get(lesson))

    found_groups = []
    if test_rows is not None:
        graded = {lesson: len({r["student"] for r in tests_by_lesson[lesson]}) for lesson in lessons}
        found, found_groups = misconceptions.section(grades_csv, test_rows, graded)
        lines += [""] + found
    lines += [""] + copies_section(grades_csv, grade_rows)
    draw_report(lessons, summaries, pass_rates_by_lesson, png_path, found_groups)
    lines += ["", f"Plot: {png_path}"]
    return "\n".join(lines) + "\n"
