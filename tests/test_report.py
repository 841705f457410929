"""The class report: its numbers are computed from a small, hand-checked class of grades."""
import csv
import struct
import warnings

import pytest

from autograder.course import GRADE_FIELDS, TEST_FIELDS
from autograder.report import report

# 5 students, 2 lessons. Lesson 01 (max 10): tests test_sigmoid (4), test_sigmoid_stable (3),
# test_neuron (3). Lesson 02 (max 6): tests test_forward (2.5), test_shapes (3.5).
GRADES = [
    ["ann", "01_single_unit", "10.0", "10.0", "ok", ""],
    ["ben", "01_single_unit", "7.0", "10.0", "ok", ""],
    ["cat", "01_single_unit", "4.0", "10.0", "ok", ""],
    ["dan", "01_single_unit", "0", "10", "corrupt", 'not a notebook: "Unexpected token", line 1'],
    ["eve", "01_single_unit", "3.0", "10.0", "timeout", "cell 7 ran longer than 60 s, stopped"],
    ["ann", "02_hidden_layers", "6.0", "6.0", "ok", ""],
    ["ben", "02_hidden_layers", "6.0", "6.0", "ok", ""],
    ["cat", "02_hidden_layers", "2.5", "6.0", "ok", ""],
    ["dan", "02_hidden_layers", "0", "6.0", "missing",
     'no "02_hidden_layers.ipynb", nothing to grade'],
    ["eve", "02_hidden_layers", "0.0", "6.0", "crashed", "the kernel died, out of memory"],
]
TESTS = [
    ["ann", "01_single_unit", "test_sigmoid", "4.0", "4.0"],
    ["ann", "01_single_unit", "test_sigmoid_stable", "3.0", "3.0"],
    ["ann", "01_single_unit", "test_neuron", "3.0", "3.0"],
    ["ben", "01_single_unit", "test_sigmoid", "4.0", "4.0"],
    ["ben", "01_single_unit", "test_sigmoid_stable", "0.0", "3.0"],
    ["ben", "01_single_unit", "test_neuron", "3.0", "3.0"],
    ["cat", "01_single_unit", "test_sigmoid", "4.0", "4.0"],
    ["cat", "01_single_unit", "test_sigmoid_stable", "0.0", "3.0"],
    ["cat", "01_single_unit", "test_neuron", "0.0", "3.0"],
    # dan's notebook is corrupt: no rows. eve timed out: partial points are not a pass.
    ["eve", "01_single_unit", "test_sigmoid", "3.0", "4.0"],
    ["eve", "01_single_unit", "test_sigmoid_stable", "0.0", "3.0"],
    ["eve", "01_single_unit", "test_neuron", "0.0", "3.0"],
    ["ann", "02_hidden_layers", "test_forward", "2.5", "2.5"],
    ["ann", "02_hidden_layers", "test_shapes", "3.5", "3.5"],
    ["ben", "02_hidden_layers", "test_forward", "2.5", "2.5"],
    ["ben", "02_hidden_layers", "test_shapes", "3.5", "3.5"],
    ["cat", "02_hidden_layers", "test_forward", "2.5", "2.5"],
    ["cat", "02_hidden_layers", "test_shapes", "0.0", "3.5"],
    # eve's kernel crashed before test_shapes: no row, still counted as graded and not passed
    ["eve", "02_hidden_layers", "test_forward", "0.0", "2.5"],
]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def grades_csv(tmp_path):
    write_csv(tmp_path / "grades_tests.csv", TEST_FIELDS, TESTS)
    return write_csv(tmp_path / "grades.csv", GRADE_FIELDS, GRADES)


def lesson_lines(text, lesson):
    """The lines of one lesson's section, whitespace collapsed: ['submissions 5', ...]."""
    sections = text.split("\n\n")
    section = next(s for s in sections if s.startswith(lesson + "\n"))
    return [" ".join(line.split()) for line in section.splitlines()[1:]]


def png_size(path):
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])  # width, height from the IHDR chunk


