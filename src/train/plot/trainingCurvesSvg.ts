/**
 * `trainingCurvesSvg(series)`: an SVG line plot of error per epoch for several runs, in the
 * manner of Figure 4 and 6 of the paper. Pure string building; no dependency.
 *
 * @module
 */
import { checkOptionsObject, checkPositiveNumber, describeValue } from "../../util/check.js";

/** One run's curve. */
export interface CurveSeries {
  /** Legend label, e.g. `"plain-20"`. */
  name: string;
  /** One value per epoch (error in %, by default); `NaN` leaves a gap. */
  values: readonly number[];
  /** The epoch of each value. Default 1, 2, 3, ... */
  epochs?: readonly number[];
  /** `"plain"` draws a thin dashed line, `"residual"` (default) a bold solid one. */
  kind?: "plain" | "residual";
  /** Line colour (any SVG colour). Default: from a colour-blind-safe palette, by {@link CurveSeries.group}. */
  color?: string;
  /** Series of the same group share a colour (e.g. `"20"` for plain-20 and ResNet-20). Default: the series' own index. */
  group?: string;
}

/** Options of {@link trainingCurvesSvg}. */
export interface TrainingCurvesOptions {
  /** Width of the image in pixels. Default 640. */
  width?: number;
  /** Height of the image in pixels. Default 400. */
  height?: number;
  /** Title above the plot. Default none. */
  title?: string;
  /** Label of the x axis. Default `"epoch"`. */
  xLabel?: string;
  /** Label of the y axis. Default `"training error (%)"`. */
  yLabel?: string;
  /** Lowest and highest value of the y axis; lines beyond it are clipped. Default: 0 to a round number above the largest value. */
  yRange?: readonly [number, number];
  /** First and last epoch of the x axis (e.g. `[0, 3]` for points at fractions of an epoch). Default: the first and last epoch of the series. */
  xRange?: readonly [number, number];
}

/** Okabe and Ito's colour-blind-safe palette, without its yellow. */
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
const FONT = 'font-family="sans-serif" font-size="12"';

/**
 * Renders curves of a figure per epoch (training error in % by default) as a standalone SVG
 * document: axes with round-number ticks and grid lines, one line per series (plain nets
 * thin and dashed, residual nets bold, as the paper draws them), a legend in the upper
 * right. The coordinates are linear in epoch and value; a `y-tick` and an `x-tick` group
 * mark where each tick's value lies.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * const svg = trainingCurvesSvg([
 *   { name: "plain-20", values: [60, 45, 38], kind: "plain", group: "20" },
 *   { name: "ResNet-20", values: [55, 38, 30], group: "20" },
 * ], { title: "CIFAR-10" });
 * writeFileSync("curves.svg", svg);
 * ```
 * @throws TypeError or RangeError naming the bad series or option.
 */
