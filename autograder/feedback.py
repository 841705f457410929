"""The step that makes a graded notebook fit for its student: hidden tests stay hidden.

nbgrader's feedback shows the autograded notebook as it ran, hidden tests
and all. `HideHiddenTests` runs in nbgrader's generate_feedback, before
the HTML is made:

- a test cell with hidden tests shows its visible part only (nbgrader's
  ClearHiddenTests), and in place of its outputs only whether it passed
  and the grader's own message: the outside check's verdict on the
  functions it tests, or that it failed. Nothing the student's process
  printed or raised while it ran is shown (the kernel ran the hidden
  lines, so its outputs could repeat them);
- an output line of another cell that contains a line of a hidden test
  (one not also part of the
  lesson's visible code), word for word, is blanked
  out.
"""
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade, is_solution

from . import record
from .outputs import error_output
from .probes import functions_tested

MIN_LINE = 12  # hidden lines shorter than this (")", "else:") are not secrets


class HideHiddenTests(ClearHiddenTests):
    def preprocess(self, nb, resources):
        lesson = resources["nbgrader"]["assignment"]
        verdicts = nb.metadata.get(record.KEY, {}).get("probes", {})
        tested = functions_tested(lesson)
        hidden_lines = set()
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell):
                continue
            before = cell.source.splitlines()
            if not self._remove_hidden_test_region(cell):
                continue
            hidden_lines |= {line.strip() for line in before if len(line.strip()) >= MIN_LINE}
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            cell.outputs = [self.verdict(cell, tested.get(grade_id, ()), verdicts)]
        visible = "\n".join(cell.source for cell in nb.cells)
        hidden_lines = {line for line in hidden_lines if line not in visible}
        for cell in nb.cells:
            if cell.cell_type == "code":
                for out in cell.outputs:
                    _blank(out, hidden_lines)
        return nb, resources

    @staticmethod
    def verdict(cell, functions, verdicts):
        failed = any(out.output_type == "error" for out in cell.outputs)
        if not failed:
            return NotebookNode(output_type="stream", name="stdout",
                                text="passed (this test also ran hidden checks; they are not shown)\n")
        found = [verdicts[name] for name in sorted(functions) if verdicts.get(name)]
        message = ("failed. The grader's own check found: " + "; ".join(found) if found else
                   "failed. Run this cell in your notebook: its visible checks say what is wrong; "
                   "if they pass, the hidden checks (not shown) found a case your code gets wrong.")
        return error_output("TestFailed", message)


def _blank(out, lines):
    """Remove the hidden-test lines `lines` from an output's text."""
    if not lines:
        return
    def clean(text):
        return "\n".join("[a line of a hidden test, not shown]" if any(h in line for h in lines) else line
                         for line in text.split("\n"))
    if out.output_type == "stream":
        out.text = clean(out.text)
    elif out.output_type == "error":
        out.evalue = clean(out.evalue)
        out.traceback = [clean(line) for line in out.traceback]
    else:
        for key, value in out.get("data", {}).items():
            if isinstance(value, str):
                out.data[key] = clean(value)
