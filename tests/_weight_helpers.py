"""Weights for comparisons: random weights and BN statistics, and checkpoints saved as the authors saved
them (for the converter tests)."""
import sys
import types

import torch


def save_as_official(obj, path, module_name, classes):
    """``torch.save`` with ``classes`` pretending to live in the authors' module ``module_name``,
    which does not exist at load time (as in a real official checkpoint)."""
    module = types.ModuleType(module_name)
    saved = [(cls, cls.__module__) for cls in classes]
    for cls in classes:
        cls.__module__ = module_name
        setattr(module, cls.__name__, cls)
    sys.modules[module_name] = module
    try:
        torch.save(obj, path)
    finally:
        del sys.modules[module_name]
        for cls, name in saved:
            cls.__module__ = name


def randomize(model, seed=0, scale=0.1):
    """Random weights (normal, std ``scale``) and BN statistics, in place; returns the model in eval mode.

    So that a wrong key mapping or a different formula shows in the outputs.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype.is_floating_point:
                t.copy_(torch.rand(t.shape, generator=g) + 0.5 if 'running_var' in name
                        else torch.randn(t.shape, generator=g) * scale)
    return model.eval()
