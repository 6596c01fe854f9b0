// Whole-layer scalar reference of the recurrent forward and backward through time, written
// independently of the fast driver: one sequence at a time, plain dot products per step, no
// SGEMM, no workspace. Instantiated for float (the tests' ground truth) and double (for
// finite-difference checks of the reference itself). Same ABI semantics as nn_rnn_forward /
// nn_rnn_backward for one layer and one direction (desc.reverse honoured).
#pragma once
#include <cstdint>

#include "nativenet.h"

namespace nn::rnn::ref {

template <class T>
void forward(const nn_rnn_desc& d, const T* x, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
             const T* h0, const T* c0, const int64_t* lengths, T* y, T* h_n, T* c_n);

// Gradients overwrite. dy, dh_n, dc_n nullable (zeros); dh0, dc0, db_ih, db_hh nullable (not wanted).
template <class T>
void backward(const nn_rnn_desc& d, const T* x, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
              const T* h0, const T* c0, const int64_t* lengths, const T* dy, const T* dh_n, const T* dc_n, T* dx,
              T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh);

}  // namespace nn::rnn::ref
