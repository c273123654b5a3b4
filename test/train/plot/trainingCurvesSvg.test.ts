import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { trainingCurvesSvg, type CurveSeries } from "../../../src/train/plot/trainingCurvesSvg.js";

interface Element {
  tag: string;
  attrib: Record<string, string>;
  text: string;
  /** The class of the nearest enclosing <g>, if any. */
  group: string | null;
  groupAttrib: Record<string, string>;
}

/**
 * Parses the SVG with Python's strict XML parser (xml.etree, expat), an implementation
 * independent of ours: it throws on any ill-formed markup, unescaped text or bad nesting.
 */
function parseXml(svg: string): { root: string; elements: Element[] } {
  const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
out = []
def walk(node, group, group_attrib):
    for child in node:
        tag = child.tag.split('}')[1]
        out.append({"tag": tag, "attrib": child.attrib, "text": child.text or "", "group": group, "groupAttrib": group_attrib})
        if tag == "g":
            walk(child, child.attrib.get("class"), child.attrib)
        else:
            walk(child, group, group_attrib)
walk(root, None, {})
print(json.dumps({"root": root.tag, "elements": out}))
`;
  const json = execFileSync("python3", ["-c", script], { input: svg, encoding: "utf8" });
  return JSON.parse(json) as { root: string; elements: Element[] };
}

function ticks(elements: Element[], axis: "x" | "y"): Map<number, number> {
  const map = new Map<number, number>();
  for (const e of elements) {
    if (e.group === `${axis}-tick` && e.tag === "text") map.set(Number(e.text), Number(e.attrib[axis]));
  }
  return map;
}

function polylines(elements: Element[], name: string): [number, number][][] {
  return elements
    .filter((e) => e.tag === "polyline" && e.groupAttrib["data-name"] === name)
    .map((e) => e.attrib.points!.split(" ").map((p) => p.split(",").map(Number) as [number, number]));
}

const series: CurveSeries[] = [
  { name: "plain-20", values: [62, 45, 38, 33, 30], kind: "plain", group: "20" },
  { name: "ResNet-20", values: [58, 40, 31, 26, 22], group: "20" },
  { name: "plain-56 <&> \"deep\"", values: [70, 55, NaN, 44, 41], kind: "plain", group: "56" },
  { name: "ResNet-56", values: [66, 42, 29, 23, 19], group: "56" },
];

describe("trainingCurvesSvg", () => {
  const svg = trainingCurvesSvg(series, { title: "MNIST: plain vs residual", width: 700, height: 420 });
  const { root, elements } = parseXml(svg);

  it("is a well-formed SVG document with the given size, title, axis labels and escaped legend names", () => {
    expect(root).toBe("{http://www.w3.org/2000/svg}svg");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="700" height="420"')).toBe(true);
    const texts = elements.filter((e) => e.tag === "text").map((e) => e.text);
    expect(texts).toContain("MNIST: plain vs residual");
    expect(texts).toContain("epoch");
    expect(texts).toContain("training error (%)");
    const legend = elements.filter((e) => e.group === "legend" && e.tag === "text").map((e) => e.text);
    expect(legend).toEqual(series.map((s) => s.name)); // the parser un-escapes <&>" back
  });

  it("puts every point where the axis ticks say its epoch and value are", () => {
    const xTicks = ticks(elements, "x");
    const yTicks = ticks(elements, "y");
    expect([...xTicks.keys()]).toEqual([1, 2, 3, 4, 5]);
    // Default y range: 0 up to a round tick at or above the largest value (70).
    expect(Math.min(...yTicks.keys())).toBe(0);
    expect(Math.max(...yTicks.keys())).toBeGreaterThanOrEqual(70);
    // Two ticks fix the linear map of each axis; every point must lie on it.
    const line = (map: Map<number, number>) => {
      const [[a, pa], [b, pb]] = [...map.entries()].slice(0, 2) as [[number, number], [number, number]];
      return (v: number) => pa + ((v - a) * (pb - pa)) / (b - a);
    };
    const [toX, toY] = [line(xTicks), line(yTicks)];
    expect(toY(10)).toBeLessThan(toY(0)); // up is more error
    for (const s of series) {
      const points = polylines(elements, s.name).flat();
      const expected = s.values.flatMap((v, i) => (Number.isNaN(v) ? [] : [[toX(i + 1), toY(v)]]));
      expect(points.length).toBe(expected.length);
      points.forEach(([x, y], k) => {
        expect(Math.abs(x - expected[k]![0]!)).toBeLessThan(0.02);
        expect(Math.abs(y - expected[k]![1]!)).toBeLessThan(0.02);
      });
    }
    // Every tick lies inside the axes' frame.
    const frame = elements.find((e) => e.tag === "rect" && e.attrib.class === "axes")!.attrib;
    const [left, top] = [Number(frame.x), Number(frame.y)];
    const [right, bottom] = [left + Number(frame.width), top + Number(frame.height)];
    for (const x of xTicks.values()) expect(x >= left - 0.01 && x <= right + 0.01).toBe(true);
    for (const y of yTicks.values()) expect(y >= top - 0.01 && y <= bottom + 0.01).toBe(true);
    expect(xTicks.get(1)).toBeCloseTo(left, 1);
    expect(xTicks.get(5)).toBeCloseTo(right, 1);
    expect(yTicks.get(0)).toBeCloseTo(bottom, 1);
  });

  it("breaks a line at NaN, draws plain nets thin and dashed, residual nets bold, one colour per group", () => {
    expect(polylines(elements, series[2]!.name).map((p) => p.length)).toEqual([2, 2]);
    const style = (name: string) => elements.find((e) => e.tag === "polyline" && e.groupAttrib["data-name"] === name)!.attrib;
    const [plain, residual] = [style("plain-20"), style("ResNet-20")];
    expect(plain["stroke-dasharray"]).toBeDefined();
    expect(residual["stroke-dasharray"]).toBeUndefined();
    expect(Number(residual["stroke-width"])).toBeGreaterThan(1.5 * Number(plain["stroke-width"]));
    expect(plain.stroke).toBe(residual.stroke);
    expect(style("ResNet-56").stroke).not.toBe(residual.stroke);
  });

  it("honours yRange and explicit epochs, and draws a lone point as a dot", () => {
    const out = trainingCurvesSvg([{ name: "a", values: [5, NaN, 7], epochs: [10, 20, 30] }], { yRange: [0, 50] });
    const parsed = parseXml(out).elements;
    const y = ticks(parsed, "y");
    expect(Math.max(...y.keys())).toBe(50);
    expect([...ticks(parsed, "x").keys()]).toEqual([10, 15, 20, 25, 30]);
    expect(parsed.filter((e) => e.tag === "circle").length).toBe(2);
  });

  it("honours xRange: points at fractions of an epoch on an axis from 0", () => {
    const out = trainingCurvesSvg([{ name: "a", values: [80, 40, 20, 10], epochs: [0.5, 1, 1.5, 2] }], { xRange: [0, 2] });
    const parsed = parseXml(out).elements;
    const x = ticks(parsed, "x");
    expect([...x.keys()]).toEqual([0, 1, 2]);
    const [p0, , , p3] = polylines(parsed, "a")[0]!;
    expect(p0![0]).toBeCloseTo((x.get(0)! + x.get(1)!) / 2, 1); // epoch 0.5: half-way between the ticks 0 and 1
    expect(p3![0]).toBeCloseTo(x.get(2)!, 1);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1] }], { xRange: [2, 2] })).toThrow(/^xRange must be \[min, max\], finite numbers with min < max; got \[2,2\]$/);
  });

  it("rejects bad series and options, naming them", () => {
    expect(() => trainingCurvesSvg([])).toThrow(/^series must be a non-empty array of \{ name, values \}; got \[\]$/);
    expect(() => trainingCurvesSvg([{ name: "", values: [1] }])).toThrow(/^series\[0\]\.name must be a non-empty string; got ""$/);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1, "2"] as never }])).toThrow(/^series\[0\]\.values must be a non-empty array of numbers/);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1, Infinity] }])).toThrow(/^series\[0\]\.values\[1\] must be finite or NaN; got Infinity$/);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1, 2], epochs: [1] }])).toThrow(/^series\[0\]\.epochs must be 2 finite numbers/);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1], kind: "deep" as never }])).toThrow(/^series\[0\]\.kind must be one of "plain", "residual"; got "deep"$/);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1] }], { yRange: [5, 1] })).toThrow(/^yRange must be \[min, max\], finite numbers with min < max; got \[5,1\]$/);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1] }], { width: -1 })).toThrow(/^width must be a finite number > 0; got -1$/);
    expect(() => trainingCurvesSvg([{ name: "a", values: [1] }], { width: 90 })).toThrow(/^width and height must leave a plot area of at least 40x40 pixels; got 90x400$/);
  });
});
