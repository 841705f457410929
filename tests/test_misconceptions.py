"""The misconceptions of a class, as `report` finds them in what `grade` wrote.

A class of 64 hand-ins of lessons 01-06 (tests/misconception_class.py) is
graded once with `python -m autograder grade`, then `python -m autograder
report` writes misconceptions.csv next to grades.csv: one row per student
and failed test cell, `student,lesson,test,group,label,known`. A failure
that behaves like a mistake of the catalogue (autograder/mistakes/lesson_NN.py)
is labelled with its name (known true, group = label), also where the
mistake is in a helper the failing function calls; any other failure is
"not in the library" (known false), in a group new-1, new-2, ... shared
by the failures of one test that give the same wrong outputs. Grades are
not changed by any of this.

The class plants 12 catalogue mistakes (2 to 4 students each, each student
in their own style), 3 mistakes that are not in the catalogue (3 students
each) and 3 students with two mistakes; the other 26 hand-ins are correct.
Before anything is graded, the first tests check the class itself: every
style computes its catalogue variant's values (plain Python), and fails the
lesson's test cells with the catalogue variant's messages (a plain kernel,
tests/lesson_session.py).
"""
import csv
import re
import subprocess
import sys
import warnings
from collections import defaultdict

import numpy as np
import pytest

import misconception_class as mc
from autograder import course, sample_class
from lesson_session import LessonSession, exercise_tests
from notebook_tools import nbgrader_meta, read, require_sandbox, source_path

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

TIMEOUT = 900  # seconds for `grade` (a few minutes on 2 busy cores), and for `report`
FIELDS = ["student", "lesson", "test", "group", "label", "known"]
CLASS = mc.hand_ins()
LESSONS = sorted({h.lesson for h in CLASS})
CORRECT = [h for h in CLASS if not h.plants]
PLANTED = [h for h in CLASS if h.plants]
DOUBLES = [h for h in CLASS if len(h.plants) == 2]


def students_of(mistake):
    """The students who planted `mistake` (in its lesson)."""
    return {h.student for h in CLASS for p in h.plants if p.mistake.key == mistake.key}


def function_tests(lesson):
    """{graded function: [its test cells' grade ids]} of a lesson's source notebook."""
    nb = read(source_path(lesson))
    return {function: [nbgrader_meta(nb.cells[i])["grade_id"] for i in tests]
            for function, (_, tests) in exercise_tests(nb).items()}


TESTS_OF = {lesson: function_tests(lesson) for lesson in LESSONS}


def show(rows, limit=40):
    """Rows of a CSV as lines, for failure messages."""
    rows = sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))
    lines = [",".join(str(v) for v in r.values()) for r in rows[:limit]]
    return "\n  " + "\n  ".join(lines or ["(no rows)"]) + (f"\n  ... {len(rows) - limit} more" if len(rows) > limit else "")


# --- the class itself, in plain Python and in a plain kernel -------------------------------

def run(lesson, code, function, args, kwargs):
    """(value, exception name or None, warning categories) of `code`'s function on a copy of args,
    next to the lesson's solutions of its other functions."""
    import nnlib

    namespace = {"np": np, "nnlib": nnlib}
    for grade_id in sample_class.exercises(lesson):
        exec(sample_class.answer(lesson, grade_id), namespace)
    exec(code, namespace)
    args = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = namespace[function](*args, **kwargs), None
        except Exception as exception:  # the outcome compared is that it raised, and what
            value, error = None, type(exception).__name__
    return value, error, sorted({w.category.__name__ for w in caught})


def close(a, b, rtol=1e-5, atol=1e-8):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b))
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def same_outcome(first, second):
    return first[1:] == second[1:] and (first[1] is not None or close(first[0], second[0]))


