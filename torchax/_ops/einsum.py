"""torch.einsum: the equation (or sublist) parser, torch's checks and messages, size-1 broadcasting, and
torch's result dtypes (a summed-out bool or integer operand accumulates in int64)."""

from __future__ import annotations

import jax.numpy as jnp

from torchax._ops.linalg_common import HIGHEST, not_implemented, type_name
from torchax._registry import TorchRuntimeError, TorchTypeError, TorchValueError, op

__all__ = ["einsum"]


def _sublist_letter(s) -> str:
    if s is Ellipsis:
        return "..."
    if 0 <= s < 26:
        return chr(ord("A") + s)
    if 26 <= s < 52:
        return chr(ord("a") + s - 26)
    raise TorchValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")


def _einsum_args(args):
    """(equation, operands) from torch's three call forms: string + varargs, string + list, sublists."""
    if not args:
        raise TorchTypeError("einsum(): must specify the equation string and at least one operand, or at least one "
                             "operand and its subscripts list")
    if isinstance(args[0], str):
        ops = args[1:]
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = tuple(ops[0])
        return args[0], tuple(ops)
    subs = [",".join("".join(map(_sublist_letter, s)) for s in args[1::2])]
    ops = args[0::2]
    if len(args) % 2:
        subs.append("".join(map(_sublist_letter, args[-1])))
        ops = args[:-1:2]
    return "->".join(subs), tuple(ops)


def _parse_term(term, i):
    labels, k = [], 0
    while k < len(term):
        if term.startswith("...", k):
            labels.append(...)
            k += 3
            continue
        c = term[k]
        if not c.isalpha() or not c.isascii():
            raise TorchRuntimeError(f"einsum(): invalid subscript given at index {k} in the equation string, "
                                    f"subscripts must be in [a-zA-Z]")
        labels.append(c)
        k += 1
    return labels


def _opt_einsum_checks(terms, ops):
    """With 3+ operands torch first asks opt_einsum for a contraction path, which validates with ValueErrors."""
    if len(terms) != len(ops):
        raise TorchValueError(f"Number of einsum subscripts, {len(terms)}, must be equal to the number of operands, "
                              f"{len(ops)}.")
    sizes: dict = {}
    for i, (labels, x) in enumerate(zip(terms, ops)):
        if ... in labels:
            continue
        if len(labels) != x.ndim:
            raise TorchValueError(f"Einstein sum subscript '{''.join(labels)}' does not contain the correct number of "
                                  f"indices for operand {i}.")
        for lab, n in zip(labels, x.shape):
            prev = sizes.setdefault(lab, n)
            if prev != n and prev != 1 and n != 1:
                raise TorchValueError(f"Size of label '{lab}' for operand {i} ({prev}) does not match previous terms "
                                      f"({n}).")


@op(method=False, out=False)
def einsum(*args):
    """torch.einsum: equation + operands (varargs or a list), or the sublist format; size-1 dims broadcast."""
    equation, ops = _einsum_args(args)
    if not ops:
        raise TorchRuntimeError("einsum(): must provide at least one operand")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = [_parse_term(t, i) for i, t in enumerate(lhs.split(","))]
    if len(ops) >= 3:
        _opt_einsum_checks(terms, ops)
    if len(terms) > len(ops):
        raise TorchRuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(ops):
        raise TorchRuntimeError("einsum(): more operands were provided than specified in the equation")
    for x in ops[1:]:
        if x.dtype != ops[0].dtype:
            raise TorchRuntimeError(f"expected scalar type {type_name(ops[0])} but found {type_name(x)}")
    sizes: dict = {}
    ell = 0
    expanded = []  # per operand: one label per dim; ellipsis dims become ("...", k) counted from the right
    for i, (labels, x) in enumerate(zip(terms, ops)):
        named = [c for c in labels if c is not ...]
        if ... not in labels and len(named) != x.ndim:
            raise TorchRuntimeError(f"einsum(): the number of subscripts in the equation ({len(named)}) does not "
                                    f"match the number of dimensions ({x.ndim}) for operand {i} and no ellipsis "
                                    f"was given")
        if len(named) > x.ndim:
            raise TorchRuntimeError(f"einsum(): the number of subscripts in the equation ({len(named)}) is more than "
                                    f"the number of dimensions ({x.ndim}) for operand {i}")
        n_ell = x.ndim - len(named)
        ell = max(ell, n_ell)
        dims = []
        for c in labels:
            if c is ...:
                dims.extend(("...", n_ell - j) for j in range(n_ell))
            else:
                dims.append(c)
        seen: dict = {}
        for lab, n in zip(dims, x.shape):
            if lab in seen and seen[lab] != n:
                raise TorchRuntimeError(f"einsum(): subscript {lab} is repeated for operand {i} but the sizes don't "
                                        f"match, {n} != {seen[lab]}")
            seen[lab] = n
            prev = sizes.get(lab)
            if prev is None or prev == 1:
                sizes[lab] = n
            elif n != 1 and n != prev:
                raise TorchRuntimeError(f"einsum(): subscript {lab} has size {n} for operand {i} which does not "
                                        f"broadcast with previously seen size {prev}")
        expanded.append(dims)
    ell_labels = [("...", k) for k in range(ell, 0, -1)]
    counts: dict = {}
    for dims in expanded:
        for lab in dims:
            counts[lab] = counts.get(lab, 0) + 1
    if arrow:
        out_labels = []
        for lab in _parse_term(rhs, len(terms)):
            if lab is ...:
                out_labels.extend(ell_labels)
                continue
            if lab in out_labels:
                raise TorchRuntimeError(f"einsum(): output subscript {lab} appears more than once in the output")
            if lab not in counts:
                raise TorchRuntimeError(f"einsum(): output subscript {lab} does not appear in the equation for any "
                                        f"input operand")
            out_labels.append(lab)
    else:
        out_labels = ell_labels + sorted(lab for lab, c in counts.items() if isinstance(lab, str) and c == 1)
    return _einsum_compute(ops, expanded, out_labels, sizes)


def _einsum_compute(ops, expanded, out_labels, sizes):
    ids = {lab: k for k, lab in enumerate(sizes)}
    summed = [lab for lab in sizes if lab not in out_labels]
    dt = ops[0].dtype
    if dt == jnp.bool_ or jnp.issubdtype(dt, jnp.integer):
        owners = [sum(lab in dims for dims in expanded) for lab in summed]
        if any(n == 1 for n in owners):  # torch first sums such dims: bool and integers accumulate in int64
            ops = tuple(x.astype(jnp.int64) for x in ops)
        elif dt == jnp.bool_ and summed:
            not_implemented("bmm", ops[0])
    operands = []
    for x, dims in zip(ops, expanded):
        squeeze = tuple(k for k, lab in enumerate(dims) if x.shape[k] == 1 and sizes[lab] != 1)
        if squeeze:  # a size-1 dim broadcasts: drop it
            x = jnp.squeeze(x, squeeze)
            dims = [lab for k, lab in enumerate(dims) if k not in squeeze]
        operands += [x.astype(jnp.int8) if x.dtype == jnp.bool_ else x, [ids[lab] for lab in dims]]
    out = jnp.einsum(*operands, [ids[lab] for lab in out_labels], precision=HIGHEST)
    return out.astype(jnp.bool_) if ops[0].dtype == jnp.bool_ else out
