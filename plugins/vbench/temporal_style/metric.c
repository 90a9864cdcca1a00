/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vbench.temporal_style: the overall_consistency computation (ViCLIP
 * video-text cosine, plugins/vbench/_video/viclip.c) on VBench's
 * temporal-style prompts ("..., in super slow motion"), as upstream and
 * FastVideo define it: the same code, another prompt set.
 */
#include "vbvideo.h"

VBV_VICLIP_PLUGIN(temporal_style_plugin, "vbench.temporal_style",
                  "temporal style: ViCLIP cosine of the clip and its temporal-style prompt");

FVEVAL_PLUGIN_DEFINE(temporal_style_plugin)
