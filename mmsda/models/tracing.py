"""Whether a model is being recorded into a graph (TorchScript tracing, ONNX export) right now."""
import torch


def is_tracing() -> bool:
    """True while ``torch.jit.trace`` or the TorchScript-based ONNX exporter records the forward pass.

    The eager inference shortcuts of mmsda (activations written into reused buffers with ``out=``,
    the depth fusion accumulated in place into a block output) are taken when autograd is off. A
    tracer records Python-level decisions once, and the ONNX exporter has no conversion for ``out=``
    arguments, so a traced forward pass uses the plain functional ops instead: the same values,
    and a graph without aliasing.

    Returns:
        bool: whether a tracer is recording.
    """
    return torch.jit.is_tracing()
