// Errors inside the library and the guard that turns every C++ exception into an nn_status.
#pragma once
#include "nativenet.h"

#include <cstdint>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>

namespace nn {

// An error with the status the C ABI should report. Thrown by checks, caught by nn::guard.
class status_error : public std::runtime_error {
public:
    status_error(nn_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    nn_status status() const noexcept { return status_; }

private:
    nn_status status_;
};

// Records the thread-local message returned by nn_last_error().
void set_last_error(const char* message) noexcept;
void clear_last_error() noexcept;

// Builds "what. Received: name=value" messages, the shape every argument error has.
template <class... Parts>
[[noreturn]] void invalid_argument(const Parts&... parts) {
    std::ostringstream s;
    (s << ... << parts);
    throw status_error(NN_ERR_INVALID_ARGUMENT, s.str());
}

// Common argument checks. `name` is the C parameter name, so messages point at the call site.
inline void check_not_null(const void* p, const char* name) {
    if (p == nullptr) invalid_argument(name, " must not be null. Received: ", name, "=NULL");
}
inline void check_non_negative(int64_t v, const char* name) {
    if (v < 0) invalid_argument(name, " must be >= 0. Received: ", name, "=", v);
}
inline void check_positive(int64_t v, const char* name) {
    if (v <= 0) invalid_argument(name, " must be > 0. Received: ", name, "=", v);
}
// Pointers may only be null when nothing is read or written through them.
inline void check_buffer(const void* p, int64_t count, const char* name) {
    if (count > 0 && p == nullptr)
        invalid_argument(name, " must not be null when it holds ", count, " elements. Received: ", name, "=NULL");
}
// a*b without signed overflow; throws naming `what` when it would overflow.
inline int64_t checked_mul(int64_t a, int64_t b, const char* what) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        invalid_argument(what, " overflows int64. Received: ", a, " * ", b);
    return r;
}

// a+b without signed overflow; throws naming `what` when it would overflow.
inline int64_t checked_add(int64_t a, int64_t b, const char* what) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) invalid_argument(what, " overflows int64. Received: ", a, " + ", b);
    return r;
}

// Runs `body` and converts any exception into a status plus a last-error message.
// Every exported function goes through this: no C++ exception crosses the C ABI.
template <class Body>
nn_status guard(const char* function, Body&& body) noexcept {
    try {
        clear_last_error();
        body();
        return NN_OK;
    } catch (const status_error& e) {
        std::string m = std::string(function) + ": " + e.what();
        set_last_error(m.c_str());
        return e.status();
    } catch (const std::bad_alloc&) {
        std::string m = std::string(function) + ": out of memory";
        set_last_error(m.c_str());
        return NN_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        std::string m = std::string(function) + ": internal error: " + e.what();
        set_last_error(m.c_str());
        return NN_ERR_INTERNAL;
    } catch (...) {
        std::string m = std::string(function) + ": internal error: unknown exception";
        set_last_error(m.c_str());
        return NN_ERR_INTERNAL;
    }
}

}  // namespace nn
