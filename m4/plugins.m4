# Plugins built in this tree: one FVEVAL_PLUGIN line each.
FVEVAL_PLUGIN([physics_iq])
FVEVAL_PLUGIN([physics_iq], [mse])
FVEVAL_PLUGIN([physics_iq], [spatial_iou])
FVEVAL_PLUGIN([physics_iq], [spatiotemporal_iou])
FVEVAL_PLUGIN([physics_iq], [weighted_spatial_iou])
FVEVAL_PLUGIN([common], [fvd], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])

# pixel metrics; their per-pixel loops want GCC's full vectoriser cost model
# (plain -O2 skips loops that need a remainder or a runtime check).
PIXEL_KERNEL_CFLAGS=
AX_CHECK_COMPILE_FLAG_SIMPLE([-fvect-cost-model=dynamic],
  [PIXEL_KERNEL_CFLAGS=-fvect-cost-model=dynamic])
AC_SUBST([PIXEL_KERNEL_CFLAGS])
FVEVAL_PLUGIN([common], [psnr])
FVEVAL_PLUGIN([common], [ssim])
FVEVAL_PLUGIN([vbench], [temporal_flickering])
FVEVAL_PLUGIN([audio], [kl_divergence], [test "x$have_torch" = xyes && test "x$have_audio_dsp" = xyes], [it needs libtorch and FFTW3 + libsoxr (libfftw3-dev, libsoxr-dev)])
FVEVAL_PLUGIN([audio], [frechet_distance], [test "x$have_torch" = xyes && test "x$have_audio_dsp" = xyes && test "x$have_lapack" = xyes], [it needs libtorch, FFTW3 + libsoxr and CBLAS/LAPACKE])
FVEVAL_PLUGIN([audio], [imagebind_score], [test "x$have_torch" = xyes && test "x$have_audio_dsp" = xyes], [it needs libtorch and FFTW3 + libsoxr (libfftw3-dev, libsoxr-dev)])
FVEVAL_PLUGIN([audio], [wer], [test "x$have_torch" = xyes && test "x$have_audio_dsp" = xyes], [it needs libtorch and the audio front-ends (FFTW3, libsoxr)])
FVEVAL_PLUGIN([audio], [audiobox_aesthetics], [test "x$have_torch" = xyes && test "x$have_audio_dsp" = xyes], [it needs libtorch and the audio front-ends (FFTW3, libsoxr)])
FVEVAL_PLUGIN([audio], [clap_score], [test "x$have_torch" = xyes && test "x$have_audio_dsp" = xyes], [it needs libtorch and the audio front-ends (FFTW3, libsoxr)])
FVEVAL_PLUGIN([audio], [desync], [test "x$have_torch" = xyes && test "x$have_audio_dsp" = xyes], [it needs libtorch and the audio front-ends (FFTW3, libsoxr)])

# metrics served by inference servers over HTTP (plugins/_remote: libcurl)
FVEVAL_PLUGIN([videoscore2], [], [test "x$have_curl" = xyes], [it needs libcurl >= 7.66 (libcurl4-openssl-dev)])
FVEVAL_PLUGIN([vbench], [object_class], [test "x$have_curl" = xyes], [it needs libcurl >= 7.66 (libcurl4-openssl-dev)])
FVEVAL_PLUGIN([vbench], [multiple_objects], [test "x$have_curl" = xyes], [it needs libcurl >= 7.66 (libcurl4-openssl-dev)])
FVEVAL_PLUGIN([vbench], [color], [test "x$have_curl" = xyes], [it needs libcurl >= 7.66 (libcurl4-openssl-dev)])
FVEVAL_PLUGIN([vbench], [spatial_relationship], [test "x$have_curl" = xyes], [it needs libcurl >= 7.66 (libcurl4-openssl-dev)])
FVEVAL_PLUGIN([vbench], [scene], [test "x$have_curl" = xyes], [it needs libcurl >= 7.66 (libcurl4-openssl-dev)])
FVEVAL_PLUGIN([judge], [third_person_separation], [test "x$have_curl" = xyes], [it needs libcurl >= 7.66 (libcurl4-openssl-dev)])

# VBench video-model metrics: ViCLIP (overall_consistency, temporal_style) and UMT (human_action).
FVEVAL_PLUGIN([vbench], [overall_consistency], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [temporal_style], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [human_action], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
AM_CONDITIONAL([PLUGIN_VBENCH_VIDEO_MODELS],
  [test "x$enable_plugin_vbench_overall_consistency$enable_plugin_vbench_temporal_style$enable_plugin_vbench_human_action" != xnonono])

# motion metrics (plugins/_flow): the model runtime, and LAPACK for the flow statistics
FVEVAL_PLUGIN([vbench], [dynamic_degree], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])
FVEVAL_PLUGIN([vbench], [motion_smoothness], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])
FVEVAL_PLUGIN([optical_flow], [gt_optical_flow], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])
FVEVAL_PLUGIN([optical_flow], [synthetic_optical_flow], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])

# image-feature metrics: TorchScript models through the model runtime.
FVEVAL_PLUGIN([vbench], [subject_consistency], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [background_consistency], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [aesthetic_quality], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [appearance_style], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [imaging_quality], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([common], [lpips], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