def observed(lesson, function, code):
    """The inputs of mc.inputs(function) up to the first on which `code` behaves otherwise than
    the solution: where a test cell stops, so all that the grader sees of `code`."""
    cases = mc.inputs(function)
    solution = sample_class.answer(lesson, function)
    for index, (args, kwargs) in enumerate(cases):
        if not same_outcome(run(lesson, code, function, args, kwargs), run(lesson, solution, function, args, kwargs)):
            return cases[:index + 1]
    return cases


def differences(lesson, function, code, other, cases=None):
    """The inputs of `cases` (default: all of mc.inputs(function)) on which `code` and `other`
    behave differently."""
    found = []
    for args, kwargs in mc.inputs(function) if cases is None else cases:
        mine, theirs = run(lesson, code, function, args, kwargs), run(lesson, other, function, args, kwargs)
        if not same_outcome(mine, theirs):
            found.append(f"{function}{tuple(args)!r:.300} {kwargs}: {mine!r:.300} against {theirs!r:.300}")
    return found


def test_the_class_is_as_the_issue_asks():
    assert len(CLASS) >= 60 and LESSONS == [mc.L01, mc.L02, mc.L03, mc.L04, mc.L05, mc.L06], \
        (len(CLASS), LESSONS)
    assert len(mc.KNOWN) >= 8 and len({m.lesson for m in mc.KNOWN}) >= 4
    for mistake in mc.KNOWN:
        mc.variant(mistake.lesson, mistake.function, mistake.label)  # the name is the catalogue's
        codes = {p.style.code for h in CLASS for p in h.plants if p.mistake.key == mistake.key}
        assert 1 <= len(students_of(mistake)) <= 5 and len(codes) >= 2, mistake.key
    assert len(mc.NEW) >= 2
    for mistake in mc.NEW:
        codes = {p.style.code for h in CLASS for p in h.plants if p.mistake.key == mistake.key}
        assert len(students_of(mistake)) == 3 and len(codes) == 3, mistake.key
    assert len(DOUBLES) >= 2 and all(len({p.mistake.function for p in h.plants}) == 2 for h in DOUBLES)
    assert all(p.mistake.label for h in DOUBLES for p in h.plants)
    assert len(CORRECT) >= 20


@pytest.mark.parametrize("key", [m.key for m in mc.KNOWN])
def test_every_style_computes_the_catalogues_wrong_values(key):
    """Each student's code behaves as the catalogue's variant (the same values within float32
    rounding, the same exceptions and warnings) on inputs like the tests', and unlike every
    other catalogued mistake of its function up to its first wrong answer."""
    mistake = mc.MISTAKES[key]
    reference = mc.variant(mistake.lesson, mistake.function, mistake.label)
    others = [v for v in mc.catalogue(mistake.lesson).MISTAKES
              if v.function == mistake.function and v.name != mistake.label]
    for style in mistake.styles:
        found = differences(mistake.lesson, mistake.function, style.code, reference.code)
        assert not found, f"{key}, style '{style.describe}' is not '{mistake.label}':\n" + "\n".join(found)
        seen = observed(mistake.lesson, mistake.function, style.code)
        for other in others:
            assert differences(mistake.lesson, mistake.function, style.code, other.code, seen), \
                f"{key}, style '{style.describe}' also behaves as the catalogue's '{other.name}'"


@pytest.mark.parametrize("key", [m.key for m in mc.NEW])
def test_every_new_mistake_is_one_behaviour_that_the_catalogue_does_not_have(key):
    mistake = mc.MISTAKES[key]
    first, *rest = mistake.styles
    for style in rest:
        found = differences(mistake.lesson, mistake.function, style.code, first.code)
        assert not found, f"{key}: style '{style.describe}' differs from '{first.describe}':\n" + "\n".join(found)
    module = mc.catalogue(mistake.lesson)
    seen = observed(mistake.lesson, mistake.function, first.code)
    for variant in module.MISTAKES + module.CORRECT:
        if variant.function == mistake.function:
            assert differences(mistake.lesson, mistake.function, first.code, variant.code, seen), \
                (f"{key} ({mistake.describe}) behaves as the catalogue's '{variant.name}' on the "
                 f"inputs up to its first wrong answer: {seen!r:.600}")


