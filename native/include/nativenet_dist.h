/*
 * nativenet_dist.h - the C ABI of libnativenet_mpi, NativeNet's data-parallel communication module.
 *
 * Overview
 *   A thin layer over MPI for data-parallel training: every process ("rank") holds a full copy of
 *   the model, and gradients are summed across ranks with all-reduce. It is a library of its own,
 *   built only where CMake finds MPI, so libnativenet and the NuGet package never depend on MPI.
 *   The process is started by the MPI launcher (mpirun, mpiexec, srun); nn_dist_init joins it.
 *
 * Conventions (as nativenet.h)
 *   - Every fallible function returns nn_dist_status (NN_DIST_OK = 0); on failure
 *     nn_dist_last_error() returns a thread-local message. No C++ exception crosses this boundary.
 *   - Calls are serialized by the caller (MPI_THREAD_SERIALIZED): one call at a time, any thread.
 *   - Collectives never block forever: each waits at most the timeout given to nn_dist_init. When
 *     it expires, the ranks that are still alive are asked for a sign of life; the call returns
 *     NN_DIST_ERR_PEER_LOST and the message names the ranks that gave none (dead or hung). MPI
 *     cannot cancel a collective, so the caller then ends the job with nn_dist_abort.
 *
 * Worked example (two processes: mpirun -np 2 ./a.out)
 *   float g[3] = {1, 2, 3};
 *   if (nn_dist_init(30000) != NN_DIST_OK) { fprintf(stderr, "%s\n", nn_dist_last_error()); return 1; }
 *   if (nn_dist_allreduce(g, 3, NN_DIST_FLOAT32) != NN_DIST_OK) nn_dist_abort(1);
 *   // g = {2, 4, 6} on both ranks
 *   nn_dist_finalize();
 */
#ifndef NATIVENET_DIST_H
#define NATIVENET_DIST_H

#include <stdint.h>

#if defined(_WIN32)
#  if defined(NN_BUILDING_LIBRARY)
#    define NN_DIST_API __declspec(dllexport)
#  else
#    define NN_DIST_API __declspec(dllimport)
#  endif
#else
#  define NN_DIST_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#  define NN_DIST_ENUM(name) enum name : int32_t
#else
#  define NN_DIST_ENUM(name) enum name
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Result of every fallible call; values 0-4 mean what nn_status's do. */
typedef NN_DIST_ENUM(nn_dist_status) {
    NN_DIST_OK = 0,
    NN_DIST_ERR_INVALID_ARGUMENT = 1, /* an argument is null, negative, too large or inconsistent */
    NN_DIST_ERR_OUT_OF_MEMORY = 2,
    NN_DIST_ERR_UNSUPPORTED = 3,      /* e.g. the MPI library lacks the thread level needed */
    NN_DIST_ERR_INTERNAL = 4,         /* an unexpected C++ exception was caught at the boundary */
    NN_DIST_ERR_NOT_INITIALIZED = 5,  /* nn_dist_init has not succeeded (or finalize ran) */
    NN_DIST_ERR_MPI = 6,              /* MPI reported an error; the message holds its text */
    NN_DIST_ERR_PEER_LOST = 7         /* a collective timed out; the message names the lost ranks */
} nn_dist_status;

/** Element type of a collective's buffer. Reductions are sums. */
typedef NN_DIST_ENUM(nn_dist_dtype) {
    NN_DIST_FLOAT32 = 0,
    NN_DIST_FLOAT64 = 1
} nn_dist_dtype;

/** Thread-local message of the last failed call on this thread (empty after a success). */
NN_DIST_API const char* nn_dist_last_error(void);

/** Joins the MPI job (MPI_Init_thread unless MPI is already initialized). timeout_ms (> 0) bounds
 *  every later wait. Idempotent: a second call only updates the timeout. */
NN_DIST_API nn_dist_status nn_dist_init(int32_t timeout_ms);

/** Changes the wait bound of later collectives (> 0 ms). */
NN_DIST_API nn_dist_status nn_dist_set_timeout(int32_t timeout_ms);

/** This process's rank, 0 … size-1. */
NN_DIST_API nn_dist_status nn_dist_rank(int32_t* rank);

/** Number of ranks in the job. */
NN_DIST_API nn_dist_status nn_dist_size(int32_t* size);

/** Starts an in-place sum of buffer[0..count) across ranks; *request identifies it for
 *  nn_dist_test / nn_dist_wait. The buffer must stay untouched until the wait returns. */
NN_DIST_API nn_dist_status nn_dist_allreduce_start(void* buffer, int64_t count, nn_dist_dtype dtype, int64_t* request);

/** Drives communication and reports whether *request finished (*done = 1); never blocks. */
NN_DIST_API nn_dist_status nn_dist_test(int64_t request, int32_t* done);

/** Waits for *request, at most the timeout; frees it on return (even on failure). */
NN_DIST_API nn_dist_status nn_dist_wait(int64_t request);

/** In-place sum across ranks (start + wait). */
NN_DIST_API nn_dist_status nn_dist_allreduce(void* buffer, int64_t count, nn_dist_dtype dtype);

/** Copies root's buffer[0..count) to every rank. */
NN_DIST_API nn_dist_status nn_dist_broadcast(void* buffer, int64_t count, nn_dist_dtype dtype, int32_t root);

/** Returns once every rank has entered it (or the timeout names the missing ones). */
NN_DIST_API nn_dist_status nn_dist_barrier(void);

/** Ends the whole job: every rank exits with exit_code (MPI_Abort). Returns only if MPI is absent. */
NN_DIST_API nn_dist_status nn_dist_abort(int32_t exit_code);

/** Leaves the job cleanly (MPI_Finalize); call once, after the last collective, on every rank. */
NN_DIST_API nn_dist_status nn_dist_finalize(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NATIVENET_DIST_H */
