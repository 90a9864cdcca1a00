/* SPDX-License-Identifier: Apache-2.0 */
/* Frame samplers per mode and data-file lookup for the VBench video-model metrics. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vbvideo.h"
#include "vision.h"

const char *const vbv_mode_names[] = {"vbench", "fastvideo", NULL};

int vbv_pick_frames(int mode, int nb_frames, int n, int *idx)
{
    if (nb_frames < 1)
        return -EINVAL;
    if (mode == VBV_MODE_FASTVIDEO)
        return fvv_sample_extract_frames(nb_frames, n, idx);
    return fvv_sample_vbench_middle(nb_frames, n, idx);
}

int vbv_data_path(const char *given, const char *rel, char *out, size_t outlen)
{
    const char *dir = getenv("FVEVAL_DATA_DIR");
    if (given && *given) {
        snprintf(out, outlen, "%s", given);
        return access(out, R_OK) == 0 ? 0 : -ENOENT;
    }
    if (dir && *dir) {
        snprintf(out, outlen, "%s/%s", dir, rel);
        if (access(out, R_OK) == 0)
            return 0;
    }
    snprintf(out, outlen, "%s/%s", FVEVAL_PKGDATADIR, rel);
    return access(out, R_OK) == 0 ? 0 : -ENOENT;
}
