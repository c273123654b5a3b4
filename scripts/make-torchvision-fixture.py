#!/usr/bin/env python3
"""Fixtures for resnet-blocks' weight tests, made with PyTorch and torchvision.

Needs only Debian's packages (no pip):  apt-get install python3-torch python3-torchvision
and runs with /usr/bin/python3. Safetensors are written and read by the small code below
(Debian has no python3-safetensors), independently of the TypeScript codec under test.

  make-torchvision-fixture.py dtypes OUT.safetensors
      Float32 values and PyTorch's float16 / bfloat16 roundings of them (committed as
      test/weights/fixtures/dtypes.safetensors).
  make-torchvision-fixture.py keys OUT.json
      The state-dict names, shapes and dtypes of torchvision's resnet18 ... resnet152
      (committed as test/weights/fixtures/torchvision-keys.json).
  make-torchvision-fixture.py model --depth 50 --dtype float32 --size 112 112 --out DIR
      A torchvision ResNet with seeded random weights and randomised batch-norm
      parameters and statistics, saved as DIR/resnet50.safetensors, and a fixed input
      with torchvision's logits for it as DIR/resnet50.io.safetensors. The tests run this
      at test time (the weights are too large to commit).
  make-torchvision-fixture.py model --depth 50 --arch resnext50_32x4d --size 64 64 --out DIR
      The same for a variant (wide_resnet50_2, wide_resnet101_2, resnext50_32x4d,
      resnext101_32x8d), saved as DIR/<arch>.safetensors and DIR/<arch>.io.safetensors.
  make-torchvision-fixture.py check --depth 18 --weights FILE --io IOFILE
      Loads FILE (written by resnet-blocks in the torchvision layout) into torchvision's
      model with strict=True, runs the input of IOFILE and prints, as JSON, how far the
      logits are from those stored in IOFILE.
"""
import argparse
import json
import struct
import sys

import torch
import torchvision

DTYPES = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
}
NAMES = {dtype: name for name, dtype in DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as safetensors: u64 header length, JSON header, data."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().contiguous().cpu()
        # Raw little-endian bytes through an integer view (numpy has no bfloat16).
        width = tensor.element_size()
        as_int = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}[width]
        data = tensor.view(as_int).numpy().astype("<i%d" % width if width > 1 else "u1").tobytes()
        header[name] = {
            "dtype": NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def read_safetensors(path):
    """Reads a safetensors file into {name: tensor}."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    data = raw[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        chunk = bytearray(data[begin:end])
        tensor = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        tensors[name] = tensor.reshape(entry["shape"]).clone()
    return tensors


# The torchvision builders of the family beside resnet18 ... resnet152 (same module names).
VARIANTS = ("wide_resnet50_2", "wide_resnet101_2", "resnext50_32x4d", "resnext101_32x8d")


def torchvision_resnet(depth, arch=None):
    return getattr(torchvision.models, arch or "resnet%d" % depth)(weights=None)


def make_dtypes(out):
    torch.manual_seed(0)
    special = [
        0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 65504.0, 65519.0, 65520.0, 1e6, -1e6,
        2.0 ** -14, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -25, 2.0 ** -26, 1e-8, 6e-5,
        1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 1 + 2.0 ** -9,
        3.4e38, -3.4e38, 1e-40, float("inf"), float("-inf"), float("nan"),
    ]
    values = torch.cat([
        torch.tensor(special, dtype=torch.float32),
        torch.randn(500) * torch.logspace(-8, 5, 500),
        torch.rand(500) * 2 - 1,
    ]).to(torch.float32)
    write_safetensors(out, {
        "values": values,
        "values.f16": values.half(),
        "values.bf16": values.bfloat16(),
        "values.f16.as_f32": values.half().float(),
        "values.bf16.as_f32": values.bfloat16().float(),
        "matrix.f16": (torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 8).half(),
        "num_batches_tracked": torch.tensor(7, dtype=torch.int64),
    }, {"made_by": "scripts/make-torchvision-fixture.py dtypes", "torch": torch.__version__})


def make_keys(out):
    lines = []
    for depth in (18, 34, 50, 101, 152):
        state = torchvision_resnet(depth).state_dict()
        entry = {name: [NAMES[t.dtype], list(t.shape)] for name, t in state.items()}
        lines.append("  %s: %s" % (json.dumps("resnet%d" % depth), json.dumps(entry, separators=(",", ":"))))
    with open(out, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def randomise_batch_norms(model, size, generator):
    """Random gamma and beta, then running statistics of real activations, jittered."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in norms:
            bn.weight.copy_(torch.rand(bn.num_features, generator=generator) + 0.5)
            bn.bias.copy_(torch.randn(bn.num_features, generator=generator) * 0.2)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batch
        model.train()
        model(torch.randn(8, 3, size[0], size[1], generator=generator))
        for bn in norms:
            bn.running_mean.add_(torch.randn(bn.num_features, generator=generator) * 0.1 * bn.running_var.sqrt())
            bn.running_var.mul_(torch.rand(bn.num_features, generator=generator) * 0.7 + 0.7)
            bn.momentum = 0.1
    model.eval()


def make_model(depth, dtype, size, batch, seed, out, arch=None):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed + 1)
    model = torchvision_resnet(depth, arch)
    randomise_batch_norms(model, size, generator)
    # Round the weights to the stored dtype, so the reference logits are those of exactly
    # the weights in the file.
    stored = {k: (v.to(DTYPES[dtype]) if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    model.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in stored.items()})
    x = torch.randn(batch, 3, size[0], size[1], generator=generator)
    with torch.no_grad():
        logits = model(x)
    name = "%s/%s" % (out, arch or "resnet%d" % depth)
    write_safetensors(name + ".safetensors", stored, {"format": "pt"})
    write_safetensors(name + ".io.safetensors", {"input": x, "logits": logits})


def check(depth, weights, io, arch=None):
    model = torchvision_resnet(depth, arch)
    result = model.load_state_dict(read_safetensors(weights), strict=True)
    model.eval()
    tensors = read_safetensors(io)
    with torch.no_grad():
        logits = model(tensors["input"])
    diff = (logits - tensors["logits"]).abs().max().item()
    scale = tensors["logits"].abs().max().item()
    print(json.dumps({"strict": str(result), "maxAbsDiff": diff, "maxAbs": scale, "relative": diff / scale}))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("dtypes")
    p.add_argument("out")
    p = sub.add_parser("keys")
    p.add_argument("out")
    p = sub.add_parser("model")
    p.add_argument("--depth", type=int, choices=[18, 34, 50, 101, 152], required=True)
    p.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32")
    p.add_argument("--size", type=int, nargs=2, default=[224, 224], metavar=("HEIGHT", "WIDTH"))
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--arch", choices=VARIANTS, help="a variant of the given depth instead of resnetDEPTH")
    p.add_argument("--out", required=True)
    p = sub.add_parser("check")
    p.add_argument("--depth", type=int, choices=[18, 34, 50, 101, 152], required=True)
    p.add_argument("--arch", choices=VARIANTS, help="a variant of the given depth instead of resnetDEPTH")
    p.add_argument("--weights", required=True)
    p.add_argument("--io", required=True)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    if args.command == "dtypes":
        make_dtypes(args.out)
    elif args.command == "keys":
        make_keys(args.out)
    elif args.command == "model":
        make_model(args.depth, args.dtype, args.size, args.batch, args.seed, args.out, args.arch)
    else:
        check(args.depth, args.weights, args.io, args.arch)


if __name__ == "__main__":
    main(sys.argv[1:])
