"""The feedback steps: what the student gets back is safe and small.

- `HideHiddenTests`: a test cell shows its visible part only (nbgrader's
  ClearHiddenTests), with the outputs the judge gave it: what the visible
  part printed and, if the test failed, why. The hidden lines never ran in
  the student's kernel, so no other output can hold them.
- `LimitSourceSize` (run in autograding, after the execution): a cell's
  source is cut at `max_source` characters, with a note, so a hand-in
  with a huge cell makes an autograded notebook and a feedback page of
  bounded size.

- `ExplainBlockedCalls`: a demonstration that stopped at nnlib's blocked
  version of an exercise (blocked.py) says so in a line, not an error, and
  so does a later cell that misses a name the stopped one would have made.
- `SanitizeStudentHTML`: no script, no event handler, no ``javascript:``
  link survives from the student's markdown or outputs. (nbconvert's own
  ``sanitize_html`` cleans every cell, the lesson's trusted ones too, and
  made the feedback four times slower.)
"""
import ast
import html
import re
from functools import lru_cache

import nbformat
from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.strings import clean_html
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from nbformat import NotebookNode
from traitlets import Integer

from . import course
from .blocked import BLOCKED
from .outputs import first_figures
from .yours import PAST_FIGURES

BLOCKED_NOTE = ("[not run to the end while grading, so its figures are not shown: this cell uses nnlib's "
                "version of an exercise of this lesson, which while your notebook is graded runs your own "
                "function instead, and yours was not defined yet at this point (or did not fit the call); "
                "it costs no points]\n")
PAST_FIGURES_NOTE = ("[not run to the end while grading: the feedback shows a notebook's {figures}, drawn by "
                     "now, and this cell uses nnlib's version of an exercise of this lesson, which runs your "
                     "own function only until then; it costs no points]\n")
MISSING_NOTE = ("[not run to the end while grading: this cell uses {name}, which a cell above would have "
                "made had it run to the end; it costs no points]\n")
NOT_DEFINED = re.compile(r"name '(\w+)' is not defined")


def cell_names(source):
    """The names a cell's code binds at its top level (assignments, loops,
    functions, imports; not a function's locals), and those it reads."""
    try:
        todo = [ast.parse(source)]
    except SyntaxError:
        return set(), []
    names, read = set(), []
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name):
            (read.append if isinstance(node.ctx, ast.Load) else names.add)(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)   # its body runs when it is called
        elif not isinstance(node, ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))
    return names, read


class HideHiddenTests(ClearHiddenTests):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            self._remove_hidden_test_region(cell)
        return cell, resources


class ExplainBlockedCalls(NbGraderPreprocessor):
    """A demonstration that stopped at one of nnlib's blocked exercises
    (blocked.py) shows a short note, not an error: it cost nothing, and it
    ran in full in the student's own notebook. So does a later cell whose
    error comes after it: one that stops reading a name (a NameError) or
    that reads a name that a stopped cell binds and no cell that ran to the
    end binds (a list the stopped cell was filling)."""

    figures = Integer(course.DEFAULT_LIMITS.figures, help="figures a notebook draws (course.Limits)").tag(config=True)

    def preprocess(self, nb, resources):
        self._unmade = set()   # the names that the stopped cells so far would have bound
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or (is_grade(cell) and not is_solution(cell)):
            return cell, resources   # a test cell runs in the judge, not in the kernel
        if not any(out.output_type == "error" for out in cell.outputs):
            self._unmade -= cell_names(cell.source)[0]   # made by a cell that ran to the end
        elif not is_grade(cell):
            cell.outputs = [self.explained(cell, out) if out.output_type == "error" else out
                            for out in cell.outputs]
        return cell, resources

    def explained(self, cell, error):
        binds, reads = cell_names(cell.source)
        if BLOCKED in error.get("evalue", ""):
            self._unmade |= binds
            past = PAST_FIGURES in error.get("evalue", "")
            return NotebookNode(output_type="stream", name="stdout",
                                text=PAST_FIGURES_NOTE.format(figures=first_figures(self.figures)) if past
                                else BLOCKED_NOTE)
        missing = NOT_DEFINED.fullmatch(error.get("evalue", ""))
        unmade = [missing[1]] if error.get("ename") == "NameError" and missing else reads
        unmade = [name for name in unmade if name in self._unmade]
        if unmade:
            self._unmade |= binds
            return NotebookNode(output_type="stream", name="stdout", text=MISSING_NOTE.format(name=unmade[0]))
        return error


