"""torchvision.datasets.FakeData: random images, the same for an index every time."""

from __future__ import annotations

from torchax.vision.datasets.vision import VisionDataset


class FakeData(VisionDataset):
    """Image i is `randn(*image_size)` drawn after `manual_seed(i + random_offset)` (the caller's generator state is
    restored), shown as a PIL image; its target a `randint(0, num_classes)` from the same stream."""

    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10, transform=None,
                 target_transform=None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int):
        import torchax
        from torchax.vision import transforms

        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng_state = torchax.get_rng_state()
        torchax.manual_seed(index + self.random_offset)
        img = torchax.randn(*self.image_size)
        target = torchax.randint(0, self.num_classes, size=(1,), dtype=torchax.long)[0]
        torchax.set_rng_state(rng_state)
        img = transforms.ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self) -> int:
        return self.size
