/* SPDX-License-Identifier: Apache-2.0 */
/* physics_iq.mse: per-frame MSE of quarter-resolution frames (Physics-IQ).  Preparation and math live in ../_prep. */
#include "../_prep/prep.h"

PIQ_SUBMETRIC(PIQ_MSE, "physics_iq.mse", "per-frame MSE of quarter-resolution frames (Physics-IQ)", 0)
