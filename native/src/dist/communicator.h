// The MPI job as NativeNet's data-parallel training sees it: a rank, a size, in-place sums and
// broadcasts, and a bound on every wait. MPI's own behaviour when a peer hangs is to wait
// forever; here each wait polls a non-blocking collective and, past the timeout, asks the other
// ranks for a sign of life on a second communicator so the error can name the lost ones.
#pragma once
#include "nativenet_dist.h"

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace nn::dist {

class Communicator {
public:
    // The one communicator of this process (MPI has one world per process).
    static Communicator& instance();

    void init(int32_t timeout_ms);
    void set_timeout(int32_t timeout_ms);
    bool initialized() const noexcept { return initialized_; }
    int rank() const;
    int size() const;

    // Non-blocking collectives; the id is for test()/wait().
    int64_t allreduce_start(void* buffer, int64_t count, nn_dist_dtype dtype);
    int64_t broadcast_start(void* buffer, int64_t count, nn_dist_dtype dtype, int root);
    int64_t barrier_start();

    bool test(int64_t id);   // drives progress; true once finished (the id stays valid until wait)
    void wait(int64_t id);   // bounded by the timeout; frees the id, also when it throws

    void abort(int exit_code);
    void finalize();

private:
    struct Pending {
        MPI_Request request;
        int64_t sequence;     // 1-based number of the collective on this rank
        std::string what;     // "allreduce of 1024 float32"
    };
    using Clock = std::chrono::steady_clock;

    void require_initialized() const;
    int64_t add(MPI_Request request, std::string what);
    Pending& find(int64_t id);
    void serve_liveness_queries();
    void collect_finished_replies();
    void diagnose_timeout(Pending& pending);  // returns only if the collective finished meanwhile

    bool initialized_ = false;
    bool owns_mpi_ = false;   // MPI_Init was ours, so MPI_Finalize is too
    MPI_Comm data_ = MPI_COMM_NULL;     // collectives
    MPI_Comm control_ = MPI_COMM_NULL;  // liveness queries and replies, never mixed with data
    int rank_ = 0, size_ = 1;
    std::chrono::milliseconds timeout_{30000};
    int64_t next_id_ = 1;
    int64_t entered_ = 0;     // collectives this rank has started
    std::unordered_map<int64_t, Pending> pending_;
    // Replies in flight: MPI needs the send buffer until the send completes.
    std::list<std::pair<MPI_Request, int64_t>> replies_;
    // Collectives that timed out: MPI cannot cancel them, so they are driven to completion if the
    // lost peer comes back (tests do that), or left to the job's abort.
    std::list<MPI_Request> orphans_;
};

}  // namespace nn::dist
