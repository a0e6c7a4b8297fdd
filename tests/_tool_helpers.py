"""Import a script of ``tools/`` as a module, to call its ``main`` or helpers in-process."""
import importlib.util
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def import_tool(relative_path):
    """The module of ``tools/<relative_path>`` (e.g. ``'analysis_tools/scale_study.py'``)."""
    path = osp.join(REPO, 'tools', relative_path)
    spec = importlib.util.spec_from_file_location(osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
