/**
 * Plots of training runs: SVG curves of error per epoch, as in the paper's Figures 4 and 6.
 *
 * @module
 */
export { trainingCurvesSvg, type CurveSeries, type TrainingCurvesOptions } from "./trainingCurvesSvg.js";
