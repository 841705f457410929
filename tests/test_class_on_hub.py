"""A class on JupyterHub, end to end, with the configuration of deploy/.

JupyterHub runs on 127.0.0.1 with deploy/jupyterhub_config.py (only ports,
the exchange folder and a token for the test itself are changed), with
real local Unix users: an instructor, three students and the grader
account. Everything goes through the Hub as the browser would:

- the instructor starts the grader account's server and, through its
  formgrader API, generates and releases lesson 01;
- the students, through their own servers' nbgrader assignment-list API
  (what the Assignments tab of JupyterLab calls) and contents API (what
  saving a notebook calls), fetch it; one solves it, one leaves it
  untouched, one hands in a broken file; all three submit;
- the instructor collects, runs ``python -m autograder grade`` with the
  gradebook as the grader account (as in a terminal of its server),
  checks that formgrader shows the grades of grades.csv, generates and
  releases the feedback;
- each student fetches the feedback and reads their score in it.

A browser test logs a student in and opens the Assignments tab, and checks that the
student sees none of nbgrader's instructor panels and the instructor, on the grader
account's server, sees both.

Needs root (to make the users, who are removed afterwards), npm's
configurable-http-proxy and bubblewrap; skipped without them, except in
CI. If the Python environment lies under a folder other users cannot
enter (a pyenv in /root), the test users' group gets the right to pass
through (not to list) those folders while the test runs (an ACL; where
the file system has none, the folder's "x" bit for others).
"""
import csv
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from autograder import sample_class
from autograder.course import COURSE_ID as COURSE, ROOT
from browser_tools import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, free_port, in_ci
from notebook_tools import require_sandbox

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

requests = pytest.importorskip("requests")  # a dependency of jupyterhub

DEPLOY = ROOT / "deploy"
LESSON = "01_single_unit"
GRADER = f"grader-{COURSE}"
INSTRUCTOR = "nnt-teacher"
SOLVER, IDLE, BROKEN = "nnt-solver", "nnt-idle", "nnt-broken"
STUDENTS = [SOLVER, IDLE, BROKEN]
GROUP = "nnt-class"  # the test users' Unix group
PASSWORD = secrets.token_urlsafe(12)
START = 180  # seconds for the Hub or a server to answer on two busy cores


def require(ok, message):
    if not ok:
        if in_ci():
            pytest.fail(f"{message} (CI is set, so the JupyterHub test must not be skipped)", pytrace=False)
        pytest.skip(message)


def run(*command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=kwargs.pop("timeout", 60), **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout}{done.stderr}"
    return done


