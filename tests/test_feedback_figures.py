"""The feedback shows the student's figures, small and bounded in number.

One run of `python -m autograder grade` grades a solved lesson 05 (its
first figures are drawn by the grading kernel's inline backend, as small
PNGs) and a hand-in of lesson 05 that draws hundreds of figures in one cell
and displays pictures of its own, past the inline backend, in cells of its own.
"""
import base64
import copy
import csv
import re
import struct
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import course, sample_class
from autograder.blocked import BLOCKED, nnlib_copy
from autograder.outputs import LimitOutputSize, undrawn_figure
from autograder.sandbox import NNLIB_DIR, SandboxedKernelManager
from autograder.yours import PAST_FIGURES
from notebook_tools import require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

LESSON = "05_gradient_descent"
IMAGE = re.compile(r'<img[^>]*\ssrc="data:image/png;base64,([A-Za-z0-9+/=]*)"')
FIGURES = course.DEFAULT_LIMITS.figures   # what a graded notebook draws, its first figures
MANY = "import matplotlib.pyplot as plt\nfor _k in range({0}):\n    plt.figure(figsize=(2, 1.5))\n    plt.plot([0, _k])\n"
# A picture displayed as it is, not drawn by the inline backend: a kernel
# that bypasses how many figures it draws.
PICTURES = ("import base64\nfrom IPython.display import Image, display\nfor _k in range({0}):\n"
            "    display(Image(base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
            "nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==')))\n")


def figure_bomb():
    """Lesson 05 solved, with 200 figures drawn in its first exercise cell and
    4 pictures displayed in each of 20 cells added after it."""
    nb = sample_class.submission(LESSON)
    first = sample_class.exercises(LESSON)[0]
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == first)
    cell.source += "\n" + MANY.format(200)
    at = nb.cells.index(cell) + 1
    nb.cells[at:at] = [nbformat.v4.new_code_cell(PICTURES.format(4)) for _ in range(20)]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    base = tmp_path_factory.mktemp("figures")
    subs, out = base / "submitted", base / "out" / "grades.csv"
    sample_class.write(subs, "solved", LESSON, sample_class.submission(LESSON))
    sample_class.write(subs, "draws_hundreds", LESSON, figure_bomb())
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out)],
                          cwd=course.ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return {r["student"]: r for r in csv.DictReader(open(out))}, course.Outputs(out)


