"""A TensorBoard GraphDef of a torchax module: its leaf modules as nodes, chained in call order."""

from __future__ import annotations


def _leaves(model):
    return [(name, m) for name, m in model.named_modules() if not list(m.children())] or [("", model)]


def module_graph(model, input_to_model=None):
    """A GraphDef for a graph event."""
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.versions_pb2 import VersionDef

    calls = _call_order(model, input_to_model)
    nodes, prev = [], "input"
    if input_to_model is not None:
        nodes.append(NodeDef(name="input", op="IO Node"))
    for name, m, shape in calls:
        node_name = name.replace(".", "/") or type(m).__name__
        attr = {"_output_shapes": AttrValue(s=str(shape).encode())} if shape is not None else {}
        attr["repr"] = AttrValue(s=m.extra_repr().encode() if hasattr(m, "extra_repr") else b"")
        nodes.append(NodeDef(name=node_name, op=type(m).__name__, input=[prev] if nodes else [], attr=attr))
        prev = node_name
    return GraphDef(node=nodes, versions=VersionDef(producer=22))


def _call_order(model, input_to_model):
    """[(name, module, output shape)]: as called on `input_to_model`, else in registration order."""
    leaves = _leaves(model)
    if input_to_model is None:
        return [(name, m, None) for name, m in leaves]
    from torchax import no_grad

    calls, handles = [], []
    for name, m in leaves:
        def hook(mod, args, out, name=name):
            calls.append((name, mod, tuple(out.shape) if hasattr(out, "shape") else None))
        handles.append(m.register_forward_hook(hook))
    try:
        with no_grad():
            args = input_to_model if isinstance(input_to_model, tuple) else (input_to_model,)
            model(*args)
    finally:
        for h in handles:
            h.remove()
    return calls