export function trainingCurvesSvg(series: readonly CurveSeries[], options: TrainingCurvesOptions = {}): string {
  const curves = checkSeries(series);
  checkOptionsObject("options", options);
  const width = checkPositiveNumber("width", options.width ?? 640);
  const height = checkPositiveNumber("height", options.height ?? 400);
  const title = checkText("title", options.title ?? "");
  const xLabel = checkText("xLabel", options.xLabel ?? "epoch");
  const yLabel = checkText("yLabel", options.yLabel ?? "training error (%)");

  const points = curves.flatMap((c) => c.epochs.map((epoch, i) => ({ epoch, value: c.values[i]! })));
  const finite = points.filter((p) => Number.isFinite(p.value));
  const epochs = points.map((p) => p.epoch);
  let [xMin, xMax] = [Math.min(...epochs), Math.max(...epochs)];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (options.xRange !== undefined) [xMin, xMax] = checkRange("xRange", options.xRange);
  const yRange = options.yRange ?? defaultYRange(finite.map((p) => p.value));
  checkRange("yRange", yRange);
  const [yMin, yMax] = yRange;

  const margin = { left: 62, right: 16, top: title ? 34 : 14, bottom: 46 };
  const plot = { left: margin.left, top: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom };
  if (plot.width < 40 || plot.height < 40) {
    throw new RangeError(`width and height must leave a plot area of at least 40x40 pixels; got ${width}x${height}`);
  }
  const px = (epoch: number) => plot.left + ((epoch - xMin) / (xMax - xMin)) * plot.width;
  const py = (value: number) => plot.top + (1 - (value - yMin) / (yMax - yMin)) * plot.height;
  const bottom = plot.top + plot.height;
  const right = plot.left + plot.width;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}">`,
    `<rect x="0" y="0" width="${num(width)}" height="${num(height)}" fill="#ffffff"/>`,
  );
  if (title) out.push(`<text x="${num(width / 2)}" y="22" text-anchor="middle" font-family="sans-serif" font-size="15">${escapeXml(title)}</text>`);

  for (const value of niceTicks(yMin, yMax, 6)) {
    const y = num(py(value));
    out.push(
      `<g class="y-tick" data-value="${num(value)}">`,
      `<line x1="${num(plot.left)}" y1="${y}" x2="${num(right)}" y2="${y}" stroke="#dddddd" stroke-width="1"/>`,
      `<text x="${num(plot.left - 6)}" y="${y}" dy="4" text-anchor="end" ${FONT}>${formatTick(value)}</text>`,
      `</g>`,
    );
  }
  const xTicks = niceTicks(xMin, xMax, 8).filter((value) => Number.isInteger(value));
  for (const value of xTicks) {
    const x = num(px(value));
    out.push(
      `<g class="x-tick" data-value="${num(value)}">`,
      `<line x1="${x}" y1="${num(bottom)}" x2="${x}" y2="${num(bottom + 5)}" stroke="#333333" stroke-width="1"/>`,
      `<text x="${x}" y="${num(bottom + 18)}" text-anchor="middle" ${FONT}>${formatTick(value)}</text>`,
      `</g>`,
    );
  }
  out.push(
    `<rect class="axes" x="${num(plot.left)}" y="${num(plot.top)}" width="${num(plot.width)}" height="${num(plot.height)}" fill="none" stroke="#333333" stroke-width="1"/>`,
    `<text x="${num(plot.left + plot.width / 2)}" y="${num(height - 8)}" text-anchor="middle" ${FONT}>${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${num(plot.top + plot.height / 2)}" text-anchor="middle" transform="rotate(-90 14 ${num(plot.top + plot.height / 2)})" ${FONT}>${escapeXml(yLabel)}</text>`,
    `<defs><clipPath id="plot-area"><rect x="${num(plot.left)}" y="${num(plot.top)}" width="${num(plot.width)}" height="${num(plot.height)}"/></clipPath></defs>`,
  );

  const groups = new Map<string, number>();
  const colors = curves.map((c, i) => {
    if (c.color) return c.color;
    const group = c.group ?? `#${i}`;
    if (!groups.has(group)) groups.set(group, groups.size);
    return PALETTE[groups.get(group)! % PALETTE.length]!;
  });
  curves.forEach((curve, i) => {
    const stroke = strokeOf(curve.kind, colors[i]!);
    out.push(`<g class="series" data-name="${escapeXml(curve.name)}" clip-path="url(#plot-area)">`);
    for (const segment of segments(curve)) {
      if (segment.length === 1) {
        const [p] = segment;
        out.push(`<circle cx="${num(px(p!.epoch))}" cy="${num(py(p!.value))}" r="2.5" fill="${escapeXml(colors[i]!)}"/>`);
      } else {
        const coordinates = segment.map((p) => `${num(px(p.epoch))},${num(py(p.value))}`).join(" ");
        out.push(`<polyline points="${coordinates}" fill="none" ${stroke}/>`);
      }
    }
    out.push(`</g>`);
  });

  // Legend: upper right, inside the plot area.
  const rowHeight = 18;
  const legendWidth = Math.min(plot.width - 8, 44 + 7 * Math.max(...curves.map((c) => c.name.length)));
  const legendX = right - legendWidth - 8;
  const legendY = plot.top + 8;
  out.push(
    `<g class="legend">`,
    `<rect x="${num(legendX)}" y="${num(legendY)}" width="${num(legendWidth)}" height="${num(rowHeight * curves.length + 8)}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb" stroke-width="1"/>`,
  );
  curves.forEach((curve, i) => {
    const y = legendY + 4 + rowHeight * i + rowHeight / 2;
    out.push(
      `<line x1="${num(legendX + 8)}" y1="${num(y)}" x2="${num(legendX + 34)}" y2="${num(y)}" ${strokeOf(curve.kind, colors[i]!)}/>`,
      `<text x="${num(legendX + 40)}" y="${num(y)}" dy="4" ${FONT}>${escapeXml(curve.name)}</text>`,
    );
  });
  out.push(`</g>`, `</svg>`);
  return out.join("\n") + "\n";
}

