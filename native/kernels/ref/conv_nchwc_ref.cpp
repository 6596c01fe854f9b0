// The NCHW16c blocked convolutions have no scalar table: without 16-float registers the blocked
// layout gains nothing, so nchwc::block() reports 0 and callers keep the NCHW kernels. The tests
// compare the blocked kernels with the NCHW ground truth (conv::forward_ref).
#include "conv/nchwc/nchwc.h"

namespace nn::conv::nchwc {
const kernels ref_kernels = {"scalar", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
}  // namespace nn::conv::nchwc