def wait_for(what, check, timeout=START, hub=None):
    """Poll `check` until it returns something true; fail with the Hub's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except requests.RequestException:
            result = None
        if result:
            return result
        if hub is not None and hub.process.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}" + (f"\n{hub.log_tail()}" if hub else ""), pytrace=False)


# ---------------------------------------------------------------- users

def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def blocking_folders():
    """Folders on the way to the Python environment that others cannot enter."""
    found = set()
    for path in (Path(sys.executable).resolve(), Path(sys.base_prefix).resolve(), Path(sys.prefix), ROOT):
        for folder in (path, *path.parents):
            if folder.is_dir() and not folder.stat().st_mode & 0o001:
                found.add(folder)
    return sorted(found)


def kill_processes_of(name):
    uid = pwd.getpwnam(name).pw_uid
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        uids = next((line.split()[1:] for line in lines if line.startswith("Uid:")), [])
        if uids and int(uids[0]) == uid:
            try:
                os.kill(int(status.parent.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


def remove_user(name):
    kill_processes_of(name)
    subprocess.run(["userdel", "--remove", name], capture_output=True, timeout=60)


class Users:
    """The Unix users of the class, made for the test and removed after it."""

    def __init__(self, base):
        self.base, self.opened, self.modes = base, [], {}

    def make(self):
        if subprocess.run(["getent", "group", GROUP], capture_output=True).returncode != 0:
            run("groupadd", GROUP)
        for name in [GRADER, INSTRUCTOR, *STUDENTS]:
            if user_exists(name):  # left by an interrupted run
                remove_user(name)
            run("useradd", "--create-home", "--base-dir", str(self.base / "home"), "--groups", GROUP,
                "--shell", "/bin/bash", name)
        run("chpasswd", input="".join(f"{name}:{PASSWORD}\n" for name in [INSTRUCTOR, *STUDENTS]))
        for folder in blocking_folders():
            done = subprocess.run(["setfacl", "--modify", f"g:{GROUP}:x", str(folder)],
                                  capture_output=True, timeout=60)
            if done.returncode == 0:
                self.opened.append(folder)
            else:  # a file system without ACLs: let everyone pass, until the test ends
                self.modes[folder] = folder.stat().st_mode
                folder.chmod(stat.S_IMODE(self.modes[folder]) | 0o001)

    def remove(self):
        for folder in self.opened:
            subprocess.run(["setfacl", "--remove", f"g:{GROUP}", str(folder)], capture_output=True, timeout=60)
        for folder, mode in self.modes.items():
            folder.chmod(stat.S_IMODE(mode))
        for name in [GRADER, INSTRUCTOR, *STUDENTS]:
            if user_exists(name):
                remove_user(name)
        subprocess.run(["groupdel", GROUP], capture_output=True, timeout=60)


# ---------------------------------------------------------------- the Hub

class Hub:
    def __init__(self, base):
        self.base, self.dir = base, base / "hub"
        self.exchange = base / "exchange"
        self.port, self.token = free_port(), secrets.token_hex(32)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process, self.tokens = None, {}

    def start(self):
        self.dir.mkdir()
        self.exchange.mkdir()
        self.exchange.chmod(0o777)  # as deploy/README.md makes /srv/nbgrader/exchange
        (self.dir / "instructors.txt").write_text(INSTRUCTOR + "\n")
        (self.dir / "students.txt").write_text("\n".join(STUDENTS) + "\n")
        config = self.dir / "test_config.py"
        config.write_text(f"""
c = get_config()
load_subconfig({str(DEPLOY / "jupyterhub_config.py")!r})
c.JupyterHub.bind_url = "http://127.0.0.1:{self.port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.Spawner.environment["NBGRADER_EXCHANGE"] = {str(self.exchange)!r}
c.Spawner.start_timeout = c.Spawner.http_timeout = {START}
# the test's own service: it makes the users' API tokens
c.JupyterHub.services = [{{"name": "class-test", "api_token": {self.token!r}}}]
c.JupyterHub.load_roles.append({{"name": "admin", "services": ["class-test"]}})
""")
        bin_dir = str(Path(sys.executable).parent)
        env = dict(os.environ, PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
        self.log = open(self.dir / "hub.log", "w")
        self.process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                        cwd=self.dir, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        wait_for("the Hub to answer", lambda: self.hub_api("GET", "/").ok, hub=self)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the Hub stops the servers and the proxy
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()

    def log_tail(self, lines=400):
        return "\n".join((self.dir / "hub.log").read_text(errors="replace").splitlines()[-lines:])

    def hub_api(self, method, path, user=None, **kwargs):
        token = self.token if user is None else self.token_of(user)
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                                headers={"Authorization": f"token {token}"}, **kwargs)

    def token_of(self, user):
        if user not in self.tokens:
            answer = self.hub_api("POST", f"/users/{user}/tokens", json={"note": "class test", "expires_in": 3600})
            assert answer.status_code == 201, answer.text
            self.tokens[user] = answer.json()["token"]
        return self.tokens[user]

    def call(self, user, method, url, **kwargs):
        """A request to a server behind the Hub, with the user's token."""
        answer = requests.request(method, f"{self.url}{url}", timeout=300,
                                  headers={"Authorization": f"token {self.token_of(user)}"}, **kwargs)
        assert answer.ok, f"{method} {url}: {answer.status_code} {answer.text[:2000]}\n{self.log_tail()}"
        return answer

    def start_server(self, user, by=None):
        answer = self.hub_api("POST", f"/users/{user}/server", user=by or user)
        assert answer.status_code in (201, 202), answer.text
        wait_for(f"the server of {user}", lambda: self.hub_api("GET", f"/users/{user}", user=by or user)
                 .json()["servers"].get("", {}).get("ready"), hub=self)

    # the student's side: nbgrader's assignment-list API, as the Assignments tab calls it
    def assignments(self, student, action=None):
        if action:
            answer = self.call(student, "POST", f"/user/{student}/assignments/{action}",
                               json={"course_id": COURSE, "assignment_id": LESSON})
        else:
            answer = self.call(student, "GET", f"/user/{student}/assignments", params={"course_id": COURSE})
        listing = answer.json()
        assert listing.get("success", True) is not False, listing
        return listing["value"] if isinstance(listing, dict) else listing

    def contents(self, user, path, model=None):
        url = f"/user/{user}/api/contents/{path}"
        if model is None:
            return self.call(user, "GET", url, params={"content": 1}).json()
        return self.call(user, "PUT", url, json=model).json()

    # the instructor's side: formgrader on the grader account's server
    def formgrader(self, action, method="POST"):
        answer = self.call(INSTRUCTOR, method, f"/user/{GRADER}/formgrader/api/{action}")
        result = answer.json()
        if isinstance(result, dict) and "success" in result:
            assert result["success"], result
        return result


