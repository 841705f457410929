"""What the grading steps found, kept in the notebook's own metadata.

Each step that finds something worth a status notes it here, in
``nb.metadata["autograder"]``, which nbgrader writes into the autograded
notebook with the rest; the grader reads it back from there for the
grades CSV. A status is one of `SEVERITY`; the row shows the most serious.
"""
KEY = "autograder"
SETUP_FAULT = "the grading set-up is broken, not the notebook"  # begins such an error's reason
SEVERITY = ["error", "memory", "processes", "disk", "crashed", "timeout", "tampered", "ok"]


def cell_name(cell, number):
    """A cell as the student knows it: its grade id, else its number in
    their own file (intake noted it; `number` where it did not) and its
    first line."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    if grade_id:
        return f"cell {grade_id}"
    number = cell.metadata.get(KEY, {}).get("cell", number)
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {number} ({first[:40]}{'...' if len(first) > 40 else ''})"


def reset(nb):
    """Forget anything a submission claims to have been found (intake)."""
    nb.metadata[KEY] = {"events": []}
    for cell in nb.cells:
        cell.metadata.pop(KEY, None)


def note(nb, status, reason):
    assert status in SEVERITY, status
    nb.metadata.setdefault(KEY, {}).setdefault("events", []).append([status, reason])


def events(nb):
    """[(status, reason)] in the order the steps noted them."""
    return [tuple(event) for event in nb.metadata.get(KEY, {}).get("events", [])]


def status_and_reason(events):
    """The row's status (the most serious) and reason (all, once each)."""
    status = min((s for s, _ in events), key=SEVERITY.index, default="ok")
    reason = "; ".join(dict.fromkeys(r for _, r in events)) or "graded"
    return status, reason
