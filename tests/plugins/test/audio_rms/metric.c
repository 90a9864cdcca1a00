/* SPDX-License-Identifier: Apache-2.0 */
/* test.audio_rms: RMS of the sample's audio at 16 kHz mono (pipeline test metric). */
#include <math.h>

#include <fveval/plugin.h>

static const fveval_field rms_fields[] = {
    {.name = "audio", .type = FVEVAL_FIELD_AUDIO, .flags = FVEVAL_FIELD_REQUIRED, .rate = 16000,
     .channels = 1, .help = "audio file, or the video's own track"},
    {.name = NULL},
};

static int rms_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *r)
{
    const fveval_audio *a = fveval_sample_audio(ctx, s, "audio");
    double ss = 0;
    size_t n = (size_t) a->nb_samples * (size_t) a->channels;
    for (size_t i = 0; i < n; i++)
        ss += (double) a->data[i] * a->data[i];
    fveval_result_score(ctx, r, n ? sqrt(ss / n) : 0);
    fveval_result_number(ctx, r, "samples", (double) a->nb_samples);
    fveval_result_number(ctx, r, "rate", a->rate);
    fveval_result_number(ctx, r, "channels", a->channels);
    return 0;
}

static const fveval_plugin rms_plugin = {
    FVEVAL_PLUGIN_HEADER,
    .name = "test.audio_rms",
    .summary = "RMS of 16 kHz mono audio (pipeline test metric)",
    .version = "1.0",
    .license = "Apache-2.0",
    .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER,
    .fields = rms_fields,
    .compute = rms_compute,
};

FVEVAL_PLUGIN_DEFINE(rms_plugin)
