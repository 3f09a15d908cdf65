"""torch.utils.data._utils.fetch: turn an index (or a batch of indices) into collated data."""

from __future__ import annotations


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def in_worker(self) -> None:
        """This fetcher runs in a worker process: `default_collate` leaves the batch's arrays on the host."""
        from torchax.utils.data._utils.collate import default_collate, host_collate

        if self.collate_fn is default_collate:
            self.collate_fn = host_collate

    def fetch(self, possibly_batched_index):
        raise NotImplementedError


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    def __init__(self, dataset, auto_collation, collate_fn, drop_last) -> None:
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _MapDatasetFetcher(_BaseDatasetFetcher):
    def __init__(self, dataset, auto_collation, collate_fn, drop_last, host=False) -> None:
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.host = host  # in a forked worker: batches must stay numpy (no JAX there)

    def fetch(self, possibly_batched_index):
        if self.auto_collation:
            from torchax.utils.data._utils.collate import default_collate, host_collate
            from torchax.utils.data.dataset import _gather_batch

            if self.collate_fn is default_collate or self.collate_fn is host_collate:
                # NOTE: a TensorDataset (or a Subset of one) gathers the whole batch at once: the same result as
                # collating its samples one by one, without a device op per sample.
                out = _gather_batch(self.dataset, possibly_batched_index, self.host)
                if out is not None:
                    return out
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(possibly_batched_index)
            else:
                data = [self.dataset[idx] for idx in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)
