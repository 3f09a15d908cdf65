"""Run at the start of a process that torchax.multiprocessing spawns from an aliased parent (`torchax run`):
alias `torch` to torchax before the child re-imports the parent's main script, as the parent had it."""

import os

if os.environ.get("TORCHAX_ALIAS_TORCH") == "1":
    from torchax._alias import alias_torch

    alias_torch()
