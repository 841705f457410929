"""A class graded in parts, on many machines at once, and merged into one.

    python -m autograder grade SUBMISSIONS --part I/N --out PART/grades.csv ...
    python -m autograder merge PART_0 PART_1 ... --out grades.csv [--gradebook PATH]

Part I of N (0-based) grades every N-th student of the sorted list of the
students found, starting at the I-th: nothing is moved, copied or linked.
`I` may be ``auto``, read from the engine's environment
(``JOB_COMPLETION_INDEX``, a Kubernetes Indexed Job's; ``SLURM_ARRAY_TASK_ID``,
a Slurm job array's), and so may `N` (``SLURM_ARRAY_TASK_COUNT``).

A part writes what a plain run writes (course.Outputs), in its own folder,
and when it has written its CSVs, its manifest beside them
(``grades.part.json``, `Selection.write`): the part and the number of
parts, the lessons and limits it was graded with, the version of the
grader, the folder of submissions, its students and a digest of the whole
class list. A part that is still running, or was stopped, has none: its
run removes it first.

`merge` checks the manifests (one run's parts, each once, none missing,
no student in two) and writes the files of one plain run: the CSVs with
the same rows in the same order, the feedback and autograded notebooks,
the kept rows (state.py), and, with a gradebook, the gradebook
(gradebook.write). It is the gradebook's one writer: a part never writes
it.
"""
import csv
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import course
from .limits import human

INDEX_VARIABLES = ("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID")
COUNT_VARIABLE = "SLURM_ARRAY_TASK_COUNT"
MANIFEST_GLOB = "*" + course.PART_SUFFIX


class MergeError(ValueError):
    """The parts given cannot be merged into one class."""


@dataclass(frozen=True)
class Part:
    index: int   # 0-based
    count: int

    def __str__(self):
        return f"{self.index}/{self.count}"


def parse(text, environ=None):
    """The Part of ``--part``: ``I/N``, where I may be ``auto`` (the
    engine's index) and N too (the size of a Slurm job array); ``auto``
    alone is ``auto/auto``. Raises ValueError with what is wrong."""
    environ = os.environ if environ is None else environ
    index, _, count = (text.strip() + ("/auto" if text.strip() == "auto" else "")).partition("/")
    if not count:
        raise ValueError(f"{text!r} is not a part: write I/N, e.g. 0/4, or auto/4")
    if index == "auto":
        found = [name for name in INDEX_VARIABLES if environ.get(name, "") != ""]
        if not found:
            raise ValueError(f"{text}: neither {' nor '.join(INDEX_VARIABLES)} is set; auto is the index of "
                             "a Kubernetes Indexed Job's pod or a Slurm job array's task")
        index = environ[found[0]]
        origin = f" ({found[0]}={index})"
    else:
        origin = ""
    if count == "auto":
        if environ.get(COUNT_VARIABLE, "") == "":
            raise ValueError(f"{text}: {COUNT_VARIABLE} is not set; auto is the size of a Slurm job array "
                             "(elsewhere, give the number of parts)")
        count = environ[COUNT_VARIABLE]
        origin += f" ({COUNT_VARIABLE}={count})"
    try:
        part = Part(int(index), int(count))
    except ValueError:
        raise ValueError(f"{text!r} is not a part: write I/N with whole numbers, e.g. 0/4") from None
    if part.count < 1 or not 0 <= part.index < part.count:
        raise ValueError(f"part {part}{origin}: a part of N is numbered 0 to N-1 "
                         f"(a Slurm job array of N parts is --array=0-{max(part.count, 1) - 1})")
    return part


def students_of(jobs, rows):
    """The students found (the hand-ins to grade and the rows of those
    that cannot be), sorted."""
    return sorted({job.student for job in jobs} | {row["student"] for row in rows})


def class_digest(students):
    return hashlib.sha256("\n".join(students).encode()).hexdigest()


