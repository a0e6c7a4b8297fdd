"""The model zoo as the metafiles record it (read by ``tools/misc/gen_model_zoo.py``).

Tests of a family compare a paper's figures with these numbers; ``test_model_zoo.py`` checks the
numbers against the built models.
"""
import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_generator():
    path = os.path.join(REPO, 'tools', 'misc', 'gen_model_zoo.py')
    spec = importlib.util.spec_from_file_location('gen_model_zoo', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: ``tools/misc/gen_model_zoo.py`` as a module
GENERATOR = _load_generator()
#: every metafile entry, in the order of model-index.yml
ZOO = GENERATOR.read_zoo(REPO)
_BY_CONFIG = {model['Config'][len('configs/'):]: model for model in ZOO}


def metadata(config):
    """The ``Metadata`` of the metafile entry of ``configs/<config>`` (e.g. ``'sda/sda-resnet86_8xb32_in1k.py'``)."""
    if config not in _BY_CONFIG:
        raise KeyError(f'configs/{config} is in no metafile')
    return _BY_CONFIG[config]['Metadata']
