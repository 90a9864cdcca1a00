/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the VBench video-model metrics (vbench.overall_consistency,
 * vbench.temporal_style, vbench.human_action): the two behaviours they offer
 * (upstream VBench's and FastVideo's, metrics-b.md §0.3, §6, §11), the frame
 * sampler of each, and where their data files (CLIP's BPE merges, the
 * Kinetics-400 label map) are found.
 */
#ifndef FVEVAL_VBVIDEO_H
#define FVEVAL_VBVIDEO_H

#include <stddef.h>

#include <fveval/plugin.h>

/* The `mode` option: index 0, upstream VBench (the leaderboard's numbers), is the default. */
enum { VBV_MODE_VBENCH = 0, VBV_MODE_FASTVIDEO = 1 };
extern const char *const vbv_mode_names[];

/*
 * The frames a metric taking @p n frames reads of a clip of @p nb_frames: VBench's
 * "middle" sampler, padded with the last index (always n), or FastVideo's
 * extract_frames (all nb_frames when fewer than n: no padding).  Returns the count.
 */
int vbv_pick_frames(int mode, int nb_frames, int n, int *idx);

/*
 * The path of data file @p rel (e.g. "clip/bpe_simple_vocab_16e6.txt.gz"): @p given
 * when set (an option), else $FVEVAL_DATA_DIR/rel when that can be read, else the
 * installed $(pkgdatadir)/rel.  Writes it to @p out; returns 0 when the file can be
 * read, else -ENOENT with the path tried last in @p out.
 */
int vbv_data_path(const char *given, const char *rel, char *out, size_t outlen);

/* ---- ViCLIP text-video similarity (overall_consistency, temporal_style) ---- */

#define VBV_VICLIP_MODEL "viclip_l14_internvid_10m_flt.pt"
#define VBV_VICLIP_FRAMES 8
#define VBV_VICLIP_CONTEXT 32
#define VBV_VICLIP_DIM 768

struct clip_tokenizer;
struct fveval_model;
/* Options first (their offsets), then what setup loads. */
typedef struct vbv_viclip_priv {
    int mode;
    const char *vocab;           /* option: the BPE merges file, or NULL: the shipped one */
    struct fveval_model *model;
    struct clip_tokenizer *tok;
    char *last_prompt;           /* the text whose features are cached (VBench reuses them) */
    float text_feat[VBV_VICLIP_DIM];
} vbv_viclip_priv;
extern const fveval_field vbv_viclip_fields[];
extern const fveval_option vbv_viclip_options[];
extern const fveval_model_file vbv_viclip_models[];
extern const fveval_frame_access vbv_viclip_access[];
int vbv_viclip_setup(fveval_ctx *ctx);
int vbv_viclip_compute(fveval_ctx *ctx, const fveval_sample *s, fveval_result *res);
int vbv_viclip_select(fveval_ctx *ctx, const fveval_sample *s, const char *field, int nb_frames,
                      double fps, int *indices, int max);
void vbv_viclip_uninit(fveval_ctx *ctx);

#define VBV_VICLIP_DESCRIPTION                                                                    \
    "score = cos(ViCLIP encode_vision(8 frames), ViCLIP encode_text(text_prompt)), both "      \
    "L2-normalised (ViCLIP ViT-L/14, InternVid-10M-FLT). mode=vbench (default, upstream "      \
    "VBench): VBench's middle sampler (padded with the last index), bicubic resize of the "    \
    "short side to 224 without antialias, centre crop 224, CLIP normalisation. "             \
    "mode=fastvideo: torch.linspace sampler (a clip shorter than 8 frames is skipped), "      \
    "bicubic with antialias. Text: CLIP BPE, context 32, truncated."

/* The descriptor of a ViCLIP metric: the two differ only in name and prompts. */
#define VBV_VICLIP_PLUGIN(var, metric_name, metric_summary)                                    \
    static const fveval_plugin var = {                                                         \
        FVEVAL_PLUGIN_HEADER,                                                                  \
        .name = metric_name,                                                                   \
        .summary = metric_summary,                                                             \
        .description = VBV_VICLIP_DESCRIPTION,                                                 \
        .version = "1.0",                                                                      \
        .license = "Apache-2.0",                                                               \
        .flags = FVEVAL_PLUGIN_HIGHER_IS_BETTER | FVEVAL_PLUGIN_NEEDS_MODEL |                  \
                 FVEVAL_PLUGIN_NEEDS_GPU_PREFERRED,                                            \
        .fields = vbv_viclip_fields,                                                           \
        .options = vbv_viclip_options,                                                         \
        .models = vbv_viclip_models,                                                           \
        .priv_size = sizeof(vbv_viclip_priv),                                \
        .setup = vbv_viclip_setup,                                                             \
        .compute = vbv_viclip_compute,                                                         \
        .uninit = vbv_viclip_uninit,                                                           \
        .frame_access = vbv_viclip_access,                                                     \
        .select_frames = vbv_viclip_select,                                                    \
    }

#endif
