/**
 * The public surface, pinned: every name (values and types) each package entry exports. A
 * new export, or a lost one, fails here until this list is changed with it, so that what
 * users can import is a decision, not a side effect of an `export *`.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ENTRIES: Record<string, { file: string; names: readonly string[] }> = {
  "resnet-blocks": {
    file: "src/index.ts",
    names: [
      "AUTO_ORDER", "Runtime",
      "AddSpec", "BACKEND_NAMES", "BackendAttempt", "BackendError", "BackendName", "BackendPreference",
      "BackendReport", "BatchNormSpec", "BlockConventions", "BlockOptions", "CLASSIFIER_ACTIVATIONS",
      "CONVENTIONS", "CifarResNetOptions", "ClassifierActivation", "ConvKernels", "ConvSpec", "Convention",
      "ConventionCount", "ConventionParts", "CountOptions", "CountReport", "DEFAULT_START_TIMEOUT_MS", "DEPTHS",
      "DenseSpec", "Depth", "ExtraFlops", "ExtraFlopsCategory", "Figures", "FuseOptions", "FusedModel",
      "FusedStep", "FusedStepKind", "GlobalPoolSpec", "GroupedConv2D", "GroupedConv2DArgs", "ImageShape",
      "InputSpec", "KernelInitializer", "LayerCount", "LayerKind", "LayerSpec", "LayerSpecBase", "MaxPoolSpec",
      "NamedResNetOptions", "POOLINGS", "PRESETS", "PadSpec", "ParamCounts", "PlainBlockOptions", "Pooling",
      "Preset", "ReluSpec", "ResNetBuildOptions", "ResNetOptions", "ResNetSpec", "ResolvedCifarResNetOptions",
      "ResolvedNetOptions", "ResolvedResNetOptions", "SHORTCUTS", "STRIDES_IN", "ShortcutOption", "StageCount",
      "StageName", "StageSpec", "StrideIn", "TABLE1", "Table1Column", "TruncationStage", "UncountedLayer",
      "UseBackendOptions", "WasmBinaryName", "WasmPaths", "ZeroPadShortcut", "ZeroPadShortcutArgs",
      "ZeroPadShortcutSpec", "basicBlock", "bottleneckBlock", "buildFromSpec", "checkTfjsVersions",
      "cifarResnetSpec", "conventionCount", "count", "countModel", "countUpTo", "fuse", "plain101", "plain152",
      "plain18", "plain34", "plain50", "plainBlock", "registerGroupedConv2D", "registerZeroPadShortcut",
      "resnet", "resnet101", "resnet101v2", "resnet152", "resnet152v2", "resnet18", "resnet34", "resnet50",
      "resnet50v2", "resnetSpec", "resnext101_32x8d", "resnext50_32x4d", "summaryTable", "table1", "useBackend",
      "wasmSimdSupported", "wasmThreadsSupported", "wideResnet101_2", "wideResnet50_2",
    ],
  },
  "resnet-blocks/count": {
    file: "src/count/index.ts",
    names: [
      "BLOCK_STAGES",
      "AddSpec", "Align", "BatchNormSpec", "BlockConventions", "BlockKind", "BlockLayersArgs", "BlockStageName",
      "BlockType", "CIFAR_MIN_INPUT_SIZE", "CLASSIFIER_ACTIVATIONS", "CONVENTIONS", "CifarResNetOptions",
      "ClassifierActivation", "ConvSpec", "Convention", "ConventionCount", "ConventionParts", "CountOptions",
      "CountReport", "DEPTHS", "DenseSpec", "Depth", "ExtraFlops", "ExtraFlopsCategory", "Figures",
      "GlobalPoolSpec", "ImageShape", "InputSpec", "KernelInitializer", "LayerCount", "LayerKind",
      "LayerOutput", "LayerPlace", "LayerSpec", "LayerSpecBase", "MIN_INPUT_SIZE", "MaxPoolSpec", "POOLINGS",
      "PRESETS", "PRESET_CONVENTIONS", "PadSpec", "ParamCounts", "Pooling", "Preset", "PresetConventions",
      "ReluSpec", "ResNetOptions", "ResNetSpec", "ResolvedCifarResNetOptions", "ResolvedNetOptions",
      "ResolvedResNetOptions", "SHORTCUTS", "STAGE_WIDTHS", "STRIDES_IN", "ShortcutOption", "StageCount",
      "StageName", "StageSpec", "StrideIn", "TABLE1", "Table1Column", "TruncationStage", "UncountedLayer",
      "ZeroPadShortcutSpec", "blockChannelsOut", "blockLayers", "cifarResnetSpec", "conventionCount", "count",
      "countUpTo", "formatInteger", "formatScaled", "formatShape", "markdownTable", "placeOfLayerName",
      "resnetSpec", "summaryTable", "table1",
    ],
  },
  "resnet-blocks/weights": {
    file: "src/weights/index.ts",
    names: [
      "FLOAT_DTYPES", "KernelOrder", "LoadOptions", "LoadResult", "SafetensorsFile", "SafetensorsTensor",
      "SaveOptions", "TfjsWeights", "WEIGHT_LAYOUTS", "WeightDtype", "WeightLayout", "WeightSlot",
      "WeightsError", "WeightsFileError", "decodeSafetensors", "encodeSafetensors", "loadSafetensors",
      "loadTfjsWeights", "saveSafetensors", "weightSlots",
    ],
  },
  "resnet-blocks/train": {
    file: "src/train/index.ts",
    names: [
      "AugmentOptions", "Batch", "BatchDataset", "BatchIterator", "CIFAR10_CLASSES", "CIFAR10_IMAGE_BYTES",
      "CIFAR10_RECORD_BYTES", "CIFAR_MIN_INPUT_SIZE", "CheckedTensorData", "CheckpointStore",
      "CifarResNetOptions", "CosineDecayOptions", "CurveSeries", "DatasetError", "DecodeCifar10Options",
      "FREEZE_POINTS", "FreezeOptions", "FreezePoint", "FreezeResult", "HistoryFigures", "LabeledImages",
      "LearningRateSchedule", "LoadCifar10Options", "LoadImageFolderOptions", "MISSING_WASM_KERNELS",
      "MemoryCheckpointStore", "MnistDigitsOptions", "MnistPackage", "MnistPackageDigit", "NormalizeOptions",
      "OptimizerName", "Progress", "REPLACEABLE_WASM_KERNELS", "ReplaceHeadOptions", "ScheduleAt",
      "ScheduleUnit", "StepDecayOptions", "StopInfo", "TensorData", "TensorDataOptions", "TrainCallbacks",
      "TrainData", "TrainHistory", "TrainOptions", "TrainTestSplit", "TrainingCurvesOptions", "ValidationSplit",
      "WarmupOptions", "WasmTrainingKernelOptions", "cifarResnet", "constant", "cosineDecay", "decodeCifar10",
      "freezeBackbone", "loadCifar10", "loadImageFolder", "memoryCheckpointStore", "mnistDigits",
      "parseCifar10Meta", "registerWasmTrainingKernels", "replaceHead", "stepDecay", "tensorData", "train",
      "trainingCurvesSvg", "warmup",
    ],
  },
  "resnet-blocks/pool": {
    file: "src/infer/pool/index.ts",
    names: [
      "BatchShape", "PoolClosedError", "PoolOptions", "PoolWorkerError", "ResNetPool", "WorkerMemory",
      "createPool",
    ],
  },
  "resnet-blocks/pretrained": {
    file: "src/pretrained/index.ts",
    names: [
      "CACHE_API_NAME", "CACHE_ENV", "CacheKey", "ClassifyOptions", "CropMode", "DEFAULT_DATA_CONFIG",
      "DEFAULT_FEATURE_STAGES", "DEFAULT_HOST", "DEFAULT_STALL_TIMEOUT_MS", "DataConfig", "DownloadProgress",
      "FEATURE_STAGES", "FeatureExtractorOptions", "FeatureStage", "HubCache", "HubError", "HubErrorDetails",
      "HubOptions", "IMAGENET_LABELS", "ImageInput", "ImageTransforms", "Interpolation", "KNOWN_PRETRAINED_IDS",
      "KnownPretrainedId", "Prediction", "Pretrained", "PretrainedClassifyOptions", "PretrainedOptions",
      "SUPPORTED_ARCHITECTURES", "SupportedArchitecture", "TIMM_RESNET_TAGS", "TimmConfig", "classify",
      "createCacheApiCache", "createFileCache", "createTransforms", "defaultCacheDir", "featureExtractor",
      "featureLayerName", "pretrained", "readTimmConfig", "resolveDataConfig",
    ],
  },
  "resnet-blocks/worker": {
    file: "src/infer/browserWorker/index.ts",
    names: [
      "WorkerBatchShape", "WorkerImage", "WorkerModel", "WorkerModelClosedError", "WorkerModelError",
      "WorkerModelMemory", "WorkerModelOptions", "WorkerOutput", "createWorkerModel",
    ],
  },
  "resnet-blocks/worker/serve": {
    file: "src/infer/browserWorker/serve.ts",
    names: [
      "serveModel",
    ],
  },
  "resnet-blocks/onnx": {
    file: "src/onnx/index.ts",
    names: [
      "DEFAULT_ONNX_OPSET", "EXPORTABLE_ACTIVATIONS", "EXPORTABLE_LAYERS", "ONNX_INPUT_LAYOUTS", "ONNX_NAMES",
      "ONNX_OPSET_RANGE", "OnnxExport", "OnnxExportError", "OnnxInputLayout", "ToOnnxOptions",
      "checkExportable", "exportOnnx", "toOnnx",
    ],
  },
};

describe("package entries export exactly the listed names", () => {
  const program = ts.createProgram(
    Object.values(ENTRIES).map((entry) => entry.file),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true },
  );
  const checker = program.getTypeChecker();

  it.each(Object.entries(ENTRIES))("%s", (_entry, { file, names }) => {
    const source = program.getSourceFile(file);
    expect(source, file).toBeDefined();
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(source!)!).map((symbol) => symbol.name);
    expect([...exported].sort()).toEqual([...names].sort());
  });

  it("the root entry leaves formatting helpers and backend plumbing to their own entries", () => {
    const root = ENTRIES["resnet-blocks"]!.names;
    for (const internal of ["markdownTable", "formatScaled", "formatInteger", "blockLayers", "registerBackendModule", "WasmControls"]) {
      expect(root).not.toContain(internal);
    }
  });
});