@pytest.fixture(scope="module")
def oracle():
    """The messages of each planted function's test cells in a plain kernel (the lesson's
    source notebook, tests/lesson_session.py): {key: {"catalogue": {test: message or None},
    style index: {...}}}; messages with function addresses masked."""
    from autograder.mistakes import Variant

    def masked(outcome):
        return {test: message and re.sub(r" at 0x[0-9a-f]+", " at 0x...", message)
                for test, message in outcome.items()}

    results = defaultdict(dict)
    for lesson in LESSONS:
        with LessonSession(lesson) as session:
            for mistake in mc.KNOWN + mc.NEW:
                if mistake.lesson != lesson:
                    continue
                if mistake.label:
                    results[mistake.key]["catalogue"] = masked(session.try_variant(
                        mc.variant(lesson, mistake.function, mistake.label)))
                for index, style in enumerate(mistake.styles):
                    results[mistake.key][index] = masked(session.try_variant(
                        Variant(mistake.function, style.describe, style.code)))
    return results


@pytest.mark.parametrize("key", sorted(mc.MISTAKES))
def test_every_style_fails_the_tests_as_the_catalogue_variant_does(oracle, key):
    mistake, outcomes = mc.MISTAKES[key], oracle[key]
    for index, style in enumerate(mistake.styles):
        failed = {test for test, message in outcomes[index].items() if message}
        assert failed, f"{key}: style '{style.describe}' passes every test of {mistake.function}"
        if mistake.label:
            assert outcomes[index] == outcomes["catalogue"], \
                (f"{key}: style '{style.describe}' fails the tests of {mistake.function} otherwise "
                 f"than the catalogue's '{mistake.label}':\n{outcomes[index]}\nagainst\n{outcomes['catalogue']}")
        else:
            first = {test for test, message in outcomes[0].items() if message}
            assert failed == first, f"{key}: style '{style.describe}' fails {failed}, the first style {first}"


# --- the class graded once ----------------------------------------------------------------

def command(*args):
    result = subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=course.ROOT,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    base = tmp_path_factory.mktemp("misconceptions")
    subs, out = base / "submissions", base / "out" / "grades.csv"
    assert mc.build(subs) == CLASS
    command("grade", subs, "--out", out, "--jobs", "2")
    report = command("report", out)
    grades = {(r["student"], r["lesson"]): r for r in csv.DictReader(open(out, newline=""))}
    tests = defaultdict(dict)
    for r in csv.DictReader(open(course.Outputs(out).tests, newline="")):
        tests[r["student"], r["lesson"]][r["test"]] = (float(r["score"]), float(r["max_score"]))
    return dict(grades=grades, tests=tests, report=report, misconceptions=out.parent / "misconceptions.csv")


def failed_tests(graded, hand_in):
    return {test for test, (score, max_score) in graded["tests"][hand_in.student, hand_in.lesson].items()
            if score < max_score}


@pytest.fixture(scope="module")
def misconceptions(graded):
    """The rows of misconceptions.csv, after checking its header."""
    path = graded["misconceptions"]
    if not path.is_file():
        pytest.fail(f"`report` wrote no {path.name} next to grades.csv (the misconceptions feature); "
                    f"its output:\n{graded['report']}", pytrace=False)
    with open(path, newline="") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == FIELDS, f"{path.name} has the header {reader.fieldnames}, not {FIELDS}"
        return list(reader)


def rows_of(misconceptions, student=None, lesson=None, test=None):
    return [r for r in misconceptions if (student is None or r["student"] == student)
            and (lesson is None or r["lesson"] == lesson) and (test is None or r["test"] == test)]


def test_every_hand_in_is_graded(graded):
    assert set(graded["grades"]) == {(h.student, h.lesson) for h in CLASS}
    not_ok = [r for r in graded["grades"].values() if (r["status"], r["reason"]) != ("ok", "graded")]
    assert not not_ok, show(not_ok)
    for lesson in LESSONS:
        wanted = {test for tests in TESTS_OF[lesson].values() for test in tests}
        for h in CLASS:
            if h.lesson == lesson:
                assert set(graded["tests"][h.student, lesson]) == wanted, (h.student, lesson)


