"""torchax.vision.transforms against torchvision's formulas (no torchvision here: the expected values come from
Pillow, numpy, or the same formula written with real torch ops), and seeded random transforms against the draws
torchvision makes from torch's generator (or Python's `random`, for RandomChoice)."""

import random

import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance, ImageOps

import torchax
from torchax.vision import transforms as T
from torchax.vision.transforms import functional as F


def _np(x):
    return x.numpy() if isinstance(x, (torch.Tensor, torchax.Tensor)) else np.asarray(x)


def _same(actual, expected, atol=None, rtol=None, exact=False):
    """Equal dtype (as a name), shape and values: floats within the conformance suite's float32 tolerance (XLA's
    float32 division can differ from torch's in the last bit) unless `exact`; integers exactly."""
    a, e = _np(actual), _np(expected)
    if isinstance(actual, (torch.Tensor, torchax.Tensor)) or isinstance(expected, (torch.Tensor, torchax.Tensor)):
        assert str(actual.dtype).replace("torch.", "") == str(expected.dtype).replace("torch.", ""), \
            (actual.dtype, expected.dtype)
    assert a.shape == e.shape, (a.shape, e.shape)
    if a.dtype.kind == "f" and not exact:
        np.testing.assert_allclose(a, e, rtol=1.3e-6 if rtol is None else rtol, atol=1e-5 if atol is None else atol)
    else:
        np.testing.assert_array_equal(a, e)


def _rgb(h=12, w=10, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8))


def _tensors(shape=(3, 12, 10), seed=0):
    """The same float image as a torchax and a torch tensor."""
    a = np.random.default_rng(seed).random(shape, dtype=np.float32)
    return torchax.tensor(a), torch.tensor(a)


def _u8(shape=(3, 12, 10), seed=0):
    a = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    return torchax.tensor(a), torch.tensor(a)


# --- conversions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "I", "F", "1", "LA"])
def test_to_tensor_pil(mode):
    img = _rgb().convert(mode)
    arr = np.array(img, {"I": np.int32, "F": np.float32}.get(mode, np.uint8))
    if mode == "1":
        arr = 255 * arr
    ref = torch.from_numpy(arr.reshape(img.size[1], img.size[0], -1)).permute(2, 0, 1).contiguous()
    if ref.dtype == torch.uint8:
        ref = ref.to(torch.float32).div(255)
    _same(T.ToTensor()(img), ref, exact=True)


def test_to_tensor_numpy_and_default_dtype():
    hwc = np.random.default_rng(1).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    _same(F.to_tensor(hwc), torch.from_numpy(hwc.transpose(2, 0, 1).copy()).float().div(255), exact=True)
    gray = np.random.default_rng(1).random((4, 5))
    _same(F.to_tensor(gray), torch.from_numpy(gray[None].copy()), exact=True)  # not uint8: no scaling, dtype kept
    torchax.set_default_dtype(torchax.float64)
    try:
        _same(F.to_tensor(hwc), torch.from_numpy(hwc.transpose(2, 0, 1).copy()).double().div(255), exact=True)
    finally:
        torchax.set_default_dtype(torchax.float32)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional"):
        F.to_tensor(np.zeros((1, 2, 3, 4)))


@pytest.mark.parametrize("mode", ["RGB", "L", "I", "1"])
def test_pil_to_tensor(mode):
    img = _rgb().convert(mode)
    arr = np.array(img)
    _same(T.PILToTensor()(img), torch.as_tensor(arr.reshape(img.size[1], img.size[0], -1)).permute(2, 0, 1))


