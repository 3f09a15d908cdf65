"""PyTorch's OpInfo database as a conformance sweep of torchax (see conformance/OPINFO.md)."""
