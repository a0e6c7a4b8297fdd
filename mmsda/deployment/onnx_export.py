"""Export a module to ONNX and run it with ONNX Runtime."""
import contextlib
import os
import re
import sys
import tempfile
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from .locate import ExportError, describe_module, locate_export_failure, module_path_from_node_name

#: Operator domains ONNX Runtime's CPU provider implements.
STANDARD_DOMAINS = ('', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft')
DEFAULT_OPSET = 17
INPUT_NAME = 'input'


def export_onnx(module: nn.Module, path: str, shape: Sequence[int], dynamic_batch: bool = False,
                opset: Optional[int] = None, dynamo: bool = False, batch: int = 1) -> List[str]:
    """Export ``module`` (B×3×H×W → tensor or tuple of tensors) to an ONNX file, checked and runnable.

    The module is traced with autograd off (as in inference). With ``dynamic_batch`` the batch axis of
    the input and of every output is symbolic (the dummy input then has batch 2, so that nothing
    specialises on a batch of 1); H and W are fixed.

    Args:
        module (nn.Module): in eval mode; ``output_names`` attribute (optional) names the outputs.
        path (str): the ``.onnx`` file to write.
        shape (Sequence[int]): input H, W.
        dynamic_batch (bool): symbolic batch axis. Default: False (``batch``).
        opset (int, optional): ONNX opset. Default: 17 (the TorchScript exporter), 18 (dynamo).
        dynamo (bool): use the torch.export-based exporter instead of the TorchScript-based one.
        batch (int): the fixed batch size without ``dynamic_batch``. Default: 1.

    Returns:
        list[str]: output names.

    Raises:
        ExportError: naming the module whose operator could not be exported or run.
    """
    h, w = shape
    dummy = torch.randn(2 if dynamic_batch else batch, 3, h, w)
    with torch.no_grad():
        outputs = module(dummy)
    num_outputs = len(outputs) if isinstance(outputs, (tuple, list)) else 1
    output_names = list(getattr(module, 'output_names', [f'output{i}' for i in range(num_outputs)]))
    kwargs = dict(input_names=[INPUT_NAME], output_names=output_names)
    if dynamo:
        kwargs.update(opset_version=opset or 18, external_data=False, verbose=False, dynamo=True)
        if dynamic_batch:
            kwargs['dynamic_shapes'] = ({0: torch.export.Dim('batch', min=1, max=1024)}, )
    else:
        kwargs.update(opset_version=opset or DEFAULT_OPSET, dynamo=False)
        if dynamic_batch:
            kwargs['dynamic_axes'] = {name: {0: 'batch'} for name in [INPUT_NAME] + output_names}
    with _without_ir_dump(), locate_export_failure(module), torch.no_grad(), warnings.catch_warnings():
        # The TorchScript-based exporter is deprecated in favour of dynamo (both are offered).
        warnings.filterwarnings('ignore', message='You are using the legacy TorchScript-based ONNX export')
        # Branches on feature-map sizes are decided while tracing: right for the fixed H×W exported.
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        torch.onnx.export(module, (dummy, ), path, **kwargs)
    check_onnx(path, module)
    return output_names


@contextlib.contextmanager
def _without_ir_dump():
    """Pass the output through, except the TorchScript graph the exporter dumps when a conversion fails.

    That dump (every node of the network, thousands of lines) is written by C++ code to file
    descriptor 1, so descriptors 1 and 2 are filtered (whatever ``sys.stdout`` is); the error raised
    is unchanged.
    """
    fds = (1, 2)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(fd) for fd in fds]
    captures = [tempfile.TemporaryFile() for _ in fds]
    for fd, capture in zip(fds, captures):
        os.dup2(capture.fileno(), fd)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        for fd, capture, original in zip(fds, captures, saved):
            os.dup2(original, fd)
            os.close(original)
            capture.seek(0)
            data = capture.read()
            capture.close()
            cut = data.find(b'Torch IR graph at exception')
            if cut >= 0:
                data = data[:cut] + b"(the exporter's dump of the TorchScript graph is left out)\n"
            while data:
                data = data[os.write(fd, data):]


