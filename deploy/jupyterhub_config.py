"""JupyterHub for the neural-network course on one machine (deploy/README.md).

Students and instructors are local Unix users, logging in with their
password (PAM). The Hub runs as root from its state folder (its database,
cookie secret and the class lists), e.g. /srv/jupyterhub:

    cd /srv/jupyterhub && /srv/neural-networks/.venv/bin/jupyterhub -f /srv/neural-networks/deploy/jupyterhub_config.py

The class lists there, one user name a line:

- instructors.txt: instructors; group formgrade-neural-networks, which
  may start and use the grader account's server;
- students.txt: students; group nbgrader-neural-networks, which nbgrader's
  JupyterHub plugin reads to let them fetch and submit.

The grader account grader-neural-networks (a Unix user without a password:
nobody logs in as it) holds the course folder
~grader-neural-networks/neural-networks: nbgrader's release, submitted,
autograded and feedback folders and gradebook.db. Its Jupyter server, at
/user/grader-neural-networks/, runs formgrader and is shared with the
instructors through JupyterHub's roles. (nbgrader's documentation runs it
as a Hub-managed service instead; JupyterHub gives a managed service 10
seconds to answer when the Hub starts, or stops, and a Jupyter server
with JupyterLab and nbgrader took longer than that on a busy 2-core
machine: see deploy/README.md.)
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when JupyterHub loads this file)

COURSE = "neural-networks"
GRADER = f"grader-{COURSE}"  # the Unix account that owns the course folder
# The course's environment (requirements.txt of the repository): by default
# the one running the Hub.
PYTHON = os.environ.get("COURSE_PYTHON", sys.executable)
PATH = os.pathsep.join([str(Path(PYTHON).parent), "/usr/local/bin", "/usr/bin", "/bin"])
# Jupyter and nbgrader configuration next to this file: common/ for every
# server (course id, exchange), users/ for the users' own servers (no
# formgrader there), grader/ for the grader account's (the course folder).
JUPYTER = Path(__file__).resolve().parent / "jupyter"


def config_path(*names):
    return os.pathsep.join(str(JUPYTER / name) for name in names)


def class_list(name):
    path = Path(name)
    return sorted({line.strip() for line in path.read_text().splitlines()
                   if line.strip() and not line.startswith("#")}) if path.exists() else []


instructors, students = class_list("instructors.txt"), class_list("students.txt")

c.JupyterHub.bind_url = "http://:8000"  # put HTTPS in front (deploy/README.md)
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {GRADER, *instructors, *students}

c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "PATH": PATH,
    "JUPYTER_CONFIG_PATH": lambda spawner: config_path(
        "grader" if spawner.user.name == GRADER else "users", "common"),
}
# What a user's server may do with the Hub's API (the subset its user holds):
# what it needs to run, reading the user's own groups (nbgrader's JupyterHub
# plugin: which courses they are in), and for the grader account adding
# students to the course's group (`nbgrader db student add`).
c.Spawner.server_token_scopes = [
    "users:activity!user", "access:servers!server",
    "read:users:name!user", "read:users:groups!user",
    "list:groups", f"read:groups!group=nbgrader-{COURSE}", f"groups!group=nbgrader-{COURSE}",
]

c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": {"users": instructors},
    f"nbgrader-{COURSE}": {"users": students},
}
c.JupyterHub.load_roles = [
    {   # instructors: start, stop and use the grader account's server
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [f"servers!user={GRADER}", f"access:servers!user={GRADER}",
                   f"read:users:name!user={GRADER}"],
    },
    {   # the grader account: manage the students' group of the course
        "name": f"grader-{COURSE}",
        "users": [GRADER],
        "scopes": ["list:groups", f"read:groups!group=nbgrader-{COURSE}",
                   f"groups!group=nbgrader-{COURSE}"],
    },
]
