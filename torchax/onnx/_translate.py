"""A jaxpr as an ONNX graph: one translation rule per JAX primitive (inner jit/custom_jvp jaxprs are inlined)."""

from __future__ import annotations

import numpy as np
from jax.extend import core

_SIMPLE = {  # primitive -> ONNX op with the same operands
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "max": "Max", "min": "Min", "neg": "Neg", "exp": "Exp",
    "log": "Log", "tanh": "Tanh", "logistic": "Sigmoid", "sqrt": "Sqrt", "abs": "Abs", "sign": "Sign",
    "floor": "Floor", "ceil": "Ceil", "sin": "Sin", "cos": "Cos", "tan": "Tan", "erf": "Erf", "pow": "Pow",
    "eq": "Equal", "gt": "Greater", "ge": "GreaterOrEqual", "lt": "Less", "le": "LessOrEqual",
    "stop_gradient": "Identity", "copy": "Identity", "copy_p": "Identity", "asin": "Asin", "acos": "Acos",
    "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh",
    "round": "Round",
}
_LOGICAL = {"and": ("And", "BitwiseAnd"), "or": ("Or", "BitwiseOr"), "not": ("Not", "BitwiseNot"),
            "xor": ("Xor", "BitwiseXor")}
_REDUCE = {"reduce_sum": "ReduceSum", "reduce_max": "ReduceMax", "reduce_min": "ReduceMin",
           "reduce_prod": "ReduceProd"}
_INLINE = {"pjit": "jaxpr", "jit": "jaxpr", "closed_call": "call_jaxpr", "core_call": "call_jaxpr",
           "custom_jvp_call": "call_jaxpr", "custom_vjp_call": "call_jaxpr", "custom_vjp_call_jaxpr": "fun_jaxpr",
           "remat": "jaxpr", "checkpoint": "jaxpr"}