def test_lesson_summaries(grades_csv):
    text = report(grades_csv)
    assert "10 submissions from 5 students in 2 lessons" in text.splitlines()[0]
    first = lesson_lines(text, "01_single_unit")
    # (100 + 70 + 40 + 0 + 30) / 5 = 48 %
    assert first[:4] == ["submissions 5", "mean score 48.0% of max", "full marks 1/5",
                         "not ok corrupt 1, timeout 1"]
    second = lesson_lines(text, "02_hidden_layers")
    # (100 + 100 + 41.67 + 0 + 0) / 5 = 48.33 %
    assert second[:4] == ["submissions 5", "mean score 48.3% of max", "full marks 2/5",
                          "not ok crashed 1, missing 1"]


def test_pass_rates_hardest_first(grades_csv):
    text = report(grades_csv)
    # 4 graded students per lesson: dan (corrupt, missing) has no test rows
    first_tests = [line for line in lesson_lines(text, "01_single_unit")
                   if line.startswith("test_")]
    assert first_tests == ["test_sigmoid_stable 1/4 25%",
                           "test_neuron 2/4 50%",
                           "test_sigmoid 3/4 75%"]
    second_tests = [line for line in lesson_lines(text, "02_hidden_layers")
                    if line.startswith("test_")]
    assert second_tests == ["test_shapes 2/4 50%", "test_forward 3/4 75%"]
    assert text.index("01_single_unit") < text.index("02_hidden_layers")


def test_png_next_to_grades_by_default(grades_csv):
    text = report(grades_csv)
    png = grades_csv.with_name("grades_report.png")
    png_size(png)
    assert text.rstrip().splitlines()[-1] == f"Plot: {png}"


def test_png_at_given_path(grades_csv, tmp_path):
    png = tmp_path / "plots" / "class.png"
    png.parent.mkdir()
    text = report(str(grades_csv), str(png))
    png_size(png)
    assert not grades_csv.with_name("grades_report.png").exists()
    assert f"Plot: {png}" in text


def test_missing_tests_file_is_reported_and_skipped(tmp_path):
    grades_csv = write_csv(tmp_path / "grades.csv", GRADE_FIELDS, GRADES)
    text = report(grades_csv)
    assert f"{tmp_path / 'grades_tests.csv'} not found" in text
    assert "test_sigmoid" not in text
    assert lesson_lines(text, "01_single_unit")[:2] == ["submissions 5", "mean score 48.0% of max"]
    png_size(tmp_path / "grades_report.png")


def test_missing_grades_file_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.csv"):
        report(tmp_path / "nothere.csv")


def test_wrong_header_names_the_file(tmp_path):
    grades_csv = write_csv(tmp_path / "grades.csv", ["student", "lesson", "points"],
                           [["ann", "01_single_unit", "10"]])
    with pytest.raises(ValueError, match=r"grades\.csv: wrong header.*missing score, max_score"):
        report(grades_csv)


def test_wrong_tests_header_names_the_file(grades_csv):
    write_csv(grades_csv.with_name("grades_tests.csv"), ["student", "lesson", "score"], [])
    with pytest.raises(ValueError, match=r"grades_tests\.csv: wrong header"):
        report(grades_csv)


def test_seven_lessons_quietly_one_row_each(tmp_path, capfd):
    lessons = [f"0{n}_lesson" for n in range(1, 8)]
    tests = [f"test_function_with_a_long_name_{n:02d}" for n in range(12)]
    grades, test_rows = [], []
    for lesson in lessons:
        for s in range(30):
            student = f"student{s:02d}"
            points = [float((s + t) % 3 == 0) for t in range(len(tests))]
            grades.append([student, lesson, sum(points), len(tests), "ok", ""])
            test_rows += [[student, lesson, test, p, 1.0] for test, p in zip(tests, points)]
    write_csv(tmp_path / "grades_tests.csv", TEST_FIELDS, test_rows)
    grades_csv = write_csv(tmp_path / "grades.csv", GRADE_FIELDS, grades)
    capfd.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = report(grades_csv)
    assert capfd.readouterr().err == ""
    assert all(lesson in text for lesson in lessons)
    width, height = png_size(tmp_path / "grades_report.png")
    assert height > 7 * 200 and width >= 1000  # one readable row per lesson


def test_report_prints_nothing(grades_csv, capfd):
    capfd.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report(grades_csv)
    assert capfd.readouterr() == ("", "")
