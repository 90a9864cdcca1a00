/* SPDX-License-Identifier: Apache-2.0 */
/* physics_iq.spatial_iou: IoU of the any-frame motion masks (Physics-IQ).  Preparation and math live in ../_prep. */
#include "../_prep/prep.h"

PIQ_SUBMETRIC(PIQ_SPATIAL, "physics_iq.spatial_iou", "IoU of the any-frame motion masks (Physics-IQ)", FVEVAL_PLUGIN_HIGHER_IS_BETTER)
