"""The instructor's commands, on top of nbgrader: ``python -m autograder --help``."""
import sys

# nbformat imports jsonschema, which builds a parser for IRIs with
# rfc3987_syntax (installed for JupyterLab) as it is imported: 1 s of CPU in
# the grader and in every grading worker. No notebook schema checks an IRI,
# and without that module jsonschema leaves the "iri" format unchecked.
sys.modules.setdefault("rfc3987_syntax", None)
