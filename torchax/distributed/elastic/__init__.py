"""torch.distributed.elastic: the parts launched scripts use (`multiprocessing.errors.record`)."""
