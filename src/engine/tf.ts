/**
 * The TensorFlow.js API distmatch uses: tfjs-core (tensors, ops, optimisers, io) and tfjs-layers
 * (models), both peer dependencies. Not the @tensorflow/tfjs meta-package, whose import registers
 * the webgl and cpu backends; backends are loaded by useBackend() when asked for.
 */
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
