import { version_core } from "@tensorflow/tfjs-core";
import { version_layers } from "@tensorflow/tfjs-layers";

/**
 * Warns (once) when the tfjs-core and tfjs-layers versions loaded differ: two copies or
 * mismatched versions are a common cause of "kernel not registered" and `instanceof`
 * failures. Returns the message, or `null` when the versions agree.
 *
 * @example
 * ```ts
 * import { checkTfjsVersions } from "resnet-blocks";
 * checkTfjsVersions();                  // null when the loaded tfjs-core and tfjs-layers agree
 * checkTfjsVersions("4.22.0", "4.21.0"); // the warning's text
 * ```
 */
export function checkTfjsVersions(core: string = version_core, layers: string = version_layers): string | null {
  if (core === layers) return null;
  return (
    `resnet-blocks: @tensorflow/tfjs-core ${core} and @tensorflow/tfjs-layers ${layers} differ; ` +
    `install the same version of both (npm ls @tensorflow/tfjs-core @tensorflow/tfjs-layers shows the copies).`
  );
}

const mismatch = checkTfjsVersions();
if (mismatch !== null) console.warn(mismatch);
