"""Do the parts of a model fit together? Backbone → neck → head channels, checked on a dummy image.

The most common error when a backbone is swapped is a neck (or head) whose ``in_channels`` still
lists the old backbone's channels; PyTorch then reports a convolution's weight shape deep inside the
neck. :func:`trace_channels` runs the backbone and neck on a dummy image and names the module, the
channels its config expects and the channels it gets.
"""
import torch


class ChannelMismatchError(ValueError):
    """A module's ``in_channels`` do not match the channels of the module feeding it."""


def _as_tuple(features):
    return (features, ) if isinstance(features, torch.Tensor) else tuple(features)


def in_channels_problem(consumer, consumer_cfg, producer, produced):
    """The mismatch between a module's configured ``in_channels`` and the channels it receives.

    Args:
        consumer (str): config path of the receiving module, e.g. ``'model.neck'``.
        consumer_cfg (dict): its config (``type``, ``in_channels``).
        producer (str): what feeds it, e.g. ``'model.backbone (mmsda.SDAResNet)'``.
        produced (list[int]): the channels of each feature map it receives.

    Returns:
        str | None: the message, None when they match (or the config has no ``in_channels``).
    """
    expected = consumer_cfg.get('in_channels')
    if expected is None:
        return None
    produced = [int(c) for c in produced]
    if isinstance(expected, int):
        if all(c == expected for c in produced):
            return None
        fix = produced[0] if len(set(produced)) == 1 else produced
    else:
        expected = list(expected)
        if expected == produced:
            return None
        fix = produced
    return (f'{consumer} ({consumer_cfg.get("type")}): in_channels={expected} do not match the output '
            f'channels of {producer}: {produced}. Set {consumer}.in_channels={fix}')


def _head_names(model_cfg):
    return [name for name in ('rpn_head', 'bbox_head', 'head') if model_cfg.get(name)]


def trace_channels(model, model_cfg, images):
    """Run ``model.backbone`` (and ``model.neck``) on ``images`` and check every ``in_channels``.

    Checked: the neck against the backbone outputs, and the heads that take features directly
    (``rpn_head``/``bbox_head`` of mmdet detectors, ``head`` of mmpretrain classifiers, which uses the
    last feature map) against the neck outputs (the backbone's without a neck).

    Args:
        model (nn.Module): the built model (eval mode; called under ``torch.no_grad``).
        model_cfg (dict): its config (``cfg.model``), for the names and ``in_channels`` the user wrote.
        images (Tensor): B×3×H×W dummy input.

    Returns:
        dict[str, list[tuple]]: output shapes of ``'backbone'`` (and ``'neck'``).

    Raises:
        ChannelMismatchError: naming the module, its ``in_channels`` and the channels it receives.
    """
    shapes = {}
    with torch.no_grad():
        features = _as_tuple(model.backbone(images))
        shapes['backbone'] = [tuple(f.shape) for f in features]
        source = f'model.backbone ({model_cfg["backbone"].get("type")})'
        if model_cfg.get('neck'):
            problem = in_channels_problem('model.neck', model_cfg['neck'], source, [f.shape[1] for f in features])
            if problem:
                raise ChannelMismatchError(problem)
            features = _as_tuple(model.neck(features))
            shapes['neck'] = [tuple(f.shape) for f in features]
            source = f'model.neck ({model_cfg["neck"].get("type")})'
    channels = [f.shape[1] for f in features]
    for name in _head_names(model_cfg):
        received = channels[-1:] if name == 'head' else channels  # mmpretrain heads take the last map
        problem = in_channels_problem(f'model.{name}', model_cfg[name], source, received)
        if problem:
            raise ChannelMismatchError(problem)
    return shapes
