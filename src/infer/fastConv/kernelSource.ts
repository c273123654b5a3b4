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

/**
 * Output pixels per tile: 4 rows x 8 channels = 8 accumulators of 4 lanes (fits x64's 16
 * vector registers with the FMA operands). The gather's 4x4 transpose assumes 4.
 */
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

/** Byte indices of `i8x16.shuffle` picking the given 32-bit lanes of two vectors (0-3: first, 4-7: second). */
const lanes = (...picks: number[]) => picks.flatMap((lane) => [0, 1, 2, 3].map((byte) => lane * 4 + byte)).join(" ");

/**
 * `$gatherTile`: writes one tile's packed block `[depth][TILE_ROWS]` at `dst`: `channels`
 * consecutive channels of each input pixel (all of them, or one group's), pixels `stride`
 * channels apart, from `x` (the first channel gathered). Tap by tap (ky, kx); where all four pixels' windows are inside the image and the channels come in fours,
 * four channels of the four pixels are loaded as four vectors and transposed in registers;
 * elsewhere (image borders, the last tile, the 3-channel stem) value by value, with zeros
 * outside the image.
 */
function gatherFunction(): string {
  const perRow = (text: (r: number) => string) => rows.map(text).join("\n      ");
  return `
  (func $gatherTile (param $x i32) (param $height i32) (param $width i32) (param $stride i32) (param $channels i32) (param $dst i32)
      (param $first i32) (param $end i32) (param $outPlane i32) (param $outWidth i32)
      (param $kernelH i32) (param $kernelW i32) (param $strideH i32) (param $strideW i32) (param $padTop i32) (param $padLeft i32)
    ${rows.map((r) => `(local $image${r} i32) (local $top${r} i32) (local $left${r} i32) (local $live${r} i32) (local $src${r} i32) (local $ok${r} i32)`).join("\n    ")}
    (local $pixel i32) (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32) (local $c i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; Each pixel's image and the top-left corner of its window (may be negative: padding).
    ${perRow(
      (r) => `(local.set $pixel (i32.add (local.get $first) (i32.const ${r})))
      (local.set $live${r} (i32.lt_u (local.get $pixel) (local.get $end)))
      (local.set $image${r} (i32.div_u (local.get $pixel) (local.get $outPlane)))
      (local.set $pixel (i32.rem_u (local.get $pixel) (local.get $outPlane)))
      (local.set $top${r} (i32.sub (i32.mul (i32.div_u (local.get $pixel) (local.get $outWidth)) (local.get $strideH)) (local.get $padTop)))
      (local.set $left${r} (i32.sub (i32.mul (i32.rem_u (local.get $pixel) (local.get $outWidth)) (local.get $strideW)) (local.get $padLeft)))`,
    )}
    (local.set $ky (i32.const 0))
    (loop $taps
      (local.set $kx (i32.const 0))
      (loop $tapsX
        ${perRow(
          (r) => `(local.set $iy (i32.add (local.get $top${r}) (local.get $ky)))
        (local.set $ix (i32.add (local.get $left${r}) (local.get $kx)))
        (local.set $ok${r} (i32.and (local.get $live${r}) (i32.and (i32.lt_u (local.get $iy) (local.get $height)) (i32.lt_u (local.get $ix) (local.get $width)))))
        (local.set $src${r} (i32.add (local.get $x) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $image${r}) (local.get $height)) (local.get $iy)) (local.get $width)) (local.get $ix)) (local.get $stride)) (i32.const 2))))`,
        )}
        (if (i32.and (i32.and (i32.and (local.get $ok0) (local.get $ok1)) (i32.and (local.get $ok2) (local.get $ok3)))
                     (i32.eqz (i32.and (local.get $channels) (i32.const 3))))
          (then
            (local.set $c (i32.shr_u (local.get $channels) (i32.const 2)))
            (loop $fours
              ${perRow((r) => `(local.set $v${r} (v128.load (local.get $src${r})))
              (local.set $src${r} (i32.add (local.get $src${r}) (i32.const 16)))`)}
              (local.set $t0 (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $v0) (local.get $v1)))
              (local.set $t1 (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $v2) (local.get $v3)))
              (local.set $t2 (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $v0) (local.get $v1)))
              (local.set $t3 (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $v2) (local.get $v3)))
              (v128.store (local.get $dst) (i8x16.shuffle ${lanes(0, 1, 4, 5)} (local.get $t0) (local.get $t1)))
              (v128.store offset=16 (local.get $dst) (i8x16.shuffle ${lanes(2, 3, 6, 7)} (local.get $t0) (local.get $t1)))
              (v128.store offset=32 (local.get $dst) (i8x16.shuffle ${lanes(0, 1, 4, 5)} (local.get $t2) (local.get $t3)))
              (v128.store offset=48 (local.get $dst) (i8x16.shuffle ${lanes(2, 3, 6, 7)} (local.get $t2) (local.get $t3)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
              (local.set $c (i32.sub (local.get $c) (i32.const 1)))
              (br_if $fours (local.get $c))))
          (else
            (local.set $c (local.get $channels))
            (loop $ones
              ${perRow(
                (r) => `(f32.store offset=${r * 4} (local.get $dst)
                (if (result f32) (local.get $ok${r}) (then (f32.load (local.get $src${r}))) (else (f32.const 0))))
              (local.set $src${r} (i32.add (local.get $src${r}) (i32.const 4)))`,
              )}
              (local.set $dst (i32.add (local.get $dst) (i32.const ${TILE_ROWS * 4})))
              (local.set $c (i32.sub (local.get $c) (i32.const 1)))
              (br_if $ones (local.get $c)))))
        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
        (br_if $tapsX (i32.lt_u (local.get $kx) (local.get $kernelW))))
      (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
      (br_if $taps (i32.lt_u (local.get $ky) (local.get $kernelH)))))`;
}

