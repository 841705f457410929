"""The class's misconceptions: every failed test cell, grouped by what the
student's function got wrong, so the teacher sees what to teach again.

The judge diagnosed each failure while it graded (diagnosis.py) and kept
the diagnosis in the test cell of the autograded notebook, next to
grades.csv. Here the class's diagnoses are grouped, test by test:

- a failure named by a known mistake (autograder/mistakes/) joins the
  group of that label, and so do the special cases (not written yet,
  right values but another check failed, failed before any call);
- the other failures are grouped by their values: two students are in one
  unnamed group (``new-1``, ``new-2``, ... in the order of their first
  student) when their function, called with the same inputs, returned the
  same values (diagnosis.same), however they wrote it. Different wrong
  values never share a group.

``misconceptions.csv`` next to grades.csv has one row per student and
failed test cell (FIELDS); a failure without a diagnosis (the notebook
was not graded that far) is in the group ``undiagnosed``. Grades are not
changed by any of this.
"""
import csv
import json
from collections import defaultdict
from typing import NamedTuple

from . import diagnosis
from .course import Outputs

FIELDS = ["student", "lesson", "test", "group", "label", "known"]
UNDIAGNOSED = "undiagnosed"
SHOWN_STUDENTS = 4   # first students listed with each group
TOP = 10             # groups in the report's picture


class Group(NamedTuple):
    lesson: str
    test: str
    group: str
    label: str
    known: bool
    students: list
    example: dict


def diagnoses(outputs, failed):
    """{(student, lesson, test): the judge's diagnosis or None} for the
    `failed` (student, lesson, test) triples, read from the autograded notebooks."""
    by_notebook = defaultdict(set)
    for student, lesson, test in failed:
        by_notebook[student, lesson].add(test)
    found = {}
    for (student, lesson), tests in by_notebook.items():
        cells = {}
        try:
            path = outputs.autograded(student, lesson)
            for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
                meta = cell.get("metadata", {})
                test = meta.get("nbgrader", {}).get("grade_id")
                if test in tests:
                    cells[test] = meta.get("autograder", {}).get("diagnosis")
        except (OSError, ValueError, AttributeError):
            pass
        for test in tests:
            found[student, lesson, test] = cells.get(test) if isinstance(cells.get(test), dict) else None
    return found


def groups(found):
    """The groups of `found` ({(student, lesson, test): diagnosis}), largest
    first within each lesson and test."""
    by_test = defaultdict(list)
    for (student, lesson, test), d in sorted(found.items(), key=lambda item: (item[0][1], item[0][2], item[0][0])):
        by_test[lesson, test].append((student, d))
    result = []
    for (lesson, test), failures in by_test.items():
        named, new = {}, []
        for student, d in failures:
            if d is None:
                key, label, known = UNDIAGNOSED, "no diagnosis: the notebook was not graded to this test", False
            elif d.get("label") != diagnosis.NEW or not isinstance(d.get("calls"), list):
                key = label = printable(d.get("label", UNDIAGNOSED))
                known = d.get("known") is True
            else:
                twin = next((g for g in new if _same_calls(g[1]["calls"], d["calls"])), None)
                if twin is None:
                    new.append((f"new-{len(new) + 1}", d, [student]))
                else:
                    twin[2].append(student)
                continue
            named.setdefault(key, Group(lesson, test, key, label, known, [], {})).students.append(student)
        for key, d, students in new:
            result.append(Group(lesson, test, key, diagnosis.NEW, False, students, d.get("example") or {}))
        result += named.values()
    return sorted(result, key=lambda g: (g.lesson, g.test, -len(g.students), g.group))


def printable(text, limit=160):
    """`text` without control characters (a check's message may quote what a
    student's function returned), at most `limit` characters."""
    return "".join(c if c.isprintable() else "?" for c in str(text)[:limit])


def _same_calls(a, b):
    return len(a) == len(b) and all(
        isinstance(x, dict) and isinstance(y, dict) and x.get("inputs") == y.get("inputs")
        and diagnosis.same(x.get("out"), y.get("out")) for x, y in zip(a, b))


def write_csv(found_groups, path):
    rows = [dict(student=s, lesson=g.lesson, test=g.test, group=g.group, label=g.label,
                 known="true" if g.known else "false")
            for g in found_groups for s in g.students]
    rows.sort(key=lambda r: (r["lesson"], r["test"], r["student"]))
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def section(grades_csv, test_rows, graded_by_lesson):
    """The report's "Misconceptions" lines and the groups (for its picture);
    writes misconceptions.csv next to grades_csv."""
    outputs = Outputs(grades_csv)
    failed = [(r["student"], r["lesson"], r["test"]) for r in test_rows if r["score"] < r["max_score"] - 1e-9]
    if not outputs.autograded_folder.is_dir():
        return [f"Misconceptions: {outputs.autograded_folder} not found, skipped."], []
    found_groups = groups(diagnoses(outputs, failed))
    write_csv(found_groups, outputs.misconceptions)
    lines = ["Misconceptions: what each failed test's function got wrong, "
             "by group (grades are not changed)"]
    if not found_groups:
        lines.append("  no failed tests")
    width = min(70, max([len(_name(g)) for g in found_groups] + [10]))
    failed_by_test = defaultdict(int)
    for g in found_groups:
        failed_by_test[g.lesson, g.test] += len(g.students)
    lesson = test = None
    for g in found_groups:
        if g.lesson != lesson:
            lesson, test = g.lesson, None
            lines.append(f"  {lesson}")
        graded = graded_by_lesson.get(g.lesson) or 1
        if g.test != test:
            test = g.test
            lines.append(f"    {test}: failed by {failed_by_test[g.lesson, g.test]} of {graded} graded students")
        who = ", ".join(g.students[:SHOWN_STUDENTS]) + (", ..." if len(g.students) > SHOWN_STUDENTS else "")
        lines.append(f"      {_name(g)[:width]:<{width}}  {len(g.students):3}  "
                     f"{100 * len(g.students) / graded:3.0f}%  {who}")
        if g.example:
            lines.append(f"        e.g. {g.students[0]}: {printable(g.example.get('call', '?'), 200)}")
            lines.append(f"          {short(g.example.get('got'))}; expected: "
                         f"{short(g.example.get('expected')).removeprefix('returned ')}")
    return lines + [f"Misconceptions: {outputs.misconceptions}"], found_groups


def _name(g):
    return g.label if g.group == g.label else f"{g.group} ({g.label})"


def short(out, limit=160):
    """A plain outcome (diagnosis.outcome) in a few words."""
    if not isinstance(out, dict):
        return "?"
    if "raised" in out:
        text = f"raised {out['raised']}"
    else:
        text = f"returned {_value(out.get('returned'))}"
    if out.get("changed"):
        text += ", changed its input in place"
    if out.get("warned"):
        text += f", warned ({', '.join(map(str, out['warned']))})"
    return printable(text if len(text) <= limit else text[:limit - 3] + "...", limit)


def _value(tree):
    if not isinstance(tree, dict):
        return "?"
    if "shape" in tree:
        values = ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in tree["values"][:6])
        if not tree["shape"]:
            return values
        more = ", ..." if len(tree["values"]) > 6 or "sums" in tree else ""
        return f"array{tuple(tree['shape'])} [{values}{more}]"
    if "items" in tree:
        return "(" + ", ".join(_value(v) for v in tree["items"][:4]) + (", ..." if len(tree["items"]) > 4 else "") + ")"
    if "text" in tree:
        return repr(tree["text"])
    return str(tree.get("other", "?"))
