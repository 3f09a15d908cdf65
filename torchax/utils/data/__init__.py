"""torch.utils.data: datasets, samplers, collation and the DataLoader."""

from torchax.utils.data import _utils as _utils
from torchax.utils.data._utils.collate import default_collate, default_convert
from torchax.utils.data._utils.worker import WorkerInfo as WorkerInfo, get_worker_info
from torchax.utils.data.dataloader import DataLoader, _DatasetKind
from torchax.utils.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from torchax.utils.data.distributed import DistributedSampler
from torchax.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
           "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "_DatasetKind",
           "default_collate", "default_convert", "get_worker_info", "random_split"]
