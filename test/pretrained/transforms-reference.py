#!/usr/bin/env python3
"""References for test/pretrained/transforms.test.ts, computed live with PIL and torchvision.

  transforms-reference.py OUT_DIR

writes image files made with PIL (PNG and JPEG; RGB, L, RGBA, LA, P, 16-bit grey and RGB; sizes
smaller and larger than the crop, portrait and landscape), and for each pair of an image and a
config of CONFIGS the tensor torchvision's transforms give (CHW float32, raw little-endian) as
OUT_DIR/<image>.<config>.f32, plus OUT_DIR/manifest.json. For each JPEG it also writes
OUT_DIR/<image>.pil.png: PIL's decoded pixels, so the test can separate decoding from the rest.

timm is not a Debian package, so its ResizeKeepRatio (non-square centre crop, border mode) and
CenterCropOrPad are written out below from timm/data/transforms.py (same arithmetic, on
torchvision's F.resize / F.pad).
"""
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import functional as F

INTERP = {
    "bilinear": T.InterpolationMode.BILINEAR,
    "bicubic": T.InterpolationMode.BICUBIC,
    "nearest": T.InterpolationMode.NEAREST,
}

CONFIGS = {
    # torchvision's ImageClassification preset: resize 256, crop 224, bilinear
    "tv": dict(input_size=(3, 224, 224), interpolation="bilinear", crop_pct=0.875, crop_mode="center",
               mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    # timm resnet50.a1_in1k: bicubic, crop 0.95
    "a1": dict(input_size=(3, 224, 224), interpolation="bicubic", crop_pct=0.95, crop_mode="center",
               mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    # the same at 96x96 (the classify test runs a whole net on it)
    "a1-96": dict(input_size=(3, 96, 96), interpolation="bicubic", crop_pct=0.95, crop_mode="center",
                  mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    "rect": dict(input_size=(3, 96, 128), interpolation="bicubic", crop_pct=0.9, crop_mode="center",
                 mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    "squash": dict(input_size=(3, 80, 80), interpolation="bicubic", crop_pct=1.0, crop_mode="squash",
                   mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    "border": dict(input_size=(3, 96, 96), interpolation="bilinear", crop_pct=0.9, crop_mode="border",
                   mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    "nearest": dict(input_size=(3, 64, 64), interpolation="nearest", crop_pct=0.875, crop_mode="center",
                    mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
}


def resize_keep_ratio(img, size, longest, interpolation):
    """timm ResizeKeepRatio.get_params without the random parts, then F.resize."""
    target_h, target_w = size
    img_h, img_w = img.size[1], img.size[0]
    ratio_h = img_h / target_h
    ratio_w = img_w / target_w
    ratio = max(ratio_h, ratio_w) * longest + min(ratio_h, ratio_w) * (1.0 - longest)
    new = [round(x / ratio) for x in (img_h, img_w)]
    return F.resize(img, new, INTERP[interpolation])


def center_crop_or_pad(img, output_size, fill):
    """timm center_crop_or_pad."""
    crop_height, crop_width = output_size
    image_width, image_height = img.size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = F.pad(img, padding_ltrb, fill=fill)
        image_width, image_height = img.size
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return F.crop(img, crop_top, crop_left, crop_height, crop_width)


def transform(cfg):
    """timm transforms_imagenet_eval (crop_mode center/squash/border) on torchvision."""
    img_size = tuple(cfg["input_size"][1:])
    crop_pct = cfg["crop_pct"]
    scale_size = tuple(math.floor(x / crop_pct) for x in img_size)
    interp = cfg["interpolation"]
    if cfg["crop_mode"] == "squash":
        tfl = [T.Resize(scale_size, interpolation=INTERP[interp]), T.CenterCrop(img_size)]
    elif cfg["crop_mode"] == "border":
        fill = [round(255 * v) for v in cfg["mean"]]
        tfl = [lambda im: resize_keep_ratio(im, scale_size, 1.0, interp),
               lambda im: center_crop_or_pad(im, img_size, fill)]
    elif scale_size[0] == scale_size[1]:
        tfl = [T.Resize(scale_size[0], interpolation=INTERP[interp]), T.CenterCrop(img_size)]
    else:
        # timm: ResizeKeepRatio(scale_size) with its default interpolation, bilinear
        tfl = [lambda im: resize_keep_ratio(im, scale_size, 0.0, "bilinear"), T.CenterCrop(img_size)]
    tfl += [T.ToTensor(), T.Normalize(mean=torch.tensor(cfg["mean"]), std=torch.tensor(cfg["std"]))]
    return T.Compose(tfl)


def pattern(w, h, seed):
    """Smooth gradients, sharp edges and noise: every filter tap matters."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / (3 + seed) + y / 7.0)
    g = 255.0 * (x / max(w - 1, 1))
    b = np.where(((x // 9) + (y // 5)) % 2 == 0, 230.0, 20.0)
    rgb = np.stack([r, g, b], axis=-1) + rng.normal(0, 25, (h, w, 3))
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def smooth(w, h):
    """A photo-like image: smooth colour fields, a few soft edges, mild noise."""
    rng = np.random.default_rng(13)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 140 + 80 * np.sin(x / 40.0) * np.cos(y / 55.0)
    g = 120 + 90 * np.tanh((x - w / 2) / 15.0)
    b = 100 + 60 * np.cos((x + y) / 70.0)
    rgb = np.stack([r, g, b], axis=-1) + rng.normal(0, 3, (h, w, 3))
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def float_reference(rgb, cfg):
    """Float pixels (0-255) resized as PIL resizes mode "F" images, channel by channel."""
    img_size = tuple(cfg["input_size"][1:])
    scale = math.floor(img_size[0] / cfg["crop_pct"])
    arr = np.asarray(rgb, dtype=np.float32)
    chans = []
    for c in range(3):
        ch = Image.fromarray(np.ascontiguousarray(arr[:, :, c]), "F")
        ch = T.CenterCrop(img_size)(T.Resize(scale, interpolation=INTERP[cfg["interpolation"]])(ch))
        chans.append(np.array(ch, dtype=np.float32))
    x = torch.from_numpy(np.stack(chans)) / 255
    return T.Normalize(mean=torch.tensor(cfg["mean"]), std=torch.tensor(cfg["std"]))(x)


def images():
    """(name, PIL image, format) of the test images."""
    out = []
    out.append(("rgb-300x200", Image.fromarray(pattern(300, 200, 1), "RGB"), "PNG"))
    out.append(("rgb-97x61", Image.fromarray(pattern(97, 61, 2), "RGB"), "PNG"))
    out.append(("rgb-150x401", Image.fromarray(pattern(150, 401, 3), "RGB"), "PNG"))
    out.append(("gray-180x240", Image.fromarray(pattern(180, 240, 4)[:, :, 0], "L"), "PNG"))
    rgba = np.concatenate([pattern(250, 250, 5), pattern(250, 250, 6)[:, :, :1]], axis=-1)
    out.append(("rgba-250x250", Image.fromarray(rgba, "RGBA"), "PNG"))
    la = np.stack([pattern(77, 120, 7)[:, :, 1], pattern(77, 120, 8)[:, :, 2]], axis=-1)
    out.append(("la-77x120", Image.fromarray(la, "LA"), "PNG"))
    # 16-bit grey: PIL opens it as mode "I"; convert("RGB") clips to 0-255
    out.append(("grey16-90x70", Image.fromarray((pattern(90, 70, 14)[:, :, 0].astype(np.uint16) * 3), "I;16"), "PNG"))
    out.append(("palette-130x90", Image.fromarray(pattern(130, 90, 9), "RGB").quantize(64), "PNG"))
    out.append(("rgb-320x240", Image.fromarray(pattern(320, 240, 10), "RGB"), "JPEG"))
    out.append(("rgb444-240x300", Image.fromarray(pattern(240, 300, 12), "RGB"), "JPEG444"))
    out.append(("smooth-300x225", Image.fromarray(smooth(300, 225), "RGB"), "JPEG"))
    out.append(("gray-211x160", Image.fromarray(pattern(211, 160, 11)[:, :, 1], "L"), "JPEG"))
    return out


def main():
    out_dir = sys.argv[1]
    manifest = {"configs": CONFIGS, "images": [], "cases": []}
    for name, image, fmt in images():
        ext = "png" if fmt == "PNG" else "jpg"
        path = os.path.join(out_dir, f"{name}.{ext}")
        if fmt == "JPEG444":
            image.save(path, quality=90, subsampling=0)
            fmt = "JPEG"
        elif fmt == "JPEG":
            image.save(path, quality=90)  # PIL's default 4:2:0 chroma subsampling
        else:
            image.save(path)
        # Read back as timm's loader does: open, convert("RGB").
        with Image.open(path) as im:
            rgb = im.convert("RGB")
        entry = {"name": name, "file": path, "format": fmt, "mode": image.mode, "width": rgb.size[0], "height": rgb.size[1]}
        if fmt == "JPEG":
            entry["pil_png"] = os.path.join(out_dir, f"{name}.pil.png")
            rgb.save(entry["pil_png"])
        manifest["images"].append(entry)
        for cfg_name, cfg in CONFIGS.items():
            tensor = transform(cfg)(rgb)
            ref = os.path.join(out_dir, f"{name}.{cfg_name}.f32")
            tensor.numpy().astype("<f4").tofile(ref)
            manifest["cases"].append({"image": name, "config": cfg_name, "file": ref, "shape": list(tensor.shape)})
        if name == "rgb-300x200":
            tensor = float_reference(rgb, CONFIGS["a1"])
            ref = os.path.join(out_dir, f"{name}.a1-float.f32")
            tensor.numpy().astype("<f4").tofile(ref)
            manifest["cases"].append({"image": name, "config": "a1-float", "file": ref, "shape": list(tensor.shape)})
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
