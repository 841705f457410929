"""The student's JupyterLab in a real browser: headless Chromium driven by Playwright.

The module starts `jupyter lab` (from this Python environment) on 127.0.0.1,
a free port and a random token, serving a temporary copy of lessons/ with the
course's settings (jupyterlab-settings/), and stops it (and its kernels) at
the end. Each test saves screenshots of what a student would see in
test-artifacts/browser/.

- every lesson, solved and fresh: Run > Run All Cells on the lesson with every
  exercise filled in from solutions/ runs to the end without an error; on the
  fresh lesson it runs to the end too, every test cell shows its short
  "... is not written yet" message (no traceback through nnlib), no other cell
  fails, every picture and widget of the solved run is there, and the hints
  of the exercises are folded away;
- lesson 05: moving the learning-rate slider of the explorer with the
  keyboard redraws its picture;
- nbgrader: the notebook toolbar has nbgrader's Validate button, and
  clicking it reports every test cell of the unsolved lesson as failed;
- no JupyterLab news pop-up or update check.

Needs Debian's chromium at /usr/bin/chromium and the playwright package (no
browser download: Playwright drives the system Chromium). Without them the
tests are skipped, except when CI is set: then they fail.
"""
import json
import os
import re

import pytest

from browser_tools import (CHROMIUM, CHROMIUM_ARGS, LESSONS, LabServer, cell_locator, cells,
                           describe, errors, image_info, in_ci, open_notebook, run_all, screenshot,
                           scroll_to, stderr, wait_for_kernel_idle, wait_for_pictures)
from notebook_tools import lesson_names, read, solved, source_path, student_path

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None

LESSON_NAMES = lesson_names()
LESSON_01 = "01_single_unit/01_single_unit.ipynb"
LESSON_05 = "05_gradient_descent/05_gradient_descent.ipynb"
NOT_WRITTEN = "is not written yet"
SHORT = 12           # lines: the most a test cell of an unsolved exercise may show
WAIT = 60_000        # ms: one element or state to appear
RUN = 300_000        # ms: Run All of one lesson, or nbgrader's validation, on two busy cores
PER_TEST = 900       # s: the server is stopped if one test takes longer than this
VIEWPORT = {"width": 1440, "height": 900}   # a common laptop screen


def require(ok, message):
    """Skip with message when ok is false, or fail when CI is set: CI must run these tests."""
    if not ok:
        if in_ci():
            pytest.fail(f"{message} (CI is set, so the browser tests must not be skipped)",
                        pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module", autouse=True)
def browser_available():
    require(sync_playwright is not None,
            "the playwright package is missing: pip install playwright "
            "(never `playwright install`: the tests use Debian's chromium)")
    require(os.access(CHROMIUM, os.X_OK),
            f"{CHROMIUM} is missing: apt-get install chromium")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    lab = LabServer(tmp_path_factory.mktemp("jupyterlab"), hard_timeout=PER_TEST).start()
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              timeout=WAIT)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    server.arm(PER_TEST)
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    # no pop-up (news, update available) appeared while the test ran
    toasts = page.locator(".Toastify__toast").all_inner_texts()
    context.close()
    if server.timed_out:
        pytest.fail(f"hard time-out: the JupyterLab server was stopped after "
                    f"{server.hard_timeout} s\n{server.log_tail()}", pytrace=False)
    server.shut_down_kernels()  # the next test starts from fresh kernels
    assert not problems, f"JavaScript errors in JupyterLab: {problems}"
    assert not toasts, f"JupyterLab showed pop-ups: {toasts}"


def lesson(path):
    require((LESSONS / path).is_file(), f"lessons/{path} does not exist yet")
    return path


def graded_ids(path):
    """The grade_ids of the test cells of a student notebook, in order."""
    nb = json.loads((LESSONS / path).read_text())
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def clean(cell):
    """What is wrong with a code cell that should have run without an error or stderr."""
    problems = [f"{describe(cell)} did not run"] if cell["count"] is None else []
    problems += [f"{describe(cell)} raised {e['ename']}: {e['evalue']}" for e in errors(cell)]
    if stderr(cell):
        problems.append(f"{describe(cell)} wrote to stderr: {stderr(cell)[:300]}")
    return problems


def check_solved_run(ran):
    """Every code cell ran, none failed or wrote to stderr."""
    problems = [p for cell in ran if cell["type"] == "code" for p in clean(cell)]
    assert not problems, "\n".join(problems)


