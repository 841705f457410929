"""Possible copies: solution cells that are near-identical, between students or to nnlib.

The instructor's report lists them for a human to look at; nothing here
changes a grade. The fingerprints are copydetect's (MOSS's winnowing on the
code tokenized by pygments, every name replaced by one letter, comments and
whitespace dropped), so renaming variables, recommenting or reformatting a
copy does not hide it.

What is compared, lesson by lesson and cell by cell (the code cells nbgrader
marks as solutions, by grade_id) in ``autograded/<student>/<lesson>.ipynb``:

* only what the student wrote: the lines of the released cell (def line,
  docstring, "# YOUR CODE HERE") are taken out, and so is every fingerprint
  of the released notebook's code (its examples and visible tests);
* every pair of students, and each student against nnlib's source (all of
  ``nnlib/*.py``, which every student can read).

A cell's similarity is the share of its student-written tokens that the
other side has too (copydetect's token overlap over token coverage); for a
pair of students the smaller of the two shares, for nnlib the student's
share. Cells with fewer than `MIN_TOKENS` student-written tokens are not
compared: one-liners such as ``return np.maximum(0, z)`` are the same in
every honest notebook. A pair is flagged when at least two cells (in any
lessons) reach `THRESHOLD`, or one cell of at least `LONG_TOKENS` tokens does.

The thresholds come from tests/copies_class.py (six honest students who
wrote lessons 06 and 07 each their own way, and four copiers), measured by
tests/test_copies.py: honest cells of 60 tokens or more scored at most 0.47
between students and 0.71 against nnlib (the instructor's own train(),
written from nnlib's); the planted copies 0.80 (nnlib's backward pass pasted
into backprop), 0.88 to 0.90 (statements reordered, names changed) and 1.0
(copies renamed, recommented, reformatted). Honest one- to three-line cells,
often identical, had at most 58 tokens.
"""
import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import nbformat
import nbformat.reader

from . import course

K = 25             # k-gram length in filtered characters (copydetect's default noise threshold)
WINDOW = 1         # winnowing window: copydetect's default (guarantee threshold 25 = K): every k-gram
MIN_TOKENS = 60    # student-written tokens a cell needs to be compared
THRESHOLD = 0.8    # similarity from which two cells agree
LONG_TOKENS = 150  # a cell this long that agrees flags the pair on its own
MAX_CELL_CHARS = 10_000  # a longer cell is cut: 6 times the longest solution (backprop, 1,660)
MAX_NOTEBOOK_BYTES = 20_000_000  # a larger notebook is not read
NNLIB = "nnlib"
COPIES_FIELDS = ["student_a", "student_b", "lesson", "cells", "similarity"]


@dataclass(frozen=True)
class CellMatch:
    """How alike one solution cell of two students (or of a student and nnlib) is."""
    student_a: str
    student_b: str   # a student, or "nnlib"
    lesson: str
    cell: str        # the grade_id
    tokens: int      # student-written tokens (of the shorter cell, for two students)
    similarity: float


@dataclass(frozen=True)
class Copy:
    """A flagged pair in one lesson: the cells that agree and the lowest of their similarities."""
    student_a: str
    student_b: str
    lesson: str
    cells: tuple
    similarity: float


def fingerprint(code, boilerplate=frozenset()):
    """copydetect's fingerprint of Python code, without the given boilerplate hashes.

    The boilerplate is taken out here rather than by CodeFingerprint, which
    also drops a fingerprint that occurs twice in the code (np.intersect1d
    with assume_unique on hashes that are not unique).
    """
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage

    fp = CodeFingerprint("cell.py", K, WINDOW, language="python", fp=io.StringIO(code))
    for hash_value in fp.hashes & boilerplate:
        del fp.hash_idx[hash_value]
    fp.hashes -= boilerplate
    fp.token_coverage = int(get_token_coverage(fp.hash_idx, K, len(fp.filtered_code)))
    return fp


def _solution_cells(nb):
    """{grade_id: source} of a notebook's code cells that nbgrader marks as solutions."""
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and meta.get("grade_id"):
            source = cell.source
            cells[meta["grade_id"]] = source if isinstance(source, str) else "".join(source)
    return cells


