"""Run variants of a graded function through the real test cells of its lesson.

One kernel per lesson: the source notebook runs once, then each variant is
defined in the kernel, the test cells of its function run again, and the
reference solution is restored. Test cells are self-contained, so no other
cell needs to run again.
"""
import copy

import nbformat
from nbclient import NotebookClient

from notebook_tools import is_exercise, is_graded, nbgrader_meta, read, source_path


def exercise_tests(nb):
    """Map each exercise's grade_id to (its cell index, the indices of its test cells)."""
    exercises, current = {}, None
    for index, cell in enumerate(nb.cells):
        if is_exercise(cell) and cell.cell_type == "code":
            current = nbgrader_meta(cell)["grade_id"]
            exercises[current] = (index, [])
        elif is_graded(cell) and current is not None:
            exercises[current][1].append(index)
    return exercises


def outcome(cell):
    """None if the cell passed (as nbgrader scores it), else the failure message."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}"
        if output.output_type == "stream" and output.name == "stderr":
            return f"stderr: {output.text}"
    return None


class LessonSession:
    """A kernel that has run a lesson's source notebook, ready to try variants."""

    def __init__(self, lesson, timeout=120):
        self.nb = read(source_path(lesson))
        self.exercises = exercise_tests(self.nb)
        self.client = NotebookClient(self.nb, timeout=timeout, kernel_name="python3",
                                     allow_errors=True,
                                     resources={"metadata": {"path": str(source_path(lesson).parent)}})

    def __enter__(self):
        self._context = self.client.setup_kernel()
        self._context.__enter__()
        for index, cell in enumerate(self.nb.cells):
            self.client.execute_cell(cell, index)
            assert outcome(cell) is None or cell.cell_type != "code", \
                f"the source notebook fails at cell {index}: {outcome(cell)}"
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

    def _run(self, source):
        cell = nbformat.v4.new_code_cell(source)
        self.client.execute_cell(cell, 0)
        return cell

    def try_variant(self, variant):
        """Failure messages of the function's test cells: {grade_id: message or None}."""
        solution_index, test_indices = self.exercises[variant.function]
        defined = self._run(variant.code)
        assert outcome(defined) is None, f"{variant.name}: the variant does not run: {outcome(defined)}"
        results = {}
        for index in test_indices:
            cell = copy.deepcopy(self.nb.cells[index])
            self.client.execute_cell(cell, index)
            results[nbgrader_meta(cell)["grade_id"]] = outcome(cell)
        restored = self._run(self.nb.cells[solution_index].source)
        assert outcome(restored) is None
        return results
