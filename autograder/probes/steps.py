"""The two grading steps of the outside checks, either side of the execution.

`InsertProbes` puts, before the first test cell of each graded function,
a cell that runs runtime.py on that function in the student's kernel.
`JudgeProbes`, after the run, judges each function's saved results in the
grader's process, removes the probe cells, and gives a test cell whose
functions failed their probes an error output, so that nbgrader scores it
0 however the kernel reported it.
"""
import shutil
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

from .. import record
from ..outputs import error_output
from . import cell_source, functions_tested, judge, prepare, probes

FOLDER = ".grader"  # in the notebook's folder: runtime.py, inputs.pkl, the results


def _folder(resources):
    return Path(resources["metadata"]["path"]).resolve() / FOLDER


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _probe_of(cell):
    return cell.metadata.get(record.KEY, {}).get("probe")


class InsertProbes(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        lesson = resources["nbgrader"]["assignment"]
        folder = _folder(resources)
        prepare(folder, lesson)
        tested = functions_tested(lesson)
        for name in probes(lesson):
            for index, cell in enumerate(nb.cells):
                if is_grade(cell) and name in tested.get(_grade_id(cell), ()):
                    probe = nbformat.v4.new_code_cell(cell_source(lesson, name, folder))
                    probe.metadata[record.KEY] = {"probe": name}
                    nb.cells.insert(index, probe)
                    break
        return nb, resources


class JudgeProbes(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        lesson = resources["nbgrader"]["assignment"]
        folder = _folder(resources)
        verdicts = {}
        for cell in [c for c in nb.cells if _probe_of(c)]:
            verdicts[_probe_of(cell)] = judge(lesson, _probe_of(cell), folder)
            nb.cells.remove(cell)
        shutil.rmtree(folder, ignore_errors=True)
        nb.metadata.setdefault(record.KEY, {})["probes"] = verdicts
        self.overrule(nb, functions_tested(lesson), verdicts)
        return nb, resources

    @staticmethod
    def overrule(nb, tested, verdicts):
        """A test cell that passed in the kernel although a function it uses
        failed its probe (or was not checked) gets an error output."""
        overruled, found = [], {}
        for cell in nb.cells:
            if not (is_grade(cell) and cell.cell_type == "code") or is_solution(cell):
                continue
            failed = {name: verdicts.get(name) or f"{name} was not checked" for name in
                      sorted(tested.get(_grade_id(cell), ())) if verdicts.get(name, "missing")}
            if failed and not any(out.output_type == "error" for out in cell.outputs):
                cell.outputs.append(error_output(
                    "OutsideCheckFailed",
                    "this test passed inside the notebook, but the grader's own check, run outside "
                    "the notebook, found: " + "; ".join(failed.values())))
                overruled.append(_grade_id(cell))
                found.update(failed)
        if overruled:
            record.note(nb, "tampered", f"{', '.join(overruled)} passed inside the notebook, but the "
                                        "grader's own check outside it found: " + "; ".join(found.values()))