class Released:
    """What the released notebook of a lesson gives every student: template lines, code."""

    def __init__(self, lesson):
        nb = nbformat.read(course.student_notebook(lesson), as_version=4)
        self.template_lines = {grade_id: {line.strip() for line in source.splitlines()}
                               for grade_id, source in _solution_cells(nb).items()}
        self.boilerplate = frozenset(fingerprint("\n".join(
            cell.source for cell in nb.cells if cell.cell_type == "code")).hashes)
        self._fingerprints = {}  # the same text has the same fingerprint: untouched cells, copies

    def fingerprint(self, grade_id, source):
        """The fingerprint of what the student wrote in a cell: its source less the template."""
        template = self.template_lines[grade_id]
        written = "\n".join(line for line in source[:MAX_CELL_CHARS].splitlines()
                            if line.strip() not in template)
        if written not in self._fingerprints:
            self._fingerprints[written] = fingerprint(written, self.boilerplate)
        return self._fingerprints[written]


def nnlib_source():
    """All of nnlib's modules, as students can read them."""
    import nnlib

    return "\n".join(path.read_text(encoding="utf-8")
                     for path in sorted(Path(nnlib.__file__).parent.glob("*.py")))


def read_cells(notebook, released):
    """{grade_id: fingerprint of what the student wrote} of one autograded notebook, or None.

    The notebook is read without nbformat's schema validation (the grader has
    read it already; this only needs its cells), three times faster.
    """
    try:
        if notebook.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        nb = nbformat.reader.reads(notebook.read_text(encoding="utf-8"))
        if nb.nbformat != 4:
            return None
        return {grade_id: released.fingerprint(grade_id, source)
                for grade_id, source in _solution_cells(nb).items()
                if grade_id in released.template_lines}
    except (OSError, ValueError, nbformat.ValidationError, AttributeError, KeyError, TypeError):
        return None


def cell_matches(autograded_dir, submissions):
    """Every comparison worth making: [CellMatch], and the notebooks that could not be read.

    autograded_dir: the grader's ``autograded/`` folder; submissions: (student,
    lesson) pairs, e.g. the rows of grades.csv. Missing notebooks are skipped.
    """
    from copydetect import compare_files

    autograded_dir = Path(autograded_dir)
    reference = fingerprint(nnlib_source())
    by_lesson = {}
    for student, lesson in sorted(set(submissions)):
        by_lesson.setdefault(lesson, []).append(student)
    matches, unreadable = [], []
    lessons = course.lesson_names()
    for lesson, students in by_lesson.items():
        if lesson not in lessons:
            continue  # "unknown" rows: not a lesson of the course
        released = Released(lesson)
        fingerprints = {}
        for student in students:
            notebook = autograded_dir / student / course.notebook_name(lesson)
            if not notebook.is_file():
                continue
            cells = read_cells(notebook, released)
            if cells is None:
                unreadable.append(notebook)
                continue
            fingerprints[student] = {grade_id: fp for grade_id, fp in cells.items()
                                     if fp.token_coverage >= MIN_TOKENS}
        for grade_id in released.template_lines:
            written = {s: cells[grade_id] for s, cells in fingerprints.items() if grade_id in cells}
            for student, fp in written.items():
                _, (share, _), _ = compare_files(fp, reference)
                matches.append(CellMatch(student, NNLIB, lesson, grade_id, fp.token_coverage,
                                         float(share)))
            for (a, fp_a), (b, fp_b) in itertools.combinations(sorted(written.items()), 2):
                if fp_a.hashes.isdisjoint(fp_b.hashes):
                    continue
                _, (share_a, share_b), _ = compare_files(fp_a, fp_b)
                matches.append(CellMatch(a, b, lesson, grade_id,
                                         min(fp_a.token_coverage, fp_b.token_coverage),
                                         float(min(share_a, share_b))))
    return matches, unreadable


def flag(matches):
    """The pairs whose cells agree (see the module docstring), one Copy per pair and lesson."""
    agreeing = {}
    for match in matches:
        if match.similarity >= THRESHOLD:
            agreeing.setdefault((match.student_a, match.student_b), []).append(match)
    copies = []
    for (a, b), cells in sorted(agreeing.items()):
        if len(cells) < 2 and cells[0].tokens < LONG_TOKENS:
            continue
        for lesson in sorted({cell.lesson for cell in cells}):
            in_lesson = [cell for cell in cells if cell.lesson == lesson]
            copies.append(Copy(a, b, lesson, tuple(cell.cell for cell in in_lesson),
                               round(min(cell.similarity for cell in in_lesson), 2)))
    return sorted(copies, key=lambda copy: (-copy.similarity, copy.student_a, copy.student_b,
                                            copy.lesson))


def write_csv(copies, path):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COPIES_FIELDS)
        for copy in copies:
            writer.writerow([copy.student_a, copy.student_b, copy.lesson, " ".join(copy.cells),
                             f"{copy.similarity:.2f}"])