interface CheckedSeries {
  name: string;
  values: readonly number[];
  epochs: readonly number[];
  kind: "plain" | "residual";
  color?: string;
  group?: string;
}

function checkSeries(series: unknown): CheckedSeries[] {
  if (!Array.isArray(series) || series.length === 0) {
    throw new TypeError(`series must be a non-empty array of { name, values }; got ${describeValue(series)}`);
  }
  return series.map((s: unknown, i) => {
    const at = `series[${i}]`;
    if (typeof s !== "object" || s === null) throw new TypeError(`${at} must be { name, values }; got ${describeValue(s)}`);
    const { name, values, epochs, kind, color, group } = s as Partial<CurveSeries>;
    if (typeof name !== "string" || name.length === 0) throw new TypeError(`${at}.name must be a non-empty string; got ${describeValue(name)}`);
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === "number")) {
      throw new TypeError(`${at}.values must be a non-empty array of numbers (NaN for a gap); got ${describeValue(values)}`);
    }
    const infinite = values.findIndex((v) => v === Infinity || v === -Infinity);
    if (infinite >= 0) throw new RangeError(`${at}.values[${infinite}] must be finite or NaN; got ${values[infinite]}`);
    const x = epochs ?? values.map((_, k) => k + 1);
    if (!Array.isArray(x) || x.length !== values.length || !x.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new RangeError(`${at}.epochs must be ${values.length} finite numbers, one per value; got ${describeValue(epochs)}`);
    }
    if (kind !== undefined && kind !== "plain" && kind !== "residual") {
      throw new RangeError(`${at}.kind must be one of "plain", "residual"; got ${describeValue(kind)}`);
    }
    if (color !== undefined && (typeof color !== "string" || color.length === 0)) {
      throw new TypeError(`${at}.color must be an SVG colour string; got ${describeValue(color)}`);
    }
    return {
      name,
      values,
      epochs: x,
      kind: kind ?? "residual",
      ...(color !== undefined ? { color } : {}),
      ...(group !== undefined ? { group: String(group) } : {}),
    };
  });
}

function checkText(argument: string, value: unknown): string {
  if (typeof value !== "string") throw new TypeError(`${argument} must be a string; got ${describeValue(value)}`);
  return value;
}

function checkRange(argument: string, range: unknown): [number, number] {
  const ok =
    Array.isArray(range) && range.length === 2 && range.every((v) => typeof v === "number" && Number.isFinite(v)) && range[0] < range[1];
  if (!ok) throw new RangeError(`${argument} must be [min, max], finite numbers with min < max; got ${describeValue(range)}`);
  return [range[0], range[1]];
}

/** 0 (or the lowest value, if negative) to the first round tick at or above the largest value. */
function defaultYRange(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 100];
  const low = Math.min(0, ...values);
  const high = Math.max(...values);
  if (high <= low) return [low, low + 1];
  const step = niceStep((high - low) / 5);
  return [Math.floor(low / step) * step, Math.ceil(high / step) * step];
}

/** A step of 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Round-number ticks within [min, max], about `count` of them. */
function niceTicks(min: number, max: number, count: number): number[] {
  const step = niceStep((max - min) / count);
  const ticks: number[] = [];
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Runs of consecutive finite values. */
function segments(curve: CheckedSeries): { epoch: number; value: number }[][] {
  const runs: { epoch: number; value: number }[][] = [];
  let run: { epoch: number; value: number }[] = [];
  curve.values.forEach((value, i) => {
    if (Number.isFinite(value)) run.push({ epoch: curve.epochs[i]!, value });
    else if (run.length > 0) (runs.push(run), (run = []));
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

function strokeOf(kind: "plain" | "residual", color: string): string {
  const c = escapeXml(color);
  return kind === "plain"
    ? `stroke="${c}" stroke-width="1.25" stroke-dasharray="6 4"`
    : `stroke="${c}" stroke-width="2.5" stroke-linejoin="round"`;
}

function formatTick(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** A coordinate with at most two decimals. */
function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}
