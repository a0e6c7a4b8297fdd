"""Name the module a failed export comes from.

An exporter failure is an error about an operator (``aten::adaptive_avg_pool2d``, a custom op ...)
deep inside a traced graph. :func:`locate_export_failure` turns it into :class:`ExportError` naming
the module of the model that produced that operator: the innermost module whose ``forward`` was
running (errors while tracing), the scope of the graph node being converted (errors of the ONNX
conversion), or the module behind an ONNX node's name (operators ONNX Runtime cannot run).
"""
import contextlib
import re
from typing import Optional

import torch.nn as nn


class ExportError(RuntimeError):
    """A model cannot be exported; the message names the module when it is known."""


def describe_module(root: nn.Module, path: Optional[str]) -> Optional[str]:
    """``"'backbone.layer1.0.conv2' (DeformConv2d)"`` for a dotted module path of ``root``.

    A wrapper around a config's model sets ``name_prefix`` (e.g. ``'model.'``), which is left out so
    the path reads as in the config's model.
    """
    if path is None:
        return None
    module = dict(root.named_modules()).get(path)
    prefix = getattr(root, 'name_prefix', '')
    shown = path[len(prefix):] if prefix and path.startswith(prefix) else path
    return f"'{shown}' ({type(module).__name__})" if module is not None else f"'{shown}'"


def module_path_from_scope(root: nn.Module, scope: str) -> Optional[str]:
    """The dotted module path of a TorchScript scope name (``__main__.W::/...ResStage::layer3/...::layer3.0``)."""
    names = [part.split('::', 1)[1] for part in scope.split('/') if '::' in part]
    return _walk(root, [name for name in names if name])


def module_path_from_node_name(root: nn.Module, node_name: str) -> Optional[str]:
    """The module of an ONNX node named by the TorchScript exporter, e.g. ``/model/layer3/layer3.0/conv2/Conv``."""
    return _walk(root, node_name.strip('/').split('/')[:-1])


def _walk(root, segments):
    """Follow exporter names down the module tree: each is a child's name, or its parent's name dotted
    in front (``layer3.0``), or with a call counter appended (``relu_1``); stop at the first that is not."""
    module, path, previous = root, [], None
    if segments and segments[0] not in root._modules:
        # a wrapper that calls a method of its child (``self.model.extract_feat``) adds no scope for it
        owner = next((name for name, child in root._modules.items()
                      if child is not None and segments[0] in child._modules), None)
        if owner is not None:
            module, path = root._modules[owner], [owner]
    for segment in segments:
        candidates = [segment]
        if previous is not None and segment.startswith(previous + '.'):
            candidates.append(segment[len(previous) + 1:])
        candidates.append(re.sub(r'_\d+$', '', segment))
        child = next((c for c in candidates if c in module._modules), None)
        if child is None:
            break
        module, previous = module._modules[child], segment
        path.append(child)
    return '.'.join(path) or None


@contextlib.contextmanager
def locate_export_failure(root: nn.Module, what: str = 'ONNX'):
    """Re-raise any error of the block as :class:`ExportError` naming the module it comes from.

    Args:
        root (nn.Module): the module being exported (paths are relative to it).
        what (str): the export format, for the message.
    """
    import torch.nn.modules.module as module_lib

    names = {id(m): name for name, m in root.named_modules()}
    stack, failed_scope = [], []

    def push(module, args):
        if id(module) in names:
            stack.append(names[id(module)])

    def pop(module, args, output):
        if stack and names.get(id(module)) == stack[-1]:
            stack.pop()

    symbolic_owner, symbolic_name, original = _symbolic_hook_point()

    def run_symbolic(graph, block, node, *args, **kwargs):
        try:
            return original(graph, block, node, *args, **kwargs)
        except Exception:
            failed_scope.append(node.scopeName())
            raise

    handles = [module_lib.register_module_forward_pre_hook(push),
               module_lib.register_module_forward_hook(pop)]
    if original is not None:
        setattr(symbolic_owner, symbolic_name, run_symbolic)
    try:
        yield
    except ExportError:
        raise
    except Exception as error:
        path = module_path_from_scope(root, failed_scope[0]) if failed_scope else (stack[-1] if stack else None)
        where = describe_module(root, path) if path else 'the model (no module recorded)'
        message = ' '.join(str(error).strip().split('\n')[0].split())[:500]
        raise ExportError(f'{what} export failed in module {where}: {type(error).__name__}: {message}') from error
    finally:
        for handle in handles:
            handle.remove()
        if original is not None:
            setattr(symbolic_owner, symbolic_name, original)


def _symbolic_hook_point():
    """Where the TorchScript-based ONNX exporter converts one graph node (looked up by name at call time).

    Returns (module, attribute name, function), or ``(None, None, None)`` when this torch has none: the
    failure is then located by the module stack only.
    """
    try:
        from torch.onnx._internal.torchscript_exporter import utils
    except ImportError:  # pragma: no cover - other torch versions
        return None, None, None
    function = getattr(utils, '_run_symbolic_function', None)
    return (utils, '_run_symbolic_function', function) if function is not None else (None, None, None)
