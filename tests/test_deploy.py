"""The deployment files of deploy/ and the Dockerfile, checked without a cluster.

The Kubernetes manifests parse, name the image the Dockerfile builds,
mount what the configuration files expect where they expect it, and run
the course's own commands; the grading Job's script is run here on a
class folder to show that its parts cover every student exactly once.
The Hub's configuration is loaded as JupyterHub loads it. (The Hub itself
runs in tests/test_class_on_hub.py.)
"""
import os
import re
import shlex
import stat
import subprocess

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from autograder.course import COURSE_ID as COURSE, ROOT

DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
IN_IMAGE = "/srv/neural-networks"  # where the Dockerfile puts the repository
GRADER = f"grader-{COURSE}"


def documents(name):
    return [d for d in yaml.safe_load_all((KUBERNETES / name).read_text()) if d]


def in_repository(path):
    """A path inside the image, as a path of this checkout."""
    assert path.startswith(IN_IMAGE + "/"), path
    return ROOT / path[len(IN_IMAGE) + 1:]


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((KUBERNETES / "values.yaml").read_text())


@pytest.fixture(scope="module")
def jobs():
    return {d["metadata"]["name"]: d for d in documents("grade-job.yaml")}


def dockerfile():
    """The Dockerfile's instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip().split(None, 1) for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_the_dockerfile_installs_requirements_txt_into_the_repository_folder():
    steps = dockerfile()
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.1")
    runs = [args for op, args in steps if op == "RUN"]
    assert any("pip install" in r and "-r requirements.txt" in r for r in runs)
    assert any("bubblewrap" in r for r in runs), "the grader's sandbox"
    copies = [args.split() for op, args in steps if op == "COPY"]
    assert ["requirements.txt", "pyproject.toml", "README.md", "./"] in copies  # what `-e .` needs
    assert ["WORKDIR", IN_IMAGE] in [[op, args] for op, args in steps]
    env = " ".join(args for op, args in steps if op == "ENV")
    assert f"PATH={IN_IMAGE}/.venv/bin" in env
    assert steps[-1] == ["CMD", '["jupyterhub-singleuser"]']
    for name in ("requirements.txt", "pyproject.toml", "README.md"):
        assert (ROOT / name).is_file()


def test_the_students_servers_use_the_course_image_with_limits_and_the_exchange(values, jobs):
    user = values["singleuser"]
    image = f"{user['image']['name']}:{user['image']['tag']}"
    assert {c["image"] for job in jobs.values() for c in job["spec"]["template"]["spec"]["containers"]} == {image}
    assert user["cmd"] == "jupyterhub-singleuser"
    assert user["cpu"]["limit"] >= user["cpu"]["guarantee"] > 0
    assert user["memory"]["limit"] and user["memory"]["guarantee"]
    env = user["extraEnv"]
    [mount] = [m for m in user["storage"]["extraVolumeMounts"] if m["mountPath"] == env["NBGRADER_EXCHANGE"]]
    [volume] = [v for v in user["storage"]["extraVolumes"] if v["name"] == mount["name"]]
    claims = {d["metadata"]["name"]: d for d in documents("volumes.yaml")}
    exchange = claims[volume["persistentVolumeClaim"]["claimName"]]
    assert exchange["spec"]["accessModes"] == ["ReadWriteMany"]
    config = [in_repository(p) for p in env["JUPYTER_CONFIG_PATH"].split(":")]
    assert config == [DEPLOY / "jupyter" / "users", DEPLOY / "jupyter" / "common"]
    assert all(p.is_dir() for p in config)


def test_the_hub_gives_instructors_the_grader_account_and_nbgrader_its_groups(values):
    roles = values["hub"]["loadRoles"]
    instructors = roles[f"formgrade-{COURSE}"]
    assert instructors["groups"] == [f"formgrade-{COURSE}"]
    assert f"access:servers!user={GRADER}" in instructors["scopes"]
    oauth = values["hub"]["config"]["GenericOAuthenticator"]
    assert set(oauth["allowed_groups"]) == {f"nbgrader-{COURSE}", f"formgrade-{COURSE}"}
    assert oauth["manage_groups"] is True
    extra = values["hub"]["extraConfig"]["neural-networks"]
    compile(extra, "extraConfig", "exec")
    for folder in re.findall(r"\{config\}/(\w+)", extra):
        assert (DEPLOY / "jupyter" / folder).is_dir()


def test_the_grading_job_runs_the_grader_in_indexed_parts_and_one_merge(jobs, values):
    grade, merge = jobs["grade-lesson"]["spec"], jobs["grade-merge"]["spec"]
    assert grade["completionMode"] == "Indexed" and grade["parallelism"] <= grade["completions"]
    [container] = grade["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["PARTS"]) == grade["completions"]
    script = container["args"][0]
    [command] = [line for line in script.splitlines() if "-m autograder grade" in line]
    jobs_flag = shlex.split(command)[shlex.split(command).index("--jobs") + 1]
    assert int(jobs_flag) == int(container["resources"]["limits"]["cpu"])
    assert in_repository(container["workingDir"] + "/autograder") == ROOT / "autograder"
    [merger] = merge["template"]["spec"]["containers"]
    assert merge["completions"] == 1 and "-m autograder.gradebook" in merger["args"][0]
    claims = {d["metadata"]["name"] for d in documents("volumes.yaml")}
    for job in jobs.values():
        volumes = job["spec"]["template"]["spec"]["volumes"]
        assert {v["persistentVolumeClaim"]["claimName"] for v in volumes} <= claims


def test_the_grading_jobs_parts_cover_every_student_once(jobs, tmp_path):
    """The pod script run here for every index, with a `python` that lists its part."""
    [container] = jobs["grade-lesson"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    parts = int(env["PARTS"])
    course = tmp_path / "course"
    students = [f"student{n:03d}" for n in range(37)]
    for student in students:
        (course / "submitted" / student / env["LESSON"]).mkdir(parents=True)
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\n# python -m autograder grade CHUNK ...: list the chunk\nls "$4"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    seen = []
    for index in range(parts):
        done = subprocess.run(["sh", "-c", container["args"][0]], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, COURSE=str(course), PARTS=str(parts), LESSON=env["LESSON"],
                                       JOB_COMPLETION_INDEX=str(index),
                                       PATH=f"{fake.parent}:{os.environ['PATH']}"))
        assert done.returncode == 0, done.stderr
        seen += done.stdout.split()
        assert (course / "grading" / env["LESSON"] / f"part-{index}").is_dir()
    assert sorted(seen) == students


def test_the_hub_configuration_loads_with_the_class_lists(tmp_path, monkeypatch):
    (tmp_path / "instructors.txt").write_text("teacher\n")
    (tmp_path / "students.txt").write_text("# the class\nann\nbob\n\nann\n")
    monkeypatch.chdir(tmp_path)
    config = PyFileConfigLoader("jupyterhub_config.py", str(DEPLOY)).load_config()
    assert config.Authenticator.allowed_users == {GRADER, "teacher", "ann", "bob"}
    assert config.JupyterHub.load_groups == {f"formgrade-{COURSE}": {"users": ["teacher"]},
                                             f"nbgrader-{COURSE}": {"users": ["ann", "bob"]}}
    environment = config.Spawner.environment["JUPYTER_CONFIG_PATH"]

    class Spawner:
        def __init__(self, name):
            self.user = type("User", (), {"name": name})

    for name, folders in ((GRADER, ["grader", "common"]), ("ann", ["users", "common"])):
        assert environment(Spawner(name)).split(os.pathsep) == [str(DEPLOY / "jupyter" / f) for f in folders]
    assert all((DEPLOY / "jupyter" / f).is_dir() for f in ("grader", "users", "common"))