def check_student_run(ran):
    """Every cell ran; every test cell failed with a short "not written yet" message and
    nothing else; no other cell failed or wrote to stderr."""
    problems = []
    for cell in ran:
        if cell["type"] != "code":
            continue
        if cell["count"] is None:
            problems.append(f"{describe(cell)} did not run")
        elif cell["graded"]:
            shown = errors(cell)
            if not (len(shown) == 1 and shown[0]["ename"] == "NotWritten"
                    and NOT_WRITTEN in shown[0]["evalue"]):
                problems.append(f"test cell {describe(cell)} does not say '{NOT_WRITTEN}': "
                                f"{shown or cell['outputs']}")
                continue
            lines = "\n".join(shown[0]["traceback"] or []).splitlines()
            if len(lines) > SHORT or any("checks.py" in line or "Traceback" in line for line in lines):
                problems.append(f"test cell {describe(cell)} shows {len(lines)} lines instead of "
                                "one short message:\n" + "\n".join(lines[:40]))
        else:
            problems += clean(cell)
    assert not problems, "\n".join(problems)


def shown(ran):
    """{cell index: (pictures, widgets)} of the code cells that show any, test cells excepted."""
    return {c["index"]: (c["images"], c["widgets"]) for c in ran
            if c["type"] == "code" and not c["graded"] and (c["images"] or c["widgets"])}


def no_widget_errors(page):
    """No widget output says it could not be shown (e.g. its JavaScript is missing)."""
    for text in ("Error displaying widget", "Loading widget..."):
        expect(page.locator(".jp-NotebookPanel .jp-OutputArea-output", has_text=text)).to_have_count(0)


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_lesson_runs_all_solved_and_fresh(server, page, name):
    path = lesson(f"{name}/{name}.ipynb")
    number = name[:2]

    # the lesson with every exercise filled in: Run All runs clean, and shows the reference pictures
    solved_path = f"{name}/{name}_solved.ipynb"
    server.write_notebook(solved_path, solved(read(student_path(name)), read(source_path(name))))
    open_notebook(page, server, solved_path)
    ran = run_all(page, solved_path, timeout=RUN)
    check_solved_run(ran)
    expected = shown(ran)
    assert expected, f"the solved lesson {name} shows no picture or widget"
    screenshot(page, f"{number}_solved_end.png")
    server.shut_down_kernels()

    # the fresh lesson, as a student opens it: Run All goes to the end
    open_notebook(page, server, path)
    screenshot(page, f"{number}_opened.png")
    ran = run_all(page, path, timeout=RUN)
    check_student_run(ran)
    wait_for_pictures(page, path, expected)
    got = shown(cells(page, path))
    missing = {i: (expected[i], got.get(i, (0, 0))) for i in expected if got.get(i) != expected[i]}
    assert not missing and got.keys() == expected.keys(), \
        f"(pictures, widgets) per cell, solved against fresh: {missing}; extra: {got.keys() - expected.keys()}"
    no_widget_errors(page)

    # what the student sees at the first test cell: the short message, whole, in view
    first = next(c for c in ran if c["graded"])
    output = cell_locator(page, first["index"]).locator(".jp-Cell-outputArea")
    scroll_to(output, block="end")
    expect(output.get_by_text(re.compile(r"NotWritten: \w+ is not written yet"))).to_be_in_viewport()
    screenshot(page, f"{number}_first_test.png")

    # the code-level hints of the exercises are there, folded away under their summaries
    hints = sum(c["source"].count("<details>") for c in ran if c["type"] == "markdown")
    folded = page.locator(".jp-NotebookPanel .jp-MarkdownOutput details").evaluate_all(
        "nodes => nodes.map(d => !d.open && !!d.querySelector('summary'))")
    assert folded == [True] * hints, f"{hints} hints in the lesson, shown folded: {folded}"
    if hints:
        scroll_to(page.locator(".jp-NotebookPanel .jp-MarkdownOutput details").first, block="center")
        screenshot(page, f"{number}_hint.png")

    # and the last picture or widget of the lesson, drawn below every unsolved exercise
    last = cell_locator(page, max(got))
    scroll_to(last)
    picture = last.locator(".jp-OutputArea-output img").first
    if got[max(got)][0]:
        expect(picture).to_be_visible()
        info = image_info(picture)
        assert info["complete"] and info["width"] >= 200 and info["height"] >= 150, info
    screenshot(page, f"{number}_last_figure.png")


