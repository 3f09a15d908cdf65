"""torch.nn.parallel: DistributedDataParallel (several processes) and DataParallel (one process's devices)."""

from torchax.nn.parallel._syncbn import SyncBatchNorm as SyncBatchNorm
from torchax.nn.parallel.data_parallel import DataParallel as DataParallel, data_parallel as data_parallel
from torchax.nn.parallel.distributed import DistributedDataParallel as DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
