"""The grades as a CSV file that Canvas's or Moodle's gradebook imports.

One row per student, one column per lesson (the score; empty where the
student handed nothing in for it), and the total. A student is identified
by the name of their folder (nbgrader's student id, on JupyterHub the user
name), written in the columns `FORMATS` lists as ``student_in``, unless a
roster gives the LMS's own values.

Canvas ("How do I import grades in the Gradebook?",
https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807):
the columns of its gradebook export, ``Student, ID, SIS User ID, SIS Login
ID, Section``, then one column per assignment; a second row "Points
Possible" gives each assignment's maximum. Canvas finds a student by ID,
SIS User ID, SIS Login ID or name, matches a column to an assignment by its
title (or creates one), and ignores a last column called "Final Points"
(read-only, like its other total columns), which carries the total here.

Moodle ("Grade import", https://docs.moodle.org/405/en/Grade_import): the
import reads files in the shape of its own export (the user fields
``First name, Surname, ID number, Institution, Department, Email address``,
one column per grade item, ``Course total``); on the import page the
instructor maps one user column to Moodle's users (here "ID number" to
"useridnumber", or "Email address" to "useremail") and each lesson column
to a grade item, and leaves "Course total" unmapped (Moodle computes it).
Moodle has no row for the maximum points: its grade items must have the
lessons' maximums, which `write` returns.
"""
import csv
from pathlib import Path

from .course import GRADE_FIELDS, Outputs

# The identity columns, as Canvas's gradebook export writes them and its import reads them.
# https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "Points Possible"   # the first cell of the second row
CANVAS_TOTAL = "Final Points"                # a read-only column, ignored on import

# The user fields of Moodle's grade export, which its CSV import reads back.
# https://docs.moodle.org/405/en/Grade_import (and its import's own test file,
# grade/import/csv/tests/load_data_test.php in Moodle's source)
MOODLE_IDENTITY = ["First name", "Surname", "ID number", "Institution", "Department",
                   "Email address"]
MOODLE_TOTAL = "Course total"

FORMATS = {
    # student_in: the columns that get the student's folder name when there is no roster
    "canvas": {"identity": CANVAS_IDENTITY, "total": CANVAS_TOTAL, "points_row": True,
               "student_in": ["Student", "SIS Login ID"]},
    "moodle": {"identity": MOODLE_IDENTITY, "total": MOODLE_TOTAL, "points_row": False,
               "student_in": ["ID number"]},
}
ROSTER_KEY = "student"


def read_roster(path, lms):
    """{student folder: {identity column: value}} from a roster CSV.

    Its header is ``student`` and any of the LMS's identity columns (e.g.
    ``student,SIS Login ID`` or ``student,Email address``).
    """
    path = Path(path)
    identity = FORMATS[lms]["identity"]
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = reader.fieldnames or []
        unknown = [column for column in header if column != ROSTER_KEY and column not in identity]
        if ROSTER_KEY not in header or unknown:
            raise ValueError(f"{path}: the header must be {ROSTER_KEY!r} and columns of "
                             f"{', '.join(identity)}; got {', '.join(header) or 'nothing'}")
        return {row[ROSTER_KEY]: {k: v for k, v in row.items() if k != ROSTER_KEY}
                for row in reader}


def _number(value):
    return f"{round(value, 2):g}"


def write(grades_csv, lms, out=None, roster=None):
    """Write the grades in `lms`'s import format; return (path, {lesson: max points}).

    grades_csv: the grader's grades.csv. out: the file to write (default
    ``<stem>_<lms>.csv`` next to grades_csv). roster: an optional CSV mapping
    each student folder to the LMS's identity columns (see `read_roster`).
    """
    if lms not in FORMATS:
        raise ValueError(f"unknown LMS {lms!r}: choose one of {', '.join(FORMATS)}")
    from .report import read_rows  # (matplotlib, for the report's figure, only when needed)

    spec = FORMATS[lms]
    rows = read_rows(grades_csv, GRADE_FIELDS)
    lessons = sorted({row["lesson"] for row in rows})
    students = sorted({row["student"] for row in rows})
    max_points = {lesson: max(row["max_score"] for row in rows if row["lesson"] == lesson)
                  for lesson in lessons}
    scores = {(row["student"], row["lesson"]): row["score"] for row in rows}
    identities = read_roster(roster, lms) if roster else {}
    missing = [student for student in students if roster and student not in identities]
    if missing:
        raise ValueError(f"{roster}: no row for {', '.join(missing)}")

    out = Path(out) if out else Outputs(grades_csv).lms(lms)
    with open(out, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(spec["identity"] + lessons + [spec["total"]])
        if spec["points_row"]:
            writer.writerow([CANVAS_POINTS_POSSIBLE] + [""] * (len(spec["identity"]) - 1)
                            + [_number(max_points[lesson]) for lesson in lessons]
                            + [_number(sum(max_points.values()))])
        for student in students:
            given = identities.get(student) or {column: student for column in spec["student_in"]}
            lesson_scores = [scores.get((student, lesson)) for lesson in lessons]
            writer.writerow([given.get(column, "") for column in spec["identity"]]
                            + ["" if score is None else _number(score) for score in lesson_scores]
                            + [_number(sum(score or 0.0 for score in lesson_scores))])
    return out, max_points
