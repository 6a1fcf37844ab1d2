"""The demo detector: a tiny anchor-free YOLOv8-style network, shared by train.py and export.py.

Not run on its own. Backbone of strided convs and C2f blocks, a PAN neck, and
decoupled box/class heads at strides 8, 16 and 32. Boxes are regressed as
left/top/right/bottom distances from each cell centre (softplus × stride, no DFL).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

IMGSZ = 320
STRIDES = (8, 16, 32)
NAMES = ("scratch", "crack", "dent", "stain")
WIDTHS = (8, 16, 32, 64, 96)
NECK = (32, 48, 64)
HEAD_CH = 32
ARCH = (
    f"YOLOv8-style, anchor-free: C2f backbone {'-'.join(map(str, WIDTHS))} ch (+SPPF), PAN neck {'/'.join(map(str, NECK))} ch, "
    f"decoupled heads ({HEAD_CH} ch) at strides 8/16/32, ltrb softplus regression (no DFL), SiLU, BN folded at export"
)


class Conv(nn.Sequential):
    def __init__(self, c1, c2, k=3, s=1):
        super().__init__(nn.Conv2d(c1, c2, k, s, k // 2, bias=False), nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03), nn.SiLU())


class Bottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = Conv(c, c)
        self.b = Conv(c, c)

    def forward(self, x):
        return x + self.b(self.a(x))


class C2f(nn.Module):
    """Split, run n bottlenecks on one half, concatenate every intermediate (as in YOLOv8)."""

    def __init__(self, c1, c2, n=1):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.m = nn.ModuleList(Bottleneck(self.c) for _ in range(n))
        self.cv2 = Conv((2 + n) * self.c, c2, 1)

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.cv1 = Conv(c1, c1 // 2, 1)
        self.cv2 = Conv(c1 * 2, c2, 1)

    def forward(self, x):
        x = self.cv1(x)
        y1 = F.max_pool2d(x, 5, 1, 2)
        y2 = F.max_pool2d(y1, 5, 1, 2)
        return self.cv2(torch.cat([x, y1, y2, F.max_pool2d(y2, 5, 1, 2)], 1))


class Head(nn.Module):
    """Decoupled head for one level: raw ltrb (4) and class logits (nc)."""

    def __init__(self, c, ch, nc, stride):
        super().__init__()
        self.box = nn.Sequential(Conv(c, ch), Conv(ch, ch), nn.Conv2d(ch, 4, 1))
        self.cls = nn.Sequential(Conv(c, ch), Conv(ch, ch), nn.Conv2d(ch, nc, 1))
        # Start boxes near one stride from the centre and classes at a low prior, as YOLOv8 does.
        nn.init.constant_(self.box[-1].bias, 1.0)
        nn.init.constant_(self.cls[-1].bias, math.log(5 / nc / (IMGSZ / stride) ** 2))

    def forward(self, x):
        return self.box(x), self.cls(x)


class Detector(nn.Module):

    def __init__(self, nc=len(NAMES), w=WIDTHS, neck=NECK, hc=HEAD_CH):
        super().__init__()
        self.nc = nc
        self.stem = Conv(3, w[0], 3, 2)  # 160
        self.s2 = nn.Sequential(Conv(w[0], w[1], 3, 2), C2f(w[1], w[1]))  # 80
        self.s3 = nn.Sequential(Conv(w[1], w[2], 3, 2), C2f(w[2], w[2]))  # 40
        self.s4 = nn.Sequential(Conv(w[2], w[3], 3, 2), C2f(w[3], w[3]))  # 20
        self.s5 = nn.Sequential(Conv(w[3], w[4], 3, 2), C2f(w[4], w[4]), SPPF(w[4], w[4]))  # 10
        self.up4 = C2f(w[4] + w[3], neck[1])
        self.up3 = C2f(neck[1] + w[2], neck[0])
        self.down4 = Conv(neck[0], neck[0], 3, 2)
        self.pan4 = C2f(neck[0] + neck[1], neck[1])
        self.down5 = Conv(neck[1], neck[1], 3, 2)
        self.pan5 = C2f(neck[1] + w[4], neck[2])
        self.heads = nn.ModuleList(Head(c, hc, nc, s) for c, s in zip(neck, STRIDES))
        anchors, strides = make_anchors(IMGSZ)
        self.register_buffer("anchors", anchors, persistent=False)
        self.register_buffer("strides", strides, persistent=False)

    def raw(self, x):
        """Per-anchor raw outputs: ltrb distances in pixels [B, N, 4] and class logits [B, N, nc]."""
        x = self.stem(x)
        p3 = self.s3(self.s2(x))
        p4 = self.s4(p3)
        p5 = self.s5(p4)
        n4 = self.up4(torch.cat([F.interpolate(p5, scale_factor=2.0, mode="nearest"), p4], 1))
        n3 = self.up3(torch.cat([F.interpolate(n4, scale_factor=2.0, mode="nearest"), p3], 1))
        o4 = self.pan4(torch.cat([self.down4(n3), n4], 1))
        o5 = self.pan5(torch.cat([self.down5(o4), p5], 1))
        boxes, logits = [], []
        for head, feat in zip(self.heads, (n3, o4, o5)):
            b, c = head(feat)
            boxes.append(b.flatten(2))
            logits.append(c.flatten(2))
        ltrb = F.softplus(torch.cat(boxes, 2)).transpose(1, 2) * self.strides[:, None]
        return ltrb, torch.cat(logits, 2).transpose(1, 2)

    def forward(self, x):
        """The Ultralytics v8 output: [B, 4 + nc, N] with cx, cy, w, h in input pixels, then sigmoid scores."""
        ltrb, logits = self.raw(x)
        lt, rb = ltrb[..., :2], ltrb[..., 2:]
        x1y1 = self.anchors - lt
        x2y2 = self.anchors + rb
        box = torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1], -1)
        return torch.cat([box, logits.sigmoid()], -1).transpose(1, 2)


def make_anchors(imgsz):
    """Cell centres in input pixels [N, 2] and each cell's stride [N], level by level, row-major."""
    pts, strides = [], []
    for s in STRIDES:
        n = imgsz // s
        ys, xs = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing="ij")
        pts.append(torch.stack([xs, ys], -1).reshape(-1, 2) * s + s / 2)
        strides.append(torch.full((n * n,), float(s)))
    return torch.cat(pts), torch.cat(strides)
