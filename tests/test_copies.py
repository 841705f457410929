"""Copy detection: planted copies are found, honest solutions are not flagged, grades stay as they are."""
import csv
import time
import warnings

import nbformat
import numpy as np
import pytest

import nnlib
from autograder import copies, course, sample_class
from autograder.course import GRADE_FIELDS
from autograder.report import report
from copies_class import COPIES, HONEST, LESSON_OF, MISSED, PLANTED, cell, class_answers

# Two more students whose only common code is one-liners: the same in every honest notebook.
ONE_LINERS = {"06_backprop": {"output_weight_gradient": cell(
                  "06_backprop", "output_weight_gradient",
                  "    return -(actual - output) * output * (1 - output) * input_")},
              "07_digits": {"accuracy": cell(
                  "07_digits", "accuracy",
                  "    return float(np.mean(np.asarray(y_pred) == np.asarray(y)))")}}


def write_class(root, answers):
    """autograded/<student>/<lesson>.ipynb for every student, and the grades.csv beside it."""
    rows = []
    for student, lessons in answers.items():
        for lesson, cells in lessons.items():
            path = course.Outputs(root / "grades.csv").autograded(student, lesson)
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(sample_class.submission(lesson, solved=False, replace=cells), path)
            rows.append([student, lesson, "7.0", "10.0", "ok", "graded"])
    grades_csv = root / "grades.csv"
    with open(grades_csv, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([GRADE_FIELDS] + rows)
    return grades_csv


@pytest.fixture(scope="module")
def grades_csv(tmp_path_factory):
    answers = class_answers()
    answers.update(kim=ONE_LINERS, lee=ONE_LINERS)
    return write_class(tmp_path_factory.mktemp("class"), answers)


def planted_pairs(planted=PLANTED):
    """{(student_a, student_b, lesson)} as the detector orders a pair (nnlib second)."""
    return {(copier, source, lesson) if source == copies.NNLIB
            else (*sorted((copier, source)), lesson) for copier, source, lesson in planted}


def matches_of(grades_csv):
    with open(grades_csv, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return copies.cell_matches(course.Outputs(grades_csv).autograded_folder,
                               [(row["student"], row["lesson"]) for row in rows])


def is_copied_cell(match):
    copier = match.student_b if match.student_b in COPIES else match.student_a
    return ((match.student_a, match.student_b, match.lesson) in planted_pairs(PLANTED | MISSED)
            and match.cell in COPIES[copier])


def test_planted_copies_are_flagged_and_no_honest_pair_is(grades_csv):
    matches, unreadable = matches_of(grades_csv)
    assert unreadable == []
    flagged = copies.flag(matches)
    assert {(c.student_a, c.student_b, c.lesson) for c in flagged} == planted_pairs()
    by_pair = {(c.student_a, c.student_b, c.lesson): c for c in flagged}
    # the cells concerned: a renamed, recommented copy of cy's, and nnlib's code
    assert by_pair["cy", "hal", "06_backprop"].cells == ("backprop", "relative_difference")
    assert by_pair["jo", "nnlib", "06_backprop"].cells == ("backprop", "relative_difference")
    assert by_pair["dee", "ivy", "06_backprop"].similarity >= copies.THRESHOLD


def test_thresholds_separate_honest_cells_from_copies(grades_csv):
    """The measurement behind THRESHOLD and MIN_TOKENS (see autograder/copies.py)."""
    matches, _ = matches_of(grades_csv)
    assert all(match.tokens >= copies.MIN_TOKENS for match in matches)
    compared = {match.cell for match in matches}
    assert not compared & {"output_weight_gradient", "accuracy"}  # one-liners are never compared
    honest = [match for match in matches if not is_copied_cell(match)]
    copied = [match for match in matches if is_copied_cell(match)]
    assert len(honest) >= 50 and len(copied) >= 15
    highest_honest = max(honest, key=lambda match: match.similarity)
    assert highest_honest.similarity < copies.THRESHOLD, highest_honest
    # every planted pair has a cell at or above the threshold
    for pair in planted_pairs():
        best = max(m.similarity for m in copied if (m.student_a, m.student_b, m.lesson) == pair)
        assert best >= copies.THRESHOLD, pair


def test_report_lists_copies_and_leaves_the_grades_alone(grades_csv, capfd):
    before = grades_csv.read_bytes()
    capfd.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = report(grades_csv)
    assert capfd.readouterr() == ("", "")  # copydetect logs, warns and draws nothing here
    assert grades_csv.read_bytes() == before
    section = text[text.index("Possible copies"):].split("\n\n")[0].splitlines()
    lines = [" ".join(line.split()) for line in section]
    assert lines[0] == f"Possible copies, for you to look at (grades are not changed): {len(planted_pairs())}"
    assert "bo gus 07_digits 1.00 random_init, predict, train, confusion_matrix, precision_recall_f1" in lines
    assert lines[-1] == f"Copies: {grades_csv.with_name('copies.csv')}"
    with open(grades_csv.with_name("copies.csv"), newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["student_a", "student_b", "lesson", "cells", "similarity"]
    assert ["jo", "nnlib", "07_digits", "precision_recall_f1", "1.00"] in rows
    assert {tuple(row[:3]) for row in rows[1:]} == planted_pairs()


def test_without_autograded_notebooks_copy_detection_is_skipped(tmp_path):
    grades_csv = tmp_path / "grades.csv"
    grades_csv.write_text(",".join(GRADE_FIELDS) + "\nann,01_single_unit,10,10,ok,graded\n")
    text = report(grades_csv)
    assert f"Possible copies: {tmp_path / 'autograded'} not found, copy detection skipped." in text
    assert not (tmp_path / "copies.csv").exists()


@pytest.mark.slow
def test_a_class_of_40_in_seconds_and_hostile_notebooks_are_bounded(tmp_path):
    """40 students handing in the instructor's solutions of all 7 lessons, each with a comment
    of their own (so no two cells are the same text): every pair agrees, every cell is compared."""
    students = [f"s{n:02d}" for n in range(40)]
    rows = []
    for lesson in course.lesson_names():
        answers = {grade_id: sample_class.answer(lesson, grade_id)
                   for grade_id in sample_class.exercises(lesson)}
        for student in students:
            nb = sample_class.submission(lesson, replace={
                grade_id: f"{answer}\n# {student}'s own comment" for grade_id, answer in answers.items()})
            path = tmp_path / student / course.notebook_name(lesson)
            path.parent.mkdir(exist_ok=True)
            nbformat.write(nb, path)
            rows.append((student, lesson))
    huge = sample_class.submission("06_backprop", replace={"backprop": "x = 1\n" * 1_000_000})
    nbformat.write(huge, tmp_path / "s00" / "06_backprop.ipynb")  # a 6 MB cell is cut, not a hang
    (tmp_path / "s01" / "07_digits.ipynb").write_text("{not a notebook")
    start = time.process_time()  # CPU time: one process, and the machine may be busy
    matches, unreadable = copies.cell_matches(tmp_path, rows)
    found = copies.flag(matches)
    seconds = time.process_time() - start
    assert seconds < 30, f"copy detection took {seconds:.1f} s of CPU"  # 5 to 6 s; 137 s uncut
    pairs = {(c.student_a, c.student_b) for c in found if c.student_b != copies.NNLIB}
    assert len(pairs) == 40 * 39 // 2
    assert unreadable == [tmp_path / "s01" / "07_digits.ipynb"]


def run_cell(source):
    namespace = {"np": np, "nnlib": nnlib, "random_init": nnlib.random_init,
                 "pack": nnlib.network.pack, "unpack": nnlib.network.unpack,
                 "nn_cost_and_gradients": nnlib.network.nn_cost_and_gradients,
                 # lesson 07's train calls the nn_cost and backprop pasted in the lesson
                 "nn_cost": nnlib.nn_cost, "backprop": nnlib.backprop}
    exec(source, namespace)
    return namespace


def flat(value):
    """The arrays of a result: (dW, db) pairs, tuples of arrays, or one number."""
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in flat(item)]
    return [np.asarray(value, dtype=float)]


def reference_calls():
    rng = np.random.default_rng(7)
    params = [(rng.normal(size=(4, 3)), rng.normal(size=4)), (rng.normal(size=(2, 4)), rng.normal(size=2))]
    X, y = rng.normal(size=(6, 3)), np.array([0, 1, 1, 0, 1, 1])
    Y = np.eye(2)[y]
    cm = np.array([[3, 1, 0], [2, 4, 0], [1, 0, 0]])
    digits_X, digits_y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    return {
        "output_weight_gradient": (0.0, 0.77, 0.73),
        "backprop": (params, X, Y, 0.7),
        "relative_difference": (rng.normal(size=(3, 2)), rng.normal(size=(3, 2))),
        "random_init": ([3, 5, 2], 0.12, 3),
        "predict": (params, X),
        "accuracy": (np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2])),
        "train": (digits_X, digits_y, [4, 3, 3], 0.5, 5, 0),
        "confusion_matrix": (np.array([0, 2, 1, 1, 0]), np.array([0, 1, 1, 2, 0]), 3),
        "precision_recall_f1": (cm,),
    }


@pytest.mark.parametrize("student", sorted({**HONEST, **COPIES}))
def test_every_solution_in_the_class_is_correct(student):
    calls = reference_calls()
    for grade_id, body in {**HONEST, **COPIES}[student].items():
        source = body if student == "ada" else cell(LESSON_OF[grade_id], grade_id, body)
        function = run_cell(source)[grade_id]
        got = function(*calls[grade_id])
        if grade_id == "random_init":  # random draws: shapes, range and zero biases
            assert [np.shape(W) for W, _ in got] == [(5, 3), (2, 5)]
            assert all(np.abs(W).max() <= 0.12 and not np.any(b) for W, b in got)
            continue
        got, expected = flat(got), flat(getattr(nnlib, grade_id)(*calls[grade_id]))
        assert len(got) == len(expected), f"{student}: {grade_id}"
        assert all(np.allclose(g, e) for g, e in zip(got, expected)), f"{student}: {grade_id}"
        if grade_id == "relative_difference":
            assert function(np.zeros(3), np.zeros(3)) == 0.0, student
