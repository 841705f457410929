"""Helpers for the browser tests: a throw-away JupyterLab server and page actions.

The server runs from the same environment as the tests (``sys.executable``),
listens on 127.0.0.1 on a free port with a random token, and serves a
temporary copy of ``lessons/``, so nothing the browser does (saving, outputs,
checkpoints, workspaces, settings) reaches the repository or the user's
Jupyter folders. It starts with the course's defaults from
``jupyterlab-settings/``, as the README's command does.

The page helpers drive JupyterLab as a student does (menus, clicks, keys).
To know *when* something is done they read the app's state through
``window.jupyterapp`` (the server is started with
``--LabApp.expose_app_in_browser=True``): the toolbar's kernel indicator says
"idle" before the kernel's websocket is connected, and a Run All clicked in
that moment silently runs nothing.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
except ImportError:  # the tests skip (or fail in CI) without playwright
    PlaywrightTimeoutError = TimeoutError

from autograder.course import LESSONS, ROOT  # noqa: E402  (the course's one layout)

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

# The course's JupyterLab defaults (no news pop-up, no update check), as the README's command uses them
APP_SETTINGS = ROOT / "jupyterlab-settings"


def in_ci():
    """True when the CI variable is set (to anything but an empty/false value)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid):
    """Every process whose parent is pid (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _descendants(pid):
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


class LabServer:
    """`jupyter lab` on a copy of the lessons; use start() and stop().

    A watchdog stops the server hard_timeout seconds after start() or the
    last arm() whatever happens, so a stuck browser wait ends in an error
    instead of a hung test run.
    """

    def __init__(self, workdir, lessons=LESSONS, hard_timeout=600):
        self.workdir = Path(workdir)
        self.root = self.workdir / "lessons"
        self.lessons = Path(lessons)
        self.hard_timeout = hard_timeout
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "jupyter-lab.log"
        self.proc = None
        self.timed_out = False
        self._log = None
        self._watchdog = None
        self._lock = threading.Lock()

    def start(self, wait=90):
        shutil.copytree(self.lessons, self.root,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        home = self.workdir / "jupyter-home"
        settings = home / "lab-user-settings"
        env = dict(os.environ)
        env.update({
            # the user's own Jupyter/IPython folders stay untouched and cannot change the test
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "IPYTHONDIR": str(home / "ipython"),
            # a font cache of its own: a stale ~/.cache/matplotlib (one made while another
            # matplotlib was being installed lacked the STIX fonts) writes findfont warnings
            "MPLCONFIGDIR": str(home / "matplotlib"),
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        env.pop("JUPYTER_TOKEN", None)
        self._env, self._home, self._settings = env, home, settings
        self.arm(self.hard_timeout)
        deadline = time.monotonic() + wait
        for attempt in range(1, 4):
            # between free_port() and the server's bind another process (a kernel of a
            # parallel test run, say) can take the port: then start again on a new one
            if self._launch(deadline):
                return self
            if time.monotonic() > deadline or attempt == 3:
                break
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
        self.stop()
        raise RuntimeError(f"jupyter lab did not start within {wait} s:\n{self.log_tail()}")

    def _launch(self, deadline):
        """Start the server on self.port; True once it answers, False if it exited."""
        home, settings = self._home, self._settings
        cmd = [sys.executable, "-m", "jupyterlab",
               "--no-browser", "--ServerApp.open_browser=False",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}",
               f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.app_settings_dir={APP_SETTINGS}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}",
               # window.jupyterapp: lets the tests see when the kernel is connected
               "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI containers run as root
        if self._log is not None:
            self._log.close()
        self._log = open(self.log_path, "ab")
        # its own process group, so stop() can end the server and everything it started
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self._env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        info = home / "runtime" / f"jpserver-{self.proc.pid}.json"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            # the info file is written once this server has its port: only then ask it
            if info.is_file():
                try:
                    with urllib.request.urlopen(self.api_url("api/status"), timeout=5) as r:
                        if r.status == 200 and "started" in json.loads(r.read()):
                            return True
                except (OSError, ValueError, http.client.HTTPException):
                    pass
            time.sleep(0.25)
        return False

    def arm(self, seconds):
        """Stop the server seconds from now unless arm() is called again first."""
        with self._lock:
            if self._watchdog is not None:
                self._watchdog.cancel()
            self.hard_timeout = seconds
            self._watchdog = threading.Timer(seconds, self._on_timeout)
            self._watchdog.daemon = True
            self._watchdog.start()

    def write_notebook(self, path, nb):
        """Save the nbformat notebook nb as path below the server's root."""
        import nbformat

        nbformat.write(nb, str(self.root / path))

    def api_url(self, path):
        return f"{self.url}/{path}?token={self.token}"

    def lab_url(self, path=""):
        # reset: start from an empty workspace, not the tabs an earlier test left open
        return f"{self.url}/lab/tree/{path}?token={self.token}&reset"

    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.url}/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def page_config(self):
        """The page configuration that JupyterLab hands the browser: the JSON of the
        jupyter-config-data script of the /lab page (disabledExtensions among it)."""
        with urllib.request.urlopen(f"{self.url}/lab?token={self.token}", timeout=30) as r:
            html = r.read().decode()
        data = html.split('id="jupyter-config-data"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]
        return json.loads(data)

    def shut_down_kernels(self):
        """End every notebook session and its kernel (between tests)."""
        for session in self.api("api/sessions"):
            self.api(f"api/sessions/{session['id']}", method="DELETE")

    def log_tail(self, chars=4000):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def _on_timeout(self):
        self.timed_out = True
        self.stop()

    def stop(self):
        with self._lock:
            if self._watchdog is not None:
                self._watchdog.cancel()
            proc = self.proc
            if proc is not None and proc.poll() is None:
                # kernels run in sessions of their own: find them before the server goes
                pids = _descendants(proc.pid)
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait(timeout=10)
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if self._log is not None:
                self._log.close()


# --- page actions ---------------------------------------------------------------------------

# JavaScript run in the page; `path` is the notebook's path below the server's root.
WIDGET = "application/vnd.jupyter.widget-view+json"   # the MIME type of a widget's output
IMAGES = "'.jp-OutputArea-output img'"                  # CSS selectors, quoted for JavaScript
VIEWS = f"""'.jp-OutputArea-output[data-mime-type="{WIDGET}"]'"""

_PANEL = """(path) => [...window.jupyterapp.shell.widgets('main')]
    .find(w => w.context && w.context.path === path && w.content && w.content.widgets)"""

_KERNEL_READY = f"""(path) => {{
    if (!window.jupyterapp) return false;
    const panel = ({_PANEL})(path);
    const ctx = panel && panel.sessionContext;
    const kernel = ctx && ctx.session && ctx.session.kernel;
    return !!(kernel && ctx.isReady && kernel.connectionStatus === 'connected'
              && kernel.status === 'idle');
}}"""

_PROMPTS = f"""(path) => [...({_PANEL})(path).node.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim())"""

_RUN_FINISHED = f"""(path) => {{
    const panel = ({_PANEL})(path);
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    const prompts = [...panel.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    return !!kernel && kernel.status === 'idle' && !prompts.some(p => p.textContent.includes('*'));
}}"""

_CELLS = f"""(path) => ({_PANEL})(path).content.widgets.map((cell, index) => {{
    const model = cell.model;
    const nbgrader = model.getMetadata('nbgrader') || {{}};
    const outputs = model.type === 'code' ? model.outputs.toJSON() : [];
    return {{
        index, type: model.type, source: model.sharedModel.getSource(),
        count: model.type === 'code' ? model.executionCount : null,
        grade_id: nbgrader.grade_id || null, graded: !!nbgrader.grade,
        outputs: outputs.map(o => ({{
            type: o.output_type, name: o.name || null, ename: o.ename || null,
            evalue: o.evalue || null, traceback: o.traceback || null,
            text: Array.isArray(o.text) ? o.text.join('') : (o.text || ''),
            mimes: Object.keys(o.data || {{}}),
        }})),
        // what the page shows: pictures (also those inside widgets) and widgets
        images: cell.node.querySelectorAll({IMAGES}).length,
        widgets: cell.node.querySelectorAll({VIEWS}).length,
    }};
}})"""

# Every widget output has been drawn (no "Loading widget...", no error) and every picture decoded.
_RENDERED = f"""(path) => {{
    const node = ({_PANEL})(path).node;
    const views = [...node.querySelectorAll({VIEWS})];
    const images = [...node.querySelectorAll({IMAGES})];
    return views.every(v => v.querySelector('.jupyter-widgets, .widget-box, .widget-inline-hbox')
                            && !v.textContent.includes('Loading widget'))
        && images.every(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0);
}}"""


_PICTURES = f"""(path) => ({_PANEL})(path).content.widgets.map(cell => [
    cell.node.querySelectorAll({IMAGES}).length, cell.node.querySelectorAll({VIEWS}).length])"""


def wait_for_pictures(page, path, expected, timeout=60_000):
    """Wait until the cells show the pictures and widgets of expected, {index: (pictures, widgets)}
    (a widget can draw its picture a moment after its cell has finished); False if they never do."""
    try:
        page.wait_for_function(f"""([path, expected]) => {{
            const now = ({_PICTURES})(path);
            return expected.every(([i, pictures, widgets]) => now[i][0] === pictures && now[i][1] === widgets);
        }}""", arg=[path, [[i, *counts] for i, counts in expected.items()]], timeout=timeout, polling=200)
        return True
    except PlaywrightTimeoutError:
        return False


def open_notebook(page, server, path, timeout=90_000):
    """Open path in JupyterLab and wait until its kernel is connected and idle."""
    page.goto(server.lab_url(path))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout)
    page.wait_for_function(_KERNEL_READY, arg=path, timeout=timeout, polling=100)


