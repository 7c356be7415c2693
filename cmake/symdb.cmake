# SPDX-License-Identifier: MIT
# symdb: generate ${CMAKE_BINARY_DIR}/generated/symdb_table.h from symdb/symdb.tsv at build time,
# with a small host C tool (symdb/tools/tsv2c.c) that also validates every row, so the build needs
# nothing beyond the C compiler. The optional DWARF generator (needs elfutils' libdw) is built
# when libdw is found; it is a maintainer tool and not needed to build or run isfcarve.

add_executable(ic_symdb_tsv2c ${CMAKE_SOURCE_DIR}/symdb/tools/tsv2c.c ${CMAKE_SOURCE_DIR}/symdb/typeexpr.c)
target_include_directories(ic_symdb_tsv2c PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_compile_definitions(ic_symdb_tsv2c PRIVATE _GNU_SOURCE)
target_compile_options(ic_symdb_tsv2c PRIVATE ${IC_WARNINGS})

set(IC_SYMDB_TSV ${CMAKE_SOURCE_DIR}/symdb/symdb.tsv)
set(IC_SYMDB_TABLE ${CMAKE_BINARY_DIR}/generated/symdb_table.h)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${IC_SYMDB_TABLE}
  COMMAND ic_symdb_tsv2c ${IC_SYMDB_TSV} ${IC_SYMDB_TABLE}.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${IC_SYMDB_TABLE}.tmp ${IC_SYMDB_TABLE}
  DEPENDS ic_symdb_tsv2c ${IC_SYMDB_TSV}
  COMMENT "symdb: ${IC_SYMDB_TSV} -> generated/symdb_table.h"
  VERBATIM)
add_custom_target(ic_symdb_table DEPENDS ${IC_SYMDB_TABLE})
add_dependencies(isfcarve_obj ic_symdb_table)
set_source_files_properties(${CMAKE_SOURCE_DIR}/symdb/symdb.c PROPERTIES OBJECT_DEPENDS ${IC_SYMDB_TABLE})

pkg_check_modules(LIBDW IMPORTED_TARGET libdw)
if(LIBDW_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/symdb/tools/dwarf2symdb.c)
  add_executable(ic_dwarf2symdb ${CMAKE_SOURCE_DIR}/symdb/tools/dwarf2symdb.c
                 ${CMAKE_SOURCE_DIR}/symdb/typeexpr.c)
  target_include_directories(ic_dwarf2symdb PRIVATE ${CMAKE_SOURCE_DIR}/include)
  target_compile_definitions(ic_dwarf2symdb PRIVATE _GNU_SOURCE)
  target_compile_options(ic_dwarf2symdb PRIVATE ${IC_WARNINGS})
  target_link_libraries(ic_dwarf2symdb PRIVATE PkgConfig::LIBDW)
endif()
