# Fails when an ISA-specific object file (kernels/avx2, avx512, avx512_bf16, neon) carries load-time code.
# Such files are compiled with that ISA's flags; a namespace-scope dynamic initializer in one
# runs when the library is loaded, on every CPU, and kills an AVX2-only machine with SIGILL
# before dispatch gets a say (found on a Zen 3 host). Tables are built inside their accessors.
# Usage: cmake -DNM=<nm> -DOBJECTS=<a;b;...> -P check_isa_objects.cmake
set(bad "")
set(checked 0)
foreach(obj IN LISTS OBJECTS)
  if(NOT obj MATCHES "/kernels/(avx2|avx512_bf16|avx512|neon)/")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  execute_process(COMMAND "${NM}" "${obj}" OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${obj}")
  endif()
  if(syms MATCHES "_GLOBAL__sub_I")
    list(APPEND bad "${obj}")
  endif()
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no ISA-specific object files among OBJECTS: the check would prove nothing")
endif()
if(bad)
  message(FATAL_ERROR "load-time code in ISA-specific objects (move tables into their accessors): ${bad}")
endif()
message(STATUS "${checked} ISA-specific objects have no load-time code")
