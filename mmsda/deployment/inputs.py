"""Inputs for checking an exported model: the default input size and a real, preprocessed image."""
import importlib
import math
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn

CLASSIFIER_SHAPE = (224, 224)
DETECTOR_SHAPE = (800, 1344)  # mmdet's (1333, 800) test scale, padded to a multiple of 32


def _test_dataset_cfg(cfg):
    dataloader = cfg.get('test_dataloader') or {}
    return dataloader.get('dataset')


def default_shape(cfg, task: str) -> Tuple[int, int]:
    """The export input size (H, W) of a config.

    Classifiers: 224×224. Detectors: the test pipeline's ``Resize`` scale, padded to the data
    preprocessor's ``pad_size_divisor`` (``(1333, 800)`` → 800×1344); 800×1344 without one.
    """
    if task == 'classification':
        return CLASSIFIER_SHAPE
    dataset = _test_dataset_cfg(cfg) or {}
    resize = [t for t in dataset.get('pipeline', []) if str(t.get('type', '')).split('.')[-1] == 'Resize']
    scale = resize[0].get('scale') if resize else None
    if not (isinstance(scale, (tuple, list)) and len(scale) == 2):
        return DETECTOR_SHAPE
    divisor = (cfg.model.get('data_preprocessor') or {}).get('pad_size_divisor', 1) or 1
    width, height = scale
    return tuple(int(math.ceil(side / divisor) * divisor) for side in (height, width))


def first_test_image(cfg) -> Tuple[Optional[str], str]:
    """The first image of the config's test data set, if its annotations exist on disk.

    Nothing is generated or downloaded: a data set whose annotation file is missing gives no image.

    Returns:
        tuple: (image path or None, a note saying where it comes from or why there is none).
    """
    dataset_cfg = _test_dataset_cfg(cfg)
    if dataset_cfg is None:
        return None, 'the config has no test_dataloader.dataset'
    datasets = importlib.import_module(f'{cfg.default_scope}.registry').DATASETS
    try:
        dataset = datasets.build(dict(dataset_cfg, lazy_init=True))
        ann_file = getattr(dataset, 'ann_file', '')
        if ann_file and not osp.isfile(ann_file):
            return None, f'the test annotation file {ann_file} does not exist'
        dataset.full_init()
        if len(dataset) == 0:
            return None, 'the test data set is empty'
        path = dataset.get_data_info(0)['img_path']
    except Exception as error:  # any data set the config names, in any state
        return None, f'the test data set cannot be read ({type(error).__name__}: {str(error)[:200]})'
    return path, f'the first test image of the config, {path}'


def image_input(model: nn.Module, image_path: str, shape: Sequence[int]) -> torch.Tensor:
    """An image file as the exported model's input: resized to H×W, then the model's data preprocessor.

    Args:
        model (nn.Module): the config's model (its ``data_preprocessor`` converts and normalises).
        image_path (str): any image mmcv reads.
        shape (Sequence[int]): H, W.

    Returns:
        Tensor: 1×3×H×W, normalised as in the config.
    """
    import mmcv

    if not osp.isfile(image_path):
        raise FileNotFoundError(f'image file not found: {image_path}')
    image = mmcv.imread(image_path)  # H×W×3 BGR, as LoadImageFromFile gives it
    if image is None:
        raise ValueError(f'{image_path} is not an image mmcv can read')
    h, w = shape
    image = mmcv.imresize(image, (w, h))
    tensor = torch.from_numpy(image).permute(2, 0, 1).contiguous()
    with torch.no_grad():
        inputs = model.data_preprocessor(dict(inputs=[tensor]), False)['inputs']
    return inputs[..., :h, :w].float()