def png_size(data):
    """(width, height) of a PNG's bytes, read from its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", data[:16]
    return struct.unpack(">II", data[16:24])


def images_per_cell(outputs, student):
    nb = nbformat.read(outputs.autograded(student, LESSON), as_version=4)
    return [sum("image/png" in out.get("data", {}) for out in cell.outputs)
            for cell in nb.cells if cell.cell_type == "code"]


def test_the_feedback_of_a_solved_lesson_shows_its_figures(graded):
    rows, outputs = graded
    assert (rows["solved"]["score"], rows["solved"]["status"]) == (rows["solved"]["max_score"], "ok")
    page = outputs.feedback("solved", LESSON).read_text()
    images = IMAGE.findall(page)
    assert len(images) == FIGURES   # the first ones: the solved lesson draws more
    assert "which runs your own function only until then" in page   # a demonstration after them
    assert "of this cell not drawn while grading" in page          # a figure of the lesson's own
    figures_of_yours = 0
    for cell in nbformat.read(outputs.autograded("solved", LESSON), as_version=4).cells:
        stopped = any(BLOCKED in out.get("evalue", "") for out in cell.get("outputs", []))
        drew = any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        if stopped:  # a demonstration stopped at nnlib's blocked exercise: no half-made figure
            assert not drew, cell.source[:80]
        ran_yours = any("runs your own" in out.get("text", "") for out in cell.get("outputs", []))
        figures_of_yours += ran_yours and drew
    assert figures_of_yours >= 1   # a demonstration of nnlib's version drew with the student's own
    for data in map(base64.b64decode, images):
        width, height = png_size(data)
        assert 100 <= width <= 1000 and 80 <= height <= 600, (width, height)   # 50 dots per inch
        assert len(data) < 150_000
    assert sum(map(len, images)) < 1024**2


def test_a_hand_in_that_draws_hundreds_of_figures_gets_a_bounded_page(graded):
    rows, outputs = graded
    assert (rows["draws_hundreds"]["score"], rows["draws_hundreds"]["status"]) == \
        (rows["draws_hundreds"]["max_score"], "ok")                   # graded as its answers
    kept = images_per_cell(outputs, "draws_hundreds")
    assert sum(kept) == FIGURES, kept
    page = outputs.feedback("draws_hundreds", LESSON).read_text()
    assert len(IMAGE.findall(page)) == FIGURES
    assert "200 figures of this cell not drawn while grading" in page   # none of them the student's
    assert page.count("4 more figures of this cell are not shown") >= 19   # the pictures past them
    solved = outputs.feedback("solved", LESSON).read_text()
    assert len(page) < len(solved) + 1024**2


def test_a_grading_kernel_draws_only_the_first_figures_made_with_the_students_functions(tmp_path):
    """The kernel draws the figures of cells in which nnlib's version of an
    exercise ran the student's function, the first ones; it displays every
    other figure as its text (which LimitOutputSize drops), without drawing
    it; once those are drawn, nnlib's version raises."""
    require_sandbox()
    (tmp_path / "work").mkdir()
    (tmp_path / "tmp").mkdir()
    km = SandboxedKernelManager(kernel_name="python3", workdir=str(tmp_path / "work"),
                                tmpdir=str(tmp_path / "tmp"), figures=2,
                                nnlib_dir=str(nnlib_copy("01_single_unit", NNLIB_DIR)))
    yours = "import nnlib\ndef sigmoid(z):\n    return 0.5 + 0 * z\nnnlib.sigmoid(0.0)\n"
    cells = [MANY.format(2),            # the lesson's own figures: none of the student's functions
             yours + MANY.format(3),    # nnlib.sigmoid ran the student's: two drawn, the third past them
             "nnlib.sigmoid(1.0)"]      # past the figures that the feedback shows
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(nb, km=km, timeout=60, allow_errors=True).execute()
    figures = [[out.output_type == "display_data" and "image/png" in out.data for out in cell.outputs
                if out.output_type == "display_data"] for cell in nb.cells]
    assert figures == [[False, False], [True, True, False], []]
    assert all(undrawn_figure(out) for cell in nb.cells for out in cell.outputs
               if out.output_type == "display_data" and "image/png" not in out.data)
    assert PAST_FIGURES in nb.cells[2].outputs[-1].evalue


def test_the_images_a_cell_and_a_notebook_keep_are_capped():
    """LimitOutputSize keeps the first images of a cell and of a notebook,
    and says how many it left out; text and errors stay."""
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    figure = nbformat.v4.new_output("display_data", data=png)
    cells = [nbformat.v4.new_code_cell("draw()") for _ in range(4)]
    cells[0].outputs = [copy.deepcopy(figure) for _ in range(4)] + [
        nbformat.v4.new_output("stream", name="stdout", text="done\n")]
    cells[1].outputs = [copy.deepcopy(figure) for _ in range(2)]
    cells[2].outputs = [copy.deepcopy(figure), nbformat.v4.new_output(
        "error", ename="ValueError", evalue="no", traceback=["ValueError: no"])]
    undrawn = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure size 600x500 with 1 Axes>"})
    cells[3].outputs = [undrawn, copy.deepcopy(undrawn),
                        nbformat.v4.new_output("display_data", data={"text/plain": "<Figure size>"})]
    nb = nbformat.v4.new_notebook(cells=cells)
    LimitOutputSize(max_cell_images=3, max_notebook_images=4).preprocess(nb, {})
    kinds = [[out.output_type for out in cell.outputs] for cell in nb.cells]
    assert kinds == [["display_data"] * 3 + ["stream", "stream"], ["display_data", "stream"],
                     ["error", "stream"], ["display_data", "stream"]]
    assert nb.cells[0].outputs[3].text == "done\n"
    assert "1 more figure of this cell is not shown" in nb.cells[0].outputs[4].text
    assert "1 more figure of this cell is not shown" in nb.cells[1].outputs[1].text
    assert "the feedback shows a cell's first 3 figures and a notebook's first 4 figures" in nb.cells[2].outputs[1].text
    assert nb.cells[3].outputs[0].data == {"text/plain": "<Figure size>"}   # not matplotlib's text of a figure
    assert "2 figures of this cell not drawn while grading" in nb.cells[3].outputs[1].text
