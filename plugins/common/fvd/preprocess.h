/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image resampling as the upstream extractors do it, in the same precision:
 *  - fvd_bilinear_plane: torch.nn.functional.interpolate(mode="bilinear",
 *    align_corners=False, antialias=False) on one float32 plane (I3D and
 *    VideoMAE preprocessing).
 *  - fvd_pil_bicubic_rgb: PIL's Image.resize(..., BICUBIC) of an 8-bit RGB
 *    image (antialiased when shrinking, 22-bit fixed-point coefficients,
 *    horizontal then vertical pass, each rounded to uint8), which the CLIP
 *    image processor calls.
 */
#ifndef FVEVAL_FVD_PREPROCESS_H
#define FVEVAL_FVD_PREPROCESS_H

#include <stddef.h>
#include <stdint.h>

/* @p src h x w (row stride w) to @p dst oh x ow (row stride ow). */
void fvd_bilinear_plane(const float *src, int h, int w, float *dst, int oh, int ow);

/*
 * Packed RGB @p src (w x h, @p linesize bytes per row) to packed RGB @p dst
 * (ow x oh, 3 * ow bytes per row).  Returns 0, or -ENOMEM.
 */
int fvd_pil_bicubic_rgb(const uint8_t *src, int w, int h, ptrdiff_t linesize, uint8_t *dst, int ow,
                        int oh);

#endif