def test_correct_hand_ins_have_full_marks(graded):
    short = [graded["grades"][h.student, h.lesson] for h in CORRECT
             if float(graded["grades"][h.student, h.lesson]["score"]) != float(graded["grades"][h.student, h.lesson]["max_score"])]
    assert not short, "correct hand-ins without full marks:" + show(short)


def test_scores_are_the_sum_of_the_test_scores(graded):
    for (student, lesson), row in graded["grades"].items():
        tests = graded["tests"][student, lesson].values()
        assert float(row["score"]) == pytest.approx(sum(score for score, _ in tests)), row
        assert float(row["max_score"]) == pytest.approx(sum(max_score for _, max_score in tests)), row


@pytest.mark.parametrize("student,lesson", [(h.student, h.lesson) for h in PLANTED])
def test_planted_students_lose_the_points_of_their_functions_tests(graded, oracle, student, lesson):
    """The grader fails exactly the test cells of the planted function that a plain kernel
    fails (the grades of the grader without the misconceptions feature), and the student
    loses points."""
    hand_in = next(h for h in CLASS if (h.student, h.lesson) == (student, lesson))
    failed = failed_tests(graded, hand_in)
    row = graded["grades"][student, lesson]
    assert float(row["score"]) < float(row["max_score"]), row
    for plant in hand_in.plants:
        index = plant.mistake.styles.index(plant.style)
        expected = {test for test, message in oracle[plant.mistake.key][index].items() if message}
        own = failed & set(TESTS_OF[lesson][plant.mistake.function])
        assert own == expected and own, \
            (f"{student} ({plant.mistake.key}, '{plant.style.describe}') fails {sorted(own)} of "
             f"{plant.mistake.function}'s tests in grades_tests.csv, a plain kernel {sorted(expected)}")


# --- misconceptions.csv -------------------------------------------------------------------

def test_rows_are_the_failed_test_cells(graded, misconceptions):
    """One row per student and failed test cell, none for a passed one; known rows are named
    by their label, the others are "not in the library" in a group new-N."""
    failed = {(h.student, h.lesson, test) for h in CLASS for test in failed_tests(graded, h)}
    keys = [(r["student"], r["lesson"], r["test"]) for r in misconceptions]
    assert len(keys) == len(set(keys)), "more than one row for a failed test:" + show(
        [r for r in misconceptions if keys.count((r["student"], r["lesson"], r["test"])) > 1])
    missing, extra = failed - set(keys), set(keys) - failed
    assert not missing and not extra, (f"failed tests without a row: {sorted(missing)}\n"
                                       f"rows for passed tests: " + show([r for r in misconceptions
                                                                          if (r["student"], r["lesson"], r["test"]) in extra]))
    wrong = [r for r in misconceptions if not (
        (r["known"] == "true" and r["label"] and r["group"] == r["label"] and r["label"] != mc.NOT_IN_LIBRARY)
        or (r["known"] == "false" and r["label"] == mc.NOT_IN_LIBRARY and re.fullmatch(r"new-[1-9][0-9]*", r["group"])))]
    assert not wrong, "rows neither known (group = label) nor 'not in the library' in a group new-N:" + show(wrong)


def test_correct_hand_ins_have_no_rows(misconceptions):
    rows = [r for h in CORRECT for r in rows_of(misconceptions, h.student, h.lesson)]
    assert not rows, "rows for correct hand-ins:" + show(rows)


