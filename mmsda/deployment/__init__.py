"""Deployment: ONNX and TorchScript export of classifiers and of detectors' backbone + neck."""
from .inputs import default_shape, first_test_image, image_input
from .locate import ExportError, locate_export_failure
from .onnx_export import check_onnx, export_onnx, max_abs_diff, onnx_errors, ort_session, run_onnx
from .torchscript import script_failure, trace_module
from .wrappers import (ClassifierForExport, DetectorFeaturesForExport, build_config_model,
                       build_export_model)

__all__ = ['ExportError', 'locate_export_failure', 'export_onnx', 'check_onnx', 'ort_session', 'run_onnx',
           'max_abs_diff', 'onnx_errors', 'trace_module', 'script_failure', 'default_shape', 'first_test_image',
           'image_input', 'ClassifierForExport', 'DetectorFeaturesForExport', 'build_config_model',
           'build_export_model']