def test_to_pil_image():
    x, xt = _tensors((3, 4, 5))
    x = x * 1.5 - 0.2  # out of [0, 1]: torch's byte() conversion wraps
    xt = xt * 1.5 - 0.2
    expected = xt.mul(255).byte().permute(1, 2, 0).numpy()
    _same(np.array(T.ToPILImage()(x)), expected)
    assert T.ToPILImage()(x).mode == "RGB"
    one, one_t = _tensors((1, 4, 5))
    assert F.to_pil_image(one).mode == "L"
    _same(np.array(F.to_pil_image(one)), one_t.mul(255).byte()[0].numpy())
    assert F.to_pil_image(one, mode="F").mode == "F"
    _same(np.array(F.to_pil_image(one, mode="F")), one_t[0].numpy())
    u8, _ = _u8((4, 3, 2))
    assert F.to_pil_image(u8).mode == "RGBA"
    assert F.to_pil_image(u8[:2]).mode == "LA"
    assert F.to_pil_image(u8[:3], mode="HSV").mode == "HSV"
    _same(np.array(F.to_pil_image(u8[:3], mode="HSV")), u8[:3].numpy().transpose(1, 2, 0))
    hwc = np.random.default_rng(0).integers(0, 256, (3, 2, 3), dtype=np.uint8)
    _same(np.array(F.to_pil_image(hwc)), hwc)
    i16 = np.arange(6, dtype=np.int16).reshape(2, 3)
    assert F.to_pil_image(i16).mode == "I;16"
    _same(np.array(F.to_pil_image(i16)), i16.astype(np.uint16))
    with pytest.raises(ValueError, match="pic should not have > 4 channels"):
        F.to_pil_image(torchax.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="Incorrect mode"):
        F.to_pil_image(one, mode="RGB")
    with pytest.raises(TypeError, match="pic should be Tensor or ndarray"):
        F.to_pil_image([1])


@pytest.mark.parametrize("src,dst", [("uint8", "float32"), ("float32", "uint8"), ("uint8", "int32"),
                                     ("int32", "uint8"), ("float64", "float32"), ("int16", "float64")])
