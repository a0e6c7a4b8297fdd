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


def pytest_collection_modifyitems(config, items):
    """``audit`` tests (the full model-zoo FLOPs audit, about an hour) run only when ``-m`` names them."""
    if 'audit' in (config.getoption('markexpr') or ''):
        return
    skip = pytest.mark.skip(reason='full model-zoo FLOPs audit: run it with  pytest -m audit')
    for item in items:
        if 'audit' in item.keywords:
            item.add_marker(skip)
