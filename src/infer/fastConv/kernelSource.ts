/**
 * WebAssembly text of the convolution kernel that {@link fuse} uses on the WASM backend when
 * the runtime has relaxed SIMD (fused multiply-add). `npm run build:kernel` assembles it into
 * `kernelBinary.ts`; a test checks that the committed binary matches this source.
 *
 * The kernel is an implicit GEMM over NHWC tensors: for each tile of {@link TILE_ROWS}
 * output pixels it gathers the receptive fields into a packed `[k][TILE_ROWS]` scratch
 * block (zeros where the window leaves the image), then multiplies it with every
 * pre-packed 8-channel weight panel `[bias 8][k][8]`, adding the residual input and
 * applying the ReLU while the results are still in registers.
 *
 * @module
 */

/** Output pixels per tile: 4 rows x 8 channels = 8 accumulators of 4 lanes (fits x64's 16 vector registers with the FMA operands). */
export const TILE_ROWS = 4;
/** Output channels per weight panel. */
export const PANEL_WIDTH = 8;

const rows = [...Array(TILE_ROWS).keys()];

/** Multiply-accumulate of one row and one half of the panel: `acc += a * b`, fused. */
const madd = (acc: string, a: string, b: string) =>
  `(local.set ${acc} (f32x4.relaxed_madd (local.get ${a}) (local.get ${b}) (local.get ${acc})))`;

/** `$tile`: one tile of rows against one weight panel; the inner loop of the kernel. */
function tileFunction(): string {
  const accumulators = rows.map((r) => `(local $acc${r}a v128) (local $acc${r}b v128)`).join(" ");
  const init = rows.map((r) => `(local.set $acc${r}a (local.get $lo)) (local.set $acc${r}b (local.get $hi))`).join("\n    ");
  const step = rows
    .map((r) => `(local.set $a (v128.load32_splat offset=${r * 4} (local.get $packed)))\n      ${madd(`$acc${r}a`, "$a", "$lo")}\n      ${madd(`$acc${r}b`, "$a", "$hi")}`)
    .join("\n      ");
  const store = rows
    .map(
      (r) => `(br_if $stored (i32.le_u (local.get $rows) (i32.const ${r})))
      (if (local.get $residual) (then
        (local.set $acc${r}a (f32x4.add (local.get $acc${r}a) (v128.load (local.get $residual))))
        (local.set $acc${r}b (f32x4.add (local.get $acc${r}b) (v128.load offset=16 (local.get $residual))))
        (local.set $residual (i32.add (local.get $residual) (local.get $rowBytes)))))
      (if (local.get $relu) (then
        (local.set $acc${r}a (f32x4.pmax (local.get $acc${r}a) (local.get $zero)))
        (local.set $acc${r}b (f32x4.pmax (local.get $acc${r}b) (local.get $zero)))))
      (v128.store (local.get $out) (local.get $acc${r}a))
      (v128.store offset=16 (local.get $out) (local.get $acc${r}b))
      (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))`,
    )
    .join("\n      ");
  return `
  (func $tile (param $packed i32) (param $panel i32) (param $out i32) (param $rowBytes i32) (param $depth i32)
              (param $rows i32) (param $residual i32) (param $relu i32)
    ${accumulators}
    (local $lo v128) (local $hi v128) (local $a v128) (local $zero v128) (local $end i32)
    (local.set $lo (v128.load (local.get $panel)))
    (local.set $hi (v128.load offset=16 (local.get $panel)))
    ${init}
    (local.set $panel (i32.add (local.get $panel) (i32.const 32)))
    (local.set $end (i32.add (local.get $packed) (i32.mul (local.get $depth) (i32.const ${TILE_ROWS * 4}))))
    (loop $depthLoop
      (local.set $lo (v128.load (local.get $panel)))
      (local.set $hi (v128.load offset=16 (local.get $panel)))
      ${step}
      (local.set $packed (i32.add (local.get $packed) (i32.const ${TILE_ROWS * 4})))
      (local.set $panel (i32.add (local.get $panel) (i32.const 32)))
      (br_if $depthLoop (i32.ne (local.get $packed) (local.get $end))))
    (local.set $zero (v128.const i32x4 0 0 0 0))
    (block $stored
      ${store}))`;
}

/**
 * `conv`: the exported entry. Pointers are byte offsets into the imported memory; `residual`
 * is 0 for none; `scratch` holds `blockTiles * TILE_ROWS * kernelH * kernelW * channels`
 * floats. Tiles are gathered `blockTiles` at a time, then each weight panel is applied to the
 * whole block, so a panel is read from memory once per block rather than once per tile (what
 * keeps the late layers, with few pixels and megabytes of weights, from waiting on memory).
 */
