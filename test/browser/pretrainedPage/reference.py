#!/usr/bin/env python3
"""Photos for test/browser/pretrainedPage.test.ts, and PyTorch's top classes of them.

  reference.py --checkpoint DIR --out DIR

Reads DIR/config.json (timm's format) and DIR/model.safetensors (a torchvision ResNet's state
dict, as scripts/make-timm-fixture.py writes it), makes PNG photos with PIL in --out, and
prints JSON: for each photo its file and the 6 most probable classes, as torchvision
preprocesses it for this checkpoint (Resize(floor(size / crop_pct)) with the config's
interpolation, CenterCrop, ToTensor, Normalize with the config's mean and std: timm's
create_transform in eval mode) and the ResNet classifies it (softmax of the logits).
"""
import argparse
import importlib.util
import json
import math
import os
import sys

import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts")

PHOTOS = [  # name, size (width, height), PIL mode as saved
    ("photo.png", (640, 480), "RGB"),
    ("dropped-grey.png", (200, 300), "L"),
]


def read_safetensors(path):
    spec = importlib.util.spec_from_file_location("make_torchvision_fixture", os.path.join(SCRIPTS, "make-torchvision-fixture.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_safetensors(path)


def make_photo(path, size, mode, generator):
    """Smooth shapes, edges and noise: content at every scale, so the resampling filter matters."""
    width, height = size
    ys = torch.linspace(0, 1, height).view(height, 1, 1)
    xs = torch.linspace(0, 1, width).view(1, width, 1)
    phase = torch.rand(1, 1, 3, generator=generator) * 6.28
    waves = 0.5 + 0.4 * torch.sin(13 * xs + 7 * ys * ys + phase) * torch.cos(5 * ys - 4 * xs + phase)
    disc = (((xs - 0.6) ** 2 + (ys - 0.4) ** 2) < 0.05).float() * torch.tensor([0.3, -0.2, 0.25])
    pixels = (waves + disc + 0.08 * torch.randn(height, width, 3, generator=generator)).clamp(0, 1)
    image = Image.fromarray((pixels * 255).round().to(torch.uint8).numpy(), "RGB").convert(mode)
    image.save(path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    with open(os.path.join(args.checkpoint, "config.json")) as f:
        config = json.load(f)
    cfg = config["pretrained_cfg"]
    _, height, width = cfg["input_size"]
    assert height == width, "square input sizes only (torchvision's Resize(int))"
    mode = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC}[cfg["interpolation"]]
    transform = T.Compose([
        T.Resize(math.floor(height / cfg["crop_pct"]), interpolation=mode),
        T.CenterCrop(height),
        T.ToTensor(),
        T.Normalize(cfg["mean"], cfg["std"]),
    ])

    depth = int(config["architecture"].removeprefix("resnet"))
    model = getattr(torchvision.models, "resnet%d" % depth)(weights=None, num_classes=config["num_classes"])
    model.load_state_dict(read_safetensors(os.path.join(args.checkpoint, "model.safetensors")))
    model.eval()

    generator = torch.Generator().manual_seed(7)
    os.makedirs(args.out, exist_ok=True)
    results = []
    for name, size, image_mode in PHOTOS:
        path = os.path.join(args.out, name)
        make_photo(path, size, image_mode, generator)
        x = transform(Image.open(path).convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            probabilities = torch.softmax(model(x), dim=1)[0]
        values, indices = probabilities.topk(6)
        results.append({
            "file": path,
            "top": [{"index": int(i), "probability": float(p)} for p, i in zip(values, indices)],
        })
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
