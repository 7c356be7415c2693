# SPDX-License-Identifier: MIT
# --dwarf (src/6-typing/dwarf/): kernel types from a debug vmlinux's DWARF, read with elfutils'
# libdw. Optional: without libdw the library builds and --dwarf says it is not built in.
option(IC_WITH_LIBDW "Build DWARF support (--dwarf) when elfutils' libdw is found" ON)
set(IC_PC_LIBDW "")
if(IC_WITH_LIBDW)
  pkg_check_modules(LIBDW IMPORTED_TARGET libdw)
endif()
if(IC_WITH_LIBDW AND LIBDW_FOUND)
  target_compile_definitions(isfcarve_obj PRIVATE IC_HAVE_LIBDW)
  target_link_libraries(isfcarve_obj PUBLIC PkgConfig::LIBDW)
  set(IC_PC_LIBDW " libdw")
  message(STATUS "isfcarve: DWARF support (--dwarf) with libdw ${LIBDW_VERSION}")
else()
  message(STATUS "isfcarve: no libdw: --dwarf not built in (apt install libdw-dev)")
endif()
