/**
 * Data for training: checked tensors, the CIFAR-10 binary format (from bytes anywhere, from
 * a folder in Node), a folder of PNG and JPEG images per class (Node), and the `mnist`
 * package's digits. The file loaders import their Node-only modules on the first call, so a
 * browser bundle of this module does not pull in `node:fs` or the image decoders.
 *
 * @module
 */
export { tensorData, type TensorDataOptions, type CheckedTensorData } from "./tensorData.js";
export {
  decodeCifar10,
  parseCifar10Meta,
  CIFAR10_CLASSES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_RECORD_BYTES,
  type DecodeCifar10Options,
} from "./cifar10.js";
export { mnistDigits, type MnistPackage, type MnistPackageDigit, type MnistDigitsOptions, type TrainTestSplit } from "./mnist.js";
export { DatasetError, type LabeledImages } from "./types.js";
export { loadCifar10, loadImageFolder, type LoadCifar10Options, type LoadImageFolderOptions } from "./loaders.js";
