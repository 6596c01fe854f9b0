// Exported entry points of libnativenet_mpi: argument checks and the exception guard, nothing else.
#include "nativenet_dist.h"

#include "communicator.h"
#include "runtime/error.h"

namespace nn {
const char* last_error() noexcept;
}

namespace {

using nn::dist::Communicator;

// The status values shared with nn_status keep their meaning; the guard reports either kind.
static_assert(static_cast<int>(NN_DIST_ERR_INTERNAL) == static_cast<int>(NN_ERR_INTERNAL), "status values drifted");

template <class Body>
nn_dist_status guarded(const char* function, Body&& body) noexcept {
    return static_cast<nn_dist_status>(nn::guard(function, std::forward<Body>(body)));
}

}  // namespace

extern "C" {

NN_DIST_API const char* nn_dist_last_error(void) { return nn::last_error(); }

NN_DIST_API nn_dist_status nn_dist_init(int32_t timeout_ms) {
    return guarded(__func__, [&] { Communicator::instance().init(timeout_ms); });
}

NN_DIST_API nn_dist_status nn_dist_set_timeout(int32_t timeout_ms) {
    return guarded(__func__, [&] { Communicator::instance().set_timeout(timeout_ms); });
}

NN_DIST_API nn_dist_status nn_dist_rank(int32_t* rank) {
    return guarded(__func__, [&] {
        nn::check_not_null(rank, "rank");
        *rank = Communicator::instance().rank();
    });
}

NN_DIST_API nn_dist_status nn_dist_size(int32_t* size) {
    return guarded(__func__, [&] {
        nn::check_not_null(size, "size");
        *size = Communicator::instance().size();
    });
}

NN_DIST_API nn_dist_status nn_dist_allreduce_start(void* buffer, int64_t count, nn_dist_dtype dtype, int64_t* request) {
    return guarded(__func__, [&] {
        nn::check_not_null(request, "request");
        *request = Communicator::instance().allreduce_start(buffer, count, dtype);
    });
}

NN_DIST_API nn_dist_status nn_dist_test(int64_t request, int32_t* done) {
    return guarded(__func__, [&] {
        nn::check_not_null(done, "done");
        *done = Communicator::instance().test(request) ? 1 : 0;
    });
}

NN_DIST_API nn_dist_status nn_dist_wait(int64_t request) {
    return guarded(__func__, [&] { Communicator::instance().wait(request); });
}

NN_DIST_API nn_dist_status nn_dist_allreduce(void* buffer, int64_t count, nn_dist_dtype dtype) {
    return guarded(__func__, [&] {
        auto& c = Communicator::instance();
        c.wait(c.allreduce_start(buffer, count, dtype));
    });
}

NN_DIST_API nn_dist_status nn_dist_broadcast(void* buffer, int64_t count, nn_dist_dtype dtype, int32_t root) {
    return guarded(__func__, [&] {
        auto& c = Communicator::instance();
        c.wait(c.broadcast_start(buffer, count, dtype, root));
    });
}

NN_DIST_API nn_dist_status nn_dist_barrier(void) {
    return guarded(__func__, [&] {
        auto& c = Communicator::instance();
        c.wait(c.barrier_start());
    });
}

NN_DIST_API nn_dist_status nn_dist_abort(int32_t exit_code) {
    return guarded(__func__, [&] { Communicator::instance().abort(exit_code); });
}

NN_DIST_API nn_dist_status nn_dist_finalize(void) {
    return guarded(__func__, [&] { Communicator::instance().finalize(); });
}

}  // extern "C"