class LimitSourceSize(NbGraderPreprocessor):
    max_source = Integer(100_000, help="characters of a cell's source kept in the feedback").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if len(cell.source) > self.max_source:
            cut = len(cell.source) - self.max_source
            note = f"[{cut} more characters of this cell are not shown]"
            cell.source = cell.source[:self.max_source] + ("\n# " if cell.cell_type == "code" else "\n\n") + note
        return cell, resources


@lru_cache(maxsize=None)
def _lesson_markdown(lesson):
    """The sources of the released lesson's markdown cells: the instructor's, trusted."""
    nb = nbformat.read(course.student_notebook(lesson), as_version=4)
    return frozenset(cell.source for cell in nb.cells if cell.cell_type == "markdown")


SAFE_DATA = ("text/plain", "image/png", "image/jpeg")


class SanitizeStudentHTML(NbGraderPreprocessor):
    """Nothing the student wrote or their code displayed becomes live HTML.

    A markdown cell that is not the lesson's own is shown as plain text; an
    output keeps its text, PNG and JPEG data, and its HTML cleaned by
    bleach (nbconvert's clean_html: no script, no event handler, no
    javascript: link); SVG, JavaScript and widget views are left out. An
    output's metadata goes: nbconvert's templates write an image's width
    and height into its tag unquoted, its `filenames` as its src, and show
    `isolated` HTML in an iframe."""

    def preprocess(self, nb, resources):
        trusted = _lesson_markdown(resources["nbgrader"]["assignment"])
        for cell in nb.cells:
            if cell.cell_type == "markdown" and cell.source not in trusted:
                cell.source = "<pre>" + html.escape(cell.source) + "</pre>"
                cell.pop("attachments", None)
            elif cell.cell_type == "code":
                for out in cell.outputs:
                    if "data" in out:
                        data = {key: value for key, value in out.data.items() if key in SAFE_DATA}
                        if "text/html" in out.data:
                            data["text/html"] = clean_html(_text(out.data["text/html"]))
                        out.data = data
                    if "metadata" in out:  # nbconvert writes some of it into the page unquoted
                        out.metadata = {}
            elif cell.cell_type == "raw":
                cell.source = html.escape(cell.source)
                cell.metadata.pop("raw_mimetype", None)
                cell.metadata.pop("format", None)
        return nb, resources


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


class _CompiledTemplates(BytecodeCache):
    """jinja2's compiled templates, kept in this process (checked against
    each template's source by jinja2)."""

    def __init__(self):
        self.kept = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.kept:
            bucket.bytecode_from_string(self.kept[bucket.key])

    def dump_bytecode(self, bucket):
        self.kept[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()
MAX_KEPT_HIGHLIGHT = 5_000   # characters of a cell's source whose highlighting is kept


@lru_cache(maxsize=512)
def _highlighted(source, lexer, magics_language):
    return Highlight2HTML(pygments_lexer=lexer)(source, metadata={"magics_language": magics_language}
                                                if magics_language else None)


def highlight(lexer):
    """nbconvert's highlight_code filter; a cell's HTML is kept for the next
    page (the lesson's cells are the same in every student's)."""
    def highlight_code(source, language=None, metadata=None):
        magics = (metadata or {}).get("magics_language")
        if len(source) > MAX_KEPT_HIGHLIGHT:
            return _highlighted.__wrapped__(source, language or lexer, magics)
        return _highlighted(source, language or lexer, magics)
    return highlight_code


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last pass, which parses the whole
    page with BeautifulSoup to give images an alt text and cells a tabindex:
    0.3 s of the 2 s a lesson 01 notebook takes to grade. The same two
    changes are made here on the page's text. nbgrader makes a new exporter,
    so a new jinja2 environment, for every page: the templates are compiled
    once per process (COMPILED_TEMPLATES), and the code cells highlighted
    once (`highlight`)."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED_TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name")) or "ipython3"
        self.register_filter("highlight_code", self.filters.get("highlight_code", highlight(lexer)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page = re.sub(r"<img(?![^>]*\balt=)", '<img alt="No description has been provided for this image"', page)
        for cls in ("jp-Cell-inputWrapper", "jp-OutputArea-output"):
            page = re.sub(rf'(<div class="[^"]*\b{cls}\b[^"]*")', r'\1 tabindex="0"', page)
        return page, resources
