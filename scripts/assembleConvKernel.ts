/** Assembles the convolution kernel's text with wabt (a dev dependency). */
import wabtInit from "wabt";
import { convKernelText } from "../src/infer/fastConv/kernelSource.js";

/** The kernel as WebAssembly bytes. */
export async function assembleConvKernel(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat("convKernel.wat", convKernelText(), { simd: true, relaxed_simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
