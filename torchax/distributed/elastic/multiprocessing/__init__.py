"""torch.distributed.elastic.multiprocessing: error recording for launched ranks."""
