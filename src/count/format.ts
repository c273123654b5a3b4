/**
 * Number and table formatting for reports (Markdown pipe tables, aligned so that they read
 * well in a terminal too).
 *
 * @module
 */

/** `1814073344` -> `"1,814,073,344"`. */
export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** `1814073344, 1e9, 3` -> `"1.814"`. */
export function formatScaled(value: number, scale: number, digits: number): string {
  return (value / scale).toFixed(digits);
}

/** Column alignment of {@link markdownTable}. */
export type Align = "left" | "right";

/** Renders a Markdown table whose columns are padded to equal width. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = headers.map((header, column) =>
    Math.max(3, [...rows.map((row) => row[column] ?? ""), header].reduce((max, cell) => Math.max(max, cell.length), 0)),
  );
  const pad = (cell: string, column: number) =>
    align[column] === "right" ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!);
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => pad(cell, column)).join(" | ")} |`;
  const rule = `|${widths.map((width, column) => (align[column] === "right" ? `${"-".repeat(width + 1)}:` : `:${"-".repeat(width + 1)}`)).join("|")}|`;
  return [line(headers), rule, ...rows.map((row) => line(row))].join("\n");
}

/** `[56, 56, 256]` -> `"56x56x256"`. */
export function formatShape(shape: readonly number[]): string {
  return shape.join("x");
}
