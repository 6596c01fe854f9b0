# Fails when one symbol is defined in the objects of more than one instruction set.
# The kernels/<isa> folders are compiled with their ISA's flags and the rest of the library
# (src/, kernels/ref) with none. A function with external linkage (a plain `inline` function in a
# shared header, a template instance, weak and COMDAT symbols included) emitted into two such
# objects is kept once by the linker, which picks either copy for every caller: an AVX2-only CPU
# may then run the copy compiled for AVX-512 and die of SIGILL. Shared headers give their code
# internal linkage (kernels/common/simd.h) so each object keeps its own copy, and this check
# holds them to it.
# Usage: cmake -DNM=<nm> -DOBJECTS=<a;b;...> -P check_isa_symbols.cmake
# An object's ISA is the /avx2/, /avx512/, /avx512_bf16/ or /neon/ folder in its path; any other is portable.
if(NOT OBJECTS)
  message(FATAL_ERROR "no OBJECTS given: the check would prove nothing")
endif()
set(all "")
set(isas "")
# One nm run over every object (one per object costs seconds on a loaded machine). Defined
# external symbols only: global, weak (W/V, COMDAT included) and GNU unique (u).
execute_process(COMMAND "${NM}" --defined-only --extern-only -A ${OBJECTS} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${OBJECTS}")
endif()
# With -A every line reads "<object>: <address> <type> <name>" (a ';' never occurs in either).
string(REGEX MATCHALL "[^\n]+" lines "${out}")
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^(.*): *[0-9a-fA-F]* +[A-Za-z] (.+)$")
    continue()
  endif()
  set(name "${CMAKE_MATCH_2}")
  # DW.ref.__gxx_personality_v0 and its kind: a COMDAT data word holding the address of the
  # C++ personality routine, emitted by the compiler into every object with unwind tables (-fPIC,
  # sanitizer builds). It is data, identical in every object, never code compiled for an ISA.
  if(name MATCHES "^DW\\.ref\\.")
    continue()
  endif()
  if(CMAKE_MATCH_1 MATCHES "/(avx2|avx512_bf16|avx512|neon)/")
    set(isa "${CMAKE_MATCH_1}")
  else()
    set(isa portable)
  endif()
  list(APPEND isas ${isa})
  list(APPEND all_${isa} "${name}")
endforeach()
foreach(obj IN LISTS OBJECTS)  # objects without external symbols still count
  if(obj MATCHES "/(avx2|avx512_bf16|avx512|neon)/")
    list(APPEND isas ${CMAKE_MATCH_1})
  else()
    list(APPEND isas portable)
  endif()
endforeach()
list(REMOVE_DUPLICATES isas)
list(LENGTH isas nisa)
if(nisa LESS 2)
  message(FATAL_ERROR "objects of one ISA only (${isas}): the check would prove nothing")
endif()
# A symbol in k ISAs appears k times once each ISA's list holds it once.
foreach(isa IN LISTS isas)
  list(REMOVE_DUPLICATES all_${isa})
  list(APPEND all ${all_${isa}})
endforeach()
list(SORT all)
set(prev "")
set(dups "")
foreach(sym IN LISTS all)
  if(sym STREQUAL prev)
    list(APPEND dups "${sym}")
  endif()
  set(prev "${sym}")
endforeach()
if(dups)
  list(REMOVE_DUPLICATES dups)
  set(report "")
  foreach(sym IN LISTS dups)
    set(where "")
    foreach(isa IN LISTS isas)
      list(FIND all_${isa} "${sym}" i)
      if(NOT i EQUAL -1)
        list(APPEND where ${isa})
      endif()
    endforeach()
    string(APPEND report "\n  ${sym}  (${where})")
  endforeach()
  message(FATAL_ERROR "symbols defined in more than one ISA's objects (give them internal linkage: "
                      "kernels/common/simd.h explains why):${report}")
endif()
list(LENGTH OBJECTS nobj)
message(STATUS "${nobj} objects (${isas}): no symbol defined for more than one ISA")
