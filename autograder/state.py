"""What `grade` remembers between runs, so that it regrades only what changed.

Next to ``grades.csv`` the grader keeps ``grades.state.jsonl``: one JSON
line per graded notebook, appended and flushed to disk the moment its row
is finished, so a run that is interrupted or killed loses no finished row.
A line holds the notebook's key

- ``sha256``: of the handed-in notebook's bytes;
- ``grader``: of the grader's sources (autograder/ and nnlib/) and options;
- ``lesson_version``: of the lesson's source notebook in solutions/;

with its grades row and test rows. A later run reuses a line whose key
still matches; everything else is graded again. Hand-ins that intake turns
away (missing, corrupt, ...) are never kept: checking them is cheap.
"""
import hashlib
import json
import os
from importlib.util import find_spec
from pathlib import Path

from . import course

# nnlib found, not imported: a grading worker must not load NumPy, whose BLAS
# threads start on import, before it has made its namespaces (limits.py).
SOURCES = (Path(__file__).resolve().parent, Path(find_spec("nnlib").origin).resolve().parent)


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grader_version(options, sources=SOURCES):
    """A hash of the grader's Python sources and the options it grades with."""
    sha = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for root in sources:
        for path in sorted(Path(root).rglob("*.py")):
            sha.update(f"{root.name}/{path.relative_to(root).as_posix()}\0".encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


class State:
    """The kept rows of one grades CSV, and the file they are appended to."""

    def __init__(self, path, options):
        self.path = Path(path)
        self.grader = grader_version(options)
        self._lessons = {}
        self._file = None
        self.count = 0  # records in the file

    def key(self, job):
        """What a kept row must match to be reused for this hand-in."""
        if job.lesson not in self._lessons:
            self._lessons[job.lesson] = digest(course.source_notebook(job.lesson))
        return dict(student=job.student, lesson=job.lesson, sha256=digest(job.notebook),
                    grader=self.grader, lesson_version=self._lessons[job.lesson])

    def load(self):
        """The kept records by (student, lesson), the last one of each; a
        line cut short by a killed run is skipped."""
        records = {}
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    record = json.loads(line)
                    records[record["student"], record["lesson"]] = record
                except (ValueError, KeyError, TypeError):
                    continue
        return records

    def start(self, kept):
        """Rewrite the file with only the `kept` records (hand-ins that are
        gone or changed are dropped), then open it for appending."""
        partial = self.path.with_name(self.path.name + ".part")
        with open(partial, "w") as file:
            file.writelines(json.dumps(record) + "\n" for record in kept)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, self.path)
        self.count = len(kept)
        self._file = open(self.path, "a")

    def add(self, key, result):
        """Keep one finished row, on disk before this returns."""
        record = dict(key, row=result["row"], tests=result["tests"])
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.count += 1

    def close(self):
        if self._file:
            self._file.close()
