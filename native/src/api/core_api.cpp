// Exported entry points of the core: errors, version, CPU info, threads.
#include "nativenet.h"
#include "runtime/cpu.h"
#include "runtime/error.h"
#include "runtime/threadpool.h"

#include <new>
#include <stdexcept>

#ifndef NN_VERSION_STRING
#  define NN_VERSION_STRING "0.0.0"
#endif

namespace nn {
const char* last_error() noexcept;
}

extern "C" {

NN_API const char* nn_last_error(void) { return nn::last_error(); }

NN_API const char* nn_version(void) { return NN_VERSION_STRING; }

NN_API int32_t nn_abi_version(void) { return 1; }

NN_API nn_status nn_cpu_info(nn_cpu_info_t* info) {
    return nn::guard(__func__, [&] {
        nn::check_not_null(info, "info");
        *info = nn::cpu_features();
        info->num_threads = nn::num_threads();
    });
}

NN_API const char* nn_isa_name(nn_isa isa) { return nn::isa_name(isa); }

NN_API nn_status nn_set_num_threads(int32_t num_threads) {
    return nn::guard(__func__, [&] { nn::set_num_threads(num_threads); });
}

NN_API int32_t nn_get_num_threads(void) { return nn::num_threads(); }

NN_API nn_status nn_debug_throw(int32_t kind) {
    return nn::guard(__func__, [&] {
        // Thrown from a pool task, as a kernel would, so the rethrow path is covered too.
        nn::parallel_run(0, [&](int tid, int) {
            if (tid != 0) return;
            switch (kind) {
                case 0: throw std::runtime_error("test exception from inside a kernel");
                case 1: throw std::bad_alloc();
                case 2: throw 42;
                case 3: nn::invalid_argument("kind 3 is the invalid-argument test. Received: kind=", kind);
                default: nn::invalid_argument("kind must be 0..3. Received: kind=", kind);
            }
        });
    });
}

}  // extern "C"