@pytest.mark.parametrize("key", [m.key for m in mc.KNOWN])
def test_a_known_mistake_is_named_for_exactly_its_students(graded, misconceptions, key):
    mistake = mc.MISTAKES[key]
    planted = students_of(mistake)
    hand_ins = [h for h in CLASS if h.student in planted and h.lesson == mistake.lesson]
    own_tests = sorted({test for h in hand_ins for test in failed_tests(graded, h)}
                       & set(TESTS_OF[mistake.lesson][mistake.function]))
    assert own_tests
    lesson_rows = rows_of(misconceptions, lesson=mistake.lesson)
    for test in own_tests:
        named = {r["student"] for r in lesson_rows if r["test"] == test and r["label"] == mistake.label}
        assert named == planted, (
            f"'{mistake.label}' ({mistake.lesson}, {test}): labelled {sorted(named)}, planted in "
            f"{sorted(planted)}; the rows of {test}:" + show(rows_of(lesson_rows, test=test)))
    for student in planted:
        mine = rows_of(lesson_rows, student)
        assert any(r["label"] == mistake.label and r["known"] == "true" for r in mine), \
            f"{student} planted '{mistake.label}' and has no row with it:" + show(mine)


@pytest.mark.parametrize("student,lesson", [(h.student, h.lesson) for h in PLANTED
                                            if len(h.plants) == 1 and h.plants[0].mistake.label])
def test_a_failure_caused_by_a_helper_carries_the_helpers_label(misconceptions, student, lesson):
    """A student with one known mistake has that label on every row, also on the tests of
    the functions that call the wrong one (lesson 01's unit_output calls weighted_sum)."""
    hand_in = next(h for h in CLASS if (h.student, h.lesson) == (student, lesson))
    label = hand_in.plants[0].mistake.label
    mine = rows_of(misconceptions, student, lesson)
    assert mine and all(r["label"] == label for r in mine), \
        f"{student} planted only '{label}' ({hand_in.plants[0].mistake.function}):" + show(mine)


@pytest.mark.parametrize("key", [m.key for m in mc.NEW])
def test_a_new_mistake_is_one_unnamed_group_of_its_students(graded, misconceptions, key):
    mistake = mc.MISTAKES[key]
    planted = students_of(mistake)
    hand_ins = [h for h in CLASS if h.student in planted and h.lesson == mistake.lesson]
    tests = sorted({test for h in hand_ins for test in failed_tests(graded, h)})
    assert tests and set(tests) & set(TESTS_OF[mistake.lesson][mistake.function])
    for test in tests:
        test_rows = rows_of(misconceptions, lesson=mistake.lesson, test=test)
        mine = [r for r in test_rows if r["student"] in planted]
        groups = {r["group"] for r in mine}
        assert len(mine) == len(planted) and len(groups) == 1 and all(
            (r["known"], r["label"]) == ("false", mc.NOT_IN_LIBRARY) for r in mine), (
            f"{key} ({mistake.describe}), {mistake.lesson} {test}: its students {sorted(planted)} "
            f"must form one unnamed group; the rows of {test}:" + show(test_rows))
        others = [r for r in test_rows if r["group"] in groups and r["student"] not in planted]
        assert not others, f"{key}, {test}: other students in the group {groups}:" + show(test_rows)


@pytest.mark.parametrize("student,lesson", [(h.student, h.lesson) for h in DOUBLES])
def test_two_mistakes_carry_both_labels(misconceptions, student, lesson):
    hand_in = next(h for h in CLASS if (h.student, h.lesson) == (student, lesson))
    mine = rows_of(misconceptions, student, lesson)
    for plant in hand_in.plants:
        own = [r for r in mine if r["test"] in TESTS_OF[lesson][plant.mistake.function]]
        assert own and all(r["label"] == plant.mistake.label for r in own), \
            f"{student} planted '{plant.mistake.label}' in {plant.mistake.function}:" + show(mine)
    labels = {p.mistake.label for p in hand_in.plants}
    assert {r["label"] for r in mine} == labels, f"{student} planted {sorted(labels)}:" + show(mine)


def test_the_report_prints_a_misconceptions_section(graded, misconceptions):
    assert re.search(r"^Misconceptions", graded["report"], re.MULTILINE), graded["report"]
