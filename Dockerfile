# The course's container image: the students' and the grader's Jupyter servers
# on Zero to JupyterHub, and the pods of the grading Job (deploy/kubernetes/).
# Built from requirements.txt, the environment CI tests:
#
#     docker build -t registry.example.org/neural-networks:2026.1 .
FROM python:3.11-slim-bookworm

# bubblewrap: the sandbox `python -m autograder grade` runs each notebook in;
# tini: PID 1, so that the kernels' exited processes are reaped.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap tini \
    && rm -rf /var/lib/apt/lists/*

# Zero to JupyterHub runs the servers as uid 1000 with the home folder on a volume.
RUN useradd --create-home --uid 1000 --shell /bin/bash jovyan

# The repository in /srv/neural-networks with its environment in .venv, as on
# one machine (deploy/README.md). requirements.txt installs nnlib editable
# (`-e .`), so its files are copied before the install and again with the rest.
WORKDIR /srv/neural-networks
COPY requirements.txt pyproject.toml README.md ./
COPY nnlib/ nnlib/
RUN python -m venv .venv \
    && .venv/bin/python -m pip install --no-cache-dir -r requirements.txt
COPY . .
ENV PATH=/srv/neural-networks/.venv/bin:$PATH \
    MPLCONFIGDIR=/tmp/matplotlib

USER jovyan
WORKDIR /home/jovyan
ENTRYPOINT ["tini", "--"]
CMD ["jupyterhub-singleuser"]