class Selection:
    """The hand-ins of one part: every `part.count`-th student of the class
    found, from the `part.index`-th."""

    def __init__(self, part, jobs, rows):
        self.part = part
        self.class_list = students_of(jobs, rows)
        self.students = self.class_list[part.index::part.count]
        mine = set(self.students)
        self.jobs = [job for job in jobs if job.student in mine]
        self.rows = [row for row in rows if row["student"] in mine]

    def __str__(self):
        return f"part {self.part}: {len(self.students)} of {len(self.class_list)} students"

    def write(self, outputs, submissions, lessons, limits, grader):
        """The part's manifest, beside its CSVs (written after them)."""
        manifest = dict(part=self.part.index, parts=self.part.count, grades=outputs.grades.name,
                        submissions=str(Path(submissions).resolve()),
                        lessons=sorted(set(lessons)) if lessons else None, limits=limits.options(),
                        grader=grader, class_size=len(self.class_list),
                        class_sha256=class_digest(self.class_list), students=self.students)
        partial = outputs.part.with_name(outputs.part.name + ".part")
        partial.write_text(json.dumps(manifest, indent=1) + "\n")
        os.replace(partial, outputs.part)


# ---------------------------------------------------------------- the merge

@dataclass
class GradedPart:
    folder: Path
    manifest: dict
    outputs: course.Outputs

    @property
    def part(self):
        return Part(self.manifest["part"], self.manifest["parts"])

    @property
    def name(self):
        return f"{self.folder} ({self.part})"