@pytest.fixture(scope="module")
def hub():
    require(os.geteuid() == 0, "the JupyterHub test makes local Unix users, which needs root")
    require(shutil.which("configurable-http-proxy"),
            "configurable-http-proxy is missing: npm install -g configurable-http-proxy")
    for tool in ("useradd", "chpasswd", "setfacl"):
        require(shutil.which(tool), f"{tool} is missing (apt-get install passwd acl)")
    require_sandbox()
    base = Path(tempfile.mkdtemp(prefix="nn-hub-", dir="/tmp"))
    base.chmod(0o755)
    users, hub = Users(base), Hub(base)
    try:
        users.make()
        # the instructor makes the course folder (deploy/README.md)
        run("runuser", "-u", GRADER, "--", "mkdir", str(Path(pwd.getpwnam(GRADER).pw_dir) / COURSE))
        hub.start()
        hub.start_server(GRADER, by=INSTRUCTOR)
        yield hub
    finally:
        hub.stop()
        users.remove()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def released(hub):
    """Lesson 01 generated and released by the instructor, fetched by every student."""
    hub.formgrader(f"assignment/{LESSON}/assign")
    hub.formgrader(f"assignment/{LESSON}/release")
    for student in STUDENTS:
        hub.start_server(student)
        [offered] = hub.assignments(student)
        assert (offered["assignment_id"], offered["status"]) == (LESSON, "released")
        [fetched] = hub.assignments(student, "fetch")
        assert fetched["status"] == "fetched"
    return hub


# ---------------------------------------------------------------- the class

def grader_run(hub, *command):
    """A command of the instructor's in a terminal of the grader account's server."""
    home = pwd.getpwnam(GRADER).pw_dir
    jupyter = DEPLOY / "jupyter"
    env = dict(PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
               HOME=home, USER=GRADER, LANG="C.UTF-8", NBGRADER_EXCHANGE=str(hub.exchange),
               JUPYTER_CONFIG_PATH=os.pathsep.join([str(jupyter / "grader"), str(jupyter / "common")]))
    return run(shutil.which("runuser"), "-u", GRADER, "--", *command, cwd=ROOT, env=env, timeout=900)


def handed_in(listing):
    """The lessons a student submitted, from the assignment list."""
    return [a for a in listing if "submissions" in a and a["assignment_id"] == LESSON]