def check_onnx(path: str, module: Optional[nn.Module] = None):
    """Check the file with ``onnx.checker`` and that ONNX Runtime can load it.

    Raises:
        ExportError: an operator outside the standard domains, or a session that cannot be created,
            naming the module the node comes from (when ``module`` is given).
    """
    import onnx

    model = onnx.load(path)
    onnx.checker.check_model(model)
    for node in model.graph.node:
        if node.domain not in STANDARD_DOMAINS:
            where = describe_module(module, module_path_from_node_name(module, node.name)) if module else None
            raise ExportError(f'ONNX export of module {where or node.name} gives the custom operator '
                              f'{node.domain}::{node.op_type} (node {node.name}), which ONNX Runtime does '
                              'not implement')
    try:
        ort_session(path)
    except Exception as error:
        node = re.search(r"node with name '([^']+)'", str(error))
        where = None
        if node and module is not None:
            where = describe_module(module, module_path_from_node_name(module, node.group(1)))
        raise ExportError(f'ONNX Runtime cannot run {path}'
                          + (f' (module {where})' if where else '') + f': {str(error)[:500]}') from error


def ort_session(path: str, threads: Optional[int] = None):
    """An ONNX Runtime CPU inference session (``threads``: intra-op threads, default ORT's choice)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])


def run_onnx(session, inputs: torch.Tensor) -> List[np.ndarray]:
    """Run a session on a B×3×H×W tensor; the outputs in order."""
    return session.run(None, {INPUT_NAME: inputs.detach().cpu().numpy()})


def onnx_errors(module: nn.Module, session, inputs: torch.Tensor, atol: float = 1e-4,
                rtol: float = 1e-4) -> Dict[str, Tuple[float, float, float]]:
    """Per output, ONNX Runtime against PyTorch (autograd off) on the same inputs.

    Args:
        module (nn.Module): the exported wrapper (``build_export_model``).
        session: an ONNX Runtime session of its file (``ort_session``).
        inputs (Tensor): B×3×H×W input.
        atol (float): absolute tolerance.
        rtol (float): tolerance relative to |PyTorch|, element by element.

    Returns:
        dict: output name -> (max |Δ|, max |PyTorch|, max over elements of |Δ| / (atol + rtol·|PyTorch|)).
        The last is ≤ 1 exactly when ``numpy.allclose(onnx, pytorch, rtol, atol)`` holds: float32
        rounding grows with the values' magnitude, so large logits or features need the relative term.
    """
    if atol < 0 or rtol < 0 or atol + rtol == 0:
        raise ValueError(f'atol and rtol must be >= 0 and not both 0, got atol={atol}, rtol={rtol}')
    with torch.no_grad():
        expected = module(inputs)
    if not isinstance(expected, (tuple, list)):
        expected = (expected, )
    names = list(getattr(module, 'output_names', [f'output{i}' for i in range(len(expected))]))
    got = run_onnx(session, inputs)
    errors = {}
    for name, a, e in zip(names, got, expected):
        if tuple(a.shape) != tuple(e.shape):
            raise ExportError(f'output {name}: ONNX Runtime gives shape {tuple(a.shape)}, PyTorch {tuple(e.shape)}')
        e = e.numpy().astype(np.float64)
        delta = np.abs(a.astype(np.float64) - e)
        errors[name] = (float(delta.max()), float(np.abs(e).max()), float((delta / (atol + rtol * np.abs(e))).max()))
    return errors


def max_abs_diff(module: nn.Module, session, inputs: torch.Tensor) -> Dict[str, float]:
    """Max |ONNX Runtime − PyTorch| per output on the same inputs (PyTorch with autograd off)."""
    return {name: err[0] for name, err in onnx_errors(module, session, inputs).items()}
