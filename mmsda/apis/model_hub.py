"""Make mmsda's classifiers known to mmpretrain's model hub, so they are usable by name.

mmpretrain's ``inference_model`` chooses its inferencer from the model hub entry (a model built from a
config path has none and is refused with ``NotImplementedError``), and ``get_model`` /
``ImageClassificationInferencer`` accept hub names. :func:`register_models` adds the classifiers of
mmsda's ``model-index.yml`` (the OpenMMLab metafile index at the repository root) to that hub.
"""
import os.path as osp
import warnings
from typing import List, Optional

REPO_MODEL_INDEX = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'model-index.yml')
CLASSIFICATION = 'Image Classification'


def register_models(model_index: Optional[str] = None) -> List[str]:
    """Register every model of mmsda's metafiles with an image-classification result in mmpretrain's hub.

    After this, ``mmpretrain.get_model(name, pretrained=CKPT)``, ``inference_model(name, img,
    pretrained=CKPT)`` and ``ImageClassificationInferencer(name, pretrained=CKPT)`` work with mmsda
    model names (``sda-resnet86_8xb32_in1k``, ``sda-resnet26-tiny_1xb32_shapes-cls`` ...). mmpretrain's
    own models keep their names: an mmsda model whose name is taken is skipped with a warning (use its
    config path with ``get_model``/``ImageClassificationInferencer`` instead). Calling it again is a
    no-op.

    Args:
        model_index (str, optional): the ``model-index.yml`` to read. Default: the one of the mmsda
            repository this package is installed from (an editable install).

    Returns:
        list[str]: the names registered by this call.

    Raises:
        FileNotFoundError: no model index at ``model_index`` (e.g. mmsda installed without its
            repository: pass the path of a checkout's ``model-index.yml``).
    """
    from modelindex.load_model_index import load
    from mmpretrain.apis import ModelHub, list_models

    path = osp.abspath(model_index or REPO_MODEL_INDEX)
    if not osp.isfile(path):
        raise FileNotFoundError(f'mmsda model index not found: {path} (it is model-index.yml in the '
                                'mmsda repository; pass its path as model_index)')
    root = osp.dirname(path)  # the metafiles' config paths are relative to the repository root
    list_models()  # registers mmpretrain's own models first: their names take precedence
    index = load(path)
    index.build_models_with_collections()
    registered, taken = [], []
    for model in index.models:
        if CLASSIFICATION not in {result.task for result in (model.results or [])}:
            continue
        name = model.name.lower()
        config = osp.normpath(osp.join(root, model.config))
        if ModelHub.has(name):
            if ModelHub._models_dict[name].config != config:
                taken.append(name)
            continue
        model.config = config
        # ModelHub.register_model_index would register the detectors too and stops at the first name
        # mmpretrain already has; the hub's dict is filled the same way it does.
        ModelHub._models_dict[name] = model
        registered.append(name)
    if taken:
        warnings.warn(f'mmsda.apis.register_models: names already used by mmpretrain models, skipped: '
                      f'{", ".join(taken)} (use their config paths)')
    return registered
