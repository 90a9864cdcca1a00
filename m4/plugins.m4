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

# image-feature metrics: TorchScript models through the model runtime.
FVEVAL_PLUGIN([vbench], [subject_consistency], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [background_consistency], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [aesthetic_quality], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [appearance_style], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([vbench], [imaging_quality], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
FVEVAL_PLUGIN([common], [lpips], [test "x$have_torch" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR)])
