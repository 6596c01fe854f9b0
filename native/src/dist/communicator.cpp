#include "communicator.h"

#include "runtime/error.h"

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>

namespace nn::dist {
namespace {

constexpr int kTagQuery = 1;  // "are you alive?" payload: the asker's collective count
constexpr int kTagReply = 2;  // "yes"; payload: the replier's collective count

[[noreturn]] void fail(nn_dist_status status, const std::string& message) {
    throw status_error(static_cast<nn_status>(status), message);
}

void check_mpi(int rc, const char* what) {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING] = {0};
    int length = 0;
    MPI_Error_string(rc, text, &length);
    std::ostringstream s;
    s << what << " failed: " << text;
    fail(NN_DIST_ERR_MPI, s.str());
}

MPI_Datatype mpi_type(nn_dist_dtype dtype) {
    switch (dtype) {
        case NN_DIST_FLOAT32: return MPI_FLOAT;
        case NN_DIST_FLOAT64: return MPI_DOUBLE;
    }
    invalid_argument("dtype must be NN_DIST_FLOAT32 (0) or NN_DIST_FLOAT64 (1). Received: dtype=", static_cast<int32_t>(dtype));
}

const char* type_name(nn_dist_dtype dtype) { return dtype == NN_DIST_FLOAT32 ? "float32" : "float64"; }

int checked_count(const void* buffer, int64_t count) {
    check_non_negative(count, "count");
    check_buffer(buffer, count, "buffer");
    if (count > INT_MAX) invalid_argument("count must be <= ", INT_MAX, " (MPI counts are int). Received: count=", count);
    return static_cast<int>(count);
}

void check_timeout(int32_t timeout_ms) {
    if (timeout_ms <= 0) invalid_argument("timeout_ms must be > 0. Received: timeout_ms=", timeout_ms);
}

// A .NET host loads this library without RTLD_GLOBAL, so libmpi's symbols stay private and the
// MCA components Open MPI dlopens during MPI_Init cannot resolve them. Promote libmpi to global.
void make_mpi_symbols_global() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) != 0 && info.dli_fname != nullptr)
        dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

// Polls without stealing a core from a peer rank on the same machine for long: spin briefly
// (small all-reduces finish in microseconds), then yield while the collective may still be moving
// data (large messages advance one fragment per poll, so a nap per poll would throttle them),
// and nap only once the wait has lasted long enough that a peer is evidently not there yet.
void back_off(int64_t polls, std::chrono::steady_clock::time_point since) {
    if (polls < 2000) return;
    if (std::chrono::steady_clock::now() - since < std::chrono::milliseconds(500)) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(200));
}

// Open MPI's non-blocking all-reduce (libnbc) picks recursive doubling by default, which moves
// large gradient buckets at less than half the speed of its ring: 13 MB between two ranks on one
// machine took 4.5 ms against 1.8 ms with the ring (2026-12-04, Zen 5, Open MPI 4.1.4), and the
// ring is no slower down to 16 bytes. A choice the user made (mpirun --mca, environment) stands.
void prefer_ring_allreduce() {
    setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "ring", /*overwrite=*/0);
}

}  // namespace

Communicator& Communicator::instance() {
    static Communicator c;
    return c;
}

void Communicator::init(int32_t timeout_ms) {
    check_timeout(timeout_ms);
    timeout_ = std::chrono::milliseconds(timeout_ms);
    if (initialized_) return;
    int already = 0, finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) fail(NN_DIST_ERR_NOT_INITIALIZED, "MPI was finalized in this process; it cannot be initialized again");
    MPI_Initialized(&already);
    if (!already) {
        make_mpi_symbols_global();
        prefer_ring_allreduce();
        int provided = 0;
        check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
        owns_mpi_ = true;
        if (provided < MPI_THREAD_SERIALIZED)
            fail(NN_DIST_ERR_UNSUPPORTED, "the MPI library provides no MPI_THREAD_SERIALIZED (calls from more than one thread)");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &data_), "MPI_Comm_dup");
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &control_), "MPI_Comm_dup");
    check_mpi(MPI_Comm_rank(data_, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(data_, &size_), "MPI_Comm_size");
    initialized_ = true;
}

void Communicator::set_timeout(int32_t timeout_ms) {
    check_timeout(timeout_ms);
    timeout_ = std::chrono::milliseconds(timeout_ms);
}

