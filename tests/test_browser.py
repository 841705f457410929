"""The student's JupyterLab in a real browser: headless Chromium driven by Playwright.

The module starts `jupyter lab` (from this Python environment) on 127.0.0.1,
a free port and a random token, serving a temporary copy of lessons/, and
stops it (and its kernels) at the end. Each test saves screenshots of what
a student would see in test-artifacts/browser/.

- lesson 01: Run > Run All Cells stops at the first unsolved exercise, whose
  test cell says "... is not written yet"; continuing past each stop runs the
  whole notebook: every test cell fails that way, no other cell fails, and
  the plots (and the slider explorer) render;
- lesson 05: the gradient-descent explorers render (menu, sliders, picture),
  and moving the learning-rate slider with the keyboard redraws the picture;
- nbgrader: the notebook toolbar has nbgrader's Validate button, and
  clicking it reports every test cell of the unsolved lesson as failed.

Needs Debian's chromium at /usr/bin/chromium and the playwright package (no
browser download: Playwright drives the system Chromium). Without them the
tests are skipped, except when CI is set: then they fail.
"""
import json
import os
import re

import pytest

from browser_tools import (CHROMIUM, CHROMIUM_ARGS, LESSONS, LabServer, cell_locator,
                           cells, describe, errors, image_info, in_ci, open_notebook,
                           run_all, run_to_the_end, screenshot, scroll_to, stderr,
                           wait_for_kernel_idle)

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None

LESSON_01 = "01_single_unit/01_single_unit.ipynb"
LESSON_05 = "05_gradient_descent/05_gradient_descent.ipynb"
NOT_WRITTEN = "is not written yet"
WAIT = 60_000        # ms: one element or state to appear
RUN = 180_000        # ms: a run of many cells, or nbgrader's validation, on two busy cores
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
    lab = LabServer(tmp_path_factory.mktemp("jupyterlab")).start()
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
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    if server.timed_out:
        pytest.fail(f"hard time-out: the JupyterLab server was stopped after "
                    f"{server.hard_timeout} s\n{server.log_tail()}", pytrace=False)
    server.shut_down_kernels()  # the next test starts from fresh kernels
    assert not problems, f"JavaScript errors in JupyterLab: {problems}"


def lesson(path):
    require((LESSONS / path).is_file(), f"lessons/{path} does not exist yet")
    return path


def graded_ids(path):
    """The grade_ids of the test cells of a student notebook, in order."""
    nb = json.loads((LESSONS / path).read_text())
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def check_student_run(ran):
    """Every test cell failed with "not written yet"; no other cell failed or wrote to stderr."""
    problems = []
    for cell in ran:
        if cell["type"] != "code":
            continue
        if cell["count"] is None:
            problems.append(f"{describe(cell)} did not run")
        elif cell["graded"]:
            if not any(e["ename"] == "NotWritten" and NOT_WRITTEN in e["evalue"] for e in errors(cell)):
                problems.append(f"test cell {describe(cell)} does not say '{NOT_WRITTEN}': "
                                f"{errors(cell) or cell['outputs']}")
        else:
            problems += [f"{describe(cell)} raised {e['ename']}: {e['evalue']}" for e in errors(cell)]
            if stderr(cell):
                problems.append(f"{describe(cell)} wrote to stderr: {stderr(cell)[:300]}")
    assert not problems, "\n".join(problems)


def no_widget_errors(page):
    """No widget output says it could not be shown (e.g. its JavaScript is missing)."""
    for text in ("Error displaying widget", "Loading widget..."):
        expect(page.locator(".jp-NotebookPanel .jp-OutputArea-output", has_text=text)).to_have_count(0)


def test_lesson_01_run_all_shows_unsolved_exercises_and_renders_plots(server, page):
    path = lesson(LESSON_01)
    first_test = graded_ids(path)[0]
    open_notebook(page, server, path)
    screenshot(page, "01_opened.png")

    # Run > Run All Cells: it stops at the first test cell, which says what is missing
    ran = run_all(page, path, timeout=RUN)
    stopped = next(c for c in ran if c["graded"])
    assert stopped["grade_id"] == first_test
    assert errors(stopped) and errors(stopped)[0]["ename"] == "NotWritten", stopped["outputs"]
    assert NOT_WRITTEN in errors(stopped)[0]["evalue"]
    before = [c for c in ran if c["index"] < stopped["index"] and c["type"] == "code"]
    assert before and all(c["count"] is not None and not errors(c) for c in before)
    # the explanations before the first exercise have their outputs
    assert any(o["type"] == "stream" and o["text"].strip() for c in before for o in c["outputs"])
    # what the student sees: the end of the test cell's traceback, with the message
    output = cell_locator(page, stopped["index"]).locator(".jp-Cell-outputArea")
    scroll_to(output, block="end")
    expect(output.get_by_text(re.compile(r"NotWritten: \w+ is not written yet"))).to_be_in_viewport()
    screenshot(page, "01_run_all.png")

    # past every unsolved exercise to the end, as a student who skips them
    ran, stops = run_to_the_end(page, path, timeout=RUN)
    check_student_run(ran)
    assert [ran[i]["grade_id"] for i in stops] == [c["grade_id"] for c in ran
                                                  if c["graded"]][:len(stops)]
    plots = [c for c in ran if any("image/png" in o["mimes"] for o in c["outputs"])]
    assert plots, "lesson 01 shows no plot"
    first_plot = cell_locator(page, plots[0]["index"])
    image = first_plot.locator(".jp-OutputArea-output img").first
    scroll_to(first_plot)
    expect(image).to_be_visible()
    info = image_info(image)
    assert info["complete"] and info["width"] >= 300 and info["height"] >= 200, info
    screenshot(page, "01_plot.png")

    no_widget_errors(page)
    # every plot rendered as an image with pixels
    images = page.locator(".jp-NotebookPanel .jp-OutputArea-output img")
    sizes = images.evaluate_all("imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) >= len(plots) and all(ok and w > 0 and h > 0 for ok, w, h in sizes), sizes

    # the lesson's slider explorer, if it has one, rendered too
    explorers = [c for c in ran if any("application/vnd.jupyter.widget-view+json" in o["mimes"]
                                       for o in c["outputs"])]
    for cell in explorers:
        node = cell_locator(page, cell["index"])
        expect(node.locator(".widget-slider").first).to_be_visible()
        expect(node.locator(".jp-OutputArea-output img").first).to_be_visible()
    if explorers:
        scroll_to(cell_locator(page, explorers[0]["index"]).locator(".jp-Cell-outputArea"))
        screenshot(page, "01_explorer.png")


def test_lesson_05_slider_redraws_the_explorer(server, page):
    path = lesson(LESSON_05)
    open_notebook(page, server, path)
    ran, _ = run_to_the_end(page, path, timeout=RUN)
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

    no_widget_errors(page)

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

    # the other explorer(s) rendered as well
    for other in explorer_cells[1:]:
        node = cell_locator(page, other["index"])
        expect(node.locator(".widget-slider").first).to_be_visible()
        expect(node.locator(".jp-OutputArea-output img").first).to_be_visible()
    if len(explorer_cells) > 1:
        scroll_to(cell_locator(page, explorer_cells[1]["index"]).locator(".jp-Cell-outputArea"))
        screenshot(page, "05_explorer_2d.png")


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
