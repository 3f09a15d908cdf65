"""torch.onnx.export: trace to a jaxpr, translate it to an ONNX model, write it."""

from __future__ import annotations

import os
import warnings

import jax

from torchax.jit import _trace

__all__ = ["export", "ONNXProgram", "OnnxExporterError", "is_in_onnx_export"]

_DEFAULT_OPSET = 18  # torch 2.13's dynamo exporter (torchlib) opset
_EXPORTING = [False]


class OnnxExporterError(RuntimeError):
    """torch.onnx.OnnxExporterError."""


def is_in_onnx_export() -> bool:
    """torch.onnx.is_in_onnx_export."""
    return _EXPORTING[0]


class ONNXProgram:
    """torch.onnx.ONNXProgram: the exported ModelProto (`model_proto`); `save(path)`; calling runs onnxruntime."""

    def __init__(self, model_proto):
        self.model_proto = model_proto

    def save(self, destination, *, include_initializers=True, keep_initializers_as_inputs=False,
             external_data=None) -> None:
        """ONNXProgram.save: write the model to a path or a binary file object."""
        data = self.model_proto.SerializeToString()
        if isinstance(destination, (str, os.PathLike)):
            with open(destination, "wb") as fh:
                fh.write(data)
        else:
            destination.write(data)

    def __call__(self, *args, **kwargs):
        import numpy as np
        import onnxruntime

        from torchax._tensor import wrap

        session = onnxruntime.InferenceSession(self.model_proto.SerializeToString(),
                                               providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        feeds = dict(zip(names, (np.asarray(jax.device_get(a)) for a in _trace._to_arrays(args))))
        return [wrap(jax.numpy.asarray(o)) for o in session.run(None, feeds)]

    def __repr__(self) -> str:
        return f"ONNXProgram(\n    model=\n{self.model_proto}\n)"


def _model_repr(model) -> str:
    lines = repr(model).split("\n", 1)
    return lines[0] + ("[...]" if len(lines) > 1 else "")


def _translate(closed, params, export_params, input_names, output_names, opset):
    import onnx

    from torchax.onnx._translate import Translator

    tr = Translator()
    in_avals = [v.aval for v in closed.jaxpr.invars]
    n_state = len(jax.tree.leaves(params))
    state_names = sorted(params)  # NOTE: a dict pytree flattens in sorted key order
    given = list(input_names or ())
    user_names = given + [f"input_{i}" for i in range(len(given), len(in_avals) - n_state)]
    graph_inputs, names = [], []
    for i, aval in enumerate(in_avals):
        if i < n_state and export_params:
            value = jax.device_get(params[state_names[i]])
            tr.initializers.append(onnx.numpy_helper.from_array(value, state_names[i]))
            names.append(state_names[i])
            continue
        name = state_names[i] if i < n_state else user_names[i - n_state]
        graph_inputs.append(onnx.helper.make_tensor_value_info(name, tr.dtype(aval.dtype), list(aval.shape)))
        names.append(name)
    outs = tr.run(closed.jaxpr, closed.consts, names)
    out_avals = [v.aval for v in closed.jaxpr.outvars]
    given = list(output_names or ())
    out_names = given + [f"output_{i}" for i in range(len(given), len(outs))]
    graph_outputs = []
    for name, src, aval in zip(out_names, outs, out_avals):
        tr.nodes.append(onnx.helper.make_node("Identity", [src], [name]))
        graph_outputs.append(onnx.helper.make_tensor_value_info(name, tr.dtype(aval.dtype), list(aval.shape)))
    graph = onnx.helper.make_graph(tr.nodes, "main_graph", graph_inputs, graph_outputs, tr.initializers)
    model_proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                         producer_name="torchax")
    model_proto.ir_version = 10  # NOTE: readable by onnxruntime releases of the last two years
    return model_proto


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None, output_names=None,
           opset_version=None, dynamo=True, external_data=True, dynamic_shapes=None, custom_translation_table=None,
           report=False, optimize=True, verify=False, profile=False, dump_exported_program=False, artifacts_dir=".",
           export_params=True, keep_initializers_as_inputs=False, dynamic_axes=None, training=None,
           operator_export_type=None, do_constant_folding=True, custom_opsets=None, export_modules_as_functions=False,
           autograd_inlining=True):
    """torch.onnx.export: the model (a Module or function of Tensors) as an ONNX model, written to `f`.

    Records one program for the example's shapes (dynamic_axes / dynamic_shapes are not supported yet: a warning
    says so), and prints torch 2.13's progress lines. Returns an ONNXProgram.
    """
    import onnx  # noqa: F401 - torch raises ModuleNotFoundError when its ONNX dependencies are missing

    if kwargs:
        raise NotImplementedError("torchax.onnx.export: keyword inputs (kwargs=) are not supported yet")
    if dynamic_axes or dynamic_shapes:
        warnings.warn("torchax.onnx.export: dynamic_axes/dynamic_shapes are not supported yet; the exported model "
                      "has the example inputs' fixed shapes", UserWarning, stacklevel=2)
    say = (lambda *_: None) if verbose is False else (lambda msg: print("[torch.onnx]", msg))
    step = f"Obtain model graph for `{_model_repr(model)}` with `torch.export.export(..., strict=False)`..."
    arrays = _trace.example_arrays(args if isinstance(args, tuple) else (args,))
    params = _trace.state_arrays(model)
    _EXPORTING[0] = True
    try:
        say(step)
        closed = jax.make_jaxpr(_trace.pure_function(model))(params, *arrays)
        say(step + " ✅")
        say("Run decompositions...")
        say("Run decompositions... ✅")
        say("Translate the graph into ONNX...")
        proto = _translate(closed, params, export_params, input_names, output_names,
                           opset_version or _DEFAULT_OPSET)
        say("Translate the graph into ONNX... ✅")
    finally:
        _EXPORTING[0] = False
    if optimize:
        say("Optimize the ONNX graph...")
        say("Optimize the ONNX graph... ✅")
    program = ONNXProgram(proto)
    if f is not None:
        program.save(f)
    return program
