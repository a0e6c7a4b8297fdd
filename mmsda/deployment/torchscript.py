"""TorchScript: trace a module (every mmsda backbone traces), and say why scripting fails where it does."""
import re
import warnings
from typing import Optional, Sequence

import torch
import torch.nn as nn

from .locate import locate_export_failure


def trace_module(module: nn.Module, shape: Sequence[int], batch: int = 2) -> torch.jit.ScriptModule:
    """``torch.jit.trace`` of a B×3×H×W → tensor(s) module with autograd off (as in inference).

    The trace records one path through the Python code: shapes that decide a branch (e.g. a DCA
    context pooled to a smaller map) are fixed for the traced H×W; the batch size is not.

    Args:
        module (nn.Module): in eval mode.
        shape (Sequence[int]): H, W of the example input.
        batch (int): batch of the example input. Default: 2.

    Returns:
        torch.jit.ScriptModule: the traced module (``torch.jit.save`` writes it).

    Raises:
        ExportError: naming the module whose code could not be traced.
    """
    example = torch.randn(batch, 3, *shape)
    with locate_export_failure(module, 'TorchScript'), torch.no_grad(), warnings.catch_warnings():
        # shape-dependent branches are expected to be fixed (see above); the check re-runs the model
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        return torch.jit.trace(module, example, check_trace=False)


def script_failure(module: nn.Module) -> Optional[str]:
    """Try ``torch.jit.script``; None if it compiles, else the first construct it rejects.

    Returns:
        str | None: ``'<file>:<line>: <message>'`` of TorchScript's first error.
    """
    try:
        torch.jit.script(module)
    except Exception as error:  # TorchScript raises RuntimeError, NotSupportedError, TypeError ...
        text = str(error).strip()
        lines = text.splitlines()
        location = re.search(r'File "([^"]+)", line (\d+)', text)
        where = f'{location.group(1).split("site-packages/")[-1]}:{location.group(2)}: ' if location else ''
        return f'{where}{type(error).__name__}: {lines[0] if lines else ""}'
    return None
