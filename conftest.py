"""Suite-wide pytest hooks.

The suite runs on two xdist workers with `--dist loadfile` (a file stays on one worker). Files that take minutes
(subprocess runs of scripts and of several ranks, the OpInfo tier) are collected first, so that they start at once
and the many short files fill in around them: collected last, one of them would leave the other worker idle at
the end.
"""

HEAVY = ("conformance/test_seed_examples.py", "conformance/test_example_scripts.py",
         "tests/test_distributed_multiprocess.py", "conformance/test_opinfo.py", "conformance/test_opinfo_odd.py",
         "tests/test_dataloader_workers.py", "tests/test_run_traceback.py")


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(HEAVY)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(HEAVY)))  # stable: the rest keep order
