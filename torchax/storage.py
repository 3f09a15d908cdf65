"""torch.storage: the (deprecated) TypedStorage view of a tensor's storage, as `Tensor.storage()` returns it.

A torchax tensor's storage is one JAX array shared by the tensor and its views; this object reads it.
"""

from __future__ import annotations

from torchax._registry import warn_once


def _warn_removal() -> None:
    warn_once("typed_storage", "TypedStorage is deprecated. It will be removed in the future and UntypedStorage "
              "will be the only storage class. This should only matter to you if you are using storages directly.  "
              "To access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()")


class TypedStorage:
    """torch.storage.TypedStorage: the flat elements of a tensor's storage, with its dtype and device."""

    def __init__(self, tensor):
        self._tensor = tensor._base if tensor._view is not None else tensor

    @property
    def dtype(self):
        return self._tensor.dtype

    @property
    def device(self):
        return self._tensor.device

    def size(self) -> int:
        return self._tensor.numel()

    def __len__(self) -> int:
        return self.size()

    def element_size(self) -> int:
        return self._tensor.element_size()

    def nbytes(self) -> int:
        return self.size() * self.element_size()

    def data_ptr(self) -> int:
        return self._tensor.untyped_storage().data_ptr()

    def tolist(self) -> list:
        return self._tensor.reshape(-1).tolist()

    def __getitem__(self, i):
        return self._tensor.reshape(-1)[i].item()

    def __str__(self) -> str:
        _warn_removal()
        info = f"[torch.storage.TypedStorage(dtype={self.dtype}, device={self.device}) of size {len(self)}]"
        return " " + "\n ".join(str(v) for v in self.tolist()) + "\n" + info

    __repr__ = __str__
