/* SPDX-License-Identifier: Apache-2.0 */
/* physics_iq.weighted_spatial_iou: IoU of per-pixel motion frequencies (Physics-IQ).  Preparation and math live in ../_prep. */
#include "../_prep/prep.h"

PIQ_SUBMETRIC(PIQ_WEIGHTED, "physics_iq.weighted_spatial_iou", "IoU of per-pixel motion frequencies (Physics-IQ)", FVEVAL_PLUGIN_HIGHER_IS_BETTER)