/**
 * `conv`: the exported entry. Pointers are byte offsets into the imported memory; `residual`
 * is 0 for none; `groups` is 1 for an ordinary convolution (each group's output channels a
 * multiple of {@link PANEL_WIDTH}); `scratch` holds
 * `blockTiles * TILE_ROWS * kernelH * kernelW * channels / groups` floats. Tiles are gathered `blockTiles` at a time, then each weight panel is applied to the
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
      (param $groups i32)
    (local $pixels i32) (local $depth i32) (local $panelBytes i32) (local $rowBytes i32) (local $outPlane i32) (local $tileBytes i32)
    (local $blockFirst i32) (local $blockEnd i32) (local $first i32) (local $rows i32) (local $packed i32)
    (local $dst i32) (local $panel i32) (local $offset i32)
    (local $group i32) (local $groupChannels i32) (local $groupPanels i32) (local $panelEnd i32)
    (local.set $outPlane (i32.mul (local.get $outHeight) (local.get $outWidth)))
    (local.set $pixels (i32.mul (local.get $batch) (local.get $outPlane)))
    ;; Group g reads input channels [g * groupChannels, (g + 1) * groupChannels) and writes the
    ;; output channels of its groupPanels panels; the packed weights hold the panels in order.
    (local.set $groupChannels (i32.div_u (local.get $channels) (local.get $groups)))
    (local.set $groupPanels (i32.div_u (i32.shr_u (local.get $outChannels) (i32.const 3)) (local.get $groups)))
    (local.set $depth (i32.mul (i32.mul (local.get $kernelH) (local.get $kernelW)) (local.get $groupChannels)))
    (local.set $panelBytes (i32.mul (i32.add (local.get $depth) (i32.const 1)) (i32.const 32)))
    (local.set $rowBytes (i32.shl (local.get $outChannels) (i32.const 2)))
    (local.set $tileBytes (i32.mul (local.get $depth) (i32.const ${TILE_ROWS * 4})))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.ge_u (local.get $blockFirst) (local.get $pixels)))
      (local.set $blockEnd (i32.add (local.get $blockFirst) (i32.mul (local.get $blockTiles) (i32.const ${TILE_ROWS}))))
      (if (i32.gt_u (local.get $blockEnd) (local.get $pixels)) (then (local.set $blockEnd (local.get $pixels))))
      (local.set $group (i32.const 0))
      (loop $groupLoop
      ;; Gather the block's tiles: packed[k * TILE_ROWS + r] = input at depth k of pixel first + r.
      (local.set $first (local.get $blockFirst))
      (local.set $dst (local.get $scratch))
      (loop $gatherTiles
        (call $gatherTile
          (i32.add (local.get $x) (i32.shl (i32.mul (local.get $group) (local.get $groupChannels)) (i32.const 2)))
          (local.get $height) (local.get $width) (local.get $channels) (local.get $groupChannels) (local.get $dst)
          (local.get $first) (local.get $blockEnd) (local.get $outPlane) (local.get $outWidth)
          (local.get $kernelH) (local.get $kernelW) (local.get $strideH) (local.get $strideW) (local.get $padTop) (local.get $padLeft))
        (local.set $dst (i32.add (local.get $dst) (local.get $tileBytes)))
        (local.set $first (i32.add (local.get $first) (i32.const ${TILE_ROWS})))
        (br_if $gatherTiles (i32.lt_u (local.get $first) (local.get $blockEnd))))
      ;; Apply the group's weight panels to every gathered tile.
      (local.set $panel (i32.mul (local.get $group) (local.get $groupPanels)))
      (local.set $panelEnd (i32.add (local.get $panel) (local.get $groupPanels)))
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
        (br_if $panels (i32.lt_u (local.get $panel) (local.get $panelEnd))))
      (local.set $group (i32.add (local.get $group) (i32.const 1)))
      (br_if $groupLoop (i32.lt_u (local.get $group) (local.get $groups))))
      (local.set $blockFirst (local.get $blockEnd))
      (br $blocks))))`;
}

/**
 * The module's text. It imports tfjs-backend-wasm's own (unshared) memory, so tensors are
 * read and written in place.
 */
export function convKernelText(): string {
  return `(module
  (import "env" "memory" (memory 1))${tileFunction()}${gatherFunction()}${convFunction()})
`;
}
