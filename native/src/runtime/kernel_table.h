// The one kernel-table convention every area follows (registration as data, as in BLIS):
//
//   namespace nn::<area> {
//   struct kernels { const char* isa; ...micro-kernels, tile shapes, blocking... };
//   NN_KERNEL_TABLES(kernels)
//   }
//
// declares
//   <area>::ref_kernels       the scalar reference table (kernels/ref/<area>_ref.cpp), always built;
//   <area>::avx2_kernels()    the ISA tables (kernels/<isa>/<area>_<isa>.cpp), built inside their
//   <area>::avx512_kernels()  accessors so no ISA code runs before dispatch chose it; null where
//   <area>::neon_kernels()    this build lacks the path;
//   <area>::active()          the table this process uses, chosen once (nn::choose_table).
// src/dispatch/kernel_tables.cpp defines every area's active() and the null accessors of the
// paths a build does not compile, in one place: a new area adds one line there.
#pragma once

#define NN_KERNEL_TABLES(K)                                                            \
    extern const K ref_kernels;                                                        \
    const K* avx2_kernels() noexcept;                                                  \
    const K* avx512_kernels() noexcept;                                                \
    const K* neon_kernels() noexcept;                                                  \
    const K& active() noexcept;