class Translator:
    """Builds ONNX nodes and initializers for the equations of a jaxpr."""

    def __init__(self):
        import onnx

        self.onnx, self.helper = onnx, onnx.helper
        self.nodes, self.initializers, self._count = [], [], 0

    # --- names and constants ---------------------------------------------------------------------------------

    def fresh(self, hint: str = "v") -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value, dtype=None, hint: str = "const") -> str:
        a = np.asarray(value, dtype=dtype)
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(a, name))
        return name

    def ints(self, values) -> str:
        return self.const(np.asarray(list(values), np.int64), hint="shape")

    def node(self, op: str, inputs: list, n_out: int = 1, **attrs) -> list:
        outs = [self.fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(self.helper.make_node(op, inputs, outs, **attrs))
        return outs

    def dtype(self, np_dtype) -> int:
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype))

    # --- the walk --------------------------------------------------------------------------------------------

    def run(self, jaxpr, consts, inputs: list) -> list:
        """Translate `jaxpr` with its invars bound to ONNX names `inputs`; returns the names of its outvars."""
        env = {}

        def read(v):
            if isinstance(v, core.Literal):
                return self.const(v.val, dtype=v.aval.dtype)
            return env[v]

        for v, c in zip(jaxpr.constvars, consts):
            env[v] = self.const(np.asarray(c), hint="c")
        for v, name in zip(jaxpr.invars, inputs):
            env[v] = name
        for eqn in jaxpr.eqns:
            ins = [read(v) for v in eqn.invars]
            outs = self.eqn(eqn, ins)
            for v, name in zip(eqn.outvars, outs):
                env[v] = name
        return [read(v) for v in jaxpr.outvars]

    def eqn(self, eqn, ins: list) -> list:
        prim, p = eqn.primitive.name, eqn.params
        if prim in _INLINE and _INLINE[prim] in p:
            closed = p[_INLINE[prim]]
            inner = getattr(closed, "jaxpr", closed)
            return self.run(inner, getattr(closed, "consts", ()), ins)
        if _SIMPLE.get(prim):
            return self.node(_SIMPLE[prim], ins)
        rule = getattr(self, "_" + prim, None)
        if rule is None:
            raise NotImplementedError(f"torchax.onnx.export: the JAX primitive '{prim}' has no ONNX translation yet")
        out = rule(eqn, ins, p)
        return out if isinstance(out, list) else [out]

    # --- rules (one per primitive) ---------------------------------------------------------------------------

    def _logical(self, eqn, ins):
        boolean, bitwise = _LOGICAL[eqn.primitive.name]
        return self.node(boolean if eqn.outvars[0].aval.dtype == np.bool_ else bitwise, ins)

    _and = _or = _not = _xor = lambda self, eqn, ins, p: self._logical(eqn, ins)

    def _ne(self, eqn, ins, p):
        return self.node("Not", self.node("Equal", ins))

    def _rsqrt(self, eqn, ins, p):
        return self.node("Reciprocal", self.node("Sqrt", ins))

    def _square(self, eqn, ins, p):
        return self.node("Mul", [ins[0], ins[0]])

    def _integer_pow(self, eqn, ins, p):
        return self.node("Pow", [ins[0], self.const(p["y"], dtype=eqn.invars[0].aval.dtype)])

    def _log1p(self, eqn, ins, p):
        return self.node("Log", self.node("Add", [ins[0], self.const(1, dtype=eqn.invars[0].aval.dtype)]))

    def _expm1(self, eqn, ins, p):
        return self.node("Sub", self.node("Exp", ins) + [self.const(1, dtype=eqn.invars[0].aval.dtype)])

    def _rem(self, eqn, ins, p):
        return self.node("Mod", ins, fmod=1)

    def _clamp(self, eqn, ins, p):
        lo, x, hi = ins
        return self.node("Min", self.node("Max", [x, lo]) + [hi])

    def _convert_element_type(self, eqn, ins, p):
        return self.node("Cast", ins, to=self.dtype(p["new_dtype"]))

    def _select_n(self, eqn, ins, p):
        if len(ins) != 3:
            raise NotImplementedError("torchax.onnx.export: select_n with more than two cases")
        pred = ins[0]
        if eqn.invars[0].aval.dtype != np.bool_:
            pred = self.node("Cast", [pred], to=self.dtype(np.bool_))[0]
        return self.node("Where", [pred, ins[2], ins[1]])

    def _reshape(self, eqn, ins, p):
        return self.node("Reshape", [ins[0], self.ints(p["new_sizes"])])

    def _squeeze(self, eqn, ins, p):
        return self.node("Squeeze", [ins[0], self.ints(p["dimensions"])])

    def _expand_dims(self, eqn, ins, p):
        return self.node("Unsqueeze", [ins[0], self.ints(p["dimensions"])])

    def _transpose(self, eqn, ins, p):
        return self.node("Transpose", ins, perm=list(p["permutation"]))

    def _broadcast_in_dim(self, eqn, ins, p):
        shape, dims = p["shape"], p["broadcast_dimensions"]
        src = eqn.invars[0].aval.shape
        x = ins[0]
        if len(src) != len(shape):  # NOTE: place the operand's dims, size 1 elsewhere, then Expand
            full = [1] * len(shape)
            for d, s in zip(dims, src):
                full[d] = s
            x = self.node("Reshape", [x, self.ints(full)])[0]
        return self.node("Expand", [x, self.ints(shape)])

    def _reduce(self, eqn, ins, p):
        return self.node(_REDUCE[eqn.primitive.name], [ins[0], self.ints(p["axes"])], keepdims=0)

    _reduce_sum = _reduce_max = _reduce_min = _reduce_prod = lambda self, eqn, ins, p: self._reduce(eqn, ins, p)

    def _argmax(self, eqn, ins, p, op="ArgMax"):
        (axis,) = p["axes"]
        out = self.node(op, ins, axis=int(axis), keepdims=0)
        return self.node("Cast", out, to=self.dtype(p["index_dtype"]))

    def _argmin(self, eqn, ins, p):
        return self._argmax(eqn, ins, p, op="ArgMin")

    def _cumsum(self, eqn, ins, p):
        return self.node("CumSum", [ins[0], self.const(p["axis"], np.int64)], reverse=int(p["reverse"]))

    def _concatenate(self, eqn, ins, p):
        return self.node("Concat", ins, axis=int(p["dimension"]))

    def _split(self, eqn, ins, p):
        return self.node("Split", [ins[0], self.ints(p["sizes"])], n_out=len(p["sizes"]), axis=int(p["axis"]))

    def _slice(self, eqn, ins, p):
        n = len(p["start_indices"])
        steps = p["strides"] or (1,) * n
        return self.node("Slice", [ins[0], self.ints(p["start_indices"]), self.ints(p["limit_indices"]),
                                   self.ints(range(n)), self.ints(steps)])

    def _pad(self, eqn, ins, p):
        config = p["padding_config"]
        if any(i != 0 or lo < 0 or hi < 0 for lo, hi, i in config):
            raise NotImplementedError("torchax.onnx.export: pad with interior or negative padding")
        pads = [lo for lo, _, _ in config] + [hi for _, hi, _ in config]
        return self.node("Pad", [ins[0], self.ints(pads), ins[1]])

    def _iota(self, eqn, ins, p):
        shape, dim = p["shape"], p["dimension"]
        a = np.arange(shape[dim], dtype=p["dtype"]).reshape([-1 if i == dim else 1 for i in range(len(shape))])
        return self.node("Identity", [self.const(np.broadcast_to(a, shape))])

    def _dot_general(self, eqn, ins, p):
        (lc, rc), (lb, rb) = p["dimension_numbers"]
        a, b = (v.aval for v in eqn.invars)
        if a.ndim == 2 and b.ndim == 2 and tuple(lc) == (1,) and tuple(rc) == (0,) and not lb:
            out = self.node("MatMul", ins)
        else:
            out = self.node("Einsum", ins, equation=_einsum(a.ndim, b.ndim, lc, rc, lb, rb))
        want = eqn.outvars[0].aval.dtype
        if np.result_type(a.dtype, b.dtype) != want:
            out = self.node("Cast", out, to=self.dtype(want))
        return out

    def _conv_general_dilated(self, eqn, ins, p):
        dn = p["dimension_numbers"]
        n = len(p["window_strides"])
        standard = tuple(range(n + 2))
        if (tuple(dn.lhs_spec) != standard or tuple(dn.rhs_spec) != standard or tuple(dn.out_spec) != standard
                or any(d != 1 for d in p["lhs_dilation"]) or p["batch_group_count"] != 1):
            raise NotImplementedError("torchax.onnx.export: conv_general_dilated with transposed or non-NCHW layout")
        pads = [lo for lo, _ in p["padding"]] + [hi for _, hi in p["padding"]]
        return self.node("Conv", ins, strides=list(p["window_strides"]), pads=pads,
                         dilations=list(p["rhs_dilation"]), group=int(p["feature_group_count"]))


def _einsum(na: int, nb: int, lc, rc, lb, rb) -> str:
    """The einsum equation of a dot_general: batch dims, then lhs free dims, then rhs free dims (JAX's order)."""
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    a, b = [None] * na, [None] * nb
    batch = []
    for i, j in zip(lb, rb):
        a[i] = b[j] = next(letters)
        batch.append(a[i])
    for i, j in zip(lc, rc):
        a[i] = b[j] = next(letters)
    free_a = [a.__setitem__(i, next(letters)) or a[i] for i in range(na) if a[i] is None]
    free_b = [b.__setitem__(j, next(letters)) or b[j] for j in range(nb) if b[j] is None]
    return f"{''.join(a)},{''.join(b)}->{''.join(batch + free_a + free_b)}"
