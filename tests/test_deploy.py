"""The deployment files of deploy/ and the Dockerfile, checked without a cluster.

The Kubernetes manifests parse, name the image the Dockerfile builds,
mount what the configuration files expect where they expect it, and run
the course's own commands; the grading Jobs' commands (the containers'
command and args, as the kubelet runs them) are run here on a local class,
every index of the Indexed Job then the merge, and give the grades and
gradebook of one plain `grade` run.
The Hub's configuration is loaded as JupyterHub loads it. (The Hub itself
runs in tests/test_class_on_hub.py.)
"""
import os
import re
import subprocess

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from autograder.course import COURSE_ID as COURSE, ROOT

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

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


def kubernetes_expand(text, env):
    """`text` with Kubernetes' expansion of a container's command and args:
    $(NAME) is the variable's value, $$ a $, an unknown $(NAME) stays."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)",
                  lambda m: "$" if m[0] == "$$" else env.get(m[1], m[0]), text)


def container_of(job):
    [container] = job["spec"]["template"]["spec"]["containers"]
    return container


def argv(container, **variables):
    """The container's command and args as the kubelet runs them, with its
    environment and `variables` (the Job controller's JOB_COMPLETION_INDEX)."""
    env = dict({e["name"]: e["value"] for e in container["env"]}, **variables)
    return [kubernetes_expand(a, env) for a in container["command"] + container["args"]], env


def option(args, name):
    return args[args.index(name) + 1]


def test_the_grading_job_runs_grade_in_indexed_parts_and_one_merge(jobs):
    grade, merge = jobs["grade-lesson"]["spec"], jobs["grade-merge"]["spec"]
    assert grade["completionMode"] == "Indexed" and grade["parallelism"] <= grade["completions"]
    container, merger = container_of(jobs["grade-lesson"]), container_of(jobs["grade-merge"])
    for c in (container, merger):  # the grader's own commands, no shell
        assert c["command"] == ["python", "-m", "autograder"]
        assert in_repository(c["workingDir"] + "/autograder") == ROOT / "autograder"
        [mount] = c["volumeMounts"]
        assert {e["name"]: e["value"] for e in c["env"]}["COURSE"] == mount["mountPath"]
    parts = grade["completions"]
    outs = []
    for index in range(parts):
        args, env = argv(container, JOB_COMPLETION_INDEX=str(index))
        assert args[3] == "grade" and option(args, "--part") == f"auto/{parts}"
        assert int(option(args, "--jobs")) == int(container["resources"]["limits"]["cpu"])
        assert "$(" not in " ".join(args)
        outs.append(option(args, "--out"))
    assert len(set(outs)) == parts and all(out.endswith("/grades.csv") for out in outs)
    args, env = argv(merger)
    assert args[3] == "merge" and merge["completions"] == 1
    assert args[4:args.index("--out")] == [out.rsplit("/", 1)[0] for out in outs]  # every part, once
    assert option(args, "--gradebook") == f"{env['COURSE']}/gradebook.db"
    claims = {d["metadata"]["name"] for d in documents("volumes.yaml")}
    for job in jobs.values():
        volumes = job["spec"]["template"]["spec"]["volumes"]
        assert {v["persistentVolumeClaim"]["claimName"] for v in volumes} <= claims


def test_the_grading_jobs_commands_grade_a_class_as_one_run_does(jobs, plain_class, tmp_path):
    """Every pod of the Indexed Job run here, `parallelism` at a time, with
    JOB_COMPLETION_INDEX set as the Job controller sets it and the course
    volume a local course folder; then the merge Job's pod. The merged
    grades and gradebook are those of one plain `grade` run of the class."""
    from parts_tools import assert_same_as_plain, course_folder, environment

    course = course_folder(plain_class, tmp_path / "course")
    container, merger = container_of(jobs["grade-lesson"]), container_of(jobs["grade-merge"])

    def pod(container, **variables):
        args, env = argv(container, COURSE=str(course), **variables)
        return subprocess.Popen(args, cwd=in_repository(container["workingDir"] + "/autograder").parent,
                                env=dict(environment(), **env),  # the pod's environment
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    spec = jobs["grade-lesson"]["spec"]
    pending = list(range(spec["completions"]))
    while pending:  # `parallelism` pods at once, as the Job runs them
        running = [(i, pod(container, JOB_COMPLETION_INDEX=str(i))) for i in pending[:spec["parallelism"]]]
        del pending[:spec["parallelism"]]
        for index, process in running:
            output = process.communicate(timeout=600)[0]
            assert process.returncode == 0, f"pod {index}:\n{output}"
    merge = pod(merger)
    output = merge.communicate(timeout=600)[0]
    assert merge.returncode == 0, output
    lesson = {e["name"]: e["value"] for e in merger["env"]}["LESSON"]
    assert_same_as_plain(plain_class, course / "grading" / lesson / "grades.csv", course / "gradebook.db")


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
