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

# motion metrics (plugins/_flow): the model runtime, and LAPACK for the flow statistics
FVEVAL_PLUGIN([vbench], [dynamic_degree], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])
FVEVAL_PLUGIN([vbench], [motion_smoothness], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])
FVEVAL_PLUGIN([optical_flow], [gt_optical_flow], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])
FVEVAL_PLUGIN([optical_flow], [synthetic_optical_flow], [test "x$have_torch" = xyes && test "x$have_lapack" = xyes], [it needs libtorch (libtorch-dev, or --with-torch=DIR) and CBLAS/LAPACKE])
