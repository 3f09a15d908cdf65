"""torch.nn modules: ZeroPad/ConstantPad/ReflectionPad/ReplicationPad/CircularPad."""

__all__: list[str] = []
