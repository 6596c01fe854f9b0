#include "error.h"

#include <cstring>

namespace nn {
namespace {
// Fixed-size so that recording an error can never itself throw.
thread_local char g_last_error[1024] = {0};
}  // namespace

void set_last_error(const char* message) noexcept {
    std::strncpy(g_last_error, message, sizeof(g_last_error) - 1);
    g_last_error[sizeof(g_last_error) - 1] = '\0';
}

void clear_last_error() noexcept { g_last_error[0] = '\0'; }

const char* last_error() noexcept { return g_last_error; }

}  // namespace nn
