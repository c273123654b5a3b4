/**
 * The timm checkpoints of ResNet-18/34/50/101/152 with torchvision's architecture (the
 * stride on the 3x3 of a bottleneck, a 7x7 stem, projection shortcuts), as published on
 * the Hugging Face Hub under `timm/`. Taken from timm's `timm/models/resnet.py`
 * `default_cfgs`; any other repository with the same config format loads too.
 *
 * @module
 */

/** The timm tags published for each depth. */
export const TIMM_RESNET_TAGS = {
  /** ResNet-18. */
  18: ["a1_in1k", "a2_in1k", "a3_in1k", "tv_in1k", "gluon_in1k", "fb_ssl_yfcc100m_ft_in1k", "fb_swsl_ig1b_ft_in1k"],
  /** ResNet-34. */
  34: ["a1_in1k", "a2_in1k", "a3_in1k", "bt_in1k", "tv_in1k", "gluon_in1k"],
  /** ResNet-50. */
  50: [
    "a1_in1k", "a1h_in1k", "a2_in1k", "a3_in1k", "b1k_in1k", "b2k_in1k", "c1_in1k", "c2_in1k", "d_in1k",
    "ram_in1k", "am_in1k", "ra_in1k", "bt_in1k", "tv_in1k", "tv2_in1k", "gluon_in1k",
    "fb_ssl_yfcc100m_ft_in1k", "fb_swsl_ig1b_ft_in1k",
  ],
  /** ResNet-101. */
  101: ["a1h_in1k", "a1_in1k", "a2_in1k", "a3_in1k", "tv_in1k", "tv2_in1k", "gluon_in1k"],
  /** ResNet-152. */
  152: ["a1h_in1k", "a1_in1k", "a2_in1k", "a3_in1k", "tv_in1k", "tv2_in1k", "gluon_in1k"],
} as const;

/** A known timm ResNet repository id, such as `"timm/resnet50.a1_in1k"` (for autocompletion). */
export type KnownPretrainedId = {
  [D in keyof typeof TIMM_RESNET_TAGS]: `timm/resnet${D}.${(typeof TIMM_RESNET_TAGS)[D][number]}`;
}[keyof typeof TIMM_RESNET_TAGS];

/** Every {@link KnownPretrainedId}, ResNet-18 first. */
export const KNOWN_PRETRAINED_IDS: readonly KnownPretrainedId[] = Object.entries(TIMM_RESNET_TAGS).flatMap(
  ([depth, tags]) => tags.map((tag) => `timm/resnet${depth}.${tag}` as KnownPretrainedId),
);
