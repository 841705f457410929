"""Grades for Canvas and Moodle: the documented headers, exactly, and the rows their imports read."""
import csv
import re

import pytest

from autograder import lms
from autograder.__main__ import main
from autograder.course import GRADE_FIELDS

# Canvas, "How do I import grades in the Gradebook?":
# https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
CANVAS_DOCUMENTED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# Moodle, "Grade import" (the file has the shape of Moodle's own export):
# https://docs.moodle.org/405/en/Grade_import
MOODLE_DOCUMENTED = ["First name", "Surname", "ID number", "Institution", "Department",
                     "Email address"]

GRADES = [
    ["ann", "01_single_unit", "10.0", "10.0", "ok", "graded"],
    ["ann", "02_hidden_layers", "6.0", "6.0", "ok", "graded"],
    ["ben", "01_single_unit", "7.5", "10.0", "ok", "graded"],      # ben handed in no 02
    ["cat", "01_single_unit", "0", "10", "corrupt", "not a notebook"],
    ["cat", "02_hidden_layers", "2.25", "6.0", "timeout", "cell 7 ran longer than 60 s"],
]


@pytest.fixture
def grades_csv(tmp_path):
    path = tmp_path / "grades.csv"
    with open(path, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([GRADE_FIELDS] + GRADES)
    return path


def read(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_canvas_file_has_the_documented_header_and_points_possible(grades_csv):
    path, max_points = lms.write(grades_csv, "canvas")
    assert path == grades_csv.with_name("grades_canvas.csv")
    assert max_points == {"01_single_unit": 10.0, "02_hidden_layers": 6.0}
    rows = read(path)
    assert rows[0] == CANVAS_DOCUMENTED + ["01_single_unit", "02_hidden_layers", "Final Points"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10", "6", "16"]
    assert rows[2:] == [["ann", "", "", "ann", "", "10", "6", "16"],
                        ["ben", "", "", "ben", "", "7.5", "", "7.5"],   # blank: Canvas leaves it
                        ["cat", "", "", "cat", "", "0", "2.25", "2.25"]]


def test_canvas_reads_the_lessons_as_assignments_and_ignores_the_total(grades_csv):
    """The header checks of Canvas's GradebookImporter (app/models/gradebook_importer.rb)."""
    header = read(lms.write(grades_csv, "canvas")[0])[0]
    assert re.search("Student", header[0]) and re.search("ID", header[1])
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert re.search("Section", header[4])  # the last student column
    assignments = header[5:]
    while re.search("Current Score|Current Points|Current Grade|Final Score|Final Points|"
                    "Final Grade", assignments[-1]):
        assignments.pop()  # read-only columns, dropped on import
    assert assignments == ["01_single_unit", "02_hidden_layers"]


def test_moodle_file_has_the_documented_header_and_one_row_per_student(grades_csv, tmp_path):
    out = tmp_path / "for_moodle.csv"
    path, _ = lms.write(grades_csv, "moodle", out)
    assert path == out
    rows = read(out)
    assert rows[0] == MOODLE_DOCUMENTED + ["01_single_unit", "02_hidden_layers", "Course total"]
    assert rows[1:] == [["", "", "ann", "", "", "", "10", "6", "16"],  # no maximum row in Moodle
                        ["", "", "ben", "", "", "", "7.5", "", "7.5"],
                        ["", "", "cat", "", "", "", "0", "2.25", "2.25"]]


def test_a_roster_gives_the_lms_identities(grades_csv, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,Email address,First name\n"
                      "ann,ann@example.org,Ann\nben,ben@example.org,Ben\ncat,cat@example.org,Cat\n"
                      "dora,dora@example.org,Dora\n")  # on the roster, no grades: no row
    rows = read(lms.write(grades_csv, "moodle", roster=roster)[0])
    assert [row[:6] for row in rows[1:]] == [
        ["Ann", "", "", "", "", "ann@example.org"], ["Ben", "", "", "", "", "ben@example.org"],
        ["Cat", "", "", "", "", "cat@example.org"]]


def test_a_bad_roster_names_the_problem(grades_csv, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,E-mail\nann,ann@example.org\n")
    with pytest.raises(ValueError, match=r"roster\.csv: the header must be 'student' and columns "
                                         r"of First name, .*; got student, E-mail"):
        lms.write(grades_csv, "moodle", roster=roster)
    roster.write_text("student,SIS Login ID\nann,a123\n")
    with pytest.raises(ValueError, match=r"roster\.csv: no row for ben, cat"):
        lms.write(grades_csv, "canvas", roster=roster)
    with pytest.raises(ValueError, match="unknown LMS 'blackboard': choose one of canvas, moodle"):
        lms.write(grades_csv, "blackboard")


def test_report_command_writes_the_lms_file(grades_csv, tmp_path, capsys):
    main(["report", str(grades_csv), "--lms", "canvas", "--png", str(tmp_path / "r.png")])
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == (
        f"Grades for Canvas: {grades_csv.with_name('grades_canvas.csv')} "
        "(maximum points: 01_single_unit 10, 02_hidden_layers 6)")
    assert read(grades_csv.with_name("grades_canvas.csv"))[0][:5] == CANVAS_DOCUMENTED
    with pytest.raises(SystemExit, match="report: .*nothere.csv"):
        main(["report", str(grades_csv), "--lms", "moodle", "--roster", str(tmp_path / "nothere.csv")])