def test_lesson_05_slider_redraws_the_explorer(server, page):
    path = lesson(LESSON_05)
    open_notebook(page, server, path)
    ran = run_all(page, path, timeout=RUN)
    check_student_run(ran)

    explorer_cells = [c for c in ran if "descent_explorer" in c["source"]]
    assert len(explorer_cells) >= 1, "no cell of lesson 05 calls nnlib.widgets.descent_explorer"
    cell = cell_locator(page, explorer_cells[0]["index"])
    explorer = cell.locator(".jp-OutputArea-output .widget-vbox").first
    expect(explorer).to_be_visible()
    scroll_to(explorer)
    expect(explorer.locator(".widget-dropdown select")).to_be_visible()
    sliders = explorer.locator(".widget-slider")
    expect(sliders.first).to_be_visible()
    assert sliders.count() >= 3, "expected sliders for the learning rate, the start and the steps"
    image = explorer.locator("img").first
    expect(image).to_be_visible()
    before = image_info(image)
    assert before["complete"] and before["width"] >= 600, before
    alpha = sliders.filter(has_text="learning rate")
    expect(alpha).to_have_count(1)
    readout = alpha.locator(".widget-readout")
    old_alpha = readout.inner_text()
    screenshot(page, "05_widgets_before.png")

    # a student moves the learning-rate slider with the keyboard, towards the end with more room
    handle = alpha.locator(".noUi-handle")
    low, now, high = (float(handle.get_attribute(f"aria-value{k}")) for k in ("min", "now", "max"))
    key = "ArrowRight" if high - now >= now - low else "ArrowLeft"
    handle.focus()
    for _ in range(20):
        handle.press(key)
    expect(readout).not_to_have_text(old_alpha)
    # settled: the line under the sliders reports the slider's final alpha and the kernel is idle
    page.wait_for_function("""([readout, status]) => {
        const alpha = parseFloat(readout.textContent);
        const said = status.textContent.match(/α = ([-+0-9.e]+)/);
        return !!said && Math.abs(parseFloat(said[1]) - alpha) <= 0.01 * Math.abs(alpha);
    }""", arg=[readout.element_handle(), explorer.locator(".widget-html").first.element_handle()],
        timeout=WAIT, polling=100)
    wait_for_kernel_idle(page, path)
    expect(image).not_to_have_attribute("src", before["src"])
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    scroll_to(explorer)
    after = image_info(image)
    assert after["hash"] != before["hash"], "the picture did not change when the slider moved"
    assert (after["width"], after["height"]) == (before["width"], before["height"])
    screenshot(page, "05_widgets_after.png")


def test_nbgrader_validate_button_reports_the_unsolved_exercises(server, page):
    path = lesson(LESSON_01)
    tests = graded_ids(path)
    open_notebook(page, server, path)
    button = page.locator(".jp-NotebookPanel-toolbar .validate-button")
    expect(button).to_be_visible()
    expect(button).to_have_text("Validate")
    screenshot(page, "validate_button.png")

    button.click()   # nbgrader saves the notebook, then runs it in a new kernel
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Validation Results", timeout=RUN)
    message = dialog.locator("#validation-message")
    expect(message).to_have_class(re.compile(r"\bvalidation-failed\b"))
    text = message.inner_text()
    assert text.count("The following cell failed:") == len(tests), text[:3000]
    assert len(re.findall(r"NotWritten: \w+ is not written yet", text)) >= len(tests), text[:3000]
    assert "has changed" not in text  # the locked test cells are intact
    screenshot(page, "validate_dialog.png")
    first_error = message.locator("pre", has_text=NOT_WRITTEN).first
    scroll_to(first_error, block="end")
    expect(first_error).to_be_in_viewport()
    screenshot(page, "validate_dialog_error.png")
    dialog.locator(".jp-Dialog-footer button").last.click()
    expect(dialog).to_have_count(0)


def test_no_news_pop_up_and_no_update_check(server):
    """The course's settings override JupyterLab's defaults: never ask about news, never check."""
    plugin = server.api("lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {key: value["default"] for key, value in plugin["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults


def test_no_instructor_panels_for_a_student(server, page):
    """The course's page_config.json switches off nbgrader's instructor-only panels: no
    "Create Assignment" in the right sidebar and no Formgrader in the Nbgrader menu; the
    Validate button and the Assignments list are still there."""
    disabled = set(server.page_config()["disabledExtensions"])
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= disabled
    open_notebook(page, server, lesson(LESSON_01))
    expect(page.locator(".jp-NotebookPanel-toolbar .validate-button")).to_be_visible()
    right = page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab")
    expect(right.first).to_be_visible()         # the right sidebar is drawn (property inspector, ...)
    assert right.filter(has_text="Create Assignment").count() == 0
    expect(page.locator("#nbgrader-create_assignemnt")).to_have_count(0)   # nbgrader's own id
    page.locator(".lm-MenuBar-itemLabel:text-is('Nbgrader')").click()
    items = page.locator(".lm-Menu .lm-Menu-itemLabel")
    expect(items.filter(has_text="Assignment List")).to_have_count(1)
    for panel in ("Formgrader", "Create assignment"):
        assert items.filter(has_text=panel).count() == 0, items.all_inner_texts()
    screenshot(page, "student_no_instructor_panels.png")
    page.keyboard.press("Escape")