function convFunction(): string {
  return `
  (func (export "conv")
      (param $x i32) (param $height i32) (param $width i32) (param $channels i32)
      (param $weights i32) (param $out i32) (param $residual i32)
      (param $batch i32) (param $outHeight i32) (param $outWidth i32) (param $outChannels i32)
      (param $kernelH i32) (param $kernelW i32) (param $strideH i32) (param $strideW i32)
      (param $padTop i32) (param $padLeft i32) (param $scratch i32) (param $blockTiles i32) (param $relu i32)
    (local $pixels i32) (local $depth i32) (local $panelBytes i32) (local $rowBytes i32) (local $outPlane i32) (local $tileBytes i32)
    (local $blockFirst i32) (local $blockEnd i32) (local $first i32) (local $rows i32) (local $packed i32)
    (local $r i32) (local $pixel i32) (local $image i32) (local $oy i32) (local $ox i32)
    (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32) (local $src i32) (local $dst i32) (local $c i32)
    (local $panel i32) (local $offset i32)
    (local.set $outPlane (i32.mul (local.get $outHeight) (local.get $outWidth)))
    (local.set $pixels (i32.mul (local.get $batch) (local.get $outPlane)))
    (local.set $depth (i32.mul (i32.mul (local.get $kernelH) (local.get $kernelW)) (local.get $channels)))
    (local.set $panelBytes (i32.mul (i32.add (local.get $depth) (i32.const 1)) (i32.const 32)))
    (local.set $rowBytes (i32.shl (local.get $outChannels) (i32.const 2)))
    (local.set $tileBytes (i32.mul (local.get $depth) (i32.const ${TILE_ROWS * 4})))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.ge_u (local.get $blockFirst) (local.get $pixels)))
      (local.set $blockEnd (i32.add (local.get $blockFirst) (i32.mul (local.get $blockTiles) (i32.const ${TILE_ROWS}))))
      (if (i32.gt_u (local.get $blockEnd) (local.get $pixels)) (then (local.set $blockEnd (local.get $pixels))))
      ;; Gather: packed[k * TILE_ROWS + r] = receptive field of pixel first + r at depth k (0 outside).
      (local.set $first (local.get $blockFirst))
      (local.set $dst (local.get $scratch))
      (loop $gatherTiles
        (local.set $r (i32.const 0))
        (loop $gatherRows
          (local.set $pixel (i32.add (local.get $first) (local.get $r)))
          (local.set $image (i32.div_u (local.get $pixel) (local.get $outPlane)))
          (local.set $oy (i32.rem_u (local.get $pixel) (local.get $outPlane)))
          (local.set $ox (i32.rem_u (local.get $oy) (local.get $outWidth)))
          (local.set $oy (i32.div_u (local.get $oy) (local.get $outWidth)))
          (local.set $ky (i32.const 0))
          (loop $gatherKy
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $strideH)) (local.get $ky)) (local.get $padTop)))
            (local.set $kx (i32.const 0))
            (loop $gatherKx
              (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $strideW)) (local.get $kx)) (local.get $padLeft)))
              (local.set $c (local.get $channels))
              (if (i32.and (i32.lt_u (local.get $pixel) (local.get $blockEnd))
                           (i32.and (i32.lt_u (local.get $iy) (local.get $height)) (i32.lt_u (local.get $ix) (local.get $width))))
                (then
                  (local.set $src (i32.add (local.get $x) (i32.shl
                    (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $image) (local.get $height)) (local.get $iy)) (local.get $width)) (local.get $ix))
                             (local.get $channels)) (i32.const 2))))
                  (loop $copy
                    (f32.store (local.get $dst) (f32.load (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (i32.const 4)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const ${TILE_ROWS * 4})))
                    (local.set $c (i32.sub (local.get $c) (i32.const 1)))
                    (br_if $copy (local.get $c))))
                (else
                  (loop $zero
                    (f32.store (local.get $dst) (f32.const 0))
                    (local.set $dst (i32.add (local.get $dst) (i32.const ${TILE_ROWS * 4})))
                    (local.set $c (i32.sub (local.get $c) (i32.const 1)))
                    (br_if $zero (local.get $c)))))
              (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
              (br_if $gatherKx (i32.lt_u (local.get $kx) (local.get $kernelW))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br_if $gatherKy (i32.lt_u (local.get $ky) (local.get $kernelH))))
          ;; Next row: back to the tile's depth 0, one lane over.
          (local.set $dst (i32.add (i32.sub (local.get $dst) (local.get $tileBytes)) (i32.const 4)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $gatherRows (i32.lt_u (local.get $r) (i32.const ${TILE_ROWS}))))
        (local.set $dst (i32.add (local.get $dst) (i32.sub (local.get $tileBytes) (i32.const ${TILE_ROWS * 4}))))
        (local.set $first (i32.add (local.get $first) (i32.const ${TILE_ROWS})))
        (br_if $gatherTiles (i32.lt_u (local.get $first) (local.get $blockEnd))))
      ;; Apply every weight panel to every gathered tile.
      (local.set $panel (i32.const 0))
      (loop $panels
        (local.set $first (local.get $blockFirst))
        (local.set $packed (local.get $scratch))
        (loop $tiles
          (local.set $rows (i32.sub (local.get $blockEnd) (local.get $first)))
          (local.set $offset (i32.shl (i32.add (i32.mul (local.get $first) (local.get $outChannels)) (i32.shl (local.get $panel) (i32.const 3))) (i32.const 2)))
          (call $tile (local.get $packed)
            (i32.add (local.get $weights) (i32.mul (local.get $panel) (local.get $panelBytes)))
            (i32.add (local.get $out) (local.get $offset))
            (local.get $rowBytes) (local.get $depth) (local.get $rows)
            (select (i32.add (local.get $residual) (local.get $offset)) (i32.const 0) (local.get $residual))
            (local.get $relu))
          (local.set $packed (i32.add (local.get $packed) (local.get $tileBytes)))
          (local.set $first (i32.add (local.get $first) (i32.const ${TILE_ROWS})))
          (br_if $tiles (i32.lt_u (local.get $first) (local.get $blockEnd))))
        (local.set $panel (i32.add (local.get $panel) (i32.const 1)))
        (br_if $panels (i32.lt_u (i32.shl (local.get $panel) (i32.const 3)) (local.get $outChannels))))
      (local.set $blockFirst (local.get $blockEnd))
      (br $blocks))))`;
}

/**
 * The module's text. It imports tfjs-backend-wasm's own (unshared) memory, so tensors are
 * read and written in place.
 */
export function convKernelText(): string {
  return `(module
  (import "env" "memory" (memory 1))${tileFunction()}${convFunction()})
`;
}