def read_part(folder):
    """The graded part in `folder` (the folder of its grades CSV)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MergeError(f"no such part folder: {folder}")
    manifests = sorted(folder.glob(MANIFEST_GLOB))
    if not manifests:
        raise MergeError(f"{folder} holds no finished part (no {MANIFEST_GLOB} beside a grades CSV): a part "
                         "is finished when `grade --part` has written its CSVs; one still running or "
                         "stopped has none")
    if len(manifests) > 1:
        raise MergeError(f"{folder} holds several parts ({', '.join(m.name for m in manifests)}): "
                         "give each part a folder of its own")
    try:
        manifest = json.loads(manifests[0].read_text())
        grades = folder / manifest["grades"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MergeError(f"{manifests[0]} is not a part's manifest ({error})") from None
    return GradedPart(folder.resolve(), manifest, course.Outputs(grades.resolve()))


def _same(parts, key, what, show=str):
    values = {json.dumps(p.manifest.get(key), sort_keys=True) for p in parts}
    if len(values) > 1:
        listed = "; ".join(f"{p.name}: {show(p.manifest.get(key))}" for p in parts)
        raise MergeError(f"the parts {what}: {listed}")


def _lessons(lessons):
    return ", ".join(lessons) if lessons else "every lesson handed in"


def _limits(parts):
    """Only the limits that differ, for the message."""
    differ = sorted({k for p in parts for k, v in p.manifest["limits"].items()
                     if any(q.manifest["limits"].get(k) != v for q in parts)})

    def show(limits):
        return ", ".join(f"{k}={human(limits[k]) if k in ('memory', 'tmp_size', 'work_size', 'file_size') else limits[k]}"
                         for k in differ)
    return show


def check(parts):
    """Refuse, with what is wrong, parts that are not the whole of one run."""
    if not parts:
        raise MergeError("no parts given")
    seen = {}
    for p in parts:
        if p.folder in seen:
            raise MergeError(f"the part folder {p.folder} is given twice")
        seen[p.folder] = p
    _same(parts, "lessons", "graded different lessons (merge the parts of one run of grade --lesson ...)", _lessons)
    _same(parts, "limits", "were graded with different limits", _limits(parts))
    _same(parts, "parts", "split the class differently", lambda n: f"a part of {n}")
    _same(parts, "grader", "were graded by different versions of the grader (autograder/ or nnlib/ changed "
                           "between their runs): grade the older parts again",
          lambda v: v[:12])
    _same(parts, "submissions", "graded different folders of submissions")
    by_index = {}
    for p in parts:
        if p.part.index in by_index:
            raise MergeError(f"part {p.part} is given twice: {by_index[p.part.index].folder} and {p.folder}")
        by_index[p.part.index] = p
    owner = {}
    for p in sorted(parts, key=lambda p: p.part.index):
        for student in p.manifest["students"]:
            if student in owner:
                raise MergeError(f"{student} is graded in two parts: {owner[student].name} and {p.name}"
                                 + _class_hint(parts))
            owner[student] = p
    count = parts[0].part.count
    missing = [i for i in range(count) if i not in by_index]
    if missing:
        raise MergeError(f"part{'s' if len(missing) > 1 else ''} {', '.join(f'{i}/{count}' for i in missing)} "
                         f"{'are' if len(missing) > 1 else 'is'} missing (given: "
                         f"{', '.join(str(Part(i, count)) for i in sorted(by_index))})")
    hint = _class_hint(parts)
    if hint:
        raise MergeError("the parts were made from different class lists" + hint)


def _class_hint(parts):
    if len({p.manifest["class_sha256"] for p in parts}) == 1:
        return ""
    sizes = ", ".join(f"{p.manifest['class_size']} in {p.name}" for p in parts)
    return (f" (the class lists differ: {sizes}): a student folder was added or removed between the parts' "
            "runs; grade every part again")


def _csv(path):
    with open(path, newline="") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path, fields, rows):
    """As grade writes its CSVs: the rows are the strings read, written again."""
    partial = path.with_name(path.name + ".part")
    with open(partial, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, path)


def read_grades(grades_csv):
    """The rows and test rows of a grades CSV (and its tests CSV), with
    numbers as numbers, as gradebook.write takes them."""
    def numbers(row):
        return {k: (float(v) if v != "" else None) if k in ("score", "max_score") else v
                for k, v in row.items()}
    outputs = course.Outputs(grades_csv)
    return [numbers(r) for r in _csv(outputs.grades)[1]], [numbers(t) for t in _csv(outputs.tests)[1]]


def _copy(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def merge(folders, out, gradebook=None):
    """Merge the parts graded into `folders` into the files of one plain
    run at `out` (course.Outputs), and into the nbgrader `gradebook` if
    given. Returns the merged grades rows (strings, as in the CSV)."""
    from .state import State

    parts = [read_part(folder) for folder in folders]
    check(parts)
    parts.sort(key=lambda p: p.part.index)
    outputs = course.Outputs(Path(out).resolve())
    for p in parts:
        if outputs.folder == p.outputs.folder:
            raise MergeError(f"--out {out} is in the folder of part {p.part}: write the merged class elsewhere")

    merged = {}
    for name in ("grades", "tests"):
        headers, rows = set(), []
        for p in parts:
            path = getattr(p.outputs, name)
            if not path.is_file():
                raise MergeError(f"{p.name} has no {path.name}")
            fields, found = _csv(path)
            headers.add(tuple(fields))
            rows += found
        if len(headers) > 1:
            raise MergeError(f"the parts' {name} CSVs have different columns: {sorted(headers)}")
        merged[name] = list(headers.pop()), rows
    for p in parts:
        strangers = {r["student"] for r in _csv(p.outputs.grades)[1]} - set(p.manifest["students"])
        if strangers:
            raise MergeError(f"{p.outputs.grades} has rows of students not in its part "
                             f"({', '.join(sorted(strangers))}): it was written by another run")

    outputs.folder.mkdir(parents=True, exist_ok=True)
    keep = []
    for p in parts:
        for r in _csv(p.outputs.grades)[1]:
            for file in (course.Outputs.feedback, course.Outputs.autograded):
                source = file(p.outputs, r["student"], r["lesson"])
                if r["lesson"] and source.is_file():
                    _copy(source, file(outputs, r["student"], r["lesson"]))
        keep += State(p.outputs.state, {}).load().values()
    kept = State(outputs.state, {})
    kept.start(keep)
    kept.close()

    fields, rows = merged["grades"]
    rows.sort(key=lambda r: (r["student"], r["lesson"]))
    _write_csv(outputs.grades, fields, rows)
    fields, tests = merged["tests"]
    tests.sort(key=lambda r: (r["student"], r["lesson"], r["test"]))
    _write_csv(outputs.tests, fields, tests)
    outputs.part.unlink(missing_ok=True)  # the merged class is not a part

    if gradebook:
        from .gradebook import write
        write(gradebook, parts[0].manifest["submissions"], *read_grades(outputs.grades),
              outputs.autograded_folder)
    return rows
