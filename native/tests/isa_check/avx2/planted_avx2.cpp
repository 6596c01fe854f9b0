// Takes the function's address, as a kernel table does, so the compiler emits it out of line.
#include "../planted_inline.h"

namespace nn::isa_check {

float (*planted_avx2())(float) { return &planted_scale; }

}  // namespace nn::isa_check
