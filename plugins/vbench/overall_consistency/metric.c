/* SPDX-License-Identifier: Apache-2.0 */
/* vbench.overall_consistency: ViCLIP video-text cosine (plugins/vbench/_video/viclip.c). */
#include "vbvideo.h"

VBV_VICLIP_PLUGIN(overall_consistency_plugin, "vbench.overall_consistency",
                  "overall consistency: ViCLIP cosine of the clip and its prompt");

FVEVAL_PLUGIN_DEFINE(overall_consistency_plugin)
