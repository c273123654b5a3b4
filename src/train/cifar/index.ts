/**
 * The CIFAR-10 nets of section 4.2 of He et al. (2015): ResNet-20, 32, 44, 56, 110, 1202
 * and their plain twins.
 *
 * @module
 */
export { cifarResnet, CIFAR_MIN_INPUT_SIZE, type CifarResNetOptions } from "./cifarResnet.js";