def test_a_lesson_goes_out_is_handed_in_graded_and_comes_back_with_feedback(released):
    hub = released
    path = f"{LESSON}/{LESSON}.ipynb"
    # one student solves the lesson in JupyterLab and saves it
    model = hub.contents(SOLVER, path)
    nb = nbformat.from_dict(model["content"])
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sample_class.exercises(LESSON):
            cell.source = sample_class.answer(LESSON, grade_id)
    hub.contents(SOLVER, path, {"type": "notebook", "format": "json", "content": nb})
    # one saves a file that is no longer a notebook
    text = json.dumps(hub.contents(BROKEN, path)["content"])
    hub.contents(BROKEN, path, {"type": "file", "format": "text", "content": text[: len(text) // 2]})
    for student in STUDENTS:
        [submitted] = handed_in(hub.assignments(student, "submit"))
        assert len(submitted["submissions"]) == 1, submitted

    hub.formgrader(f"assignment/{LESSON}/collect")
    home = Path(pwd.getpwnam(GRADER).pw_dir)
    course, out = home / COURSE, home / "grades" / "grades.csv"
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(STUDENTS)
    graded = grader_run(hub, sys.executable, "-m", "autograder", "grade", str(course / "submitted"),
                        "--out", str(out), "--jobs", "2", "--gradebook", str(course / "gradebook.db"))
    rows = {r["student"]: r for r in csv.DictReader(open(out))}
    assert {s: rows[s]["status"] for s in STUDENTS} == {SOLVER: "ok", IDLE: "ok", BROKEN: "corrupt"}, graded.stdout
    full = float(rows[SOLVER]["max_score"])
    assert float(rows[SOLVER]["score"]) == full > 0 and float(rows[IDLE]["score"]) == 0

    # formgrader reads the grades from the gradebook
    shown = {s["student"]: s for s in hub.formgrader(f"submissions/{LESSON}", "GET")}
    for student in (SOLVER, IDLE):
        assert shown[student]["autograded"] and shown[student]["score"] == float(rows[student]["score"])
        assert shown[student]["max_score"] == full
    assert shown[BROKEN]["score"] == 0  # in the gradebook, as in grades.csv

    hub.formgrader(f"assignment/{LESSON}/generate_feedback")
    hub.formgrader(f"assignment/{LESSON}/release_feedback")
    for student in STUDENTS:
        [lesson] = handed_in(hub.assignments(student, "fetch_feedback"))
        if student == BROKEN:  # nothing could be graded, so nbgrader has no feedback for it
            assert not any(s["has_local_feedback"] for s in lesson["submissions"])
            continue
        [submission] = [s for s in lesson["submissions"] if s["has_local_feedback"]]
        folder = hub.contents(student, submission["local_feedback_path"])["content"]
        [feedback] = [n for n in folder if n["name"].endswith(".html")]
        html = hub.contents(student, feedback["path"])["content"]
        assert f"Score: {float(rows[student]['score']):.1f} / {full:.1f}" in html


def log_in(browser, hub, user):
    """A new page of `browser`, logged in to the hub as `user`."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(120_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    return page


def test_the_students_jupyterlab_shows_the_lesson_in_the_assignments_tab(released):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    require(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: apt-get install chromium")
    hub = released
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = log_in(browser, hub, IDLE)
            page.wait_for_url(f"**/user/{IDLE}/lab**")
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            menu = page.locator(".lm-Menu-itemLabel")
            menu.filter(has_text="Assignment List").click()
            page.locator(".lm-TabBar-tab", has_text="Assignments").wait_for()
            # the student fetched lesson 01: it is listed under the downloaded assignments
            fetched = page.locator("#nbgrader-assignment-list #fetched_assignments_list")
            fetched.get_by_text(LESSON).first.wait_for()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "hub_assignments_tab.png"))
            # the students' JupyterLab has no instructor panels (deploy/jupyter/users):
            # no Formgrader in the Nbgrader menu, no "Create Assignment" in the right sidebar
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            menu.filter(has_text="Course List").wait_for()
            assert menu.filter(has_text="Formgrader").count() == 0
            assert menu.filter(has_text="Create assignment").count() == 0
            page.keyboard.press("Escape")
            right = page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab")
            right.first.wait_for()
            assert right.filter(has_text="Create Assignment").count() == 0
            assert page.locator("#nbgrader-create_assignemnt").count() == 0   # nbgrader's own id
            page.context.close()

            # the instructor, on the grader account's server, has both
            page = log_in(browser, hub, INSTRUCTOR)
            page.wait_for_url("**/hub/**")
            page.goto(f"{hub.url}/user/{GRADER}/lab")
            page.wait_for_load_state()
            if "oauth2/authorize" in page.url:   # the Hub asks before opening another user's server
                page.locator("form [type=submit]").first.click()
            page.wait_for_url(f"**/user/{GRADER}/lab**")
            menu = page.locator(".lm-Menu-itemLabel")
            right = page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab")
            right.filter(has_text="Create Assignment").wait_for()
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            menu.filter(has_text="Formgrader").first.wait_for()
            menu.filter(has_text="Create assignment").wait_for()
            page.screenshot(path=str(ARTIFACTS / "hub_instructor_panels.png"))
        finally:
            browser.close()