void Communicator::require_initialized() const {
    if (!initialized_) fail(NN_DIST_ERR_NOT_INITIALIZED, "call nn_dist_init first (and not after nn_dist_finalize)");
}

int Communicator::rank() const {
    require_initialized();
    return rank_;
}

int Communicator::size() const {
    require_initialized();
    return size_;
}

int64_t Communicator::add(MPI_Request request, std::string what) {
    int64_t id = next_id_++;
    pending_.emplace(id, Pending{request, entered_, std::move(what)});
    return id;
}

int64_t Communicator::allreduce_start(void* buffer, int64_t count, nn_dist_dtype dtype) {
    require_initialized();
    int n = checked_count(buffer, count);
    MPI_Datatype type = mpi_type(dtype);
    MPI_Request request;
    ++entered_;
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, buffer, n, type, MPI_SUM, data_, &request), "MPI_Iallreduce");
    return add(request, "all-reduce of " + std::to_string(count) + " " + type_name(dtype));
}

int64_t Communicator::broadcast_start(void* buffer, int64_t count, nn_dist_dtype dtype, int root) {
    require_initialized();
    int n = checked_count(buffer, count);
    MPI_Datatype type = mpi_type(dtype);
    if (root < 0 || root >= size_) invalid_argument("root must be in [0, ", size_, "). Received: root=", root);
    MPI_Request request;
    ++entered_;
    check_mpi(MPI_Ibcast(buffer, n, type, root, data_, &request), "MPI_Ibcast");
    return add(request, "broadcast of " + std::to_string(count) + " " + type_name(dtype) + " from rank " + std::to_string(root));
}

int64_t Communicator::barrier_start() {
    require_initialized();
    MPI_Request request;
    ++entered_;
    check_mpi(MPI_Ibarrier(data_, &request), "MPI_Ibarrier");
    return add(request, "barrier");
}

Communicator::Pending& Communicator::find(int64_t id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) invalid_argument("request is not a pending request of this process. Received: request=", id);
    return it->second;
}