def cells(page, path):
    """Every cell of the open notebook: type, source, execution count, nbgrader id, outputs,
    and the numbers of pictures and widgets the page shows in it."""
    return page.evaluate(_CELLS, path)


def cell_locator(page, index):
    """The DOM node of cell number index (all cells are in the DOM in JupyterLab 4's
    default 'contentVisibility' windowing mode)."""
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)


def scroll_to(locator, block="start"):
    """Scroll the notebook until locator's node is at the top (block="start") of the view.

    Off-screen cells have estimated heights until painted, so one
    scrollIntoView can land elsewhere: repeat until the node stays put.
    """
    locator.evaluate("""async (node, block) => {
        const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        let last = NaN;
        for (let i = 0; i < 40; i++) {
            node.scrollIntoView({block});
            await frames();
            const top = node.getBoundingClientRect().top;
            if (Math.abs(top - last) < 0.5) return;
            last = top;
        }
    }""", block)


def menu(page, top, item):
    """Click menu bar entry `top`, then its item labelled exactly `item`."""
    page.locator(f".lm-MenuBar-itemLabel:text-is('{top}')").click()
    page.locator(f".lm-Menu .lm-Menu-itemLabel:text-is('{item}')").click()


def _run(page, path, start, action, timeout):
    """Do action, which runs code cells from code cell number start on, and wait until done."""
    before = page.evaluate(_PROMPTS, path)[start]
    action()
    page.wait_for_function(f"([path, i, before]) => ({_PROMPTS})(path)[i] !== before",
                           arg=[path, start, before], timeout=timeout, polling=100)
    wait_for_kernel_idle(page, path, timeout)