def test_convert_image_dtype(src, dst):
    a = np.random.default_rng(0).random((2, 3, 3)) if src.startswith("float") else \
        np.random.default_rng(0).integers(0, np.iinfo(src).max, (2, 3, 3))
    x, xt = torchax.tensor(a.astype(src)), torch.tensor(a.astype(src))
    td, tt = getattr(torchax, dst), getattr(torch, dst)
    maxv = {"uint8": 255, "int16": 32767, "int32": 2147483647}
    if src.startswith("float") and dst.startswith("float"):
        ref = xt.to(tt)
    elif src.startswith("float"):
        ref = xt.mul(maxv[dst] + 1.0 - 1e-3).to(tt)
    elif dst.startswith("float"):
        ref = xt.to(tt) / float(maxv[src])
    elif maxv[src] > maxv[dst]:
        ref = torch.div(xt, (maxv[src] + 1) // (maxv[dst] + 1), rounding_mode="floor").to(tt)
    else:
        ref = xt.to(tt) * ((maxv[dst] + 1) // (maxv[src] + 1))
    _same(T.ConvertImageDtype(td)(x), ref)


def test_convert_image_dtype_unsafe():
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(torchax.zeros(1, 2, 2), torchax.int32)


# --- normalize, resize, crops, pads, flips ----------------------------------------------------------------------------


def test_normalize():
    x, xt = _tensors()
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    ref = xt.clone().sub_(torch.tensor(mean).view(-1, 1, 1)).div_(torch.tensor(std).view(-1, 1, 1))
    _same(T.Normalize(mean, std)(x), ref)
    _same(x, xt)  # not in place
    y = x.clone()
    assert F.normalize(y, mean, std, inplace=True) is y
    _same(y, ref)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        F.normalize(torchax.zeros(3, 2, 2, dtype=torchax.uint8), mean, std)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(x, mean, (1.0, 0.0, 1.0))
    assert repr(T.Normalize(mean, std)) == f"Normalize(mean={mean}, std={std})"


RESIZE = [((6, 5), "bilinear", True), ((5, 7), "bilinear", True), ((24, 20), "bilinear", True),
          ((7, 4), "bicubic", True), ((6, 5), "bilinear", False), ((5, 13), "nearest", True)]


@pytest.mark.parametrize("size,mode,aa", RESIZE)
def test_resize_tensor(size, mode, aa):
    x, xt = _tensors()
    out = T.Resize(size, interpolation=getattr(T.InterpolationMode, mode.upper()), antialias=aa)(x)
    use_aa = aa and mode != "nearest"
    ref = torch.nn.functional.interpolate(xt[None], size=size, mode=mode, antialias=use_aa,
                                          align_corners=None if mode == "nearest" else False)[0]
    _same(out, ref, atol=2e-6, rtol=2e-6)


@pytest.mark.parametrize("seed,size,mode", [(0, (5, 4), "bilinear"), (3, (7, 13), "bilinear"), (1, (6, 5), "bicubic")])
def test_resize_uint8_tensor(seed, size, mode):
    """uint8 images resize in float32 and round back (the antialiasing sums in torch's order, so .5 ties agree)."""
    a = np.random.default_rng(seed).integers(0, 256, (3, 12, 10), dtype=np.uint8)
    ref = torch.nn.functional.interpolate(torch.tensor(a)[None].float(), size=size, mode=mode, antialias=True,
                                          align_corners=False)[0].round().clamp(0, 255).to(torch.uint8)
    _same(F.resize(torchax.tensor(a), list(size), interpolation=getattr(T.InterpolationMode, mode.upper())), ref)


@pytest.mark.parametrize("size,max_size,expected", [(8, None, (9, 8)), ([8], None, (9, 8)), ((6, 7), None, (6, 7)),
                                                    (6, 10, (10, 5)), (10, None, None)])
def test_resize_sizes(size, max_size, expected):
    tall = max_size is not None
    img = _rgb(20 if tall else 12)  # 10 wide
    out = F.resize(img, size, max_size=max_size)
    x, _ = _tensors((3, 20 if tall else 12, 10))
    tout = F.resize(x, size, max_size=max_size)
    if expected is None:  # already that size: returned as is
        assert out is img and tout is x
        return
    assert out.size == expected[::-1] and tuple(tout.shape[-2:]) == expected
    _same(np.array(out), np.array(img.resize(expected[::-1], Image.Resampling.BILINEAR)))


def test_resize_pil_modes_and_repr():
    img = _rgb()
    _same(np.array(T.Resize((5, 6), interpolation=T.InterpolationMode.NEAREST)(img)),
          np.array(img.resize((6, 5), Image.Resampling.NEAREST)))
    _same(np.array(T.Resize((5, 6), interpolation=3)(img)), np.array(img.resize((6, 5), Image.Resampling.BICUBIC)))
    assert repr(T.Resize(8)) == "Resize(size=8, interpolation=bilinear, max_size=None, antialias=True)"


@pytest.mark.parametrize("size", [(4, 6), 5, (12, 10), (14, 13), (3, 11)])
def test_center_crop(size):
    img = _rgb()
    x, _ = _tensors()
    th, tw = (size, size) if isinstance(size, int) else size
    arr = np.asarray(img).transpose(2, 0, 1).astype(np.float32)
    pad_w, pad_h = max(tw - 10, 0), max(th - 12, 0)
    arr = np.pad(arr, ((0, 0), (pad_h // 2, (pad_h + 1) // 2), (pad_w // 2, (pad_w + 1) // 2)))
    h, w = arr.shape[1:]
    top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
    expected = arr[:, top:top + th, left:left + tw]
    _same(np.array(T.CenterCrop(size)(img)).transpose(2, 0, 1).astype(np.float32), expected)
    xa = np.pad(_np(x), ((0, 0), (pad_h // 2, (pad_h + 1) // 2), (pad_w // 2, (pad_w + 1) // 2)))
    _same(T.CenterCrop(size)(x), xa[:, top:top + th, left:left + tw])


@pytest.mark.parametrize("padding", [2, (1, 3), (1, 2, 3, 0), [0, 1, 2, 3]])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad(padding, mode):
    x, xt = _tensors((3, 5, 4))
    p = [padding] * 4 if isinstance(padding, int) else list(padding) * 2 if len(padding) == 2 else list(padding)
    left, top, right, bottom = p
    np_mode = {"edge": "edge", "constant": "constant", "reflect": "reflect", "symmetric": "symmetric"}[mode]
    widths = ((0, 0), (top, bottom), (left, right))
    kw = {"constant_values": 0.5} if mode == "constant" else {}
    _same(T.Pad(padding, fill=0.5 if mode == "constant" else 0, padding_mode=mode)(x),
          np.pad(_np(xt), widths, np_mode, **kw))
    img = _rgb(5, 4)
    fill = (10, 20, 30)
    out = T.Pad(padding, fill=fill, padding_mode=mode)(img)
    arr = np.asarray(img)
    if mode == "constant":
        expected = np.asarray(ImageOps.expand(img, border=tuple(p), fill=fill))
    else:
        expected = np.pad(arr, widths[1:] + ((0, 0),), np_mode)
    _same(np.asarray(out), expected)


def test_pad_errors():
    with pytest.raises(ValueError, match="Padding mode should be either"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple"):
        T.Pad((1, 2, 3))
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        T.Pad("1")


def test_crop_outside_and_flips():
    x, xt = _tensors()
    ref = torch.nn.functional.pad(xt[:, 0:5, 0:4], [2, 0, 1, 0])  # left/top outside are zero
    _same(F.crop(x, -1, -2, 6, 6), ref)
    _same(F.hflip(x), xt.flip(-1))
    _same(F.vflip(x), xt.flip(-2))
    img = _rgb()
    _same(np.asarray(F.hflip(img)), np.asarray(img)[:, ::-1])
    _same(np.asarray(F.vflip(img)), np.asarray(img)[::-1])
    _same(np.asarray(F.crop(img, 2, 3, 4, 5)), np.asarray(img)[2:6, 3:8])


# --- color ---------------------------------------------------------------------------------------------------------


def _gray_ref(t):
    r, g, b = t.unbind(dim=-3)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(t.dtype).unsqueeze(-3)


def _blend_ref(a, b, ratio):
    bound = 1.0 if a.is_floating_point() else 255
    return (ratio * a + (1.0 - ratio) * b).clamp(0, bound).to(a.dtype)


def _hue_ref(img, factor):
    """torchvision's _rgb2hsv / shift / _hsv2rgb, in torch."""
    r, g, b = img.unbind(dim=-3)
    maxc, minc = torch.max(img, dim=-3).values, torch.min(img, dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = torch.ones_like(maxc)
    s = cr / torch.where(eqc, ones, maxc)
    crd = torch.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    h = (maxc == r) * (bc - gc) + ((maxc == g) & (maxc != r)) * (2.0 + rc - bc) + \
        ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((h / 6.0 + 1.0), 1.0)
    h = (h + factor) % 1.0
    v = maxc
    i = torch.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=torch.int32)
    p = torch.clamp((v * (1.0 - s)), 0.0, 1.0)
    q = torch.clamp((v * (1.0 - s * f)), 0.0, 1.0)
    t = torch.clamp((v * (1.0 - s * (1.0 - f))), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == torch.arange(6).view(-1, 1, 1)
    a4 = torch.stack((torch.stack((v, q, p, p, t, v), dim=-3), torch.stack((t, v, v, q, p, p), dim=-3),
                      torch.stack((p, p, t, v, v, q), dim=-3)), dim=-4)
    return torch.einsum("...ijk, ...xijk -> ...xjk", mask.to(dtype=img.dtype), a4)


def _adjust_ref(t, name, factor):
    if name == "brightness":
        return _blend_ref(t, torch.zeros_like(t), factor)
    if name == "contrast":
        mean = torch.mean(_gray_ref(t).to(torch.float32), dim=(-3, -2, -1), keepdim=True)
        return _blend_ref(t, mean, factor)
    if name == "saturation":
        return _blend_ref(t, _gray_ref(t), factor)
    return _hue_ref(t, factor)


@pytest.mark.parametrize("name,factor", [("brightness", 1.3), ("contrast", 0.6), ("saturation", 1.7), ("hue", 0.2),
                                         ("hue", -0.45)])
def test_adjust_tensor(name, factor):
    x, xt = _tensors()
    _same(getattr(F, f"adjust_{name}")(x, factor), _adjust_ref(xt, name, factor), atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("name", ["brightness", "contrast", "saturation"])
def test_adjust_uint8_tensor(name):
    u, ut = _u8()
    _same(getattr(F, f"adjust_{name}")(u, 0.7), _adjust_ref(ut, name, 0.7))


@pytest.mark.parametrize("name,enhance", [("brightness", ImageEnhance.Brightness), ("contrast", ImageEnhance.Contrast),
                                          ("saturation", ImageEnhance.Color)])
def test_adjust_pil(name, enhance):
    img = _rgb()
    _same(np.asarray(getattr(F, f"adjust_{name}")(img, 1.4)), np.asarray(enhance(img).enhance(1.4)))


def test_adjust_hue_pil():
    img = _rgb()
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8) + np.uint8(np.int32(-0.3 * 255) & 0xFF)
    expected = Image.merge("HSV", (Image.fromarray(np_h), s, v)).convert("RGB")
    _same(np.asarray(F.adjust_hue(img, -0.3)), np.asarray(expected))
    assert F.adjust_hue(img.convert("L"), 0.2).mode == "L"
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]"):
        F.adjust_hue(img, 0.7)


def test_grayscale():
    x, xt = _tensors()
    _same(T.Grayscale()(x), _gray_ref(xt))
    _same(T.Grayscale(3)(x), _gray_ref(xt).expand(3, 12, 10))
    img = _rgb()
    _same(np.asarray(T.Grayscale()(img)), np.asarray(img.convert("L")))
    out3 = T.Grayscale(num_output_channels=3)(img)
    assert out3.mode == "RGB"
    _same(np.asarray(out3)[..., 1], np.asarray(img.convert("L")))
    with pytest.raises(TypeError, match="permitted channel values are"):
        F.rgb_to_grayscale(torchax.zeros(2, 3, 3))


# --- seeded random transforms ------------------------------------------------------------------------------------


def test_random_crop_seeded():
    img, (x, _) = _rgb(), _tensors()
    torchax.manual_seed(5)
    outs = [T.RandomCrop((6, 7), padding=2)(img) for _ in range(4)] + [T.RandomCrop(5, pad_if_needed=True)(x)]
    torch.manual_seed(5)
    padded = np.pad(np.asarray(img), ((2, 2), (2, 2), (0, 0)))
    for out in outs[:4]:
        i = torch.randint(0, 16 - 6 + 1, size=(1,)).item()
        j = torch.randint(0, 14 - 7 + 1, size=(1,)).item()
        _same(np.asarray(out), padded[i:i + 6, j:j + 7])
    i = torch.randint(0, 12 - 5 + 1, size=(1,)).item()
    j = torch.randint(0, 10 - 5 + 1, size=(1,)).item()
    _same(outs[4], _np(x)[:, i:i + 5, j:j + 5])
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(20)(img)


def test_random_flips_seeded():
    img = _rgb()
    torchax.manual_seed(1)
    outs = [(T.RandomHorizontalFlip(0.5)(img), T.RandomVerticalFlip(0.3)(img)) for _ in range(6)]
    torch.manual_seed(1)
    arr = np.asarray(img)
    for h, v in outs:
        _same(np.asarray(h), arr[:, ::-1] if torch.rand(1) < 0.5 else arr)
        _same(np.asarray(v), arr[::-1] if torch.rand(1) < 0.3 else arr)


def _rrc_params(height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, drawing from real torch."""
    import math

    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            return i, torch.randint(0, width - w + 1, size=(1,)).item(), h, w
    return None


def test_random_resized_crop_seeded():
    img = _rgb(20, 16)
    t = T.RandomResizedCrop(8, scale=(0.2, 1.0))
    torchax.manual_seed(7)
    outs = [t(img) for _ in range(5)]
    torch.manual_seed(7)
    for out in outs:
        i, j, h, w = _rrc_params(20, 16, (0.2, 1.0), (3 / 4, 4 / 3))
        _same(np.asarray(out), np.asarray(img.crop((j, i, j + w, i + h)).resize((8, 8), Image.Resampling.BILINEAR)))
    assert repr(t) == ("RandomResizedCrop(size=(8, 8), scale=(0.2, 1.0), ratio=(0.75, 1.3333), "
                       "interpolation=bilinear, antialias=True)")


def test_random_rotation_seeded_pil():
    img = _rgb()
    torchax.manual_seed(2)
    outs = [T.RandomRotation(30, fill=(1, 2, 3))(img) for _ in range(3)]
    torch.manual_seed(2)
    for out in outs:
        angle = float(torch.empty(1).uniform_(-30.0, 30.0).item())
        _same(np.asarray(out), np.asarray(img.rotate(angle, Image.Resampling.NEAREST, False, None,
                                                     fillcolor=(1, 2, 3))))


def _rotate_ref(img, angle, mode, fill):
    """torchvision's tensor rotate (inverse affine matrix, affine grid, grid_sample with a fill mask), in torch."""
    import math

    rot = math.radians(-angle)
    a, b, c, d = math.cos(rot), -math.sin(rot), math.sin(rot), math.cos(rot)
    m = [d, -b, 0.0, -c, a, 0.0]
    theta = torch.tensor(m, dtype=img.dtype).reshape(1, 2, 3)
    h, w = img.shape[-2:]
    base = torch.empty(1, h, w, 3, dtype=img.dtype)
    base[..., 0].copy_(torch.linspace(-w * 0.5 + 0.5, w * 0.5 + 0.5 - 1, steps=w))
    base[..., 1].copy_(torch.linspace(-h * 0.5 + 0.5, h * 0.5 + 0.5 - 1, steps=h).unsqueeze_(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, h * w, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h])).view(1, h, w, 2)
    x = torch.cat((img[None], torch.ones(1, 1, h, w)), dim=1)
    x = torch.nn.functional.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    mask, x = x[:, -1:].expand(1, img.shape[0], h, w), x[:, :-1]
    fill_img = torch.tensor(fill, dtype=img.dtype).view(1, -1, 1, 1).expand_as(x)
    x = torch.where(mask < 0.5, fill_img, x) if mode == "nearest" else x * mask + (1.0 - mask) * fill_img
    return x[0]


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_random_rotation_seeded_tensor(mode):
    x, xt = _tensors()
    t = T.RandomRotation((-40, 40), interpolation=getattr(T.InterpolationMode, mode.upper()), fill=0.25)
    torchax.manual_seed(4)
    outs = [t(x) for _ in range(2)]
    torch.manual_seed(4)
    for out in outs:
        angle = float(torch.empty(1).uniform_(-40.0, 40.0).item())
        _same(out, _rotate_ref(xt, angle, mode, [0.25] * 3), atol=1e-5, rtol=1e-5)


def test_color_jitter_seeded():
    img, (x, xt) = _rgb(), _tensors()
    cj = T.ColorJitter(brightness=0.4, contrast=0.3, saturation=0.5, hue=0.1)
    torchax.manual_seed(9)
    outs = [(cj(img), cj(x)) for _ in range(3)]
    torch.manual_seed(9)
    enh = {0: ImageEnhance.Brightness, 1: ImageEnhance.Contrast, 2: ImageEnhance.Color}
    names = {0: "brightness", 1: "contrast", 2: "saturation", 3: "hue"}
    for pil_out, t_out in outs:
        for which in (0, 1):  # the PIL call drew first, then the tensor call
            fn_idx = torch.randperm(4)
            factors = [float(torch.empty(1).uniform_(lo, hi)) for lo, hi in ((0.6, 1.4), (0.7, 1.3), (0.5, 1.5),
                                                                          (-0.1, 0.1))]
            ref = img if which == 0 else xt
            for k in fn_idx.tolist():
                if which == 1:
                    ref = _adjust_ref(ref, names[k], factors[k])
                elif k == 3:
                    ref = F.adjust_hue(ref, factors[k])
                else:
                    ref = enh[k](ref).enhance(factors[k])
            if which == 0:
                _same(np.asarray(pil_out), np.asarray(ref))
            else:
                _same(t_out, ref, atol=1e-5, rtol=1e-5)
    assert repr(cj) == ("ColorJitter(brightness=(0.6, 1.4), contrast=(0.7, 1.3), saturation=(0.5, 1.5), "
                        "hue=(-0.1, 0.1))")
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)


def test_random_apply_choice_order_seeded():
    img = _rgb()
    flip, gray = T.Lambda(F.hflip), T.Grayscale(3)
    torchax.manual_seed(3)
    random.seed(3)
    applied = [T.RandomApply([flip, gray], p=0.5)(img) for _ in range(6)]
    chosen = [T.RandomChoice([flip, gray], p=[0.3, 0.7])(img) for _ in range(6)]
    torch.manual_seed(3)
    random.seed(3)
    for out in applied:
        _same(np.asarray(out), np.asarray(img if 0.5 < torch.rand(1) else gray(flip(img))))
    for out in chosen:
        _same(np.asarray(out), np.asarray(random.choices([flip, gray], weights=[0.3, 0.7])[0](img)))


def test_compose_lambda_and_reprs():
    pipeline = T.Compose([T.CenterCrop(6), T.ToTensor(), T.Lambda(lambda t: t * 2),
                          T.Normalize((0.5,) * 3, (0.5,) * 3)])
    img = _rgb()
    ref = (torch.from_numpy(np.asarray(img)[3:9, 2:8].transpose(2, 0, 1).copy()).float().div(255) * 2 - 0.5) / 0.5
    _same(pipeline(img), ref, atol=1e-6)
    assert repr(pipeline) == ("Compose(\n    CenterCrop(size=(6, 6))\n    ToTensor()\n    Lambda()\n"
                              "    Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))\n)")
    assert repr(T.RandomApply([T.ToTensor()], p=0.3)) == "RandomApply(\n    p=0.3\n    ToTensor()\n)"
    assert repr(T.RandomChoice([T.ToTensor()])) == "RandomChoice(\n    ToTensor()\n)(p=None)"
    assert repr(T.RandomRotation(10)) == ("RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, "
                                          "expand=False, fill=0)")
    assert isinstance(T.Normalize((0.5,), (0.5,)), torchax.nn.Module)
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)
