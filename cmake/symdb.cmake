# SPDX-License-Identifier: MIT
# symdb: generate ${CMAKE_BINARY_DIR}/generated/symdb_table.h from symdb/symdb.tsv at build time,
# with a small host C tool (symdb/tools/tsv2c.c) that also validates every row, so the build needs
# nothing beyond the C compiler. The optional DWARF generator (needs elfutils' libdw) is built
# when libdw is found; it is a maintainer tool and not needed to build or run isfcarve.

add_executable(ic_symdb_tsv2c ${CMAKE_SOURCE_DIR}/symdb/tools/tsv2c.c ${CMAKE_SOURCE_DIR}/symdb/typeexpr.c)
target_include_directories(ic_symdb_tsv2c PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_compile_definitions(ic_symdb_tsv2c PRIVATE _GNU_SOURCE)
target_compile_options(ic_symdb_tsv2c PRIVATE ${IC_WARNINGS})

file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/generated)
# one table per architecture: symdb.tsv (x86-64) -> symdb_table.h (ic_symdb_*),
# symdb-arm64.tsv -> symdb_table_arm64.h (ic_symdb_arm64_*)
set(IC_SYMDB_TABLES)
foreach(pair "symdb.tsv;symdb_table.h;ic_symdb" "symdb-arm64.tsv;symdb_table_arm64.h;ic_symdb_arm64")
  list(GET pair 0 tsv)
  list(GET pair 1 hdr)
  list(GET pair 2 ident)
  set(out ${CMAKE_BINARY_DIR}/generated/${hdr})
  add_custom_command(
    OUTPUT ${out}
    COMMAND ic_symdb_tsv2c ${CMAKE_SOURCE_DIR}/symdb/${tsv} ${out}.tmp ${ident}
    COMMAND ${CMAKE_COMMAND} -E rename ${out}.tmp ${out}
    DEPENDS ic_symdb_tsv2c ${CMAKE_SOURCE_DIR}/symdb/${tsv}
    COMMENT "symdb: symdb/${tsv} -> generated/${hdr}"
    VERBATIM)
  list(APPEND IC_SYMDB_TABLES ${out})
endforeach()
add_custom_target(ic_symdb_table DEPENDS ${IC_SYMDB_TABLES})
add_dependencies(isfcarve_obj ic_symdb_table)
set_source_files_properties(${CMAKE_SOURCE_DIR}/symdb/symdb.c PROPERTIES OBJECT_DEPENDS "${IC_SYMDB_TABLES}")

pkg_check_modules(LIBDW IMPORTED_TARGET libdw)
if(LIBDW_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/symdb/tools/dwarf2symdb.c)
  add_executable(ic_dwarf2symdb ${CMAKE_SOURCE_DIR}/symdb/tools/dwarf2symdb.c
                 ${CMAKE_SOURCE_DIR}/symdb/typeexpr.c)
  target_include_directories(ic_dwarf2symdb PRIVATE ${CMAKE_SOURCE_DIR}/include)
  target_compile_definitions(ic_dwarf2symdb PRIVATE _GNU_SOURCE)
  target_compile_options(ic_dwarf2symdb PRIVATE ${IC_WARNINGS})
  target_link_libraries(ic_dwarf2symdb PRIVATE PkgConfig::LIBDW)
endif()