def run_all(page, path, timeout=120_000):
    """Run > Run All Cells, wait until the kernel has finished and every output is drawn.

    A run of several cells stops at the first cell that raises, unless the
    cell has the tag "raises-exception", as the lessons' test cells have.
    Returns the cells as cells() reports them.
    """
    _run(page, path, 0, lambda: menu(page, "Run", "Run All Cells"), timeout)
    page.wait_for_function(_RENDERED, arg=path, timeout=timeout, polling=200)
    return cells(page, path)


def errors(cell):
    return [o for o in cell["outputs"] if o["type"] == "error"]


def stderr(cell):
    return "".join(o["text"] for o in cell["outputs"] if o["type"] == "stream" and o["name"] == "stderr")


def describe(cell):
    return cell["grade_id"] or f"cell {cell['index']} ({cell['source'].splitlines()[0][:50]!r})"


def wait_for_kernel_idle(page, path, timeout=60_000):
    """Wait until no cell waits to run and the kernel is idle.

    A kernel_info round trip in between makes sure that the kernel has also
    worked through whatever was queued before (e.g. the requests it aborts
    after an error, each of which flips its status to busy and back).
    """
    page.wait_for_function(_RUN_FINISHED, arg=path, timeout=timeout, polling=100)
    page.evaluate(f"""async (path) => {{
        await ({_PANEL})(path).sessionContext.session.kernel.requestKernelInfo();
    }}""", path)
    page.wait_for_function(_RUN_FINISHED, arg=path, timeout=timeout, polling=100)


def image_info(locator):
    """Facts about a rendered <img>: natural size, size on screen, and a hash of its bytes."""
    return locator.evaluate("""async img => {
        const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        let hash = 2166136261;                       // FNV-1a, enough to tell two PNGs apart
        for (const b of bytes) hash = Math.imul(hash ^ b, 16777619) >>> 0;
        const box = img.getBoundingClientRect();
        return {src: img.src, complete: img.complete, width: img.naturalWidth,
                height: img.naturalHeight, shown_width: box.width, shown_height: box.height,
                bytes: bytes.length, hash};
    }""")


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
