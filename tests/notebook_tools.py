"""Helpers for the notebook tests: find, execute and inspect lesson notebooks."""
import builtins
import copy
import re

import nbformat
import numpy as np
from nbclient import NotebookClient

# The course's own layout and lesson discovery, re-exported for the tests.
from autograder import wire
from autograder.course import LESSONS, ROOT, SOLUTIONS, lesson_names, source_notebook, student_notebook  # noqa: F401

SOLUTION_BLOCK = re.compile(r"^[ \t]*### BEGIN SOLUTION.*?### END SOLUTION[ \t]*\n?",
                            re.DOTALL | re.MULTILINE)

source_path = source_notebook
student_path = student_notebook


def read(path):
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_graded(cell):
    return bool(nbgrader_meta(cell).get("grade"))


def is_solution(cell):
    return bool(nbgrader_meta(cell).get("solution"))


def is_exercise(cell):
    """A graded exercise: a solution cell, except one tagged "pasted", where the student
    pastes functions of earlier lessons (lesson 07's nn_cost and backprop), graded there."""
    return is_solution(cell) and "pasted" not in cell.get("metadata", {}).get("tags", [])


def execute(nb, folder, timeout=120):
    """Run a copy of nb with its working folder set to folder; return the executed copy.

    Errors do not stop the run: each cell's outputs record what happened.
    """
    nb = copy.deepcopy(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def errors(cell):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def stderr(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stderr")


def solved(student_nb, source_nb):
    """The student notebook with every exercise filled in from the source notebook."""
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells if is_solution(c)}
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        if is_solution(cell):
            cell.source = answers[nbgrader_meta(cell)["grade_id"]]
    return nb


def require_sandbox():
    """Skip the grader's tests where bubblewrap cannot run, except in CI
    (`CI` set), which installs it and must run them."""
    import os

    import pytest

    from autograder.sandbox import SandboxError, check_sandbox

    try:
        check_sandbox()
    except SandboxError as error:
        if os.environ.get("CI"):
            pytest.fail(f"{error} (CI is set, so the grader's tests must not be skipped)", pytrace=False)
        pytest.skip(str(error))


LIVE_SCRIPT = [r"<script", r"<[a-zA-Z][^>]*\son[a-zA-Z]+\s*=", r"<[a-zA-Z][^>]*=\s*[\"']?\s*javascript:",
               r"<iframe", r"<object", r"<embed"]


def live_script(html):
    """The pieces of `html` that a browser would run: script elements, event
    handler attributes, javascript: links, frames (escaped text is not)."""
    import re

    return [m.group(0) for pattern in LIVE_SCRIPT for m in re.finditer(pattern, html, re.IGNORECASE)]


class InProcess:
    """A judge's link that serves the calls with wire.serve on a namespace
    of this process, through the channel's files, as the kernel would."""

    def __init__(self, folder, namespace):
        self.folder, self.namespace, self.counting = folder, namespace, None

    def describe(self, names):
        wire.write(self.folder, "request", {"names": list(names)}, {})
        wire.serve("describe", self.folder, self.namespace)
        return wire.read(self.folder, "answer")[0]

    def exchange(self, tree, arrays, callbacks):
        wire.write(self.folder, "request", tree, arrays)
        real_input = builtins.input

        def callback(prompt):
            request, found = wire.read(self.folder, "callback")
            value = callbacks[request["k"]](*wire.decode(request["args"], found))
            out = {}
            wire.write(self.folder, "callback_answer", {"value": wire.encode(value, out)}, out)
            return ""
        builtins.input = callback
        try:   # under NumPy's default error handling, as in a fresh kernel
            with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
                wire.serve("call", self.folder, self.namespace)
        finally:
            builtins.input = real_input
        return wire.read(self.folder, "answer")
