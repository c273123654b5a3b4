#!/usr/bin/env python3
"""Hub-format checkpoints for resnet-blocks' pretrained() tests, made with PyTorch.

Needs only Debian's packages (apt-get install python3-torch python3-torchvision) and runs
with /usr/bin/python3. timm's plain ResNets (resnet18 ... resnet152) have torchvision's
module tree and state-dict names, so a torchvision ResNet with random weights and
randomised batch-norm statistics is a faithful stand-in for a timm checkpoint.

  make-timm-fixture.py --depth 50 --tag a1_in1k --size 160 160 --batch 2 --out DIR
      Writes DIR/resnet50.a1_in1k/config.json (timm's format: architecture, num_classes,
      num_features, pretrained_cfg with input_size, interpolation, crop_pct, crop_mode,
      mean, std, ...) and DIR/resnet50.a1_in1k/model.safetensors (float32 state dict), and
      DIR/resnet50.a1_in1k.io.safetensors: a fixed NCHW input and PyTorch's logits for it.
      With --images, also DIR/resnet50.a1_in1k.images/*.png (PIL: RGB, grey "L" and RGBA, of
      several sizes and aspect ratios) and, in the io file, "image_input" (torchvision's
      preprocessing of them for this checkpoint: Resize(floor(size / crop_pct)),
      CenterCrop, ToTensor, Normalize, as timm's create_transform) and "image_logits".

The safetensors files are written by the `safetensors` package when it is installed, and
otherwise by the small writer of scripts/make-torchvision-fixture.py (the format is an
8-byte little-endian header length, a JSON header and the raw data).
"""
import argparse
import importlib.util
import json
import os
import sys

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))


def _torchvision_fixture():
    spec = importlib.util.spec_from_file_location("make_torchvision_fixture", os.path.join(HERE, "make-torchvision-fixture.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TV = _torchvision_fixture()

try:  # the reference writer when present, else our own
    from safetensors.torch import save_file as _save_file

    def save(path, tensors, metadata=None):
        _save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata=metadata)
except ImportError:
    def save(path, tensors, metadata=None):
        TV.write_safetensors(path, tensors, metadata)


def timm_config(depth, tag, size, interpolation, crop_pct, classes):
    """config.json as timm's push_to_hf_hub writes it for resnet<depth>.<tag>."""
    features = 512 if depth < 50 else 2048
    return {
        "architecture": "resnet%d" % depth,
        "num_classes": classes,
        "num_features": features,
        "global_pool": "avg",
        "pretrained_cfg": {
            "tag": tag,
            "custom_load": False,
            "input_size": [3, size[0], size[1]],
            "test_input_size": [3, size[0] + 64, size[1] + 64],
            "fixed_input_size": False,
            "interpolation": interpolation,
            "crop_pct": crop_pct,
            "test_crop_pct": 1.0,
            "crop_mode": "center",
            "mean": [0.485, 0.456, 0.406],
            "std": [0.229, 0.224, 0.225],
            "num_classes": classes,
            "pool_size": [size[0] // 32, size[1] // 32],
            "first_conv": "conv1",
            "classifier": "fc",
            "origin_url": "https://github.com/huggingface/pytorch-image-models",
        },
    }


IMAGES = [  # name, size (width, height), PIL mode
    ("landscape-rgb.png", (157, 103), "RGB"),
    ("portrait-grey.png", (90, 141), "L"),
    ("square-rgba.png", (260, 260), "RGBA"),
]


def make_images(folder, generator):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    paths = []
    for name, (width, height), mode in IMAGES:
        # Smooth shapes plus noise: content at every scale, so resampling matters.
        ys = torch.linspace(0, 1, height).view(height, 1, 1)
        xs = torch.linspace(0, 1, width).view(1, width, 1)
        phase = torch.rand(1, 1, 4, generator=generator) * 6.28
        base = 0.5 + 0.35 * torch.sin(9 * xs + 5 * ys * ys + phase) * torch.cos(4 * ys - 3 * xs + phase)
        noisy = (base + 0.12 * torch.randn(height, width, 4, generator=generator)).clamp(0, 1)
        pixels = (noisy * 255).round().to(torch.uint8).numpy()
        image = Image.fromarray(pixels, "RGBA").convert(mode) if mode != "RGBA" else Image.fromarray(pixels, "RGBA")
        path = os.path.join(folder, name)
        image.save(path)
        paths.append(path)
    return paths


def preprocess(paths, size, interpolation, crop_pct):
    import math
    from PIL import Image
    from torchvision import transforms as T

    mode = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC, "nearest": T.InterpolationMode.NEAREST}[interpolation]
    scale = [math.floor(s / crop_pct) for s in size]
    resize = T.Resize(scale[0] if size[0] == size[1] else scale, interpolation=mode)
    transform = T.Compose([resize, T.CenterCrop(list(size)), T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    return torch.stack([transform(Image.open(p).convert("RGB")) for p in paths])


def make(depth, tag, size, batch, seed, interpolation, crop_pct, out, images=False):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed + 1)
    model = torchvision.models.__dict__["resnet%d" % depth](weights=None)
    TV.randomise_batch_norms(model, size, generator)
    name = "resnet%d.%s" % (depth, tag)
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(timm_config(depth, tag, size, interpolation, crop_pct, 1000), f, indent=2)
    save(os.path.join(folder, "model.safetensors"), dict(model.state_dict()), {"format": "pt"})
    x = torch.randn(batch, 3, size[0], size[1], generator=generator)
    with torch.no_grad():
        logits = model(x)
    io = {"input": x, "logits": logits}
    if images:
        image_input = preprocess(make_images(os.path.join(out, name + ".images"), generator), size, interpolation, crop_pct)
        with torch.no_grad():
            io["image_logits"] = model(image_input)
        io["image_input"] = image_input
    save(os.path.join(out, name + ".io.safetensors"), io)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depth", type=int, required=True, choices=[18, 34, 50, 101, 152])
    parser.add_argument("--tag", default="a1_in1k")
    parser.add_argument("--size", type=int, nargs=2, default=[224, 224])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--interpolation", default="bicubic", choices=["bilinear", "bicubic", "nearest"])
    parser.add_argument("--crop-pct", type=float, default=0.95)
    parser.add_argument("--images", action="store_true", help="also PNG images and their logits")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    make(args.depth, args.tag, args.size, args.batch, args.seed, args.interpolation, args.crop_pct, args.out, args.images)


if __name__ == "__main__":
    main(sys.argv[1:])
