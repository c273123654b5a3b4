/**
 * The terminal progress bar of {@link train}: one cli-progress bar per epoch with loss,
 * accuracy, images per second and time left. Node only; {@link train} imports this module
 * on demand, so a browser bundle never loads it.
 *
 * @module
 */
import cliProgress from "cli-progress";
import type { Progress } from "./types.js";

/** What the loop tells a progress display. */
export interface ProgressDisplay {
  /** After each batch. */
  batch(progress: Progress): void;
  /** After each epoch (validation figures included); closes that epoch's bar. */
  epochEnd(progress: Progress): void;
  /** Closes any open bar (an early stop). */
  close(): void;
}

/** Renders seconds as `1h02m`, `3m07s` or `12s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

function payload(progress: Progress): Record<string, string> {
  const validation =
    progress.valLoss === undefined
      ? ""
      : ` | val_loss ${progress.valLoss.toFixed(4)} val_acc ${(progress.valAcc ?? Number.NaN).toFixed(4)}`;
  return {
    epochLabel: `${progress.epoch + 1}/${progress.epochs}`,
    loss: progress.loss.toFixed(4),
    acc: progress.acc.toFixed(4),
    ips: progress.imagesPerSecond.toFixed(1),
    timeLeft: formatSeconds(progress.etaSeconds),
    lr: progress.lr.toPrecision(3),
    validation,
  };
}

/**
 * A progress display on `stream` (default stdout). On a stream that is not a terminal
 * (a log file, CI) the bar is printed as a line every few seconds instead of redrawn.
 */
export function createProgressBar(stream: NodeJS.WritableStream = process.stdout): ProgressDisplay {
  let bar: cliProgress.SingleBar | null = null;
  const isTTY = Boolean((stream as NodeJS.WriteStream).isTTY);
  const open = (progress: Progress) => {
    bar = new cliProgress.SingleBar({
      format:
        "epoch {epochLabel} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | eta {timeLeft} | lr {lr}{validation}",
      stream,
      noTTYOutput: !isTTY,
      hideCursor: isTTY,
      barsize: 24,
      // A terminal keeps the finished bar as its line; a log gets the final state as its own line.
      clearOnComplete: !isTTY,
    });
    bar.start(Number.isFinite(progress.stepsPerEpoch) ? progress.stepsPerEpoch : progress.step + 1, progress.step + 1, payload(progress));
  };
  return {
    batch(progress) {
      if (!bar) open(progress);
      if (!Number.isFinite(progress.stepsPerEpoch)) bar!.setTotal(progress.step + 1);
      bar!.update(progress.step + 1, payload(progress));
    },
    epochEnd(progress) {
      if (!bar) open(progress);
      bar!.update(progress.step + 1, payload(progress));
      bar!.stop();
      bar = null;
    },
    close() {
      bar?.stop();
      bar = null;
    },
  };
}
