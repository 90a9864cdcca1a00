/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fastvideo.eval optical_flow/synthetic_optical_flow/_thirdperson.py: the
 * third-person camera model that turns a frame's keyboard and mouse actions
 * into the flow the camera motion should cause, and the sample values it
 * reads (actions, calibration) parsed and validated from their JSON or .npy
 * form.
 */
#ifndef FVEVAL_THIRDPERSON_H
#define FVEVAL_THIRDPERSON_H

#include <stddef.h>

/* ThirdPersonCalibration (unknown JSON keys are dropped, as upstream). */
typedef struct tp_calibration {
    double alpha_yaw, alpha_pitch, alpha_turn, beta_fwd, beta_strafe, focal_length;
    double r_z, r_y, init_pitch; /* default 0 */
} tp_calibration;

/* Actions: keyboard (T, kb_cols) [W, S, A, D, turn_left, turn_right], mouse (T, 2) [pitch, yaw]. */
typedef struct tp_actions {
    double *keyboard;
    int kb_rows, kb_cols;
    double *mouse;
    int mouse_rows;
} tp_actions;

/*
 * Parse a calibration from @p json (an object, or a string naming a .json
 * file holding one).  0, or -EINVAL with the reason in @p why.
 */
int tp_calibration_parse(const char *json, tp_calibration *cal, char *why, size_t whylen);
/* The same from the .json file @p path. */
int tp_calibration_load(const char *path, tp_calibration *cal, char *why, size_t whylen);

/*
 * Parse actions from @p json: an object {"keyboard": K, "mouse": M} where K
 * and M are arrays of rows or strings naming .npy / .json files holding
 * them, or a string naming a .json file holding such an object.  Checks the
 * shapes (keyboard 4 to 6 columns, mouse 2) and that every value is finite.
 * 0, or -EINVAL with the reason in @p why; release with tp_actions_free.
 */
int tp_actions_parse(const char *json, tp_actions *act, char *why, size_t whylen);
void tp_actions_free(tp_actions *act);

/*
 * The flow of frame pair @p i (from keyboard[i], mouse[i]) as planar float32
 * (2, h, w): generate_flow_sequence's per-frame flow, computed in double and
 * rounded to float32 as upstream's .astype(np.float32).
 */
void tp_flow(const tp_calibration *cal, const tp_actions *act, int i, double mouse_pitch_sign, int h,
             int w, float *flow);

#endif /* FVEVAL_THIRDPERSON_H */
