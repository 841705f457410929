"""The grading step on the outputs of the executed notebook.

`LimitOutputSize`: each cell keeps at most `max_cell_output` characters
of output and the notebook `max_notebook_output`; the first output over
a limit is cut (a stream) or dropped, with a note saying so, and so are
the rest of that cell's. Error outputs are always kept (they are what
makes a test fail), trimmed to a readable size. Of the images (the
figures), a cell keeps its first `max_cell_images` and the notebook
`max_notebook_images`, with a note saying how many more there were. A
figure the kernel did not draw (one that uses none of the student's
functions, or past the first ones: yours.py) shows as its text, "<Figure
size 600x500 with 1 Axes>": it is dropped, with a note saying why.
nbgrader's own `LimitOutput`, the next step, then limits the lines of text.
"""
import re

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

MAX_ERROR_CHARS = 2000       # of an error's message and of each traceback line
MAX_TRACEBACK_LINES = 50     # the last ones, where the error was raised
IMAGES = {"image/png", "image/jpeg"}   # the pictures the feedback shows (feedback.SAFE_DATA)
UNDRAWN = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")   # matplotlib's text of a figure
UNDRAWN_NOTE = ("\n[{figures} of this cell not drawn while grading: the feedback draws the {first} of your "
                "notebook that nnlib's versions of the exercises make with your own functions]\n")


def first_figures(count):
    """'first figure' or 'first 3 figures', as the notes say it."""
    return "first figure" if count == 1 else f"first {count} figures"


def undrawn_figure(output):
    """Whether `output` is a figure displayed without its picture."""
    data = output.get("data", {})
    return set(data) == {"text/plain"} and UNDRAWN.fullmatch(str(data["text/plain"])) is not None


def error_output(ename, evalue):
    """An error output, as a cell that raised has: nbgrader scores its cell 0."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def output_size(output):
    """Characters of one output, as the limits count them."""
    if output.output_type == "stream":
        return len(output.text)
    if output.output_type == "error":
        return sum(len(line) for line in output.traceback) + len(output.evalue)
    return sum(len(v) if isinstance(v, str) else len(str(v)) for v in output.get("data", {}).values())


class LimitOutputSize(NbGraderPreprocessor):
    max_cell_output = Integer(256 * 1024, help="characters of output kept per cell").tag(config=True)
    max_notebook_output = Integer(4 * 1024**2, help="characters of output kept per notebook").tag(config=True)
    max_cell_images = Integer(5, help="images (figures) kept per cell").tag(config=True)
    max_notebook_images = Integer(30, help="images (figures) kept per notebook").tag(config=True)

    def preprocess(self, nb, resources):
        used, self._images = 0, 0
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, used = self.limit(self.limit_images(cell.outputs), used)
        return nb, resources

    def limit_images(self, outputs):
        """The outputs a cell keeps of its images: the first ones, within the
        cell's and the notebook's number, and a note if any are left out; a
        figure not drawn is left out with a note of its own."""
        kept, cell_images, dropped, undrawn = [], 0, 0, 0
        for out in outputs:
            if undrawn_figure(out):
                undrawn += 1
                continue
            if IMAGES.intersection(out.get("data", {})):
                if cell_images >= self.max_cell_images or self._images >= self.max_notebook_images:
                    dropped += 1
                    continue
                cell_images, self._images = cell_images + 1, self._images + 1
            kept.append(out)
        if dropped:
            kept.append(NotebookNode(output_type="stream", name="stdout", text=(
                f"\n[{dropped} more figure{'s of this cell are' if dropped > 1 else ' of this cell is'} not shown: "
                f"the feedback shows a cell's {first_figures(self.max_cell_images)} and a notebook's "
                f"{first_figures(self.max_notebook_images)}]\n")))
        if undrawn:
            kept.append(NotebookNode(output_type="stream", name="stdout", text=UNDRAWN_NOTE.format(
                figures=f"{undrawn} figure{'s' if undrawn > 1 else ''}", first=first_figures(self.max_notebook_images))))
        return kept

    def limit(self, outputs, notebook_used):
        """The outputs a cell keeps, and the notebook's characters used after it."""
        kept, cell_used, cut = [], 0, False
        for out in outputs:
            if out.output_type == "error":
                out.evalue = out.evalue[:MAX_ERROR_CHARS]
                out.traceback = [line[:MAX_ERROR_CHARS] for line in out.traceback[-MAX_TRACEBACK_LINES:]]
                kept.append(out)
                continue
            room = min(self.max_cell_output - cell_used, self.max_notebook_output - notebook_used)
            size = output_size(out)
            taken = min(size, max(room, 0))
            cell_used, notebook_used = cell_used + taken, notebook_used + taken
            if size <= room:
                kept.append(out)
                continue
            if not cut:  # the first output over a limit
                cut = True
                if out.output_type == "stream" and room > 0:
                    out.text = out.text[:room]
                    kept.append(out)
                kept.append(NotebookNode(output_type="stream", name="stdout", text=(
                    f"\n[output cut: the grader keeps {self.max_cell_output} characters of a cell's "
                    f"output, {self.max_notebook_output} of a notebook's]\n")))
        return kept, notebook_used
