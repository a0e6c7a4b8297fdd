"""Build a trained model and a data split from an mmdet, mmpretrain or mmseg config, outside a Runner.

The analysis tools need the model in eval mode with a checkpoint that matches it exactly, and the
images of one split; these helpers do what MMEngine's ``Runner`` does for that (default scope, model
with the config's ``data_preprocessor``, dataset with its pipeline) and check the checkpoint.
"""
import copy

from mmengine.registry import DATASETS, MODELS, init_default_scope

from mmsda.apis.checkpoint import mismatched_keys, read_checkpoint

_SHOWN_KEYS = 5


def _first(keys):
    keys = sorted(keys)
    more = f' ... (+{len(keys) - _SHOWN_KEYS} more)' if len(keys) > _SHOWN_KEYS else ''
    return ', '.join(keys[:_SHOWN_KEYS]) + more


def load_matching_checkpoint(model, path, config_name='the config'):
    """Load a checkpoint that must match the model key for key and shape for shape.

    Args:
        model (nn.Module): the model built from the config.
        path (str): checkpoint file (an MMEngine checkpoint or a bare state dict; read by
            :func:`mmsda.apis.read_checkpoint`).
        config_name (str): how to name the config in errors.

    Raises:
        ValueError: the checkpoint misses keys of the model, has keys the model does not have or
            tensors of other shapes; the message lists the first of each.
    """
    _, state_dict = read_checkpoint(path)
    expected = model.state_dict()
    missing, unexpected, reshaped = (set(keys) for keys in mismatched_keys(expected, state_dict))
    if missing or unexpected or reshaped:
        problems = []
        if missing:
            problems.append(f'{len(missing)} keys of the model are missing: {_first(missing)}')
        if unexpected:
            problems.append(f'{len(unexpected)} keys are not in the model: {_first(unexpected)}')
        if reshaped:
            shown = sorted(reshaped)[:_SHOWN_KEYS]
            problems.append(f'{len(reshaped)} tensors have other shapes: ' + ', '.join(
                f'{key} {tuple(state_dict[key].shape)} vs {tuple(expected[key].shape)} in the model'
                for key in shown))
        hint = ''
        if not reshaped and all('.fusion.' in key for key in missing | unexpected):
            hint = (' (depth-attention "fusion" weights differ: was one of them built with '
                    'with_sda=False?)')
        raise ValueError(f'checkpoint {path} does not match the model of {config_name}{hint}: '
                         + '; '.join(problems))
    model.load_state_dict(state_dict, strict=True)


def build_model(cfg):
    """The config's model (weights not initialised), with the config's ``data_preprocessor``.

    Args:
        cfg (mmengine.Config): an mmdet, mmpretrain or mmseg config (``default_scope`` set).

    Returns:
        nn.Module: the model, in eval mode.
    """
    init_default_scope(cfg.default_scope)
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:  # as the Runner does (mmpretrain configs)
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    return MODELS.build(model_cfg).eval()


def _dataset_cfg(cfg, split):
    key = f'{split}_dataloader'
    if not cfg.get(key):
        raise ValueError(f'the config has no {key} (--split {split}); it has '
                         f'{sorted(k[:-len("_dataloader")] for k in cfg if k.endswith("_dataloader"))}')
    return copy.deepcopy(cfg[key].dataset)


def build_split(cfg, split):
    """The dataset of ``<split>_dataloader`` (with its pipeline) as the Runner would build it.

    Args:
        cfg (mmengine.Config): the config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Returns:
        BaseDataset: the dataset.
    """
    init_default_scope(cfg.default_scope)
    return DATASETS.build(_dataset_cfg(cfg, split))


def image_file_pipeline(cfg, split):
    """The ``<split>_dataloader`` pipeline without its annotation loading, for bare image files.

    Args:
        cfg (mmengine.Config): the config.
        split (str): whose pipeline to take.

    Returns:
        Callable[[dict], dict]: call it with ``dict(img_path=..., img_id=...)``.
    """
    from mmengine.dataset import Compose
    init_default_scope(cfg.default_scope)
    dataset = _dataset_cfg(cfg, split)
    while 'pipeline' not in dataset and 'dataset' in dataset:  # dataset wrappers
        dataset = dataset['dataset']
    transforms = [t for t in dataset.get('pipeline', []) if 'LoadAnnotations' not in str(t.get('type'))]
    return Compose(transforms)
