"""Engine of `torchax.serialization`: torch's checkpoint archive, pickling under torch's names, safe loading."""
