# Cross toolchain: win-x64 from Debian with MinGW-w64 (posix threads variant, for std::thread).
#   apt-get install g++-mingw-w64-x86-64-posix wine64 googletest
#   cmake -S . -B artifacts/native/win-x64 -DCMAKE_TOOLCHAIN_FILE=eng/toolchains/win-x64.cmake
# native/CMakeLists.txt links MinGW builds with -static, so nativenet.dll imports only Windows
# system DLLs (check: x86_64-w64-mingw32-objdump -p nativenet.dll | grep 'DLL Name').
# Tests run under Wine through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(NN_CROSS_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${NN_CROSS_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${NN_CROSS_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${NN_CROSS_TRIPLE}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${NN_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The test executable links the C++ runtime statically too, so Wine needs no MinGW DLL path.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

find_program(NN_WINE NAMES wine64 wine)
if(NN_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${NN_WINE})
endif()