bool Communicator::test(int64_t id) {
    require_initialized();
    Pending& p = find(id);
    if (p.request == MPI_REQUEST_NULL) return true;
    int done = 0;
    check_mpi(MPI_Test(&p.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    serve_liveness_queries();
    return done != 0;
}

void Communicator::wait(int64_t id) {
    require_initialized();
    Pending& p = find(id);
    struct Erase {
        Communicator* self;
        int64_t id;
        ~Erase() { self->pending_.erase(id); }
    } erase{this, id};
    const auto since = Clock::now(), deadline = since + timeout_;
    for (int64_t polls = 0;; ++polls) {
        if (p.request == MPI_REQUEST_NULL) return;
        int done = 0;
        check_mpi(MPI_Test(&p.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) return;
        serve_liveness_queries();
        if (Clock::now() > deadline) diagnose_timeout(p);
        back_off(polls, since);
    }
}

// Answers every "are you alive?" that has arrived; cheap when none has (one MPI_Iprobe).
void Communicator::serve_liveness_queries() {
    collect_finished_replies();
    for (auto it = orphans_.begin(); it != orphans_.end();) {
        int done = 0;
        MPI_Test(&*it, &done, MPI_STATUS_IGNORE);
        it = done ? orphans_.erase(it) : std::next(it);
    }
    for (;;) {
        int flag = 0;
        MPI_Status status;
        check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, kTagQuery, control_, &flag, &status), "MPI_Iprobe");
        if (!flag) return;
        int64_t their = 0;
        check_mpi(MPI_Recv(&their, 1, MPI_INT64_T, status.MPI_SOURCE, kTagQuery, control_, MPI_STATUS_IGNORE), "MPI_Recv");
        replies_.emplace_back(MPI_REQUEST_NULL, entered_);
        auto& reply = replies_.back();
        check_mpi(MPI_Isend(&reply.second, 1, MPI_INT64_T, status.MPI_SOURCE, kTagReply, control_, &reply.first), "MPI_Isend");
    }
}

void Communicator::collect_finished_replies() {
    for (auto it = replies_.begin(); it != replies_.end();) {
        int done = 0;
        MPI_Test(&it->first, &done, MPI_STATUS_IGNORE);
        it = done ? replies_.erase(it) : std::next(it);
    }
}

void Communicator::diagnose_timeout(Pending& pending) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    // Long enough for a live peer that is between two collectives to reach its next wait.
    const auto grace = std::clamp(timeout_ / 4, milliseconds(1000), milliseconds(10000));
    std::vector<int64_t> asked(static_cast<size_t>(size_), entered_);
    std::vector<MPI_Request> queries;
    for (int r = 0; r < size_; ++r) {
        if (r == rank_) continue;
        queries.push_back(MPI_REQUEST_NULL);
        check_mpi(MPI_Isend(&asked[static_cast<size_t>(r)], 1, MPI_INT64_T, r, kTagQuery, control_, &queries.back()), "MPI_Isend");
    }
    std::vector<int64_t> seen(static_cast<size_t>(size_), -1);
    seen[static_cast<size_t>(rank_)] = entered_;
    int answered = 1;
    const auto asked_at = Clock::now(), until = asked_at + grace;
    for (int64_t polls = 0; answered < size_ && Clock::now() < until; ++polls) {
        int done = 0;
        check_mpi(MPI_Test(&pending.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) return;  // only slow after all (the queries are answered or dropped at exit)
        serve_liveness_queries();
        int flag = 0;
        MPI_Status status;
        check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, kTagReply, control_, &flag, &status), "MPI_Iprobe");
        if (flag) {
            int64_t theirs = 0;
            check_mpi(MPI_Recv(&theirs, 1, MPI_INT64_T, status.MPI_SOURCE, kTagReply, control_, MPI_STATUS_IGNORE), "MPI_Recv");
            if (seen[static_cast<size_t>(status.MPI_SOURCE)] < 0) ++answered;
            seen[static_cast<size_t>(status.MPI_SOURCE)] = theirs;
        }
        back_off(polls, asked_at);
    }
    // The unanswered queries stay in flight: the job is about to be aborted.
    for (auto& q : queries) MPI_Request_free(&q);
    orphans_.push_back(pending.request);
    pending.request = MPI_REQUEST_NULL;

    std::ostringstream s;
    s << "rank " << rank_ << ": " << pending.what << " (collective #" << pending.sequence << ") did not complete within "
      << duration_cast<milliseconds>(timeout_).count() / 1000.0 << " s; ";
    std::vector<int> lost;
    for (int r = 0; r < size_; ++r)
        if (seen[static_cast<size_t>(r)] < 0) lost.push_back(r);
    if (!lost.empty()) {
        s << (lost.size() == 1 ? "lost rank " : "lost ranks ");
        for (size_t i = 0; i < lost.size(); ++i) s << (i ? ", " : "") << lost[i];
        s << " (no sign of life within " << duration_cast<milliseconds>(grace).count() / 1000.0
          << " s: the process died, hung, or is busy longer than the timeout)";
    } else {
        s << "every rank answered, at collectives";
        for (int r = 0; r < size_; ++r) s << (r ? ", " : " ") << "rank " << r << " #" << seen[static_cast<size_t>(r)];
        s << " (the ranks issued different collectives)";
    }
    fail(NN_DIST_ERR_PEER_LOST, s.str());
}

void Communicator::abort(int exit_code) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized) fail(NN_DIST_ERR_NOT_INITIALIZED, "MPI is not initialized in this process; nothing to abort");
    MPI_Abort(MPI_COMM_WORLD, exit_code);
}

void Communicator::finalize() {
    require_initialized();
    if (!pending_.empty())
        fail(NN_DIST_ERR_INVALID_ARGUMENT, std::to_string(pending_.size()) + " collective(s) are still pending; wait for them before nn_dist_finalize");
    // A timed-out collective completes once its lost rank catches up. That can happen just before
    // this rank's last collective returns, with no test of the orphan in between (the wait loop
    // tests its own request first), so give the orphans up to the timeout before calling them lost.
    const auto since = Clock::now(), deadline = since + timeout_;
    for (int64_t polls = 0; Clock::now() <= deadline; ++polls) {
        serve_liveness_queries();
        if (orphans_.empty()) break;
        back_off(polls, since);
    }
    for (auto& r : replies_) MPI_Request_free(&r.first);
    replies_.clear();
    if (!orphans_.empty()) fail(NN_DIST_ERR_PEER_LOST, std::to_string(orphans_.size()) + " timed-out collective(s) never completed; end the job with nn_dist_abort");
    MPI_Comm_free(&control_);
    MPI_Comm_free(&data_);
    initialized_ = false;
    if (owns_mpi_) check_mpi(MPI_Finalize(), "MPI_Finalize");
}

}  // namespace nn::dist
