"""torch.onnx on torchax: `export` records the model as a jaxpr and translates its primitives to ONNX nodes.

Needs the `onnx` package (`pip install torchax[onnx]`), as torch's exporter needs onnx and onnxscript.
Differences from torch are listed in conformance/KNOWN_DIFFERENCES.md ("TorchScript and ONNX").
"""

from torchax.onnx._export import (
    OnnxExporterError as OnnxExporterError,
    ONNXProgram as ONNXProgram,
    export as export,
    is_in_onnx_export as is_in_onnx_export,
)
