#!/usr/bin/env python3
"""PyTorch references for test/pretrained/features.test.ts and classify.test.ts.

  features-reference.py --depth 18 --size 97 83 --batch 2 --out DIR [--image PNG --config a1]

makes a torchvision ResNet with seeded random weights and batch-norm statistics
(scripts/make-torchvision-fixture.py's `model`: DIR/resnet<depth>.safetensors and
DIR/resnet<depth>.io.safetensors with its input), then writes
DIR/resnet<depth>.features.safetensors: the outputs of torchvision's
create_feature_extractor(model, {"relu", "layer1" ... "layer4", "flatten"}) for that input,
NCHW. With --image, also DIR/resnet<depth>.classify.safetensors: the softmax of the logits for
that image preprocessed as test/pretrained/transforms-reference.py's config --config does
(torchvision Resize, CenterCrop, ToTensor, Normalize on the PIL image converted to RGB).
"""
import argparse
import importlib.util
import os

import torch
from PIL import Image
from torchvision.models.feature_extraction import create_feature_extractor

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load("fixture", os.path.join(HERE, "..", "..", "scripts", "make-torchvision-fixture.py"))

NODES = {"relu": "conv1", "layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x", "layer4": "conv5_x", "flatten": "pool"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, required=True)
    p.add_argument("--size", type=int, nargs=2, required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--image")
    p.add_argument("--config", default="a1")
    a = p.parse_args()
    gen.make_model(a.depth, "F32", a.size, a.batch, 0, a.out)
    base = os.path.join(a.out, "resnet%d" % a.depth)
    model = gen.torchvision_resnet(a.depth)
    model.load_state_dict(gen.read_safetensors(base + ".safetensors"), strict=True)
    model.eval()
    x = gen.read_safetensors(base + ".io.safetensors")["input"]
    extractor = create_feature_extractor(model, return_nodes=NODES)
    with torch.no_grad():
        feats = extractor(x)
    gen.write_safetensors(base + ".features.safetensors", feats)
    if a.image:
        tr = load("transforms_reference", os.path.join(HERE, "transforms-reference.py"))
        with Image.open(a.image) as im:
            rgb = im.convert("RGB")
        batch = tr.transform(tr.CONFIGS[a.config])(rgb).unsqueeze(0)
        with torch.no_grad():
            probs = torch.softmax(model(batch), dim=1)
        gen.write_safetensors(base + ".classify.safetensors", {"input": batch, "probabilities": probs})


if __name__ == "__main__":
    main()
