# SPDX-License-Identifier: MIT
# Optional page codecs for compressed dump formats (kdump-compressed: lzo, snappy, zstd; AVML: snappy).
# Each found library defines IC_HAVE_<CODEC>=1 for the library; without it the reader fails with an
# "unsupported compression" error naming the package to install.
foreach(codec LZO2 SNAPPY ZSTD)
  set(IC_HAVE_${codec} OFF)
endforeach()

pkg_check_modules(IC_LZO2 QUIET IMPORTED_TARGET lzo2)
if(IC_LZO2_FOUND)
  target_link_libraries(isfcarve_obj PUBLIC PkgConfig::IC_LZO2)
  set(IC_HAVE_LZO2 ON)
else()
  find_path(IC_LZO2_INC lzo/lzo1x.h)
  find_library(IC_LZO2_LIB lzo2)
  if(IC_LZO2_INC AND IC_LZO2_LIB)
    target_include_directories(isfcarve_obj PUBLIC ${IC_LZO2_INC})
    target_link_libraries(isfcarve_obj PUBLIC ${IC_LZO2_LIB})
    set(IC_HAVE_LZO2 ON)
  endif()
endif()

# libsnappy ships no pkg-config file on Debian.
pkg_check_modules(IC_SNAPPY QUIET IMPORTED_TARGET snappy)
if(IC_SNAPPY_FOUND)
  target_link_libraries(isfcarve_obj PUBLIC PkgConfig::IC_SNAPPY)
  set(IC_HAVE_SNAPPY ON)
else()
  find_path(IC_SNAPPY_INC snappy-c.h)
  find_library(IC_SNAPPY_LIB snappy)
  if(IC_SNAPPY_INC AND IC_SNAPPY_LIB)
    target_include_directories(isfcarve_obj PUBLIC ${IC_SNAPPY_INC})
    target_link_libraries(isfcarve_obj PUBLIC ${IC_SNAPPY_LIB})
    set(IC_HAVE_SNAPPY ON)
  endif()
endif()

pkg_check_modules(IC_ZSTD QUIET IMPORTED_TARGET libzstd)
if(IC_ZSTD_FOUND)
  target_link_libraries(isfcarve_obj PUBLIC PkgConfig::IC_ZSTD)
  set(IC_HAVE_ZSTD ON)
endif()

foreach(codec LZO2 SNAPPY ZSTD)
  if(IC_HAVE_${codec})
    target_compile_definitions(isfcarve_obj PRIVATE IC_HAVE_${codec}=1)
  endif()
endforeach()
message(STATUS "isfcarve dump codecs: zlib=ON lzo=${IC_HAVE_LZO2} snappy=${IC_HAVE_SNAPPY} zstd=${IC_HAVE_ZSTD}")


# bench/bench_formats.sh: decoding alone (no carvers) is the floor for compressed-format scans.
add_executable(ic_decode_floor ${CMAKE_SOURCE_DIR}/bench/decode_floor.c
               ${CMAKE_SOURCE_DIR}/src/cli/memtune.c)
target_compile_options(ic_decode_floor PRIVATE ${IC_WARNINGS})
target_link_libraries(ic_decode_floor PRIVATE isfcarve_static)
