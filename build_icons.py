"""Draw the PNG icons a phone asks for (home screen, splash, Apple touch icon) from the
shapes of static/icon.svg, with Pillow: `make icons` after changing the SVG, then commit the
PNGs. Nothing converts SVG here (no Cairo), so the few shapes are read from the SVG itself:
the rounded square's colour and radius, and the face's stroke (its two eyes and its smile),
drawn at four times the size and scaled down for smooth edges.

- icon-192.png, icon-512.png: the rounded square on a transparent ground ("any" purpose);
- icon-maskable-512.png: a full-bleed square with the face inside the central 80 % circle,
  which is all an Android launcher's mask promises to keep ("maskable");
- apple-touch-icon.png (180 px): full-bleed and opaque, iOS rounds the corners itself."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent / "static"
SVG = "{http://www.w3.org/2000/svg}"
SUPERSAMPLE = 4


def svg_shapes(path: Path) -> dict:
    """The square's colour and corner radius, the stroke's colour and width, the eyes'
    centres and radius, the smile's four Bézier points, in the SVG's 64-unit box."""
    root = ET.parse(path).getroot()  # noqa: S314 (our own file in the repository)
    rect = root.find(f"{SVG}rect")
    stroke = root.find(f"{SVG}path")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", stroke.get("d"))]
    # d="M x y c dx1 dy1 dx2 dy2 dx dy  M x y a r r 0 1 0 w 0 ...  M x y a ...": a smile,
    # then two eyes drawn as two half-circle arcs from their leftmost point.
    smile_x, smile_y, *curve = numbers[:8]
    eyes = []
    for start in (8, 24):
        x, y, radius = numbers[start : start + 3]
        eyes.append((x + radius, y))
    points = [(smile_x, smile_y)] + [
        (smile_x + curve[i], smile_y + curve[i + 1]) for i in range(0, 6, 2)
    ]
    return {
        "size": float(root.get("viewBox").split()[2]),
        "fill": rect.get("fill"),
        "radius": float(rect.get("rx")),
        "stroke": stroke.get("stroke"),
        "width": float(stroke.get("stroke-width")),
        "eyes": eyes,
        "eye_radius": numbers[10],
        "smile": points,
    }


def bezier(points, steps: int = 64):
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    for step in range(steps + 1):
        t = step / steps
        u = 1 - t
        yield (
            u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
            u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
        )


def draw(shapes: dict, pixels: int, *, full_bleed: bool, face_scale: float = 1.0) -> Image:
    """The icon at `pixels` square: the face scaled by `face_scale` about the centre."""
    big = pixels * SUPERSAMPLE
    unit = big / shapes["size"]
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if full_bleed:
        pen.rectangle((0, 0, big, big), fill=shapes["fill"])
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), shapes["radius"] * unit, shapes["fill"])

    centre = shapes["size"] / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            (centre + (x - centre) * face_scale) * unit,
            (centre + (y - centre) * face_scale) * unit,
        )

    width = shapes["width"] * face_scale * unit
    colour = shapes["stroke"]
    # A round pen swept along the smile: round caps and joins, as the SVG's stroke.
    for x, y in (at(x, y) for x, y in bezier(shapes["smile"], steps=400)):
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=colour)
    for x, y in shapes["eyes"]:
        cx, cy = at(x, y)
        outer = (shapes["eye_radius"] * face_scale) * unit + width / 2
        box = (cx - outer, cy - outer, cx + outer, cy + outer)
        pen.ellipse(box, outline=colour, width=round(width))
    icon = image.resize((pixels, pixels), Image.Resampling.LANCZOS)
    return icon.convert("RGB") if full_bleed else icon


def main() -> None:
    shapes = svg_shapes(STATIC / "icon.svg")
    icons = {
        "icon-192.png": draw(shapes, 192, full_bleed=False),
        "icon-512.png": draw(shapes, 512, full_bleed=False),
        # The face within the safe circle (80 % of the width): scaled to 70 %.
        "icon-maskable-512.png": draw(shapes, 512, full_bleed=True, face_scale=0.7),
        "apple-touch-icon.png": draw(shapes, 180, full_bleed=True, face_scale=0.85),
    }
    for name, icon in icons.items():
        # In 64 colours: the flat shapes and their smoothed edges look the same (no pixel
        # further off than with 256), in a third of the bytes (a phone's first visit fetches
        # the Apple icon; the service worker, all four).
        palette = icon.quantize(64, method=Image.Quantize.FASTOCTREE)
        palette.save(STATIC / name, optimize=True)
        print(f"static/{name}")


if __name__ == "__main__":
    main()
