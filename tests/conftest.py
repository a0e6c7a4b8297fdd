import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='session')
def repo_root():
    return REPO


@pytest.fixture(scope='session')
def python():
    """The interpreter running the tests (the project's venv), for subprocess calls of the tools."""
    return sys.executable
