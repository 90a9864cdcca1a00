/* SPDX-License-Identifier: Apache-2.0 */
/* physics_iq.spatiotemporal_iou: mean per-frame motion-mask IoU (Physics-IQ).  Preparation and math live in ../_prep. */
#include "../_prep/prep.h"

PIQ_SUBMETRIC(PIQ_SPATIOTEMPORAL, "physics_iq.spatiotemporal_iou", "mean per-frame motion-mask IoU (Physics-IQ)", FVEVAL_PLUGIN_HIGHER_IS_BETTER)
