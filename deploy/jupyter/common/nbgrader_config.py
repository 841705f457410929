"""nbgrader's configuration for everyone on the Hub: the course and its exchange.

On JUPYTER_CONFIG_PATH of every server the Hub starts (jupyterhub_config.py).
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "neural-networks"
# The folder through which lessons, hand-ins and feedback pass: made by the
# administrator, writable by everyone, with the sticky bit (deploy/README.md).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
# Only members of the Hub's groups nbgrader-neural-networks (students) and
# formgrade-neural-networks (instructors) may fetch and submit.
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
