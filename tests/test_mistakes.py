"""Graders that are never wrong: every catalogued mistake fails with a message
naming it, every correct variant passes (see autograder/mistakes/)."""
import importlib
import re

import pytest

from autograder import mistakes
from lesson_session import LessonSession

pytestmark = pytest.mark.slow  # kernels, notebooks or whole classes: not in the fast tier

CATALOGUES = mistakes.MODULES


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_mistakes_fail_and_correct_variants_pass(catalogue):
    module = importlib.import_module(f"autograder.mistakes.{catalogue}")
    problems = []
    with LessonSession(module.LESSON) as session:
        missing = set(session.exercises) - {v.function for v in module.MISTAKES}
        assert not missing, f"no mistakes catalogued for {sorted(missing)}"
        for variant in module.MISTAKES:
            failures = [m for m in session.try_variant(variant).values() if m]
            if not failures:
                problems.append(f"{variant.function}: mistake '{variant.name}' passes every test")
            elif not any(re.search(variant.mentions, m, re.IGNORECASE | re.DOTALL)
                         for m in failures if m.startswith(("CheckFailed", "ForbiddenCall"))):
                problems.append(f"{variant.function}: mistake '{variant.name}' fails, but no "
                                f"message mentions /{variant.mentions}/: {failures}")
        for variant in module.CORRECT:
            failures = {k: m for k, m in session.try_variant(variant).items() if m}
            if failures:
                problems.append(f"{variant.function}: correct variant '{variant.name}' fails: {failures}")
    assert not problems, "\n".join(problems)
