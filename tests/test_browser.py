"""The student's JupyterLab in a real browser (headless Chromium driven by Playwright).

Each test starts `jupyter lab` on 127.0.0.1 with a random port and token,
serving a temporary copy of lessons/, and saves screenshots of what it saw
in test-artifacts/browser/. Without Chromium or Playwright the tests are
skipped, except in CI (CI set), where they must run.
"""
import re
import shutil

import pytest

from browser_tools import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LabServer, in_ci

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

MISSING = ("headless Chromium (apt-get install chromium) and Playwright (pip install playwright) "
           "are needed for the browser tests")
if sync_playwright is None or shutil.which(CHROMIUM) is None:
    if in_ci():
        raise RuntimeError(f"CI must run the browser tests: {MISSING}")
    pytest.skip(MISSING, allow_module_level=True)

RUN_TIMEOUT = 180_000  # ms: Run All on a busy two-core machine


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    lab = LabServer(tmp_path_factory.mktemp("lab")).start()
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def open_notebook(page, server, lesson):
    page.goto(server.lab_url(f"{lesson}/{lesson}.ipynb"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    # the kernel has started when the toolbar's status says Idle
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=60_000)


def run(page, command, output):
    """A command of the Run menu, then wait for an output and for every cell to finish.

    Like Jupyter itself, running several cells stops at the first error: in
    a fresh student notebook, the test cell of the first exercise.
    """
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{command}$")).click()
    page.locator(".jp-OutputArea-output", has_text=output).last.wait_for(timeout=RUN_TIMEOUT)
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))",
        timeout=RUN_TIMEOUT)


def test_lesson_01_runs_and_shows_the_unsolved_exercise_message(server, page):
    open_notebook(page, server, "01_single_unit")
    run(page, "Run All Cells", "weighted_sum is not written yet")
    failure = page.locator(".jp-OutputArea-output", has_text="weighted_sum is not written yet").first
    failure.scroll_into_view_if_needed()
    expect(failure).to_be_visible()
    shot(page, "01_run_all_failure_message.png")
    # the explanations' outputs before the first exercise rendered too
    expect(page.locator(".jp-OutputArea-output", has_text="is an input vector x").first).to_be_attached()


def test_lesson_05_slider_redraws_the_plot(server, page):
    open_notebook(page, server, "05_gradient_descent")
    # Run All would stop at the first unsolved exercise: run from the explorers on
    page.locator(".jp-CodeCell .jp-InputArea-editor", has_text="descent_explorer()").first.click()
    run(page, "Run Selected Cell and All Below", "elongated")  # the menu of the 2-D explorer
    explorer = page.locator(".jupyter-widgets.widget-vbox").first
    explorer.scroll_into_view_if_needed()
    image = explorer.locator("img").first
    expect(image).to_be_visible()
    slider = explorer.locator(".widget-slider").first
    expect(slider).to_be_visible()
    shot(page, "05_widgets_before.png")
    before = image.get_attribute("src")
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(15):
        handle.press("ArrowRight")
    expect(image).not_to_have_attribute("src", before, timeout=30_000)
    shot(page, "05_widgets_after.png")


def test_nbgrader_validate_reports_the_unsolved_exercises(server, page):
    open_notebook(page, server, "01_single_unit")
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=RUN_TIMEOUT)
    message = dialog.locator("#validation-message")
    expect(message).to_have_class(re.compile("validation-failed"))
    expect(message).to_contain_text("not written yet")
    shot(page, "validate_dialog.png")
