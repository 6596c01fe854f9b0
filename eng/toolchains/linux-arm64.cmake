# Cross toolchain: linux-arm64 (AArch64) from an x86-64 Debian host.
#   apt-get install g++-aarch64-linux-gnu qemu-user googletest
#   cmake -S . -B artifacts/native/linux-arm64 -DCMAKE_TOOLCHAIN_FILE=eng/toolchains/linux-arm64.cmake
# Tests run under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR (ctest needs no binfmt setup).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(NN_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${NN_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${NN_CROSS_TRIPLE}-g++)

# Headers, libraries and packages come from the target sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${NN_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(NN_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(NN_QEMU_AARCH64)
  # -L: where the emulated dynamic loader finds ld-linux-aarch64.so.1, libc and libstdc++.
  set(CMAKE_CROSSCOMPILING_EMULATOR ${NN_QEMU_AARCH64} -L /usr/${NN_CROSS_TRIPLE})
endif()
